"""The draft kinds: every module of drafts/kinds/ that defines `KIND`, plus any registered at run time.

Modules are found by listing the package (no import cycle registers them), so adding a kind is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading

from copilot.drafts import kinds as _kinds_package
from copilot.drafts.kind import DraftContext, DraftKind
from copilot.drafts.schema import DraftDocument
from copilot.errors import CopilotError, ErrorCode

_KINDS: dict[str, DraftKind] = {}
_loaded = False
_lock = threading.Lock()


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        for info in pkgutil.iter_modules(_kinds_package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{_kinds_package.__name__}.{info.name}")
            kind = getattr(module, "KIND", None)
            if isinstance(kind, DraftKind):
                _KINDS.setdefault(kind.name, kind)
        _loaded = True


def register(kind: DraftKind) -> None:
    _load()
    _KINDS[kind.name] = kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def kinds() -> list[DraftKind]:
    _load()
    return list(_KINDS.values())


def names() -> list[str]:
    return [k.name for k in kinds()]


def get(name: str) -> DraftKind:
    _load()
    kind = _KINDS.get(name) or for_word(name)
    if kind is None:
        raise CopilotError(ErrorCode.unknown_kind, f"no draft kind {name!r}; choose {', '.join(names())}")
    return kind


def _squash(word: str) -> str:
    return re.sub(r"[\s_-]", "", word.lower())


def for_word(word: str) -> DraftKind | None:
    """The kind a person names ("PRD", "personas", "pain points", "pain-points"), or None."""
    wanted = _squash(word)
    for kind in kinds():
        if wanted in {_squash(w) for w in (kind.name, *kind.words)}:
            return kind
    return None


def words_pattern() -> str:
    """A regular expression alternation of every word for every kind, longest first (spaces match - or none)."""
    words = sorted({w for k in kinds() for w in (k.name, *k.words)}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?") for w in words)


def build(kind_name: str, ctx: DraftContext) -> DraftDocument:
    return get(kind_name).build(ctx)


def markdown(doc: DraftDocument) -> str:
    return get(doc.kind).markdown(doc)
