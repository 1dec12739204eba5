"""The one error type users see. Its text is what the user reads, so it says what to do next."""

from __future__ import annotations


class CopilotError(Exception):
    """A failure the user can act on: `code` is stable for programs, `detail` is written for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return self.detail

    def to_dict(self) -> dict[str, str]:
        return {"error_code": self.code, "detail": self.detail}
