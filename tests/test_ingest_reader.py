"""The reader process runs ahead of the store: while a batch is being written, the next ones are read."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator

from copilot.ingest.pipeline import _forward


def _events(batches: int) -> Iterator[tuple[str, object]]:
    n = 0
    for b in range(batches):
        for _ in range(5):  # a progress message every 1,000 rows, a batch every 5,000
            n += 1000
            yield "progress", ("feedback.csv", n)
        yield "batch", b
    yield "notes", None


def _settled(q: queue.Queue, thread: threading.Thread) -> None:
    """Until the forwarding thread is blocked on a full queue (or done)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and thread.is_alive() and not q.full():
        time.sleep(0.01)
    time.sleep(0.2)


def test_progress_messages_never_hold_the_reader_back_while_the_store_writes() -> None:
    # The queue holds 4 messages. Before, it filled with progress messages while the store wrote one batch, so
    # the reader stopped a batch short every time and the store waited for it: 14 s of 108 s at 100,000 rows.
    q: queue.Queue = queue.Queue(maxsize=4)
    thread = threading.Thread(target=_forward, args=(_events(8), q), daemon=True)
    thread.start()
    _settled(q, thread)
    waiting = [what for what, _ in [q.get_nowait() for _ in range(q.qsize())]]
    assert waiting.count("batch") >= 3, waiting  # the reader is three batches ahead of the store
    assert waiting.count("progress") <= 1, waiting

    rest: list[tuple[str, object]] = []
    while thread.is_alive() or not q.empty():
        with contextlib.suppress(queue.Empty):
            rest.append(q.get(timeout=0.5))
    assert [item for what, item in rest if what == "batch"] == list(range(waiting.count("batch"), 8))
    # The count shown at the end is the whole file's, even when progress messages were dropped on the way.
    progress = [item for what, item in rest if what == "progress"]
    assert progress[-1] == ("feedback.csv", 40_000)
    assert ("notes", None) in rest
