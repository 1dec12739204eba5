"""The one small interface every model provider offers: text, text into a pydantic schema, and a stream."""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from copilot.errors import CopilotError, ErrorCode

T = TypeVar("T", bound=BaseModel)


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
        )


class Completion(BaseModel):
    text: str
    usage: Usage = Usage()


class ModelError(CopilotError):
    """A model call failed, or answered with something that is not what was asked for."""

    def __init__(self, detail: str, *, raw: str | None = None) -> None:
        super().__init__(ErrorCode.model_error, detail)
        self.raw = raw


# A stream yields the text as it is written and returns the model's own token counts when it reports them:
# `usage = yield from model.stream(...)`. Errors while iterating are ModelError, like errors at the start.
TextStream = Generator[str, None, Usage | None]


class Model(Protocol):
    provider: str
    model: str
    can_generate: bool  # False for the extractive engine: drafts are then assembled from the analysis

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion: ...

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]: ...

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream: ...


def parse_json(schema: type[T], text: str) -> T:
    """Validate a model's JSON reply, tolerating a Markdown code fence around it."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return schema.model_validate_json(body)
    except ValueError as exc:
        raise ModelError(f"the model's reply is not valid {schema.__name__} JSON: {str(exc)[:300]}", raw=text) from exc
