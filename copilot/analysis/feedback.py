"""The feedback a theme analysis looks at: every feedback record of a project (market research excluded), split
into segments, each with its embedding, its polarity and whether it carries any information, and each record's
sentiment.

A segment of a long record (a complaint narrative of twenty sentences) is embedded with some of its record's
context, so that "I called them again" groups with the complaint it belongs to; a short answer is embedded as it
is. Embedding and scoring take most of an analysis, so all of it is cached on disk per collection generation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from copilot.analysis import lowinfo, polarity, segments
from copilot.analysis.embedding import AnalysisEmbedder, analysis_embedder
from copilot.models import FEEDBACK_KINDS
from copilot.store.chroma import Store
from copilot.store.filters import Columns

# The code whose output the cache holds: a release that changes how segments are cut or classed recomputes it.
SOURCES = [Path(m.__file__ or "") for m in (segments, polarity, lowinfo)] + [Path(__file__)]
CONTEXT_AT = 4  # records with this many segments or more embed each segment with their record's context


@dataclass
class FeedbackSet:
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    seg_record: np.ndarray  # index into ids, per segment
    seg_span: np.ndarray  # (start, end) into the record's text, per segment
    vectors: np.ndarray  # unit vectors, per segment
    sentiment: np.ndarray  # VADER compound, per record
    seg_polarity: np.ndarray  # index into polarity.POLARITIES, per segment
    seg_low: np.ndarray  # True where the segment carries no information
    embedding: str = ""
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

    def polarity_of(self, i: int) -> str:
        return polarity.POLARITIES[int(self.seg_polarity[i])]

    def __len__(self) -> int:
        return len(self.ids)


_ARRAYS = ("seg_record", "seg_span", "vectors", "sentiment", "seg_polarity", "seg_low")

# The last set loaded, by what it was computed from: discovery and then statistics in one command (the CLI, the
# survey report, Slack) read a project once, not twice (11 s at 100,000 records). One set only, so memory is bounded.
_last: tuple[tuple[str, ...], FeedbackSet] | None = None


def load_feedback(store: Store, project: str) -> FeedbackSet:
    global _last
    col_id, generation = store.generation(project)
    embedder = analysis_embedder(store.settings)
    key = (str(store.settings.cache_dir), col_id, str(generation), embedder.key, code_version())
    if _last is not None and _last[0] == key:
        return _last[1]
    fs = _load(store, project, col_id, generation, embedder)
    for name in _ARRAYS:  # shared by every later reader: nobody may change it in place
        getattr(fs, name).flags.writeable = False
    _last = (key, fs)
    return fs


def _load(store: Store, project: str, col_id: str, generation: int, embedder: AnalysisEmbedder) -> FeedbackSet:
    # Filter in Python: Chroma's metadata filter costs time per matching record (10 s at 100,000).
    records = sorted(
        (r for r in store.records(project) if r.metadata.get("kind") in FEEDBACK_KINDS), key=lambda r: r.id
    )
    ids = [r.id for r in records]
    texts = [r.text for r in records]
    metas = [r.metadata for r in records]
    cache = store.settings.cache_dir / "analysis" / f"{col_id}@{generation}.{embedder.key}.npz"
    cache.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache) + ".lock", timeout=600):
        cached = _read(cache, ids)
        if cached is None:
            cached = _compute(texts, metas, embedder.embed)
            _write(cache, ids, cached)
            for old in cache.parent.glob(f"{col_id}@*.npz"):
                if old != cache:
                    old.unlink(missing_ok=True)
    return FeedbackSet(
        ids,
        texts,
        metas,
        seg_record=cached["seg_record"],
        seg_span=cached["seg_span"],
        vectors=cached["vectors"],
        sentiment=cached["sentiment"],
        seg_polarity=cached["seg_polarity"],
        seg_low=cached["seg_low"],
        embedding=embedder.name,
    )


def _compute(texts: list[str], metas: list[dict[str, Any]], embed: Any) -> dict[str, np.ndarray]:
    seg_record: list[int] = []
    spans: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        for span in segments.split(text):
            seg_record.append(i)
            spans.append(span)
    seg_texts = [texts[r][a:b] for r, (a, b) in zip(seg_record, spans, strict=True)]
    owner = np.array(seg_record, dtype=np.int64)
    vectors = embed([_as_spoken(t) for t in seg_texts]) if seg_texts else np.zeros((0, 256), np.float32)
    vectors = _with_context(vectors, owner, len(texts))
    tones = [polarity.tone(t) for t in seg_texts]
    priors = [polarity.row_prior(m) for m in metas]
    codes = [
        polarity.POLARITIES.index(polarity.classify(t, priors[r], s))
        for t, r, s in zip(seg_texts, seg_record, tones, strict=True)
    ]
    return {
        "seg_record": owner,
        "seg_span": np.array(spans, dtype=np.int64).reshape(-1, 2),
        "vectors": vectors.astype(np.float32),
        "sentiment": _record_tones(texts, seg_texts, owner, tones),
        "seg_polarity": np.array(codes, dtype=np.int8),
        "seg_low": np.array([lowinfo.is_low_information(t) for t in seg_texts], dtype=bool),
    }


def _record_tones(texts: list[str], seg_texts: list[str], owner: np.ndarray, tones: list[float]) -> np.ndarray:
    """Each record's tone; a record that is one segment has that segment's, already scored."""
    own: dict[int, float] = {}
    for r, t, s in zip(owner.tolist(), seg_texts, tones, strict=True):
        if t == texts[r]:
            own[r] = s
    return np.array([own[r] if r in own else polarity.tone(text) for r, text in enumerate(texts)], dtype=np.float32)


def _as_spoken(text: str) -> str:
    """A segment written in capitals throughout, lowered for the embedding: shouting is a tone, not a topic (the
    embeddings are case-sensitive, and all-capital complaints otherwise form a theme of their own)."""
    return text.lower() if segments.shouted(text) else text


def _with_context(vectors: np.ndarray, owner: np.ndarray, n_records: int) -> np.ndarray:
    """Each segment of a long record, mixed half and half with its record's mean; short records as they are."""
    if not len(vectors):
        return vectors
    counts = np.bincount(owner, minlength=n_records)
    long = counts[owner] >= CONTEXT_AT
    if not long.any():
        return vectors
    # A record's segments are contiguous (split in order), so each long record's sum is one slice's.
    first = np.r_[True, owner[1:] != owner[:-1]]
    sums = np.add.reduceat(vectors, np.flatnonzero(first), axis=0, dtype=np.float64)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    at = np.flatnonzero(long)
    mixed = vectors[at] + sums[(np.cumsum(first) - 1)[at]]
    out = vectors.astype(np.float32, copy=True)
    out[at] = mixed / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
    return out


@cache
def code_version() -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _read(path: Path, ids: list[str]) -> dict[str, np.ndarray] | None:
    if not path.exists():
        return None
    with np.load(path) as data:
        if str(data.get("format", "")) != code_version() or json.loads(str(data["ids"])) != ids:
            return None
        return {k: data[k] for k in _ARRAYS}


def _write(path: Path, ids: list[str], arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_suffix(".tmp.npz")
    payload: dict[str, Any] = {"ids": json.dumps(ids), "format": code_version(), **arrays}
    np.savez(tmp, **payload)
    tmp.replace(path)
