"""Representative verbatim quotes: central to the theme, unlike each other, one per record, and legible."""

from __future__ import annotations

import itertools
import re

import numpy as np

from copilot.analysis.labels import MASK_RE
from copilot.analysis.lowinfo import content_words
from copilot.analysis.schema import Polarity, Quote

# What an export left in place of redacted words, amounts, dates and reference numbers ("XX/XX/XXXX",
# "{$300.00}", "# XXXX"): a quote made mostly of them tells a PM nothing.
_PLACEHOLDER = re.compile(r"^\W*(?:[Xx]{2,}(?:[/-][Xx]{2,})*|\{?\$?[\d.,/:-]+\}?|#)?\W*$")


def legible(text: str) -> bool:
    """At least three content words, and at most a fifth of the words masked, amounts or reference numbers."""
    tokens = text.split()
    held = sum(bool(_PLACEHOLDER.match(t)) for t in tokens)
    return bool(tokens) and held <= 0.2 * len(tokens) and len(content_words(MASK_RE.sub(" ", text))) >= 3


def representative(
    vectors: np.ndarray,
    centre: np.ndarray,
    texts: list[str],
    record_ids: list[str],
    k: int = 5,
    diversity: float = 0.35,
    polarity: list[Polarity] | None = None,
) -> list[Quote]:
    """Pick up to k segments by maximal marginal relevance against the theme centre, preferring legible ones of
    readable length (4 to 40 words). Each quote is a segment, i.e. a verbatim substring of its record."""
    if len(texts) == 0:
        return []
    lengths = np.array([len(t.split()) for t in texts])
    readable = (lengths >= 4) & (lengths <= 40)
    pool = np.flatnonzero(readable) if readable.any() else np.arange(len(texts))
    ranked = pool[np.argsort(-(vectors[pool] @ centre), kind="stable")]
    # The 200 most central legible ones (checked in that order: a large theme has 100,000 segments), else the
    # most central of all.
    clear = [int(i) for i in itertools.islice((i for i in ranked if legible(texts[i])), 200)]
    top = np.array(clear) if clear else ranked[:200]
    chosen: list[int] = []
    used_records: set[str] = set()
    used_texts: set[str] = set()
    while len(chosen) < k:
        best, best_score = None, -np.inf
        for i in top:
            if record_ids[i] in used_records or texts[i].strip().lower() in used_texts:
                continue
            rel = float(vectors[i] @ centre)
            red = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            s = (1 - diversity) * rel - diversity * red
            if s > best_score:
                best, best_score = i, s
        if best is None:
            break
        chosen.append(int(best))
        used_records.add(record_ids[best])
        used_texts.add(texts[best].strip().lower())
    return [Quote(record_id=record_ids[i], text=texts[i], polarity=polarity[i] if polarity else None) for i in chosen]
