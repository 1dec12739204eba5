"""One error shape for every failure: {"error_code", "detail"}, plus "fields" for validation errors.

A stack trace never reaches a client: unexpected errors are logged with a request id, which the client gets.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from copilot.errors import CopilotError

log = logging.getLogger("copilot.api")

STATUS = {
    "unauthorized": 401,
    "not_found": 404,
    "too_large": 413,
    "rate_limited": 429,
    "validation_error": 422,
    "bad_input": 400,
    "bad_mapping": 400,
    "bad_taxonomy": 400,
    "bad_project": 400,
    "embedding_mismatch": 409,
    "no_evidence": 422,
    "model_error": 502,
    "model_blocked": 503,
    "store_failed": 503,
    "embedding_failed": 502,
}
HTTP_CODES = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}


class RateLimited(CopilotError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__("rate_limited", detail)
        self.retry_after = retry_after


def error_response(code: str, detail: str, status: int | None = None, **extra: object) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthorized" else None
    return JSONResponse(
        {"error_code": code, "detail": detail, **extra}, status_code=status or STATUS.get(code, 500), headers=headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(CopilotError)
    async def copilot_error(request: Request, exc: CopilotError) -> JSONResponse:
        response = error_response(exc.code, exc.detail)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(x) for x in e["loc"] if x not in ("body", "query", "path")), "message": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{f['field'] or 'request'}: {f['message']}" for f in fields)
        return error_response("validation_error", detail, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.error("request %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
        return error_response("internal", f"internal error (request {request_id}); see the server log", 500)
