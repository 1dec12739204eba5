"""The evidence an answer rests on: the best-matching records, numbered, each with the sentence shown for it.

Near-duplicates are common in feedback (the same complaint pasted into three tickets). An answer that cites
[2], [3] and [4] for one sentence says less than it seems to, so the evidence keeps the first of any quotes that
are nearly the same sentence and fills its places from further down the ranking.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx
from rapidfuzz import fuzz

from copilot.analysis.segments import split
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store
from copilot.store.search import search

EVIDENCE = 6
NEAR_DUPLICATE = 90.0  # rapidfuzz ratio of two quotes, 0 to 100: at or above, one sentence said twice
_WORD_RE = re.compile(r"[a-z]{3,}")
R = TypeVar("R")


@dataclass
class Evidence:
    marker: int
    record_id: str
    text: str
    quote: str
    source: str


@contextmanager
def store_errors(store: Store) -> Iterator[None]:
    """A Chroma server that went away is the store's unreachability, not an internal error."""
    try:
        yield
    except httpx.TransportError as exc:
        raise CopilotError(
            ErrorCode.store_unreachable,
            f"cannot reach the vector store at {store.location} ({exc.__class__.__name__}); "
            "check that the Chroma server runs, then ask again",
        ) from exc


def reach(store: Store, call: Callable[[], R]) -> R:
    with store_errors(store):
        return call()


def best_sentence(text: str, question: str) -> str:
    """The sentence of a record that shares most words with the question: the quote shown for it."""
    wanted = set(_WORD_RE.findall(question.lower()))
    sentences = [text[a:b].strip() for a, b in split(text, prose=True)] or [text.strip()]
    sentences = [s for s in sentences if len(s.split()) >= 4 and not s.startswith("#")] or sentences
    return max(sentences, key=lambda s: len(wanted & set(_WORD_RE.findall(s.lower()))))


def _same_sentence(a: str, b: str) -> bool:
    return fuzz.ratio(" ".join(a.lower().split()), " ".join(b.lower().split())) >= NEAR_DUPLICATE


def gather(store: Store, project: str, query: str, k: int = EVIDENCE) -> list[Evidence]:
    """The k best records for the query, no two of them showing nearly the same sentence."""
    hits = reach(store, lambda: search(store, project, query, k=k * 3))
    chosen: list[Evidence] = []
    for h in hits:
        quote = best_sentence(h.text, query)
        if any(_same_sentence(quote, e.quote) for e in chosen):
            continue
        source = str(h.metadata.get("title") or h.metadata.get("source") or "")
        chosen.append(Evidence(marker=len(chosen) + 1, record_id=h.id, text=h.text, quote=quote, source=source))
        if len(chosen) == k:
            break
    return chosen
