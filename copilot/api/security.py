"""API keys with their projects, per-key rate limits, a limit on wrong keys per client address, and the
request size limit."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.api.errors import RateLimited
from copilot.api.scopes import Caller, key_identity, parse_keys
from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.shared_state import limiter_storage, unreachable


class Guard:
    """Checks the bearer token and counts the request against its key's rate limit. Counters are per process,
    or shared by every process through COPILOT_REDIS_URL."""

    def __init__(self, settings: Settings) -> None:
        self.keys = parse_keys(settings.api_keys.get_secret_value() if settings.api_keys else "")
        self.limit = parse(settings.rate_limit)
        self.failures = parse(settings.auth_failure_limit)
        self.limiter = MovingWindowRateLimiter(limiter_storage(settings))

    def __call__(self, request: Request) -> Caller:
        address = "client:" + (request.client.host if request.client else "unknown")
        try:
            caller = self._identify(request, address)
            self._count(self.limit, caller.identity, "rate limit of {limit} exceeded; retry in {wait} s")
        except StorageError as exc:
            raise unreachable(exc.storage_error) from exc
        return caller

    def _count(self, limit: RateLimitItem, bucket: str, message: str) -> None:
        if not self.limiter.hit(limit, bucket):
            self._refuse(limit, bucket, message)

    def _refuse(self, limit: RateLimitItem, bucket: str, message: str) -> None:
        reset = self.limiter.get_window_stats(limit, bucket).reset_time
        wait = max(1, int(reset - time.time()) + 1)
        raise RateLimited(message.format(limit=limit, wait=wait), wait)

    def _identify(self, request: Request, address: str) -> Caller:
        if not self.keys:
            return Caller(address)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise CopilotError(ErrorCode.unauthorized, "send an API key as 'Authorization: Bearer KEY'")
        # An address that sent too many wrong keys is refused before its key is even compared, so guessing
        # cannot go on at full speed, not even to find out that a guess was right.
        failures = "auth-failures:" + address
        too_many = "too many wrong API keys from this address ({limit}); retry in {wait} s"
        if not self.limiter.test(self.failures, failures):
            self._refuse(self.failures, failures, too_many)
        token = token.strip()
        for key, projects in self.keys.items():
            if hmac.compare_digest(token.encode(), key.encode()):
                return Caller(key_identity(key), projects)
        self._count(self.failures, failures, too_many)
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
