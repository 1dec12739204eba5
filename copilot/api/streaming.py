"""Streaming an answer: a blocking event generator run in a thread of its own, and the error an interrupted
stream ends with.

A stream has already sent 200 when something fails (the model dies mid-answer, the store goes away), so the
failure becomes the stream's last frame, in the format of its endpoint, and the stream ends cleanly: a cut
connection tells a client nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from copilot.errors import CopilotError, ErrorCode

log = logging.getLogger("copilot.api")
HEARTBEAT_S = 15
_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


async def drain(
    events: Iterator[dict[str, Any]], heartbeat: float | None = None
) -> AsyncIterator[dict[str, Any] | None]:
    """Hand a blocking generator's events over as they come, and None after `heartbeat` quiet seconds (or for
    each `progress` event, at most once per `heartbeat`). When the consumer stops (the client left), the thread
    closes the generator after its current step: generation stops."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        """False once the server's loop is gone (it stopped mid-answer): nobody is left to read the rest."""
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # "Event loop is closed"
            return False
        return True

    def produce() -> None:
        try:
            for event in events:
                if not hand_over(event) or stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            hand_over(_Failed(exc))
        finally:
            close = getattr(events, "close", None)  # a generator: let it clean up
            if close is not None:
                close()
            hand_over(_END)

    threading.Thread(target=produce, name="copilot-answer", daemon=True).start()
    last = loop.time()
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                last = loop.time()
                yield None  # nothing for `heartbeat` seconds
                continue
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            if item.get("type") == "progress":
                if heartbeat is not None and loop.time() - last >= heartbeat:
                    last = loop.time()
                    yield None
                continue
            last = loop.time()
            yield item
    finally:
        stop.set()


def failure(exc: BaseException) -> tuple[ErrorCode, str]:
    """The code and text a stream ends with; an unexpected error is logged under an id the client gets."""
    if isinstance(exc, CopilotError):
        return exc.code, exc.detail
    request_id = uuid.uuid4().hex[:12]
    log.error("stream %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
    return ErrorCode.internal, f"internal error (request {request_id}); see the server log"
