"""The service database (SQLite): conversations, jobs and rated Slack answers, each module with its own tables."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_open: dict[Path, tuple[sqlite3.Connection, threading.RLock]] = {}
_ready: set[tuple[Path, str]] = set()
_guard = threading.Lock()


@contextmanager
def connect(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """The process's connection to a service database, with `schema` created once; one user at a time.
    It stays open: closing the last connection of a WAL database checkpoints it, which measured 2 ms a request.
    Other processes share the file through WAL and the busy timeout."""
    with _guard:
        if path not in _open:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _open[path] = (db, threading.RLock())
        db, lock = _open[path]
    with lock:
        if (path, schema) not in _ready:
            db.executescript(schema)
            _ready.add((path, schema))
        yield db
