"""A fake Slack Web API on 127.0.0.1 that records every call: point `WebClient(base_url=...)` at it.

It answers the methods the bot uses, takes file uploads, serves shared files for download (or redirects them),
takes posts to a command's response URL (recorded as "respond"), answers `not_in_channel` for channels the bot
has not joined, and can answer a method with 429 once (to prove the retry handlers)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    rate_limit_once: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)  # file name -> Location
    not_joined: set[str] = field(default_factory=set)  # channels where posting answers not_in_channel
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> str:
        return f"{self.url}/api/"

    def named(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c["args"] for c in self.calls if c["method"] == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60, **match: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.named(method) if all(c.get(k) == v for k, v in match.items())]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} x {method} {match} in {[c['method'] for c in self.calls]}")


def _args(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    kind = handler.headers.get("Content-Type", "")
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlparse(handler.path).query).items()}
    if "json" in kind:
        args.update(json.loads(body or b"{}"))
    elif body:
        args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
    for key in ("blocks", "files"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    state = FakeSlack()
    counter = iter(range(1, 10**6))

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(payload, bytes) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - a shared file's url_private_download
            name = urlparse(self.path).path.rsplit("/", 1)[-1]
            with state.lock:
                state.calls.append(
                    {"method": "download", "args": {"name": name, "auth": self.headers.get("Authorization")}}
                )
            if name in state.redirects:
                self._reply(302, b"", {"Location": state.redirects[name]})
            elif name in state.files:
                self._reply(200, state.files[name])
            else:
                self._reply(404, {"ok": False})

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlparse(self.path).path
            if path.startswith("/upload/"):
                state.uploads[path.rsplit("/", 1)[-1]] = body
                self._reply(200, b"OK")
                return
            method = "respond" if path.startswith("/respond") else path.removeprefix("/api/")
            args = _args(self, body)
            joined = args.get("channel") or args.get("channel_id")
            if method in ("chat.postMessage", "files.completeUploadExternal") and joined in state.not_joined:
                with state.lock:
                    state.calls.append({"method": f"{method} (not_in_channel)", "args": args})
                self._reply(200, {"ok": False, "error": "not_in_channel"})
                return
            with state.lock:
                if method in state.rate_limit_once:
                    state.rate_limit_once.discard(method)
                    state.calls.append({"method": f"{method} (429)", "args": args})
                    self._reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    return
                state.calls.append({"method": method, "args": args})
            n = next(counter)
            replies: dict[str, dict[str, Any]] = {
                "auth.test": {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "copilot"},
                "chat.postMessage": {"channel": args.get("channel"), "ts": f"1700000000.{n:06d}"},
                "files.getUploadURLExternal": {"upload_url": f"{state.url}/upload/F{n}", "file_id": f"F{n}"},
                "files.completeUploadExternal": {
                    "files": [{"id": f["id"], "title": f.get("title", "")} for f in args.get("files", [])]
                },
            }
            self._reply(200, {"ok": True, **replies.get(method, {})})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
