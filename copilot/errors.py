"""The one error type users see. Its text is what the user reads, so it says what to do next.

Codes are an enum: each carries the HTTP status the API answers with and a line on what it means, so no code can
be raised that the API does not know (it would come back as a 500) and the API docs list them all.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable codes for programs; `status` is the HTTP answer, `meaning` the one-line gloss in the API docs."""

    bad_input = "bad_input"
    bad_mapping = "bad_mapping"
    bad_taxonomy = "bad_taxonomy"
    bad_project = "bad_project"
    bad_filter = "bad_filter"
    validation_error = "validation_error"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    unknown_kind = "unknown_kind"
    method_not_allowed = "method_not_allowed"
    too_large = "too_large"
    rate_limited = "rate_limited"
    no_evidence = "no_evidence"
    no_themes = "no_themes"
    verification = "verification"
    cost_limit = "cost_limit"
    cancelled = "cancelled"
    embedding_mismatch = "embedding_mismatch"
    locked = "locked"
    ingest_failed = "ingest_failed"
    model_error = "model_error"
    model_blocked = "model_blocked"
    embedding_failed = "embedding_failed"
    store_failed = "store_failed"
    store_unreachable = "store_unreachable"
    shared_state_unreachable = "shared_state_unreachable"
    disk_full = "disk_full"
    not_available = "not_available"
    config = "config"
    bad_prompt = "bad_prompt"
    prompt_variables = "prompt_variables"
    http_error = "http_error"
    usage = "usage"
    internal = "internal"

    @property
    def status(self) -> int:
        return _STATUS[self][0]

    @property
    def meaning(self) -> str:
        return _STATUS[self][1]


_STATUS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.bad_input: (400, "the request or a file in it cannot be used as given"),
    ErrorCode.bad_mapping: (400, "the column mapping names columns the file does not have, or is malformed"),
    ErrorCode.bad_taxonomy: (400, "the taxonomy file cannot be read"),
    ErrorCode.bad_project: (400, "the project name is not valid"),
    ErrorCode.bad_filter: (400, "a filter names a value or field the project does not have"),
    ErrorCode.validation_error: (422, "a field of the request is missing or has the wrong type"),
    ErrorCode.unauthorized: (401, "no valid API key"),
    ErrorCode.forbidden: (403, "the API key may not use this project"),
    ErrorCode.not_found: (404, "no such project, record, job or file"),
    ErrorCode.unknown_kind: (404, "no such draft kind"),
    ErrorCode.method_not_allowed: (405, "the endpoint does not take this HTTP method"),
    ErrorCode.too_large: (413, "the request is larger than the server accepts"),
    ErrorCode.rate_limited: (429, "too many requests; retry after the Retry-After header"),
    ErrorCode.no_evidence: (422, "the project holds no evidence for what was asked"),
    ErrorCode.no_themes: (409, "themes were not discovered yet for this project; run discovery first"),
    ErrorCode.verification: (422, "a draft failed its own verification and was not delivered"),
    ErrorCode.cost_limit: (422, "the model calls would cost more than allowed"),
    ErrorCode.cancelled: (409, "the run was not confirmed, so nothing was done"),
    ErrorCode.embedding_mismatch: (409, "the project holds embeddings from another model"),
    ErrorCode.locked: (423, "another process is writing to this data directory"),
    ErrorCode.ingest_failed: (422, "reading the input failed"),
    ErrorCode.model_error: (502, "the language model failed or answered with something unusable"),
    ErrorCode.model_blocked: (503, "real model calls are blocked in this process (tests)"),
    ErrorCode.embedding_failed: (502, "the embedding service failed"),
    ErrorCode.store_failed: (503, "the vector store failed to read or write"),
    ErrorCode.store_unreachable: (503, "the vector store server cannot be reached"),
    ErrorCode.shared_state_unreachable: (503, "the Redis server the API processes share cannot be reached"),
    ErrorCode.disk_full: (507, "no space left on the device"),
    ErrorCode.not_available: (501, "an optional part is not installed"),
    ErrorCode.config: (503, "the server's configuration is not valid"),
    ErrorCode.bad_prompt: (503, "a prompt file of the installation is broken"),
    ErrorCode.prompt_variables: (503, "a prompt and its caller disagree on variables (a bug; please report it)"),
    ErrorCode.http_error: (400, "an HTTP-level error"),
    ErrorCode.usage: (400, "the command line is not valid (an unknown option, a missing argument)"),
    ErrorCode.internal: (500, "an unexpected error; the server log has it under the request id"),
}


class CopilotError(Exception):
    """A failure the user can act on: `code` is stable for programs, `detail` is written for people."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = ErrorCode(code)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail

    @property
    def status(self) -> int:
        return self.code.status

    def to_dict(self) -> dict[str, str]:
        return {"error_code": self.code.value, "detail": self.detail}
