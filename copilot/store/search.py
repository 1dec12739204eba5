"""Hybrid retrieval: Chroma's semantic ranking and BM25 keyword ranking, merged into one ranking of records by
weighted reciprocal rank fusion, the same metadata filters on both, and MMR when diverse results are wanted.

The fusion was chosen on real feedback (evals/real: banking77 support queries of about 11 words, CFPB complaints of
about 200, and 50 hand-judged queries), tuned on half of the queries and checked on the other half (the per-ranker
table: `python bench/retrieval_quality.py`):
- Each ranker's chunks are merged into records first (a record ranks where its best chunk ranks), so a record
  split into chunks is not counted twice.
- Ranks, not scores: a convex combination of min-max-normalised scores lifted P@10 but lost MRR, because a record
  fairly high in both lists overtook the record one ranker was sure of. RRF with a small constant (k = 5, not the
  usual 60) keeps each ranker's first answers near the top.
- The weights follow the length of the texts found. Static embeddings average a long text into a vector like every
  other long text: on the CFPB complaints, embeddings alone reach P@10 0.10 against BM25's 0.17, while on short
  banking queries they lead (0.76 against 0.72). So the keyword weight goes from 0.3 for texts of 15 words or fewer
  to 0.9 from 100 words on, by the median length of the candidates (of this query, under this filter).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from copilot.models import SearchResult
from copilot.store.chroma import Store
from copilot.store.encoding import public_metadata, record_of
from copilot.store.filters import SearchFilter, where
from copilot.store.keyword import KeywordIndex, get_index

Mode = Literal["hybrid", "semantic", "keyword"]
RRF_K = 5
SHORT_WORDS, LONG_WORDS = 15, 100
KEYWORD_WEIGHT_SHORT, KEYWORD_WEIGHT_LONG = 0.3, 0.9
_MAX_OVERFETCH = 3000
MIN_NEIGHBOURS = 400
Chunks = dict[str, tuple[str, dict[str, Any], Any]]


def keyword_index(store: Store, project: str) -> KeywordIndex:
    """The project's BM25 index and filter columns, rebuilt when an ingest has changed the collection."""
    col_id, generation = store.generation(project)
    return get_index(
        store.settings.cache_dir,
        f"{col_id}@{generation}",
        lambda: store.iter_chunks(project, ["documents", "metadatas"]),
    )


def semantic(
    store: Store,
    project: str,
    qvec: np.ndarray,
    fetch_k: int,
    filters: SearchFilter,
    index: KeywordIndex | None,
    mask: np.ndarray | None = None,
) -> tuple[list[str], list[float]]:
    """Chroma's nearest neighbours under the filter (`mask`: the filter as the index's mask, if already computed).

    Chroma's own `where` costs time in proportion to the records it matches (about 150 ms for a third of
    100,000 records), while an unfiltered HNSW query for 1,000 neighbours costs about 4 ms. So for all but very
    narrow filters we over-fetch unfiltered and keep the neighbours our filter columns allow. Neighbours come
    in similarity order, so the survivors are exactly the filtered top results; when too few survive, Chroma's
    `where` answers instead (the same filter, by the rules of store/filters.py).

    Chroma's HNSW index searches with `ef_search` = 100 candidates, or with as many as the neighbours asked for,
    and 100 is too few to be repeatable: two ingests of the same corpus gave dense MRR 0.87 and 0.91 on its 47
    questions. Asking for at least 400 neighbours (then cutting) gave 0.91 from every copy, for about 1 ms more a
    query at 100,000 records.
    """
    if mask is None and index is not None:
        mask = index.mask(filters)
    if mask is None:
        return _cut(store.query(project, qvec, max(fetch_k, MIN_NEIGHBOURS)), fetch_k)
    matching = int(mask.sum())
    if matching == 0:
        return [], []
    want = min(fetch_k, matching)
    over = max(math.ceil(fetch_k * len(mask) / matching * 1.5), MIN_NEIGHBOURS)
    if over <= _MAX_OVERFETCH and index is not None:
        ids, distances = store.query(project, qvec, min(over, len(mask)))
        admitted = index.allowed(ids, mask)
        kept = [(i, d) for i, d, ok in zip(ids, distances, admitted, strict=True) if ok]
        if len(kept) >= want:
            return [i for i, _ in kept[:fetch_k]], [d for _, d in kept[:fetch_k]]
    return _cut(store.query(project, qvec, max(fetch_k, MIN_NEIGHBOURS), where=where(filters)), fetch_k)


def _cut(found: tuple[list[str], list[float]], n: int) -> tuple[list[str], list[float]]:
    return found[0][:n], found[1][:n]


def keyword_weight(words: Iterable[int]) -> float:
    """The keyword ranker's share of the fusion for candidates of these lengths (the semantic one has the rest)."""
    lengths = list(words)
    if not lengths:
        return KEYWORD_WEIGHT_SHORT
    median = max(float(np.median(lengths)), 1.0)
    x = (math.log(median) - math.log(SHORT_WORDS)) / (math.log(LONG_WORDS) - math.log(SHORT_WORDS))
    return KEYWORD_WEIGHT_SHORT + (KEYWORD_WEIGHT_LONG - KEYWORD_WEIGHT_SHORT) * min(max(x, 0.0), 1.0)


