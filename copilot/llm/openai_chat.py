"""OpenAI, or any OpenAI-compatible server through `base_url` (vLLM, Ollama, llama.cpp server, LM Studio).

Retries on 429, 5xx and timeouts are the SDK's own (exponential backoff that honours Retry-After); structured
output asks for a JSON schema; every call records its tokens and estimated cost.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Completion, Message, ModelError, T, TextStream, Usage, parse_json

# USD per million tokens (input, output); a model not listed is priced at 0 and says so in provenance.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
}


def _is_local(url: str | None) -> bool:
    host = urlparse(url).hostname if url else None
    return host is not None and (host.startswith("127.") or host in ("localhost", "::1"))


class OpenAIChatModel:
    provider = "openai"
    can_generate = True

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        import openai

        if settings.block_real_models and not _is_local(settings.openai_base_url):
            raise CopilotError(ErrorCode.model_blocked, "real model calls are blocked here (COPILOT_BLOCK_REAL_MODELS)")
        if settings.openai_api_key is None and settings.openai_base_url is None:
            raise CopilotError(
                ErrorCode.config, "the openai provider needs COPILOT_OPENAI_API_KEY or COPILOT_OPENAI_BASE_URL"
            )
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self.model = model or settings.openai_model
        self._client = openai.OpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.model_timeout_s,
            max_retries=settings.model_retries,
        )

    def _usage(self, usage: object) -> Usage:
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        price_in, price_out = PRICES.get(self.model, (0.0, 0.0))
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=round((prompt * price_in + completion * price_out) / 1e6, 6),
        )

    def _create(self, messages: list[Message], **kwargs: object) -> object:
        import openai

        try:
            create: Any = self._client.chat.completions.create  # kwargs pass through as the SDK takes them
            return create(model=self.model, messages=[m.model_dump() for m in messages], **kwargs)
        except openai.APIStatusError as exc:
            raise ModelError(f"{self.model} answered HTTP {exc.status_code}: {exc.message}") from exc
        except openai.APIConnectionError as exc:
            raise ModelError(f"cannot reach the model server ({exc.__class__.__name__}: {exc})") from exc
        except openai.OpenAIError as exc:
            raise ModelError(f"{self.model} failed: {exc.__class__.__name__}: {exc}") from exc

    @staticmethod
    def _sampling(max_tokens: int, temperature: float | None, stop: list[str] | None) -> dict[str, Any]:
        options: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0.2 if temperature is None else temperature}
        if stop:
            options["stop"] = stop
        return options

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        resp = self._create(messages, **self._sampling(max_tokens, temperature, stop))
        text = resp.choices[0].message.content or ""  # type: ignore[attr-defined]
        return Completion(text=text, usage=self._usage(getattr(resp, "usage", None)))

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
        }
        resp = self._create(messages, max_tokens=max_tokens, temperature=0.2, response_format=response_format)
        text = resp.choices[0].message.content or ""  # type: ignore[attr-defined]
        completion = Completion(text=text, usage=self._usage(getattr(resp, "usage", None)))
        return parse_json(schema, text), completion

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream:
        import httpx
        import openai

        options = self._sampling(max_tokens, temperature, stop)
        events = self._create(messages, **options, stream=True, stream_options={"include_usage": True})
        usage: Usage | None = None
        try:
            for event in events:  # type: ignore[attr-defined]
                if getattr(event, "usage", None) is not None:
                    usage = self._usage(event.usage)
                for choice in event.choices:
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            # A server that dies mid-answer surfaces here, after the stream started: name it like any model failure.
            raise ModelError(f"the model {self.model} stopped mid-answer ({exc.__class__.__name__}: {exc})") from exc
        finally:
            close = getattr(events, "close", None)
            if close:
                close()
        return usage
