"""When the store fails, the error names the cause and what was stored is kept; readers see other processes' writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from copilot.config import Settings, reset_settings
from tests.conftest import ROOT, cli, write
from tests.test_server_mode import _free_port

ROWS = "id,feedback\n" + "".join(f"F{i},Feedback {i}: the export times out on big boards\n" for i in range(50))


class ChromaServer:
    """`chroma run` on 127.0.0.1 over a directory, which a test can kill and start again."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path, self.log = path, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        port = _free_port()
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return self.url
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {self.log.read_text()[-2000:]}")
                time.sleep(0.2)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "server-db", tmp_path / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _use_server(monkeypatch: pytest.MonkeyPatch, url: str, **env: str) -> None:
    monkeypatch.setenv("COPILOT_CHROMA_URL", url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()


def _after_first_write(monkeypatch: pytest.MonkeyPatch, then: Any) -> None:
    """Let the first batch of an ingest land, then call `then` before the next one."""
    from copilot.store.chroma import ProjectWriter

    real = ProjectWriter.write
    calls = {"n": 0}

    def write_then(self: ProjectWriter, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            then()
        real(self, *args, **kwargs)

    monkeypatch.setattr(ProjectWriter, "write", write_then)


@pytest.mark.server
def test_a_server_that_dies_mid_ingest_is_named_and_what_was_stored_is_kept(
    chroma: ChromaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_server(monkeypatch, chroma.url, COPILOT_INGEST_BATCH="10")
    with pytest.MonkeyPatch.context() as mp:
        _after_first_write(mp, chroma.kill)
        out = cli("ingest", str(write(tmp_path / "f.csv", ROWS)), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "store_unreachable"
    assert "stopped answering" in out["detail"] and "stored 10 records" in out["detail"]
    _use_server(monkeypatch, chroma.start())
    assert cli("stats", "--project", "p", "--json")["records"] == 10


def test_a_full_disk_is_named_and_what_was_stored_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import copilot.store.chroma as chroma_store
    import copilot.store.clients as clients

    monkeypatch.setenv("COPILOT_INGEST_BATCH", "10")
    reset_settings()

    with pytest.MonkeyPatch.context() as mp:

        def disk_fills() -> None:
            # What chromadb 1.5 raised when its data directory sat on a 4 MB tmpfs that filled up (780 KB left).
            error = clients.chromadb.errors.InternalError(
                "Error in compaction: Failed to apply logs to the metadata segment"
            )
            mp.setattr(chroma_store.Collection, "add", lambda *a, **k: (_ for _ in ()).throw(error))
            mp.setattr(clients, "free_bytes", lambda path: 780_000)

        _after_first_write(mp, disk_fills)
        out = cli("ingest", str(write(tmp_path / "f.csv", ROWS)), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "disk_full"
    assert "is full (0.7 MB free)" in out["detail"] and "stored 10 records" in out["detail"]
    assert cli("stats", "--project", "p", "--json")["records"] == 10


def test_another_failure_of_the_store_is_an_error_document_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copilot.store.chroma as chroma_store
    import copilot.store.clients as clients

    error = clients.chromadb.errors.InternalError("Error executing plan: something else broke")
    monkeypatch.setattr(chroma_store.Collection, "add", lambda *a, **k: (_ for _ in ()).throw(error))
    out = cli("ingest", str(write(tmp_path / "f.csv", ROWS)), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "store_failed" and "something else broke" in out["detail"]


def test_a_running_server_sees_records_another_process_ingested(tmp_path: Path, isolated: Path) -> None:
    from tests.api_server import api_server

    first = write(tmp_path / "a.csv", ROWS)
    cli("ingest", str(first), "--project", "t", "--json")
    markers = "id,feedback\n" + "".join(f"M{i},Quokka telemetry marker {i} zebra\n" for i in range(20))
    with api_server(Settings(data_dir=isolated)) as url:

        def semantic(q: str) -> list[str]:
            params: dict[str, Any] = {"q": q, "k": 50, "mode": "semantic"}
            got = httpx.get(f"{url}/v1/projects/t/search", params=params, timeout=30).json()["results"]
            return [r["text"] for r in got]

        assert not [t for t in semantic("quokka telemetry zebra") if "Quokka" in t]
        env = {**os.environ, "COPILOT_DATA_DIR": str(isolated)}
        subprocess.run(
            [
                str(Path(sys.executable).parent / "copilot"),
                "ingest",
                str(write(tmp_path / "m.csv", markers)),
                "-p",
                "t",
            ],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        assert len([t for t in semantic("quokka telemetry zebra") if "Quokka" in t]) == 20
