"""A small OpenAI-compatible HTTP server for tests, on 127.0.0.1: it records every request it gets."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIM = 64


def bag_of_words(text: str) -> list[float]:
    """Deterministic vectors where shared words mean similar vectors, so search results make sense."""
    vec = [0.0] * DIM
    for word in text.lower().split():
        vec[int(hashlib.md5(word.strip(".,!?").encode()).hexdigest(), 16) % DIM] += 1.0
    return vec


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run `handler` on a free port of 127.0.0.1 for the duration of the block; yields the /v1 base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def openai_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            if self.path.endswith("/embeddings"):
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                payload = {
                    "object": "list",
                    "model": body["model"],
                    "data": [
                        {"object": "embedding", "index": i, "embedding": bag_of_words(t)} for i, t in enumerate(inputs)
                    ],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    with _serve(Handler) as url:
        yield url, requests


@contextmanager
def chat_server(replies: list[Any] | Callable[[dict[str, Any]], Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OpenAI-compatible /chat/completions endpoint answering from a script, or from a function of the
    request body. Each reply is a str (the assistant's text), ("stream", [pieces]) for a streamed answer,
    ("die", [pieces]) for a stream whose server goes away after those pieces, or (status, seconds) for an error
    status with a Retry-After header."""
    requests: list[dict[str, Any]] = []
    script = [] if callable(replies) else list(replies)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "body": body})
            scripted = script.pop(0) if script else "(no reply scripted)"
            reply = replies(body) if callable(replies) else scripted
            if isinstance(reply, tuple) and isinstance(reply[0], int):
                err = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}}).encode()
                self._send(reply[0], err, "application/json", {"Retry-After": str(reply[1])})
                return
            usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
            if isinstance(reply, tuple) and reply[0] in ("stream", "die"):
                frames = [
                    {
                        "id": "c1",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                    }
                    for piece in reply[1]
                ]
                if (body.get("stream_options") or {}).get("include_usage"):  # as OpenAI: a last chunk, no choices
                    frames.append({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": usage})
                data = "".join(f"data: {json.dumps(f)}\n\n" for f in frames)
                if reply[0] == "die":  # promise more than is sent, then hang up: the client sees a cut stream
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Content-Length", str(len(data) + 4096))
                    self.end_headers()
                    self.wfile.write(data.encode())
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(200, (data + "data: [DONE]\n\n").encode(), "text/event-stream")
                return
            payload = {
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
                "usage": usage,
            }
            self._send(200, json.dumps(payload).encode(), "application/json")

        def log_message(self, *args: Any) -> None:
            pass

    with _serve(Handler) as url:
        yield url, requests
