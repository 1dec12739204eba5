"""CLI conventions: --json always prints one document, bad settings are one line, --version, a quiet and
configurable Chroma server connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, cli, write
from tests.test_store_failures import ChromaServer, chroma  # noqa: F401 - the fixture

COPILOT = str(Path(sys.executable).parent / "copilot")


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([COPILOT, *args], env=full, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_bad_setting_is_one_line_and_an_error_document_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _run("stats", "--project", "p", COPILOT_PROVIDER="gpt")
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().splitlines() == [
        "error: bad setting: COPILOT_PROVIDER='gpt': Input should be 'extractive', 'openai', 'local' or 'fake'"
    ]
    as_json = _run("stats", "--project", "p", "--json", COPILOT_PROVIDER="gpt")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "error_code": "config",
        "detail": "bad setting: COPILOT_PROVIDER='gpt': Input should be 'extractive', 'openai', 'local' or 'fake'",
    }


def test_usage_errors_with_json_print_the_error_document() -> None:
    missing = cli("search", "--json", expect=2)
    assert missing == {"error_code": "usage", "detail": "Missing argument 'query'."}
    unknown = cli("ingest", "x.csv", "--project", "p", "--bogus", "--json", expect=2)
    assert unknown == {"error_code": "usage", "detail": "No such option: --bogus"}


def test_version() -> None:
    from importlib.metadata import version

    assert cli("--version").stdout == f"pm-copilot {version('pm-copilot')}\n"


@pytest.mark.server
def test_server_mode_prints_no_http_request_log(chroma: ChromaServer, tmp_path: Path) -> None:  # noqa: F811
    path = write(tmp_path / "f.csv", "id,feedback\n1,Exports time out on big boards\n")
    ingest = _run("ingest", str(path), "--project", "p", COPILOT_CHROMA_URL=chroma.url)
    stats = _run("stats", "--project", "p", COPILOT_CHROMA_URL=chroma.url)
    assert ingest.returncode == 0 and stats.returncode == 0, ingest.stderr + stats.stderr
    assert "HTTP Request" not in ingest.stderr + ingest.stdout + stats.stderr + stats.stdout


@pytest.mark.server
def test_server_tenant_and_database_are_used(
    chroma: ChromaServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from copilot.config import reset_settings

    httpx.post(f"{chroma.url}/api/v2/tenants", json={"name": "acme"}).raise_for_status()
    httpx.post(f"{chroma.url}/api/v2/tenants/acme/databases", json={"name": "feedback"}).raise_for_status()
    monkeypatch.setenv("COPILOT_CHROMA_URL", chroma.url)
    monkeypatch.setenv("COPILOT_CHROMA_TENANT", "acme")
    monkeypatch.setenv("COPILOT_CHROMA_DATABASE", "feedback")
    reset_settings()
    path = write(tmp_path / "f.csv", "id,feedback\n1,Exports time out on big boards\n")
    assert cli("ingest", str(path), "--project", "p", "--json")["records_added"] == 1
    listed = httpx.get(f"{chroma.url}/api/v2/tenants/acme/databases/feedback/collections").json()
    default = httpx.get(f"{chroma.url}/api/v2/tenants/default_tenant/databases/default_database/collections").json()
    assert [c["name"] for c in listed] == ["pmc-p"] and default == []


@pytest.fixture
def token_proxy(chroma: ChromaServer) -> Iterator[tuple[str, list[str]]]:  # noqa: F811
    """A proxy in front of the server that, like a gateway, refuses requests without `Bearer s3cret`."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _relay(self) -> None:
            auth = self.headers.get("Authorization", "")
            seen.append(auth)
            if auth != "Bearer s3cret":
                self.send_response(401)
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
            got = httpx.request(self.command, chroma.url + self.path, content=body, headers=headers, timeout=30)
            self.send_response(got.status_code)
            self.send_header("Content-Type", got.headers.get("content-type", "application/json"))
            self.send_header("Content-Length", str(len(got.content)))
            self.end_headers()
            self.wfile.write(got.content)

        do_GET = do_POST = do_PUT = do_DELETE = _relay

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.server
def test_server_token_is_sent_as_chromadb_documents_it(
    token_proxy: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copilot.config import reset_settings

    url, seen = token_proxy
    monkeypatch.setenv("COPILOT_CHROMA_URL", url)
    reset_settings()
    refused = cli("projects", "--json", expect=1)
    assert refused["error_code"] == "store_unreachable"
    monkeypatch.setenv("COPILOT_CHROMA_TOKEN", "s3cret")
    reset_settings()
    path = write(tmp_path / "f.csv", "id,feedback\n1,Exports time out on big boards\n")
    assert cli("ingest", str(path), "--project", "p", "--json")["records_added"] == 1
    assert cli("projects", "--json") == {"projects": ["p"]}
    assert "Bearer s3cret" in seen
