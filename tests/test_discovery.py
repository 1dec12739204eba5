"""Discovery is an explicit step: reading themes never writes. `copilot themes` discovers when none exist and
says so; the API answers 409 until discovery runs (POST starts it as a job), and Slack says how to start it."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from copilot.store import open_store
from tests.api_server import api_server
from tests.conftest import cli, write
from tests.test_api import AUTH, settings_for
from tests.test_themes import _rows


def test_the_api_never_discovers_on_a_read_and_discovers_when_asked(tmp_path: Path) -> None:
    """On main before this, the first GET /themes discovered and saved a theme model as a side effect."""
    csv, _ = _rows(4, 30)
    settings = settings_for(tmp_path)
    with api_server(settings) as url:
        files = {"files": ("feedback.csv", csv, "text/csv")}
        assert httpx.post(f"{url}/v1/projects/p/ingest", headers=AUTH, files=files).status_code == 200
        read = httpx.get(f"{url}/v1/projects/p/themes", headers=AUTH)
        assert read.status_code == 409 and read.json()["error_code"] == "no_themes"
        assert "POST /v1/projects/p/themes" in read.json()["detail"]
        assert open_store(settings).load_theme_model("p") is None  # the read wrote nothing
        draft = httpx.post(f"{url}/v1/projects/p/drafts/pain-points", headers=AUTH, json={})
        assert draft.status_code == 409 and draft.json()["error_code"] == "no_themes"
        job = httpx.post(f"{url}/v1/projects/p/themes", headers=AUTH).json()["job"]
        deadline = time.monotonic() + 60
        while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            job = httpx.get(f"{url}/v1/jobs/{job['id']}", headers=AUTH).json()
        assert job["status"] == "done" and job["summary"]["topics"] >= 3
        themes = httpx.get(f"{url}/v1/projects/p/themes", headers=AUTH).json()
        assert len({t["topic_id"] for t in themes["themes"]}) == job["summary"]["topics"]


def test_the_cli_discovers_when_none_exist_and_says_so(tmp_path: Path) -> None:
    csv, _ = _rows(5, 30)
    cli("ingest", str(write(tmp_path / "f.csv", csv)), "--project", "p", "--json")
    first = cli("themes", "--project", "p")
    assert "no themes yet: discovering them" in first.stderr.lower() and "saved with the project" in first.stderr
    again = cli("themes", "--project", "p")
    assert "discover" not in again.stderr.lower()  # the second read only reads
    cli("themes", "--project", "p", "--rediscover", "--json")
