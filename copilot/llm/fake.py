"""A scripted model for tests: `enqueue` replies, then read back `history` to see what was sent.

With no reply queued it asks its responder. `echo_draft`, the responder of `--provider fake`, answers with the
draft the prompt carries: it runs prompts, fencing, verification and provenance end to end with no model.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from copilot.llm.base import Completion, Message, ModelError, T, TextStream, Usage, parse_json

DRAFT_RE = re.compile(r"<<<(DATA-[0-9A-F]+) draft\n(.*?)\n\1>>>", re.S)
Responder = Callable[[list[Message]], str]


def echo_draft(messages: list[Message]) -> str:
    found = DRAFT_RE.search(messages[0].content)
    if found is None:
        raise ModelError("the echo model found no draft in the prompt")
    return found.group(2)


class FakeModel:
    provider = "fake"
    can_generate = True

    def __init__(self, model: str = "fake-model", responder: Responder | None = None) -> None:
        self.model = model
        self.responder = responder
        self.history: list[list[Message]] = []
        self._replies: list[str | Exception] = []

    def enqueue(self, replies: list[str | Exception]) -> FakeModel:
        self._replies.extend(replies)
        return self

    def _next(self, messages: list[Message]) -> str:
        self.history.append(list(messages))
        if not self._replies:
            if self.responder is not None:
                return self.responder(messages)
            raise ModelError("the fake model has no reply queued")
        reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        text = self._next(messages)
        return Completion(text=text, usage=self._usage(messages, text))

    @staticmethod
    def _usage(messages: list[Message], text: str) -> Usage:
        return Usage(prompt_tokens=sum(len(m.content) // 4 for m in messages), completion_tokens=len(text) // 4)

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        completion = self.generate(messages, max_tokens=max_tokens)
        return parse_json(schema, completion.text), completion

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream:
        text = self._next(messages)
        for i in range(0, len(text), 8):
            yield text[i : i + 8]
        return self._usage(messages, text)
