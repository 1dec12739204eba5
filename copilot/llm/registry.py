"""Which model a run uses. The only place that knows provider names."""

from __future__ import annotations

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Completion, Message, Model, ModelError, T, TextStream


class ExtractiveEngine:
    """No model at all: drafts are assembled from themes, statistics and quotes, and say so."""

    provider = "extractive"
    model = "none"
    can_generate = False

    def _refuse(self) -> ModelError:
        return ModelError("the extractive engine does not generate text; configure a provider for prose")

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        raise self._refuse()

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        raise self._refuse()

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream:
        raise self._refuse()


def get_model(settings: Settings, provider: str | None = None, model: str | None = None) -> Model:
    name = provider or settings.provider
    if name == "extractive":
        return ExtractiveEngine()
    if name == "openai":
        from copilot.llm.openai_chat import OpenAIChatModel

        return OpenAIChatModel(settings, model)
    if name == "fake":
        from copilot.llm.fake import FakeModel, echo_draft

        return FakeModel(model or "fake-echo", responder=echo_draft)
    if name == "local":
        from copilot.llm.local import LocalModel

        return LocalModel(settings)
    raise CopilotError(ErrorCode.config, f"unknown provider {name!r}; choose extractive, openai, local or fake")
