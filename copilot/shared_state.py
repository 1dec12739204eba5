"""What every API process must agree on: rate-limit counters and "first delivery" markers.

With COPILOT_REDIS_URL both live in Redis, so N workers or machines allow the limit once, not N times, and a
Slack retry is answered once whichever process gets it. Without it, counters are per process (one worker, the
default) and markers are in the service database, which every process on this machine shares and which
survives a restart.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from limits.storage import MemoryStorage, Storage, storage_from_string

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.service_db import connect

MARK_TTL_S = 24 * 3600  # Slack retries for minutes; a day covers any retry and a restart in between
_SCHEMA = """
CREATE TABLE IF NOT EXISTS first_seen (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS first_seen_at ON first_seen (at);
"""


def _redis_url(settings: Settings) -> str | None:
    return settings.redis_url.get_secret_value() if settings.redis_url else None


def unreachable(exc: BaseException) -> CopilotError:
    return CopilotError(
        ErrorCode.shared_state_unreachable,
        f"the Redis server in COPILOT_REDIS_URL did not answer ({type(exc).__name__}); start it or unset the "
        "variable to run one process",
    )


def limiter_storage(settings: Settings) -> Storage:
    url = _redis_url(settings)
    if url is None:
        return MemoryStorage()
    storage = storage_from_string(url, wrap_exceptions=True, socket_timeout=5, socket_connect_timeout=5)
    assert isinstance(storage, Storage)  # a redis:// URL gives the synchronous storage
    return storage


class FirstSeen:
    """`first(key)` is True exactly once per key across every process that shares the backend."""

    def __init__(self, settings: Settings) -> None:
        self.db: Path = settings.service_db
        self.redis: Any = None
        url = _redis_url(settings)
        if url is not None:
            import redis

            self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def first(self, key: str) -> bool:
        if self.redis is not None:
            import redis

            try:
                return bool(self.redis.set(f"copilot:first:{key}", 1, nx=True, ex=MARK_TTL_S))
            except redis.RedisError as exc:
                raise unreachable(exc) from exc
        now = time.time()
        with connect(self.db, _SCHEMA) as db:
            db.execute("DELETE FROM first_seen WHERE at < ?", (now - MARK_TTL_S,))
            added = db.execute("INSERT OR IGNORE INTO first_seen (key, at) VALUES (?, ?)", (key, now)).rowcount
        return added == 1
