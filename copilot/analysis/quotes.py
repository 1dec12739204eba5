"""Representative verbatim quotes: central to the theme, unlike each other, one per record."""

from __future__ import annotations

import numpy as np

from copilot.analysis.schema import Polarity, Quote


def representative(
    vectors: np.ndarray,
    centre: np.ndarray,
    texts: list[str],
    record_ids: list[str],
    k: int = 5,
    diversity: float = 0.35,
    polarity: list[Polarity] | None = None,
) -> list[Quote]:
    """Pick up to k segments by maximal marginal relevance against the theme centre, preferring readable
    lengths (4 to 40 words). Each quote is a segment, i.e. a verbatim substring of its record."""
    if len(texts) == 0:
        return []
    lengths = np.array([len(t.split()) for t in texts])
    readable = (lengths >= 4) & (lengths <= 40)
    pool = np.flatnonzero(readable) if readable.any() else np.arange(len(texts))
    relevance = vectors[pool] @ centre
    top = pool[np.argsort(-relevance)[:200]]
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
