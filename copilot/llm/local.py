"""A GGUF model run in-process with llama-cpp-python (the optional `local` extra), for data that must not leave
the machine. Structured output is constrained to the JSON schema by llama.cpp's grammar sampling."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Completion, Message, ModelError, T, Usage, parse_json


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, threads: int | None) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise CopilotError(
            ErrorCode.not_available,
            "the local provider needs llama-cpp-python: pip install 'pm-copilot[local]' (see README for build flags)",
        ) from exc
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, verbose=False, seed=0)


class LocalModel:
    provider = "local"
    can_generate = True

    def __init__(self, settings: Settings) -> None:
        if not settings.local_model_path:
            raise CopilotError(ErrorCode.config, "the local provider needs COPILOT_LOCAL_MODEL_PATH (a .gguf file)")
        path = Path(settings.local_model_path).expanduser()
        if not path.is_file():
            raise CopilotError(ErrorCode.config, f"COPILOT_LOCAL_MODEL_PATH {path} is not a file")
        self.model = path.name
        self._llm = _load(str(path), settings.local_context_tokens, settings.local_threads)

    @staticmethod
    def _usage(resp: dict[str, Any]) -> Usage:
        u = resp.get("usage") or {}
        return Usage(prompt_tokens=int(u.get("prompt_tokens", 0)), completion_tokens=int(u.get("completion_tokens", 0)))

    def _chat(self, messages: list[Message], **kwargs: Any) -> Any:
        try:
            return self._llm.create_chat_completion(
                messages=[m.model_dump() for m in messages], temperature=0.2, **kwargs
            )
        except (ValueError, RuntimeError) as exc:  # context overflow, bad grammar
            raise ModelError(f"the local model failed: {exc}") from exc

    def generate(self, messages: list[Message], *, max_tokens: int = 1024) -> Completion:
        resp = self._chat(messages, max_tokens=max_tokens)
        return Completion(text=resp["choices"][0]["message"]["content"] or "", usage=self._usage(resp))

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        resp = self._chat(
            messages,
            max_tokens=max_tokens,
            response_format={"type": "json_object", "schema": schema.model_json_schema()},
        )
        text = resp["choices"][0]["message"]["content"] or ""
        completion = Completion(text=text, usage=self._usage(resp))
        return parse_json(schema, text), completion

    def stream(self, messages: list[Message], *, max_tokens: int = 1024) -> Iterator[str]:
        for chunk in self._chat(messages, max_tokens=max_tokens, stream=True):
            piece = chunk["choices"][0].get("delta", {}).get("content")
            if piece:
                yield piece
