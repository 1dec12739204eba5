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

from copilot.store.filters import Columns, SearchFilter

logging.getLogger("bm25s").setLevel(logging.WARNING)
_stemmer = Stemmer.Stemmer("english")
_cache: dict[str, KeywordIndex] = {}
_cache_lock = threading.Lock()


def tokenize(texts: list[str]) -> Any:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, show_progress=False)


@dataclass
class KeywordIndex:
    ids: list[str]
    bm25: bm25s.BM25
    columns: Columns

    def __post_init__(self) -> None:
        self._positions = {cid: i for i, cid in enumerate(self.ids)}

    def allows(self, chunk_id: str, mask: np.ndarray) -> bool:
        """Whether the filter mask admits this chunk (chunks written after the index was built do not pass)."""
        i = self._positions.get(chunk_id)
        return i is not None and bool(mask[i])

    def mask(self, f: SearchFilter) -> np.ndarray | None:
        return self.columns.mask(f)

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
    return KeywordIndex(ids, bm25, Columns.build(metas))


def save(index: KeywordIndex, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if index.ids:
        index.bm25.save(str(tmp / "bm25"), show_progress=False)
    arrays: dict[str, Any] = index.columns.arrays()
    np.savez(tmp / "columns.npz", **arrays)
    (tmp / "meta.json").write_text(json.dumps({"ids": index.ids, "vocab": index.columns.vocab, "format": 2}))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def load(folder: Path) -> KeywordIndex:
    meta = json.loads((folder / "meta.json").read_text())
    cols = np.load(folder / "columns.npz")
    bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if meta["ids"] else bm25s.BM25()
    return KeywordIndex(meta["ids"], bm25, Columns.from_arrays(cols, meta["vocab"]))


def get_index(cache_dir: Path, key: str, fetch: Any) -> KeywordIndex:
    """The index for `key` (collection id + generation): from memory, else disk, else built from `fetch()`."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    folder = cache_dir / "keyword" / key
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock", timeout=600):
        if (folder / "meta.json").exists() and json.loads((folder / "meta.json").read_text()).get("format") == 2:
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