def fuse(rankings: list[tuple[list[str], list[float], float]]) -> dict[str, float]:
    """Weighted reciprocal rank fusion of (keys best first, their scores, weight), scaled so that a first place in
    every list is 1. Equal scores share a rank: BM25 often scores short texts alike, and which of them the index
    happened to list first says nothing."""
    total = sum(w for _, _, w in rankings) or 1.0
    fused: dict[str, float] = {}
    for keys, scores, weight in rankings:
        rank = 0
        for i, key in enumerate(keys):
            if i and scores[i] != scores[i - 1]:
                rank = i
            fused[key] = fused.get(key, 0.0) + weight / total * (RRF_K + 1) / (RRF_K + rank + 1)
    return fused


class _Chunks:
    """Which record each chunk belongs to, from the keyword index when it knows the chunk, else from Chroma's
    metadata (no index: a semantic search without filters; or a chunk written since the index was built)."""

    def __init__(self, store: Store, project: str, index: KeywordIndex | None) -> None:
        self.store, self.project, self.index = store, project, index
        self.fetched: Chunks = {}

    def learn(self, chunk_ids: list[str]) -> None:
        unknown = [c for c in chunk_ids if c not in self.fetched and (self.index is None or not self.index.record(c))]
        if unknown:
            self.fetched.update(self.store.get_chunks(self.project, unknown))

    def record(self, chunk_id: str) -> str | None:
        if chunk_id in self.fetched:
            return record_of(self.fetched[chunk_id][1], chunk_id)
        return self.index.record(chunk_id) if self.index is not None else None

    def by_record(self, chunk_ids: list[str]) -> list[tuple[str, str]]:
        """(record, its best chunk) in ranking order, each record once; chunks deleted meanwhile left out."""
        self.learn(chunk_ids)
        seen: dict[str, str] = {}
        for cid in chunk_ids:
            rid = self.record(cid)
            if rid is not None:
                seen.setdefault(rid, cid)
        return list(seen.items())

    def get(self, chunk_ids: list[str], embeddings: bool) -> Chunks:
        missing = [c for c in chunk_ids if embeddings or c not in self.fetched]
        got = self.store.get_chunks(self.project, missing, embeddings=embeddings) if missing else {}
        return {c: got[c] if c in got else self.fetched[c] for c in chunk_ids if c in got or c in self.fetched}


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
    fetch_k = max(fetch_k, k * 3)
    index = keyword_index(store, project) if mode != "semantic" or not filters.is_empty() else None
    mask = None
    if index is not None:
        filters = index.columns.resolve(filters)
        mask = index.mask(filters)
    else:
        store.require(project)  # keyword_index checks it otherwise: every lookup of a collection costs about 1.5 ms
    qvec = store.embedder.embed([query])
    chunks = _Chunks(store, project, index)
    lists: list[tuple[list[tuple[str, str]], list[float]]] = []
    if mode in ("hybrid", "semantic"):
        ids, distances = semantic(store, project, qvec, fetch_k, filters, index, mask)
        lists.append((chunks.by_record(ids), [1.0 - d for d in _best(ids, distances, chunks)]))
    if mode in ("hybrid", "keyword") and index is not None:
        hits = index.search(query, fetch_k, mask)
        ids = [c for c, _ in hits]
        lists.append((chunks.by_record(ids), _best(ids, [s for _, s in hits], chunks)))
    scores, best = _rank(lists, mode, index)
    order = sorted(scores, key=lambda r: scores[r], reverse=True)
    if not order:
        return []
    picked = order[:fetch_k] if diverse else order[:k]
    got = chunks.get([best[r] for r in picked], embeddings=diverse)
    picked = [r for r in picked if best[r] in got]
    if diverse:
        vectors = np.asarray([got[best[r]][2] for r in picked], dtype=np.float32)
        picked = mmr(qvec[0], vectors, picked, k)
    return [_result(best[r], got[best[r]], scores[r]) for r in picked[:k]]


def _best(ids: list[str], values: list[float], chunks: _Chunks) -> list[float]:
    """The value of each record's best chunk, in the order of `by_record` (the first chunk seen is the best)."""
    seen: dict[str, float] = {}
    for cid, v in zip(ids, values, strict=True):
        rid = chunks.record(cid)
        if rid is not None:
            seen.setdefault(rid, v)
    return list(seen.values())


def _rank(
    lists: list[tuple[list[tuple[str, str]], list[float]]], mode: Mode, index: KeywordIndex | None
) -> tuple[dict[str, float], dict[str, str]]:
    """Each record's score and the chunk shown for it: a ranker's own score alone, or the fusion of both."""
    if mode != "hybrid" or len(lists) < 2:
        scores: dict[str, float] = {}
        best: dict[str, str] = {}
        for pairs, values in lists:
            for (rid, cid), v in zip(pairs, values, strict=True):
                scores.setdefault(rid, v)
                best.setdefault(rid, cid)
        return scores, best
    (dense, similarity), (keyword, bm25) = lists
    candidates = [c for _, c in dense] + [c for _, c in keyword]
    weight = keyword_weight(index.words_of(candidates) if index is not None else [])
    scores = fuse([([r for r, _ in dense], similarity, 1.0 - weight), ([r for r, _ in keyword], bm25, weight)])
    # Where the two rankers found different chunks of one record, show the chunk of the one that counts more.
    first, second = (keyword, dense) if weight > 0.5 else (dense, keyword)
    return scores, dict(second) | dict(first)


def _result(cid: str, chunk: tuple[str, dict[str, Any], Any], score: float) -> SearchResult:
    text, meta, _ = chunk
    meta_out = public_metadata(meta, cid)
    meta_out.update({"chunk_id": cid, "start": meta.get("start", 0), "end": meta.get("end", len(text))})
    if meta.get("section"):
        meta_out["section"] = meta["section"]
    return SearchResult(id=meta_out["record_id"], text=text, score=round(score, 6), metadata=meta_out)


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
