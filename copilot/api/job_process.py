"""Runs a job's store writes in a child process, so the server keeps answering while it ingests.

Chroma's embedded client holds Python's interpreter lock for the whole of an `add` (upstream chose not to
release it on inserts), about 0.7 ms a record: measured, a 30,000-row ingest job in the server's own process kept
`GET /v1/jobs/ID` waiting 4.3 s, and a Slack event must be acknowledged within 3 s. In a child the writes hold
its own lock. One writer per store directory still holds (the store's file lock), and the server's client reopens
a collection when it sees the generation the child moved (Embedded.saw).

The child follows its parent: it exits when the server goes away (a kill leaves no orphan writing on), and the
server ends it when it stops cleanly (the job is queued again, see Worker.stop)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from copilot.errors import CopilotError, ErrorCode

log = logging.getLogger("copilot.jobs")

Work = Callable[[Callable[[str, int], None]], dict[str, Any]]  # given progress, returns the job's summary

_children: set[Any] = set()
_children_lock = threading.Lock()


def run_in_child(work: Work, progress: Callable[[str, int], None]) -> dict[str, Any]:
    """`work` (a picklable callable) run in a spawned process; its CopilotError is raised here with its code."""
    ctx = mp.get_context("spawn")  # never fork a process that holds Chroma's and uvicorn's threads
    ours, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(work, theirs, os.getpid()), name="copilot-job")
    proc.start()
    theirs.close()
    with _children_lock:
        _children.add(proc)
    try:
        return _follow(proc, ours, progress)
    finally:
        with _children_lock:
            _children.discard(proc)
        proc.join(timeout=5)
        ours.close()


def stop_children() -> None:
    """A clean stop of the server ends every job's child (their jobs are queued again)."""
    with _children_lock:
        running = list(_children)
    for proc in running:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in running:
        proc.join(timeout=10)


def _follow(proc: Any, conn: Connection, progress: Callable[[str, int], None]) -> dict[str, Any]:
    while True:
        try:
            message = conn.recv() if conn.poll(0.5) else None
        except EOFError:  # the child is gone without a last word
            message = None
            proc.join(timeout=5)
        if message is None:
            if proc.is_alive():
                continue
            raise CopilotError(ErrorCode.internal, f"the job's process {_how_it_ended(proc.exitcode)}")
        what, *rest = message
        if what == "progress":
            progress(*rest)
        elif what == "done":
            return rest[0]
        elif what == "error":
            raise CopilotError(ErrorCode(rest[0]), rest[1])
        else:
            raise CopilotError(ErrorCode.internal, f"internal error: {rest[0]}")


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        return f"was ended by signal {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _child(work: Work, conn: Connection, parent: int) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="copilot-job-parent").start()
    try:
        summary = work(lambda stage, n: conn.send(("progress", stage, n)))
        conn.send(("done", summary))
    except CopilotError as exc:
        conn.send(("error", exc.code.value, exc.detail))
    except Exception as exc:  # noqa: BLE001 - reported to the parent by type; the traceback goes to the log
        log.error("job failed: %s", type(exc).__name__, exc_info=exc)
        conn.send(("crash", type(exc).__name__))
    finally:
        conn.close()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(0.5)
    os._exit(1)  # the server is gone: a write it no longer follows must not go on
