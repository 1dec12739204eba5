"""A model wrapper that keeps every prompt it passes on: evals check what left the building, and batch runs
count their calls. Thread-safe: several calls may run at once."""

from __future__ import annotations

import threading

from copilot.llm.base import Completion, Message, Model, T, TextStream


class RecordingModel:
    """Passes calls through to a model and keeps every prompt, so safety can check what left the building."""

    def __init__(self, model: Model) -> None:
        self.inner = model
        self.provider, self.model, self.can_generate = model.provider, model.model, model.can_generate
        self.prompts: list[str] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        return len(self.prompts)

    def _keep(self, messages: list[Message]) -> None:
        with self._lock:
            self.prompts.append("\n".join(m.content for m in messages))

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        self._keep(messages)
        return self.inner.generate(messages, max_tokens=max_tokens, temperature=temperature, stop=stop)

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        self._keep(messages)
        return self.inner.generate_json(messages, schema, max_tokens=max_tokens)

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream:
        self._keep(messages)
        return (yield from self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop))
