"""The feedback a theme analysis looks at: every feedback record of a project (market research excluded),
split into segments with their embeddings, and each record's sentiment.

Embedding segments and scoring sentiment take most of an analysis, so both are cached on disk per collection
generation: they are recomputed only after an ingest has changed the project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from copilot.analysis import segments, sentiment
from copilot.models import FEEDBACK_KINDS
from copilot.store.chroma import Store
from copilot.store.embeddings import WordLlamaEmbedder
from copilot.store.filters import Columns

ANALYSIS_EMBEDDING = WordLlamaEmbedder.name  # local and free whatever the project's search embeddings are


@dataclass
class FeedbackSet:
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    seg_record: np.ndarray  # index into ids, per segment
    seg_span: np.ndarray  # (start, end) into the record's text, per segment
    vectors: np.ndarray  # unit vectors, per segment
    sentiment: np.ndarray  # VADER compound, per record
    _columns: Columns | None = field(default=None, repr=False)

    @property
    def columns(self) -> Columns:
        """The records' filterable metadata, by the same rules as search (store/filters.py)."""
        if self._columns is None:
            self._columns = Columns.build(self.metas)
        return self._columns

    def segment_text(self, i: int) -> str:
        start, end = self.seg_span[i]
        return self.texts[self.seg_record[i]][start:end]

    def __len__(self) -> int:
        return len(self.ids)


def load_feedback(store: Store, project: str) -> FeedbackSet:
    col_id, generation = store.generation(project)
    # Filter in Python: Chroma's metadata filter costs time per matching record (10 s at 100,000).
    records = sorted(
        (r for r in store.records(project) if r.metadata.get("kind") in FEEDBACK_KINDS), key=lambda r: r.id
    )
    ids = [r.id for r in records]
    texts = [r.text for r in records]
    metas = [r.metadata for r in records]
    cache = store.settings.cache_dir / "analysis" / f"{col_id}@{generation}.npz"
    cache.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache) + ".lock", timeout=600):
        cached = _read(cache, ids)
        if cached is None:
            cached = _compute(texts)
            _write(cache, ids, *cached)
            for old in cache.parent.glob(f"{col_id}@*.npz"):
                if old != cache:
                    old.unlink(missing_ok=True)
    seg_record, seg_span, vectors, scores = cached
    return FeedbackSet(ids, texts, metas, seg_record, seg_span, vectors, scores)


def _compute(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    seg_record: list[int] = []
    spans: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        for span in segments.split(text):
            seg_record.append(i)
            spans.append(span)
    seg_texts = [texts[r][a:b] for r, (a, b) in zip(seg_record, spans, strict=True)]
    vectors = WordLlamaEmbedder().embed(seg_texts) if seg_texts else np.zeros((0, 256), np.float32)
    scores = np.array([sentiment.score(t) for t in texts], dtype=np.float32)
    return (
        np.array(seg_record, dtype=np.int64),
        np.array(spans, dtype=np.int64).reshape(-1, 2),
        vectors.astype(np.float32),
        scores,
    )


def _read(path: Path, ids: list[str]) -> tuple[np.ndarray, ...] | None:
    if not path.exists():
        return None
    with np.load(path) as data:
        if json.loads(str(data["ids"])) != ids:
            return None
        return data["seg_record"], data["seg_span"], data["vectors"], data["sentiment"]


def _write(
    path: Path, ids: list[str], seg_record: np.ndarray, seg_span: np.ndarray, vectors: np.ndarray, scores: np.ndarray
) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=json.dumps(ids), seg_record=seg_record, seg_span=seg_span, vectors=vectors, sentiment=scores)
    tmp.replace(path)
