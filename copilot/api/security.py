"""API keys, per-key rate limits and the request size limit."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from fastapi import Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.api.errors import RateLimited
from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode


class Guard:
    """Checks the bearer token and counts the request against its key's rate limit (per process)."""

    def __init__(self, settings: Settings) -> None:
        self.keys = settings.api_key_list
        self.limit = parse(settings.rate_limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __call__(self, request: Request) -> str:
        identity = self._identify(request)
        if not self.limiter.hit(self.limit, identity):
            reset = self.limiter.get_window_stats(self.limit, identity).reset_time
            wait = max(1, int(reset - time.time()) + 1)
            raise RateLimited(f"rate limit of {self.limit} exceeded; retry in {wait} s", wait)
        return identity

    def _identify(self, request: Request) -> str:
        if not self.keys:
            return "client:" + (request.client.host if request.client else "unknown")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise CopilotError(ErrorCode.unauthorized, "send an API key as 'Authorization: Bearer KEY'")
        for key in self.keys:
            if hmac.compare_digest(token.strip().encode(), key.encode()):
                return "key:" + key[-6:]
        raise CopilotError(ErrorCode.unauthorized, "the API key is not valid")


class BodyLimit:
    """Refuses bodies over the limit with 413: at once from Content-Length, or as soon as a chunked upload
    passes it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes and not started:
                # Answer now, and tell the app the client left, so it stops reading and its reply is dropped.
                refused = True
                await self._refuse(send)
                return {"type": "http.disconnect"}
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, tracking)

    async def _refuse(self, send: Send) -> None:
        mb = self.max_bytes / 1_000_000
        body: dict[str, Any] = {
            "error_code": ErrorCode.too_large.value,
            "detail": f"the request is larger than {mb:g} MB",
        }
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": ErrorCode.too_large.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})
