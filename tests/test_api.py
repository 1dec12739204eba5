"""The HTTP service, driven over a real uvicorn server on 127.0.0.1: auth, limits, errors, REST, drafts and jobs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from copilot.api import routes
from copilot.config import Settings
from copilot.store import open_store
from tests.api_server import api_server
from tests.openai_server import chat_server
from tests.test_themes import _rows

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def settings_for(data: Path, **extra: object) -> Settings:
    return Settings(data_dir=data, api_keys=KEY, **extra)  # type: ignore[arg-type]


def test_health_ready_and_metrics_need_no_key(served: tuple[str, Settings]) -> None:
    url, _ = served
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{url}/readyz").json()
    assert ready["status"] == "ready" and ready["store"] == "embedded" and ready["projects"] >= 1
    httpx.get(f"{url}/v1/projects/t/search", params={"q": "export"}, headers=AUTH)
    metrics = httpx.get(f"{url}/metrics").text
    assert 'copilot_http_requests_total{method="GET",route="/v1/projects/{project}/search",status="200"}' in metrics
    spec = httpx.get(f"{url}/openapi.json", headers=AUTH).json()  # the API's description wants a key (test_security)
    assert "/v1/projects/{project}/chat" in spec["paths"] and "/v1/chat/completions" in spec["paths"]
    assert httpx.get(f"{url}/docs", headers=AUTH).status_code == 200


def test_every_endpoint_needs_a_valid_key(served: tuple[str, Settings]) -> None:
    url, _ = served
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}):
        r = httpx.get(f"{url}/v1/projects/t/search", params={"q": "export"}, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error_code"] == "unauthorized" and r.json()["detail"]
    for path in ("/v1/models", "/v1/jobs/job_x"):
        assert httpx.get(f"{url}{path}").status_code == 401
    assert httpx.get(f"{url}/v1/models", headers=AUTH).json()["data"][0]["id"] == "t"


def test_search_themes_record_and_draft_over_rest(served: tuple[str, Settings]) -> None:
    url, _ = served
    hits = httpx.get(
        f"{url}/v1/projects/t/search", headers=AUTH, params={"q": "export to excel", "k": 3, "segment": "Enterprise"}
    ).json()["results"]
    assert len(hits) == 3 and all(h["metadata"]["segment"] == "Enterprise" for h in hits)
    record = httpx.get(f"{url}/v1/projects/t/records/{hits[0]['id']}", headers=AUTH).json()
    assert record["text"] == hits[0]["text"]
    themes = httpx.get(f"{url}/v1/projects/t/themes", headers=AUTH).json()
    assert len(themes["themes"]) >= 3 and themes["records"] > 100
    draft = httpx.post(f"{url}/v1/projects/t/drafts/pain-points", headers=AUTH, json={}).json()
    assert draft["kind"] == "pain-points" and draft["verification"]["items_dropped"] == 0
    assert draft["provenance"]["provider"] == "extractive" and draft["pain_points"][0]["citations"]
    md = httpx.post(f"{url}/v1/projects/t/drafts/pain-points", headers=AUTH | {"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# Top pain points: t")


def test_errors_share_one_shape_and_never_show_a_trace(served: tuple[str, Settings], monkeypatch) -> None:
    url, _ = served
    missing = httpx.get(f"{url}/v1/projects/t/search", headers=AUTH, params={"k": 0})
    assert missing.status_code == 422 and missing.json()["error_code"] == "validation_error"
    assert {f["field"] for f in missing.json()["fields"]} == {"q", "k"}
    badly_named = httpx.get(f"{url}/v1/projects/no.dots/search", headers=AUTH, params={"q": "x"})
    assert badly_named.status_code == 400 and badly_named.json()["error_code"] == "bad_project"
    unknown = httpx.get(f"{url}/v1/projects/nope/search", headers=AUTH, params={"q": "x"})
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "not_found"
    assert httpx.get(f"{url}/v1/projects/t/records/r-missing", headers=AUTH).json()["error_code"] == "not_found"
    bad_kind = httpx.post(f"{url}/v1/projects/t/drafts/memo", headers=AUTH)
    assert bad_kind.status_code == 404 and bad_kind.json()["error_code"] == "unknown_kind"
    assert "pain-points" in bad_kind.json()["detail"]  # it says which kinds exist

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail at /srv/copilot/store.py line 12")

    monkeypatch.setattr(routes, "search", explode)
    r = httpx.get(f"{url}/v1/projects/t/search", headers=AUTH, params={"q": "x"})
    assert r.status_code == 500 and r.json()["error_code"] == "internal"
    assert "secret" not in r.text and "Traceback" not in r.text and "request" in r.json()["detail"]


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with api_server(settings_for(tmp_path, rate_limit="3/minute")) as url:
        codes = [httpx.get(f"{url}/v1/models", headers=AUTH).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = httpx.get(f"{url}/v1/models", headers=AUTH)
        # /v1/models answers in OpenAI's error shape, as OpenAI clients read it
        assert r.json()["error"]["code"] == "rate_limited" and 1 <= int(r.headers["retry-after"]) <= 61
        assert httpx.get(f"{url}/healthz").status_code == 200  # health is never limited


def test_uploads_over_the_size_limit_get_413(tmp_path: Path) -> None:
    big = "id,feedback\n" + "".join(f"{i},the export is far too slow for us {i}\n" for i in range(400))
    with api_server(settings_for(tmp_path, max_upload_mb=0.005)) as url:
        r = httpx.post(f"{url}/v1/projects/p/ingest", headers=AUTH, files={"files": ("f.csv", big, "text/csv")})
        assert r.status_code == 413 and r.json()["error_code"] == "too_large" and "0.005 MB" in r.json()["detail"]

        def chunks() -> Iterator[bytes]:  # chunked, no Content-Length: refused once the body passes the limit
            yield b'--B\r\nContent-Disposition: form-data; name="files"; filename="f.csv"\r\n\r\n'
            for i in range(20):
                yield f"{i},the export is far too slow for us\n".encode() * 30
            yield b"\r\n--B--\r\n"

        headers = AUTH | {"Content-Type": "multipart/form-data; boundary=B"}
        r = httpx.post(f"{url}/v1/projects/p/ingest", headers=headers, content=chunks())
        assert r.status_code == 413 and r.json()["error_code"] == "too_large"


def test_a_small_upload_is_ingested_at_once_and_a_large_one_becomes_a_job(tmp_path: Path) -> None:
    csv, _ = _rows(3, 30)
    settings = settings_for(tmp_path, sync_ingest_mb=0.001)
    with api_server(settings) as url:
        small = httpx.post(
            f"{url}/v1/projects/p/ingest",
            headers=AUTH,
            files={"files": ("tiny.csv", "id,feedback\n1,exports are slow\n", "text/csv")},
        )
        assert small.status_code == 200 and small.json()["records_added"] == 1
        big = httpx.post(
            f"{url}/v1/projects/p/ingest",
            headers=AUTH,
            files=[("files", ("a.csv", csv, "text/csv")), ("files", ("../../b.csv", csv, "text/csv"))],
        )
        assert big.status_code == 202
        job = big.json()["job"]
        assert job["status"] in ("queued", "running") and job["result_url"] is None
        done = _wait(url, job["id"])
        assert done["status"] == "done" and done["summary"]["records_added"] > 0
        report = httpx.get(f"{url}{done['result_url']}", headers=AUTH).json()
        assert sorted(report["files"]) == ["a.csv", "b.csv"]  # names cannot climb out of the upload folder
        col_id, generation = open_store(settings).generation("p")  # the first search reads a ready keyword index
        assert (settings.cache_dir / "keyword" / f"{col_id}@{generation}" / "meta.json").exists()
        assert httpx.delete(f"{url}/v1/projects/p", headers=AUTH).status_code == 204
        assert httpx.get(f"{url}/v1/models", headers=AUTH).json()["data"] == []
        assert httpx.delete(f"{url}/v1/projects/p", headers=AUTH).json()["error_code"] == "not_found"


def test_a_batch_job_runs_to_a_downloadable_report(tmp_path: Path) -> None:
    csv, _ = _rows(5, 40)
    with api_server(settings_for(tmp_path)) as url:
        r = httpx.post(
            f"{url}/v1/projects/survey/batch",
            headers=AUTH,
            files={"file": ("dump.csv", csv, "text/csv")},
            data={"by": "segment"},
        )
        assert r.status_code == 202
        done = _wait(url, r.json()["job"]["id"])
        assert done["status"] == "done" and done["summary"]["themes"] >= 3 and done["progress"]["stage"] == "done"
        assert done["summary"]["records"] > 100 and done["summary"]["model_calls"] == 0
        md = httpx.get(f"{url}{done['result_url']}", headers=AUTH, params={"format": "md"})
        assert md.headers["content-type"].startswith("text/markdown") and "# What dump.csv says" in md.text
        page = httpx.get(f"{url}{done['result_url']}", headers=AUTH, params={"format": "html"})
        assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text and "By segment" in md.text
    with (
        chat_server([]) as (model_url, requests),
        api_server(settings_for(tmp_path / "paid", openai_base_url=model_url, openai_api_key="sk-test")) as url,
    ):
        paid = httpx.post(
            f"{url}/v1/projects/survey2/batch",
            headers=AUTH,
            data={"provider": "openai"},
            files={"file": ("dump.csv", csv, "text/csv")},
        )
        failed = _wait(url, paid.json()["job"]["id"])  # no max_cost: a paid provider is refused, not run
        assert failed["status"] == "failed" and "send max_cost" in failed["error"] and requests == []
        assert httpx.get(f"{url}/v1/jobs/job_nope", headers=AUTH).status_code == 404


def _wait(url: str, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_status(url, job_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)  # within the key's rate limit (120 a minute)
    raise AssertionError(f"job {job_id} did not finish")


def job_status(url: str, job_id: str) -> dict:
    """The job as the API shows it; a poll that is not 200 (a 429 past the rate limit) fails saying so."""
    r = httpx.get(f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=30)
    assert r.status_code == 200, f"a status request got {r.status_code}: {r.text}"
    return dict(r.json())
