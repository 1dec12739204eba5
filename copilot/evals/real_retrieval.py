"""Retrieval per ranker: MRR, P@10 and R@20 of keyword (BM25), dense (embeddings) and hybrid search, on the real
sets of evals/real (banking77 intents, CFPB issues, 50 hand-judged queries) and on the corpus cases, plus the
hybrid over the better single ranker, so that "the fusion earns its place" is a bar and not a hope.

R@20 is capped recall, as in retrieval.py: relevant records in the top 20 over min(20, relevant records).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from copilot.errors import CopilotError, ErrorCode
from copilot.evals.cases import RetrievalCase
from copilot.evals.real import REAL_DIR, available
from copilot.evals.schema import Metric
from copilot.ingest.identity import record_id
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import Mode, search

RANKERS: dict[str, Mode] = {"keyword": "keyword", "dense": "semantic", "hybrid": "hybrid"}
SETS = {"banking77": "retrieval_banking77.yaml", "cfpb": "retrieval_cfpb.yaml", "judged": "retrieval_judged.yaml"}
DEPTH = 20


@dataclass(frozen=True)
class Query:
    text: str
    project: str
    relevant: frozenset[str]
    filters: SearchFilter = field(default_factory=SearchFilter)


def slice_record_ids(file: Path, ids: list[str]) -> list[str]:
    """The store's record ids of rows of an evals/real slice ingested with `id` as the row key (real.prepare):
    the same derivation as ingest's (source file name, row key and an empty question)."""
    return [record_id(file.name, f"{i}\x1f") for i in ids]


def real_queries(name: str) -> list[Query]:
    """The queries of one real set, each pointed at the eval project of its slice; [] when the slice is absent."""
    slices = {s.name: s for s in available()}
    path = REAL_DIR / SETS[name]
    if not path.exists():
        return []
    out = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        dataset = item.get("dataset", name)
        if dataset not in slices:
            return []
        ids = slice_record_ids(slices[dataset].file, item["relevant"])
        out.append(Query(item["query"], slices[dataset].project, frozenset(ids)))
    return out


def corpus_queries(project: str, cases: list[RetrievalCase], truth: dict[str, Any]) -> list[Query]:
    from copilot.evals.retrieval import answers

    return [Query(c.query, project, frozenset(answers(c, truth)), SearchFilter(**c.filters)) for c in cases]


def ranked_by(store: Store, mode: Mode) -> Callable[[Query], list[str]]:
    """One ranker as a function from a query to its top record ids."""
    return lambda q: [h.id for h in search(store, q.project, q.text, k=DEPTH, filters=q.filters, mode=mode)]


def scores(queries: list[Query], ranked: Callable[[Query], list[str]]) -> tuple[float, float, float]:
    """Mean reciprocal rank, precision at 10 and capped recall at 20 of one ranker over the queries."""
    rr = p10 = r20 = 0.0
    for q in queries:
        top = ranked(q)
        rr += next((1 / (i + 1) for i, rid in enumerate(top) if rid in q.relevant), 0.0)
        p10 += len(q.relevant & set(top[:10])) / 10
        r20 += len(q.relevant & set(top[:DEPTH])) / min(DEPTH, len(q.relevant))
    n = len(queries)
    return rr / n, p10 / n, r20 / n


def check(store: Store, name: str, queries: list[Query]) -> None:
    """Every relevant id must be a record of its project, or the set would score misses that are not misses."""
    for project in {q.project for q in queries}:
        wanted = sorted(set().union(*(q.relevant for q in queries if q.project == project)))
        found = store.get_records(project, wanted)
        if len(found) < len(wanted):
            raise CopilotError(
                ErrorCode.bad_input,
                f"retrieval set {name}: {len(wanted) - len(found)} of {len(wanted)} relevant records are not in "
                f"project {project!r}; was the slice ingested with its id column as the row key (evals/real.py)?",
            )


def set_metrics(store: Store, name: str, queries: list[Query]) -> list[Metric]:
    measured = {ranker: scores(queries, ranked_by(store, mode)) for ranker, mode in RANKERS.items()}
    metrics = []
    for ranker, values in measured.items():
        for metric, value in zip(("mrr", "p@10", "r@20"), values, strict=True):
            detail = f"{len(queries)} queries" if (ranker, metric) == ("keyword", "mrr") else ""
            metrics.append(_metric(f"retrieval.{name}.{ranker}.{metric}", value, detail))
    for i, metric in ((0, "mrr"), (1, "p@10")):
        best_name, best = max(((r, measured[r][i]) for r in ("keyword", "dense")), key=lambda x: x[1])
        ratio = measured["hybrid"][i] / best if best > 0 else None
        metrics.append(_metric(f"retrieval.{name}.hybrid_vs_best.{metric}", ratio, f"hybrid over {best_name}"))
    return metrics


def _metric(name: str, value: float | None, detail: str = "") -> Metric:
    return Metric(
        suite="retrieval", name=name, provider="any", value=None if value is None else round(value, 4), detail=detail
    )


def evaluate(store: Store, project: str, cases: list[RetrievalCase], truth: dict[str, Any]) -> list[Metric]:
    """Per-ranker metrics on every real set present and on the corpus cases (`project` holds the corpus)."""
    metrics: list[Metric] = []
    for name in SETS:
        queries = real_queries(name)
        if queries:
            check(store, name, queries)
            metrics += set_metrics(store, name, queries)
    return metrics + set_metrics(store, "corpus", corpus_queries(project, cases, truth))
