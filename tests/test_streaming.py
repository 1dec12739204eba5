"""A streamed answer whose server stops mid-answer: the producer thread drops what is left, quietly."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from copilot.api.streaming import drain


def test_a_stream_cut_by_a_closed_event_loop_ends_its_producer_without_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    first_taken, loop_closed, finished = threading.Event(), threading.Event(), threading.Event()

    def answer() -> Iterator[dict[str, Any]]:
        try:
            yield {"type": "delta", "text": "first"}
            loop_closed.wait(10)  # the server shut down while the model was still writing
            yield {"type": "delta", "text": "second"}
        finally:
            finished.set()

    async def consume() -> None:
        stream = drain(answer())
        assert (await anext(stream))["text"] == "first"
        first_taken.set()
        await stream.aclose()  # the client left as the server stopped

    loop = asyncio.new_event_loop()
    loop.run_until_complete(consume())
    loop.close()
    loop_closed.set()
    assert finished.wait(10), "the answer's generator was never closed"
    threading.Event().wait(0.2)  # the producer's last hand-over comes after the generator closes
    assert errors == []
