"""Which projects an API key may use, and a view of the store that holds a key to them.

COPILOT_API_KEYS is a comma-separated list of `KEY` (every project), `KEY:*` (every project, said explicitly) or
`KEY:proj1|proj2` (only those). A key limited to some projects gets 403 `forbidden` for any other project,
whether or not it exists, so a key cannot learn which projects there are.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass
from typing import Any

from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import check_project


@dataclass(frozen=True)
class Caller:
    """Who is calling: `identity` names the rate-limit bucket; `projects` is None for every project."""

    identity: str
    projects: frozenset[str] | None = None

    def may_use(self, project: str) -> bool:
        return self.projects is None or project in self.projects

    def require(self, project: str) -> None:
        if not self.may_use(project):
            raise CopilotError(ErrorCode.forbidden, f"this API key may not use project {project!r}")


def key_identity(key: str) -> str:
    """A rate-limit bucket per key that neither logs nor stores the key itself."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def parse_keys(raw: str) -> dict[str, frozenset[str] | None]:
    """COPILOT_API_KEYS as {key: projects or None}; a malformed entry stops the server with the entry's place."""
    keys: dict[str, frozenset[str] | None] = {}
    for n, entry in enumerate((e.strip() for e in raw.split(",")), start=1):
        if not entry:
            continue
        key, sep, scope = entry.partition(":")
        key, scope = key.strip(), scope.strip()
        if not key or (sep and not scope):
            raise CopilotError(
                ErrorCode.config, f"COPILOT_API_KEYS entry {n}: write KEY, KEY:* or KEY:project1|project2"
            )
        if key in keys:
            raise CopilotError(ErrorCode.config, f"COPILOT_API_KEYS entry {n}: the same key is listed twice")
        if not sep or scope == "*":
            keys[key] = None
            continue
        try:
            keys[key] = frozenset(check_project(p.strip()) for p in scope.split("|"))
        except CopilotError as exc:
            raise CopilotError(ErrorCode.config, f"COPILOT_API_KEYS entry {n}: {exc.detail}") from None
    return keys


def _takes_project(fn: Any) -> bool:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "project"


class ScopedStore:
    """The store as a limited key sees it: `projects()` lists only its projects, and every method whose first
    argument is a project refuses the others. Routes check the project they name first; this covers what a
    route does not name in its path (the OpenAI endpoint's `model`, the model list) and anything added later."""

    def __init__(self, store: Any, caller: Caller) -> None:
        self._store, self._caller = store, caller

    def projects(self) -> list[str]:
        return [p for p in self._store.projects() if self._caller.may_use(p)]

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value) or not _takes_project(value):
            return value

        def checked(project: str, *args: Any, **kwargs: Any) -> Any:
            self._caller.require(project)
            return value(project, *args, **kwargs)

        return checked
