"""Server mode: the same ingest and search against a real Chroma server started on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.config import reset_settings
from tests.conftest import cli, write

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_ingest_search_and_isolation_over_a_chroma_server(
    chroma_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.setenv("COPILOT_CHROMA_URL", chroma_server)
    reset_settings()
    path = write(
        tmp_path / "tickets.csv",
        "ticket_id,account_id,segment,body\n"
        "T1,A1,Enterprise,The CSV export times out on big boards\n"
        "T2,A2,SMB,Per-seat pricing is too expensive for us\n",
    )
    report = cli("ingest", str(path), "--project", "srv", "--json")
    assert report["records_added"] == 2
    assert cli("ingest", str(path), "--project", "srv", "--json")["records_unchanged"] == 2
    cli(
        "ingest",
        str(write(tmp_path / "o.csv", "id,feedback\n9,Other project text about exports\n")),
        "--project",
        "other",
    )
    hits = cli("search", "export", "--project", "srv", "--segment", "Enterprise", "--json")["results"]
    assert [h["metadata"]["locator"] for h in hits] == ["tickets.csv:2"]
    assert cli("projects", "--json") == {"projects": ["other", "srv"]}
    # Nothing was written to the embedded store: the server holds it all.
    assert not (isolated / "chroma").exists()
