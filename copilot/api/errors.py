"""One error shape for every failure: {"error_code", "detail"}, plus "fields" for validation errors.

A stack trace never reaches a client: unexpected errors are logged with a request id, which the client gets.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from copilot.errors import CopilotError, ErrorCode

log = logging.getLogger("copilot.api")


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error the API sends (OpenAI-compatible endpoints use OpenAI's shape instead)."""

    error_code: ErrorCode
    detail: str = Field(description="What happened and what to do next, for people.")
    fields: list[FieldError] | None = Field(None, description="With validation_error: each field that failed.")


def _described(*codes: ErrorCode) -> str:
    return "; ".join(f"`{c.value}`: {c.meaning}" for c in codes)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": _described(*(c for c in ErrorCode if c.status == status))}
    for status in sorted({c.status for c in ErrorCode})
}

HTTP_CODES = {
    400: ErrorCode.http_error,
    401: ErrorCode.unauthorized,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    413: ErrorCode.too_large,
    429: ErrorCode.rate_limited,
}


class RateLimited(CopilotError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(ErrorCode.rate_limited, detail)
        self.retry_after = retry_after


def error_response(code: ErrorCode, detail: str, status: int | None = None, **extra: object) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if code is ErrorCode.unauthorized else None
    return JSONResponse(
        {"error_code": code.value, "detail": detail, **extra}, status_code=status or code.status, headers=headers
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
        return error_response(ErrorCode.validation_error, detail, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(HTTP_CODES.get(exc.status_code, ErrorCode.http_error), str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.error("request %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
        return error_response(ErrorCode.internal, f"internal error (request {request_id}); see the server log", 500)
