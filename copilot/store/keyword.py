"""Keyword ranking (BM25, via bm25s) over a project's chunks, with filters as vectorised column masks.

The index is rebuilt lazily when the collection's generation changes (every ingest that changed something
bumps it), cached on disk for the next process and in memory for this one.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer
from filelock import FileLock

from copilot.models import FEEDBACK_KINDS, SearchFilter, to_day

logging.getLogger("bm25s").setLevel(logging.WARNING)
FILTER_COLUMNS = ("source", "kind", "segment", "plan", "role", "question")
_stemmer = Stemmer.Stemmer("english")
_cache: dict[str, KeywordIndex] = {}
_cache_lock = threading.Lock()


def tokenize(texts: list[str]) -> Any:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, show_progress=False)


@dataclass
class KeywordIndex:
    ids: list[str]
    bm25: bm25s.BM25
    codes: dict[str, np.ndarray]
    vocab: dict[str, dict[str, int]]
    day: np.ndarray
    feedback: np.ndarray

    def __post_init__(self) -> None:
        self._positions = {cid: i for i, cid in enumerate(self.ids)}

    def allows(self, chunk_id: str, mask: np.ndarray) -> bool:
        """Whether the filter mask admits this chunk (chunks written after the index was built do not pass)."""
        i = self._positions.get(chunk_id)
        return i is not None and bool(mask[i])

    def mask(self, f: SearchFilter) -> np.ndarray | None:
        if f.is_empty():
            return None
        m = np.ones(len(self.ids), dtype=bool)
        for col in FILTER_COLUMNS:
            wanted = getattr(f, col)
            if wanted:
                codes = [self.vocab[col][v] for v in wanted if v in self.vocab[col]]
                m &= np.isin(self.codes[col], codes)
        if f.date_from:
            m &= self.day >= to_day(f.date_from)
        if f.date_to:
            m &= self.day <= to_day(f.date_to)
        if f.feedback_only:
            m &= self.feedback
        return m

    def search(self, query: str, k: int, f: SearchFilter) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        tokens = tokenize([query])
        if not tokens.vocab or not any(tokens.ids):
            return []
        mask = self.mask(f)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(self.ids))
        docs, scores = self.bm25.retrieve(
            tokens, k=k, show_progress=False, weight_mask=None if mask is None else mask.astype(np.float32), n_threads=0
        )
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def build(items: list[dict[str, Any]]) -> KeywordIndex:
    """Index chunks given as {"id", "documents", "metadatas"}."""
    ids = [it["id"] for it in items]
    metas = [it["metadatas"] or {} for it in items]
    bm25 = bm25s.BM25()
    if ids:
        bm25.index(tokenize([it["documents"] or "" for it in items]), show_progress=False)
    vocab: dict[str, dict[str, int]] = {}
    codes: dict[str, np.ndarray] = {}
    for col in FILTER_COLUMNS:
        values = [str(m.get(col, "")) for m in metas]
        v: dict[str, int] = {}
        codes[col] = np.fromiter((v.setdefault(x, len(v)) for x in values), dtype=np.int32, count=len(values))
        vocab[col] = v
    day = np.fromiter((int(m.get("day", -(10**6))) for m in metas), dtype=np.int64, count=len(metas))
    feedback = np.fromiter((m.get("kind") in FEEDBACK_KINDS for m in metas), dtype=bool, count=len(metas))
    return KeywordIndex(ids, bm25, codes, vocab, day, feedback)


def save(index: KeywordIndex, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if index.ids:
        index.bm25.save(str(tmp / "bm25"), show_progress=False)
    np.savez(
        tmp / "columns.npz", day=index.day, feedback=index.feedback, **{f"c_{k}": v for k, v in index.codes.items()}
    )
    (tmp / "meta.json").write_text(json.dumps({"ids": index.ids, "vocab": index.vocab}))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def load(folder: Path) -> KeywordIndex:
    meta = json.loads((folder / "meta.json").read_text())
    cols = np.load(folder / "columns.npz")
    bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if meta["ids"] else bm25s.BM25()
    codes = {k: cols[f"c_{k}"] for k in FILTER_COLUMNS}
    return KeywordIndex(meta["ids"], bm25, codes, meta["vocab"], cols["day"], cols["feedback"])


def get_index(cache_dir: Path, key: str, fetch: Any) -> KeywordIndex:
    """The index for `key` (collection id + generation): from memory, else disk, else built from `fetch()`."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    folder = cache_dir / "keyword" / key
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock", timeout=600):
        if (folder / "meta.json").exists():
            index = load(folder)
        else:
            index = build(fetch())
            save(index, folder)
            prefix = key.split("@", 1)[0]
            for old in folder.parent.glob(prefix + "@*"):
                if old.name != folder.name and not old.name.endswith(".lock"):
                    shutil.rmtree(old, ignore_errors=True)
    with _cache_lock:
        for k in [k for k in _cache if k.split("@", 1)[0] == key.split("@", 1)[0]]:
            del _cache[k]
        _cache[key] = index
    return index
