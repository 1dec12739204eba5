"""Hybrid retrieval: Chroma's semantic ranking fused with BM25 keyword ranking (reciprocal rank fusion),
the same metadata filters on both, one result per record, and MMR when diverse results are wanted."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from copilot.models import SearchResult
from copilot.store.chroma import Store
from copilot.store.encoding import public_metadata, record_of
from copilot.store.filters import SearchFilter, where
from copilot.store.keyword import KeywordIndex, get_index

Mode = Literal["hybrid", "semantic", "keyword"]
_RRF_K = 60
_MAX_OVERFETCH = 3000


def keyword_index(store: Store, project: str) -> KeywordIndex:
    """The project's BM25 index and filter columns, rebuilt when an ingest has changed the collection."""
    col_id, generation = store.generation(project)
    return get_index(
        store.settings.cache_dir,
        f"{col_id}@{generation}",
        lambda: list(store.iter_chunks(project, ["documents", "metadatas"])),
    )


def semantic(
    store: Store, project: str, qvec: np.ndarray, fetch_k: int, filters: SearchFilter, index: KeywordIndex | None
) -> tuple[list[str], list[float]]:
    """Chroma's nearest neighbours under the filter.

    Chroma's own `where` costs time in proportion to the records it matches (about 150 ms for a third of
    100,000 records), while an unfiltered HNSW query for 1,000 neighbours costs about 4 ms. So for all but very
    narrow filters we over-fetch unfiltered and keep the neighbours our filter columns allow. Neighbours come
    in similarity order, so the survivors are exactly the filtered top results; when too few survive, Chroma's
    `where` answers instead (the same filter, by the rules of store/filters.py).
    """
    mask = index.mask(filters) if index is not None else None
    if mask is None:
        return store.query(project, qvec, fetch_k)
    matching = int(mask.sum())
    if matching == 0:
        return [], []
    want = min(fetch_k, matching)
    over = math.ceil(fetch_k * len(mask) / matching * 1.5)
    if over <= _MAX_OVERFETCH and index is not None:
        ids, distances = store.query(project, qvec, min(over, len(mask)))
        kept = [(i, d) for i, d in zip(ids, distances, strict=True) if index.allows(i, mask)]
        if len(kept) >= want:
            return [i for i, _ in kept[:fetch_k]], [d for _, d in kept[:fetch_k]]
    return store.query(project, qvec, fetch_k, where=where(filters))


def search(
    store: Store,
    project: str,
    query: str,
    *,
    k: int = 10,
    filters: SearchFilter | None = None,
    mode: Mode = "hybrid",
    diverse: bool = False,
    fetch_k: int = 50,
) -> list[SearchResult]:
    filters = filters or SearchFilter()
    store.require(project)
    fetch_k = max(fetch_k, k * 3)
    rankings: list[list[str]] = []
    similarity: dict[str, float] = {}
    qvec = store.embedder.embed([query])
    index = keyword_index(store, project) if mode != "semantic" or not filters.is_empty() else None
    if index is not None:
        filters = index.columns.resolve(filters)
    if mode in ("hybrid", "semantic"):
        ids, distances = semantic(store, project, qvec, fetch_k, filters, index)
        rankings.append(ids)
        similarity = {i: 1.0 - float(d) for i, d in zip(ids, distances, strict=True)}
    keyword_scores: dict[str, float] = {}
    if mode in ("hybrid", "keyword") and index is not None:
        hits = index.search(query, fetch_k, filters)
        rankings.append([i for i, _ in hits])
        keyword_scores = dict(hits)
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (_RRF_K + rank + 1)
    if mode == "semantic":
        fused = similarity
    elif mode == "keyword":
        fused = keyword_scores
    order = sorted(fused, key=lambda c: fused[c], reverse=True)
    if not order:
        return []
    chunks = store.get_chunks(project, order, embeddings=diverse)
    # One result per record: its best-ranked chunk.
    best: dict[str, str] = {}
    for cid in order:
        if cid in chunks:
            best.setdefault(record_of(chunks[cid][1], cid), cid)
    candidates = list(best.values())
    if diverse:
        vectors = np.asarray([chunks[c][2] for c in candidates], dtype=np.float32)
        candidates = mmr(qvec[0], vectors, candidates, k)
    results = []
    for cid in candidates[:k]:
        text, meta, _ = chunks[cid]
        meta_out = public_metadata(meta, cid)
        meta_out.update({"chunk_id": cid, "start": meta.get("start", 0), "end": meta.get("end", len(text))})
        if meta.get("section"):
            meta_out["section"] = meta["section"]
        results.append(SearchResult(id=meta_out["record_id"], text=text, score=round(fused[cid], 6), metadata=meta_out))
    return results


def mmr(query: np.ndarray, vectors: np.ndarray, ids: list[str], k: int, lam: float = 0.5) -> list[str]:
    """Maximal marginal relevance: relevant to the query, unlike what is already picked."""
    if len(ids) <= 1:
        return ids
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    v = vectors / np.maximum(norms, 1e-12)
    q = query / max(float(np.linalg.norm(query)), 1e-12)
    relevance = v @ q
    chosen: list[int] = []
    remaining = list(range(len(ids)))
    while remaining and len(chosen) < k:
        redundancy = (v[remaining] @ v[chosen].T).max(axis=1) if chosen else np.zeros(len(remaining))
        scores = lam * relevance[remaining] - (1 - lam) * redundancy
        pick = remaining[int(np.argmax(scores))]
        chosen.append(pick)
        remaining.remove(pick)
    return [ids[i] for i in chosen]
