"""A GGUF model run in-process with llama-cpp-python (the optional `local` extra), for data that must not leave
the machine. Structured output is constrained to the JSON schema by llama.cpp's grammar sampling.

One llama.cpp context serves one caller at a time: two threads decoding in the same context crash the process
(a segfault, not an exception), and a survey report, an API job and a chat answer may share the loaded model. So
every call holds the model's lock for as long as it decodes, a stream until it ends or is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Completion, Message, ModelError, T, TextStream, Usage, parse_json

_FAILURES = (ValueError, RuntimeError)  # context overflow, bad grammar, a decode that failed


class _Loaded:
    """A llama.cpp model and the lock that keeps its context to one caller."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.lock = threading.Lock()


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, threads: int | None) -> _Loaded:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise CopilotError(
            ErrorCode.not_available,
            "the local provider needs llama-cpp-python: pip install 'pm-copilot[local]' (see README for build flags)",
        ) from exc
    return _Loaded(Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, verbose=False, seed=0))


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
        self._loaded = _load(str(path), settings.local_context_tokens, settings.local_threads)

    @staticmethod
    def _usage(resp: dict[str, Any]) -> Usage:
        u = resp.get("usage") or {}
        return Usage(prompt_tokens=int(u.get("prompt_tokens", 0)), completion_tokens=int(u.get("completion_tokens", 0)))

    @contextmanager
    def _exclusive(self) -> Iterator[Any]:
        with self._loaded.lock:
            try:
                yield self._loaded.llm
            except _FAILURES as exc:
                raise ModelError(f"the local model failed: {exc}") from exc

    @staticmethod
    def _options(temperature: float | None, stop: list[str] | None) -> dict[str, Any]:
        return {"temperature": 0.2 if temperature is None else temperature, "stop": stop or None}

    def generate(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        with self._exclusive() as llm:
            resp = llm.create_chat_completion(
                messages=[m.model_dump() for m in messages], max_tokens=max_tokens, **self._options(temperature, stop)
            )
        return Completion(text=resp["choices"][0]["message"]["content"] or "", usage=self._usage(resp))

    def generate_json(
        self, messages: list[Message], schema: type[T], *, max_tokens: int = 2048
    ) -> tuple[T, Completion]:
        with self._exclusive() as llm:
            resp = llm.create_chat_completion(
                messages=[m.model_dump() for m in messages],
                max_tokens=max_tokens,
                temperature=0.2,
                response_format={"type": "json_object", "schema": schema.model_json_schema()},
            )
        text = resp["choices"][0]["message"]["content"] or ""
        completion = Completion(text=text, usage=self._usage(resp))
        return parse_json(schema, text), completion

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        stop: list[str] | None = None,
    ) -> TextStream:
        plain = [m.model_dump() for m in messages]
        with self._exclusive() as llm:
            prompt_tokens = sum(len(llm.tokenize(m["content"].encode(), add_bos=False)) for m in plain)
            pieces = 0
            chunks = llm.create_chat_completion(
                messages=plain, max_tokens=max_tokens, stream=True, **self._options(temperature, stop)
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        pieces += 1  # llama.cpp streams one token per chunk
                        yield piece
            finally:
                chunks.close()  # a reader that left: stop decoding before the lock is given back
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=pieces)
