"""The service as deployed: a server process killed mid-job and restarted, jobs never lost, the API over a real
`chroma run` server, and the Dockerfile linted."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from copilot.config import Settings
from copilot.jobs import Jobs
from tests.api_server import api_process, api_server
from tests.conftest import ROOT
from tests.test_api import AUTH, KEY, _wait, settings_for
from tests.test_server_mode import chroma_server  # noqa: F401 - the fixture
from tests.test_themes import _rows

pytestmark = pytest.mark.server


def test_a_job_interrupted_by_a_crash_is_run_again_after_the_restart(tmp_path: Path) -> None:
    rows = ["id,customer,feedback"] + [
        f"R{i},C{i % 500},The export to Excel times out again in case {i} of many for team {i % 97}"
        for i in range(30000)
    ]
    dump = "\n".join(rows) + "\n"
    env = {"COPILOT_DATA_DIR": str(tmp_path / "data"), "COPILOT_API_KEYS": KEY, "COPILOT_SYNC_INGEST_MB": "0"}
    with api_process(env, tmp_path / "server.log") as (url, proc):
        job = httpx.post(
            f"{url}/v1/projects/big/ingest", headers=AUTH, files={"files": ("dump.csv", dump, "text/csv")}, timeout=60
        ).json()["job"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/v1/jobs/{job['id']}", headers=AUTH).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
        proc.wait(timeout=10)
    with api_process(env, tmp_path / "server.log") as (url, _):
        done = _wait(url, job["id"], timeout=240)
        assert done["status"] == "done" and done["attempts"] == 2
        hits = httpx.get(f"{url}/v1/projects/big/search", headers=AUTH, params={"q": "export times out"}).json()
        assert hits["results"]
        stats = httpx.get(f"{url}/readyz").json()
        assert stats["projects"] == 1
    assert "queued again" in (tmp_path / "server.log").read_text()


def test_a_job_interrupted_twice_is_reported_failed_not_lost(tmp_path: Path) -> None:
    jobs = Jobs(tmp_path / "s.sqlite", tmp_path / "jobs")
    job = jobs.submit("ingest", "p", {"files": []})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for attempt in (1, 2):
        claimed = jobs.claim()
        assert claimed is not None and claimed.id == job.id and claimed.attempts == attempt
        import sqlite3

        with sqlite3.connect(tmp_path / "s.sqlite") as db:  # as if the process that claimed it had died
            db.execute("UPDATE jobs SET owner = ? WHERE id = ?", (dead.pid, job.id))
        assert jobs.recover() == [f"{job.id}: {'queued again' if attempt == 1 else 'failed'}"]
    failed = jobs.get(job.id)
    assert failed.status == "failed" and "interrupted 2 times" in (failed.error or "")


def test_the_api_over_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    settings = settings_for(tmp_path, chroma_url=chroma_server)
    csv, _ = _rows(4, 30)
    with api_server(settings) as url:
        assert httpx.get(f"{url}/readyz").json()["store"] == "server"
        r = httpx.post(f"{url}/v1/projects/remote/ingest", headers=AUTH, files={"files": ("f.csv", csv, "text/csv")})
        assert r.status_code == 200 and r.json()["records_added"] > 90
    with api_server(Settings(data_dir=tmp_path / "other", api_keys=KEY, chroma_url=chroma_server)) as url:
        # a second API instance over the same Chroma server sees the same project
        hits = httpx.get(f"{url}/v1/projects/remote/search", headers=AUTH, params={"q": "offline mobile app"})
        assert hits.status_code == 200 and hits.json()["results"]


def test_two_workers_over_one_chroma_server(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    env = {"COPILOT_DATA_DIR": str(tmp_path / "data"), "COPILOT_API_KEYS": KEY, "COPILOT_CHROMA_URL": chroma_server}
    csv, _ = _rows(4, 30)
    with api_process(env, tmp_path / "server.log", "--workers", "2") as (url, _):
        r = httpx.post(f"{url}/v1/projects/shared/ingest", headers=AUTH, files={"files": ("f.csv", csv, "text/csv")})
        assert r.status_code == 200
        with httpx.Client(headers=AUTH) as client:  # new connections spread over both workers
            codes = {
                client.get(
                    f"{url}/v1/projects/shared/search", params={"q": "export"}, headers={"Connection": "close"}
                ).status_code
                for _ in range(20)
            }
        assert codes == {200}
    assert (tmp_path / "server.log").read_text().count("Started server process") == 2
    refused = subprocess.run(
        [str(Path(sys.executable).parent / "copilot"), "serve", "--workers", "2"],
        env={"PATH": "/usr/bin:/bin", "COPILOT_DATA_DIR": str(tmp_path / "d2")},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "several workers need a Chroma server" in refused.stderr


def test_the_dockerfile_passes_hadolint() -> None:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [exe, "--failure-threshold", "info", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert "USER 10001:10001" in text and "HEALTHCHECK" in text and text.count("FROM ") == 2
    assert "docker/install.sh" in text and "docker/start.sh" in text  # the same scripts `make docker-check` runs
