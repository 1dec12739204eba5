"""Error codes are an enum that carries its HTTP status: no code the product raises comes back as a 500."""

from __future__ import annotations

import re

from copilot.errors import CopilotError, ErrorCode
from tests.conftest import ROOT

SOURCE = [p for p in (ROOT / "copilot").rglob("*.py")]


def test_every_code_raised_anywhere_maps_to_a_status_that_is_not_500() -> None:
    used = {m for p in SOURCE for m in re.findall(r"ErrorCode\.([a-z_]+)", p.read_text(encoding="utf-8"))}
    assert {"locked", "store_unreachable", "cost_limit", "no_themes", "bad_filter"} <= used
    for name in used - {"internal"}:
        assert ErrorCode[name].status != 500, name
        assert ErrorCode[name].meaning, name


def test_no_error_is_raised_with_a_free_string_code() -> None:
    free = [
        f"{p.relative_to(ROOT)}: {m}"
        for p in SOURCE
        for m in re.findall(r"CopilotError\(\s*\"[a-z_]+\"", p.read_text(encoding="utf-8"))
    ]
    assert free == []
    assert CopilotError(ErrorCode.locked, "busy").status == 423


def test_the_api_documents_every_error_code(tmp_path) -> None:
    from copilot.api.app import create_app
    from copilot.config import Settings

    spec = create_app(Settings(data_dir=tmp_path), worker=False).openapi()
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorBody"]["properties"]["error_code"]["$ref"] == "#/components/schemas/ErrorCode"
    assert set(schemas["ErrorCode"]["enum"]) == {c.value for c in ErrorCode}
    search = spec["paths"]["/v1/projects/{project}/search"]["get"]["responses"]
    assert search["422"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
    assert "store_unreachable" in search["503"]["description"]
