"""OpenAI embeddings, against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.config import reset_settings
from tests.conftest import cli, write
from tests.openai_server import openai_server


def test_ingest_and_search_with_openai_compatible_embeddings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "f.csv", "id,feedback\n1,The CSV export times out\n2,Pricing per seat is too high\n")
    with openai_server() as (url, requests):
        monkeypatch.setenv("COPILOT_EMBEDDINGS", "openai")
        monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
        monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("COPILOT_OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
        reset_settings()
        report = cli("ingest", str(path), "--project", "oa", "--json")
        assert report["records_added"] == 2
        assert requests[0]["path"] == "/v1/embeddings" and requests[0]["auth"] == "Bearer sk-test"
        assert requests[0]["body"]["model"] == "text-embedding-3-small"
        assert sorted(requests[0]["body"]["input"]) == ["Pricing per seat is too high", "The CSV export times out"]
        hits = cli("search", "pricing seat", "--project", "oa", "--mode", "semantic", "--json")["results"]
        assert hits[0]["text"] == "Pricing per seat is too high"
        again = cli("ingest", str(path), "--project", "oa", "--json")
        assert again["records_unchanged"] == 2
        assert len(requests) == 2  # the rerun embedded nothing; only the search query was sent
        assert cli("stats", "--project", "oa", "--json")["embedding_model"] == "openai/text-embedding-3-small"


def test_openai_embeddings_without_key_or_server_is_a_config_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COPILOT_EMBEDDINGS", "openai")
    reset_settings()
    out = cli("ingest", str(write(tmp_path / "f.csv", "id,feedback\n1,Slow\n")), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "config" and "COPILOT_OPENAI_API_KEY" in out["detail"]
