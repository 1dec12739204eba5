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
from copilot.store.filters import SearchFilter
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


def test_a_long_lived_reader_looks_a_project_up_once_per_search_and_sees_it_made_again(
    chroma_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    """An API worker keeps its store: over a server each collection lookup is an HTTP round trip, so a search
    looks the project up once (for its generation), and a project deleted and ingested again by another process
    is read as it is now, not through the handle of the collection that is gone."""
    from copilot.store import open_store
    from copilot.store.search import search

    monkeypatch.setenv("COPILOT_CHROMA_URL", chroma_server)
    reset_settings()
    cli(
        "ingest",
        str(write(tmp_path / "a.csv", "id,segment,feedback\n1,SMB,The CSV export times out\n")),
        "--project",
        "p",
    )
    worker = open_store()
    assert [r.text for r in search(worker, "p", "export")] == ["The CSV export times out"]
    lookups = 0
    real = worker.client.get_collection

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal lookups
        lookups += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(worker.client, "get_collection", counted)
    search(worker, "p", "export", filters=SearchFilter(segment=["SMB"]))
    search(worker, "p", "export", mode="semantic")
    assert lookups == 2  # was 3 a search: the generation, the query and the fetch of the results each looked it up

    cli("projects", "--delete", "p")  # another process ...
    cli("ingest", str(write(tmp_path / "b.csv", "id,feedback\n2,Exports are slow on big boards\n")), "--project", "p")
    assert worker.count("p") == 1  # through the handle of the collection that is gone: looked up again
    found = search(worker, "p", "export")
    assert [r.text for r in found] == ["Exports are slow on big boards"]
    assert worker.get_record("p", found[0].id).text == found[0].text
