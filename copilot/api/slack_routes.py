"""The Slack Events API at /slack/events: the signature is checked first (401 on any doubt, and nothing of the
body is logged), then Bolt handles the request in a worker thread."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier

from copilot.api.errors import error_response
from copilot.errors import ErrorCode
from copilot.slack.bot import Bot

MAX_AGE_S = 300


def router(bot: Callable[[], Bot], signing_secret: str) -> APIRouter:
    verifier = SignatureVerifier(signing_secret)
    r = APIRouter()

    @r.post("/slack/events", include_in_schema=False)
    async def events(request: Request) -> Response:
        body = await request.body()
        stamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not stamp.isdigit() or not signature:
            return error_response(ErrorCode.unauthorized, "missing or malformed Slack signature headers")
        if abs(time.time() - int(stamp)) > MAX_AGE_S:
            return error_response(ErrorCode.unauthorized, "the Slack request is too old (replayed?)")
        if not verifier.is_valid(body, stamp, signature):
            return error_response(ErrorCode.unauthorized, "the Slack signature does not match")
        bolt_response = await run_in_threadpool(bot().app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    return r
