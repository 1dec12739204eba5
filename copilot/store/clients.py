"""Chroma clients (the server's, and the embedded one of a data directory, shared by the process) and what a
store failure was.

chromadb caches one System per path (SharedSystemClient), and its Rust segment readers keep the vector index of
a collection in memory: measured here, a reader that stayed open saw 100 of 3,100 vectors after another process
added 3,000 (its `count()` and `get()` saw them all), until every client of that path was closed and a new one
opened. So a reader that meets a generation it did not write itself closes the client and opens a fresh one,
unless another call is using the client at that moment (then it tries again on the next call).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import chromadb
import httpx
from chromadb.errors import ChromaError

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode

# Below this much free space a failed write is taken to be the disk filling up: chromadb reports ENOSPC only as
# "Error in compaction: Failed to apply logs to the metadata segment" (seen on a 4 MB tmpfs, with 780 KB free).
_LOW_SPACE = 64 << 20


def server_client(settings: Settings) -> Any:
    """An HttpClient for COPILOT_CHROMA_URL, with the token, tenant and database as chromadb documents them."""
    url = urlparse(settings.chroma_url or "")
    if not url.hostname:
        raise CopilotError(ErrorCode.config, f"COPILOT_CHROMA_URL {settings.chroma_url!r} is not a URL")
    ssl = url.scheme == "https"
    auth: dict[str, Any] = {}
    if settings.chroma_token:
        auth = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": settings.chroma_token.get_secret_value(),
        }
    # httpx logs every request at INFO, which printed a line per store call on every command.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chromadb.Settings(anonymized_telemetry=False, **auth),
            tenant=settings.chroma_tenant,
            database=settings.chroma_database,
        )
    except Exception as exc:  # chromadb raises several types for an unreachable or refusing server
        raise CopilotError(
            ErrorCode.store_unreachable,
            f"cannot reach the Chroma server at {settings.chroma_url} (tenant {settings.chroma_tenant!r}, "
            f"database {settings.chroma_database!r}): {exc}",
        ) from exc


class Embedded:
    """One PersistentClient per directory in this process, reopened when another process changed a collection."""

    _by_path: ClassVar[dict[str, Embedded]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.client: Any = self._open()
        self._known: dict[str, int] = {}
        self._busy = 0
        self._lock = threading.Lock()

    @classmethod
    def get(cls, path: Path) -> Embedded:
        key = str(path.resolve())
        with cls._registry_lock:
            if key not in cls._by_path:
                cls._by_path[key] = Embedded(path)
            return cls._by_path[key]

    def _open(self) -> Any:
        self.path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.path), settings=chromadb.Settings(anonymized_telemetry=False))

    @contextmanager
    def using(self) -> Iterator[None]:
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1

    def saw(self, collection_id: str, generation: int) -> bool:
        """Note a collection's generation; reopen (and say so) when it moved on since this process last saw it."""
        with self._lock:
            last = self._known.setdefault(collection_id, generation)
            if generation <= last or self._busy > 1:
                return False
            self._known[collection_id] = generation
            self.client.close()
            self.client = self._open()
            return True

    def wrote(self, collection_id: str, generation: int) -> None:
        """This process moved the generation itself: its own client already holds what it wrote."""
        with self._lock:
            self._known[collection_id] = generation


def is_store_exception(exc: BaseException) -> bool:
    return isinstance(exc, ChromaError | httpx.HTTPError | ConnectionError | OSError | sqlite3.Error) or (
        isinstance(exc, ValueError) and "connect" in str(exc).lower()
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _unreachable(exc: BaseException) -> bool:
    gone = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.TimeoutException)
    return any(isinstance(e, (*gone, ConnectionError)) or "could not connect" in str(e).lower() for e in _chain(exc))


def free_bytes(path: Path) -> int:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _disk_full(exc: BaseException, path: Path) -> bool:
    if any(getattr(e, "errno", None) == 28 or "no space left" in str(e).lower() for e in _chain(exc)):
        return True
    try:
        return free_bytes(path) < _LOW_SPACE
    except OSError:
        return False


def store_error(exc: BaseException, location: str, action: str, server: str | None) -> CopilotError:
    """The error a user reads for a failure of the store: what happened, and that rerunning resumes."""
    what = f"{type(exc).__name__}: {str(exc)[:300]}"
    if server is not None and _unreachable(exc):
        return CopilotError(
            ErrorCode.store_unreachable,
            f"the Chroma server at {server} stopped answering while {action} ({what}). Start it again and run the "
            "same command: what was stored is kept and recognised",
        )
    if server is None and _disk_full(exc, Path(location)):
        free = free_bytes(Path(location)) / (1 << 20)
        return CopilotError(
            ErrorCode.disk_full,
            f"the disk holding {location} is full ({free:.1f} MB free) while {action} (Chroma said: {what}). "
            "Free some space and run the same command again: what was stored is kept",
        )
    return CopilotError(ErrorCode.store_failed, f"{action} failed in {location}: {what}")
