"""Hybrid retrieval: Chroma's semantic ranking fused with BM25 keyword ranking (reciprocal rank fusion),
the same metadata filters on both, one result per record, and MMR when diverse results are wanted."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np

from copilot.models import FEEDBACK_KINDS, SearchFilter, SearchResult
from copilot.store.chroma import Store, public_metadata, record_of
from copilot.store.keyword import FILTER_COLUMNS, KeywordIndex, get_index

Mode = Literal["hybrid", "semantic", "keyword"]
_RRF_K = 60
_EPOCH = dt.date(1970, 1, 1)


def chroma_where(f: SearchFilter) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    for col in FILTER_COLUMNS:
        values = getattr(f, col)
        if values:
            clauses.append({col: {"$in": list(values)}})
    if f.date_from:
        clauses.append({"day": {"$gte": (f.date_from - _EPOCH).days}})
    if f.date_to:
        clauses.append({"day": {"$lte": (f.date_to - _EPOCH).days}})
    if f.feedback_only:
        clauses.append({"kind": {"$in": sorted(FEEDBACK_KINDS)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def keyword_index(store: Store, project: str) -> KeywordIndex:
    col = store.collection(project)
    generation = int((col.metadata or {}).get("copilot_generation", 0))
    key = f"{col.id}@{generation}-{col.count()}"
    return get_index(
        store.settings.cache_dir, key,
        lambda: list(store.iter_chunks(project, ["documents", "metadatas"])),
    )


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
    col = store.collection(project)
    fetch_k = max(fetch_k, k * 3)
    rankings: list[list[str]] = []
    similarity: dict[str, float] = {}
    qvec = store.embedder.embed([query])
    if mode in ("hybrid", "semantic"):
        res = col.query(query_embeddings=qvec, n_results=fetch_k, where=chroma_where(filters), include=["distances"])
        ids = res["ids"][0]
        rankings.append(ids)
        similarity = {i: 1.0 - float(d) for i, d in zip(ids, res["distances"][0], strict=True)}  # type: ignore[index]
    keyword_scores: dict[str, float] = {}
    if mode in ("hybrid", "keyword"):
        hits = keyword_index(store, project).search(query, fetch_k, filters)
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
    got = col.get(ids=order, include=["documents", "metadatas", "embeddings"] if diverse else ["documents", "metadatas"])
    by_id = {cid: i for i, cid in enumerate(got["ids"])}
    # One result per record: its best-ranked chunk.
    best: dict[str, str] = {}
    for cid in order:
        if cid in by_id:
            rid = record_of(got["metadatas"][by_id[cid]], cid)  # type: ignore[index]
            best.setdefault(rid, cid)
    candidates = list(best.values())
    if diverse:
        vectors = np.asarray([got["embeddings"][by_id[c]] for c in candidates], dtype=np.float32)  # type: ignore[index]
        candidates = mmr(qvec[0], vectors, candidates, k)
    results = []
    for cid in candidates[:k]:
        i = by_id[cid]
        meta = dict(got["metadatas"][i])  # type: ignore[index]
        text = got["documents"][i]  # type: ignore[index]
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
        if chosen:
            redundancy = (v[remaining] @ v[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        scores = lam * relevance[remaining] - (1 - lam) * redundancy
        pick = remaining[int(np.argmax(scores))]
        chosen.append(pick)
        remaining.remove(pick)
    return [ids[i] for i in chosen]
