"""The HTTP service's security as an attacker meets it, over a real uvicorn server: keys limited to projects on
every route that names one, wrong keys rate limited per client address, no server path in errors, the API's
description behind the key, and an OpenAPI document whose types match what the server sends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import openai
import pytest

from copilot.analysis.themes import discover_themes
from copilot.api.app import create_app
from copilot.config import Settings
from copilot.drafts import registry
from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.pipeline import ingest
from copilot.store import open_store
from tests.api_server import api_server
from tests.conftest import write
from tests.test_themes import _rows

KEYS = "alpha-key:a,both-key:a|b,admin-key:*,legacy-key"
ALPHA, BOTH, ADMIN, LEGACY = ({"Authorization": f"Bearer {k}"} for k in KEYS.replace(":", ",").split(",")[::2])


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    data = tmp_path_factory.mktemp("scoped")
    settings = Settings(data_dir=data, api_keys=KEYS)  # type: ignore[arg-type]
    store = open_store(settings)
    csv, _ = _rows(3, 30)
    for project in ("a", "b"):
        ingest(store, [write(data / "in" / f"{project}.csv", csv)], project)
    discover_themes(store, "a")
    with api_server(settings) as url:
        yield url, settings


def _wait(url: str, job_id: str, headers: dict[str, str], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def _filled(path: str, project: str) -> str:
    return path.format(project=project, model_id=project, kind="pain-points", record_id="r1")


def test_a_limited_key_gets_403_on_every_route_that_names_another_project(scoped) -> None:
    url, settings = scoped
    paths = create_app(settings, worker=False).openapi()["paths"]
    named = [(m.upper(), p) for p, ops in paths.items() if "{project}" in p or "{model_id}" in p for m in ops]
    assert len(named) >= 10  # ingest, delete, search, themes (2), records, drafts, chat, survey reports, models
    for method, path in named:
        for project in ("b", "no-such-project"):  # refused whether or not it exists
            r = httpx.request(method, f"{url}{_filled(path, project)}", headers=ALPHA, params={"q": "x"})
            body = r.json()
            assert r.status_code == 403, (method, path, r.text)
            assert "forbidden" in (body.get("error_code"), body.get("error", {}).get("code")), body
    assert httpx.get(f"{url}/v1/projects/b/search", headers=BOTH, params={"q": "export"}).status_code == 200
    assert httpx.get(f"{url}/v1/projects/a/search", headers=ALPHA, params={"q": "export"}).status_code == 200
    assert httpx.delete(f"{url}/v1/projects/b", headers=ALPHA).status_code == 403
    assert "b" in [m["id"] for m in httpx.get(f"{url}/v1/models", headers=ADMIN).json()["data"]]  # still there


def test_models_list_only_what_the_key_may_use_and_the_openai_client_is_refused(scoped) -> None:
    url, _ = scoped
    ids = {k: [m["id"] for m in httpx.get(f"{url}/v1/models", headers=h).json()["data"]] for k, h in
           (("alpha", ALPHA), ("both", BOTH), ("admin", ADMIN), ("legacy", LEGACY))}  # fmt: skip
    assert ids == {"alpha": ["a"], "both": ["a", "b"], "admin": ["a", "b"], "legacy": ["a", "b"]}
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="alpha-key", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model="b", messages=[{"role": "user", "content": "why are exports slow?"}])
    assert refused.value.code == "forbidden"
    answer = client.chat.completions.create(model="a", messages=[{"role": "user", "content": "exports?"}])
    assert answer.choices[0].message.content


def test_a_job_is_visible_only_to_keys_that_may_use_its_project(scoped) -> None:
    url, _ = scoped
    job = httpx.post(f"{url}/v1/projects/b/themes", headers=BOTH).json()["job"]
    for path in (f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/result"):
        refused = httpx.get(f"{url}{path}", headers=ALPHA)
        assert refused.status_code == 403 and refused.json()["error_code"] == "forbidden"
    assert _wait(url, job["id"], headers=BOTH)["status"] == "done"
    assert httpx.get(f"{url}/v1/jobs/{job['id']}/result", headers=ADMIN).status_code == 200


@pytest.mark.parametrize(
    ("keys", "says"),
    [("k:", "entry 1"), ("ok,k:bad.name", "entry 2: project name 'bad.name'"), ("k,k:a", "listed twice")],
)
def test_a_malformed_key_list_stops_the_server_with_the_entry(tmp_path: Path, keys: str, says: str) -> None:
    with pytest.raises(CopilotError) as bad:
        create_app(Settings(data_dir=tmp_path, api_keys=keys), worker=False)  # type: ignore[arg-type]
    assert bad.value.code is ErrorCode.config and says in bad.value.detail


def test_wrong_keys_are_limited_per_client_address(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys="right-key", auth_failure_limit="5/minute")  # type: ignore[arg-type]
    with api_server(settings) as url, httpx.Client() as attacker:
        codes = [
            attacker.get(f"{url}/v1/draft-kinds", headers={"Authorization": f"Bearer guess-{n}"}).status_code
            for n in range(40)
        ]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        locked = attacker.get(f"{url}/v1/draft-kinds", headers={"Authorization": "Bearer right-key"})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1  # a right guess tells nothing
        assert locked.json()["error_code"] == "rate_limited"
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with other:  # another client address is not locked out
            assert other.get(f"{url}/v1/draft-kinds", headers={"Authorization": "Bearer right-key"}).status_code == 200


def test_an_unknown_project_is_named_without_the_servers_paths(scoped) -> None:
    url, settings = scoped
    r = httpx.get(f"{url}/v1/projects/nope/search", headers=LEGACY, params={"q": "x"})
    assert r.status_code == 404 and r.json()["detail"] == "project 'nope' does not exist; ingest into it first"
    completion = httpx.post(
        f"{url}/v1/chat/completions",
        headers=LEGACY,
        json={"model": "nope", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert completion.status_code == 404
    for text in (r.text, completion.text):
        assert str(settings.data_dir) not in text and "chroma" not in text


def test_the_api_description_needs_a_key_and_health_does_not(scoped) -> None:
    url, _ = scoped
    for path in ("/openapi.json", "/docs"):
        assert httpx.get(f"{url}{path}").status_code == 401
        assert httpx.get(f"{url}{path}", headers=ALPHA).status_code == 200
    for path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(f"{url}{path}").status_code == 200


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})


def test_openapi_declares_the_bearer_key_and_types_what_the_server_sends(scoped) -> None:
    url, _ = scoped
    spec = httpx.get(f"{url}/openapi.json", headers=ADMIN).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from COPILOT_API_KEYS (when it is set).",
    }
    operations = [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items()]
    assert all(op.get("security") == [{"HTTPBearer": []}] for _, _, op in operations)
    json_bodies = [(p, m, op["responses"].get("200", {}).get("content", {}).get("application/json"))
                   for p, m, op in operations]  # fmt: skip
    assert [(p, m) for p, m, c in json_bodies if c is not None and set(c.get("schema") or {}) <= {"title"}] == []

    draft_op = spec["paths"]["/v1/projects/{project}/drafts/{kind}"]["post"]["responses"]["200"]["content"]
    union = draft_op["application/json"]["schema"]
    assert set(union["discriminator"]["mapping"]) == set(registry.names())
    draft = httpx.post(f"{url}/v1/projects/a/drafts/pain-points", headers=ALPHA, json={}).json()
    _validator(spec, union).validate(draft)
    with pytest.raises(jsonschema.ValidationError):  # the discriminator picks the schema: a PRD needs its fields
        _validator(spec, union).validate(draft | {"kind": "prd"})

    job = httpx.post(f"{url}/v1/projects/a/themes", headers=ALPHA).json()["job"]
    _wait(url, job["id"], headers=ALPHA)
    result_schema = spec["paths"]["/v1/jobs/{job_id}/result"]["get"]["responses"]["200"]["content"]
    result = httpx.get(f"{url}/v1/jobs/{job['id']}/result", headers=ALPHA).json()
    _validator(spec, result_schema["application/json"]["schema"]).validate(result)
    models = httpx.get(f"{url}/v1/models", headers=ALPHA).json()
    models_schema = spec["paths"]["/v1/models"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _validator(spec, models_schema).validate(models)
