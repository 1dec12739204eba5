"""Retrieval quality on labelled questions: recall@5, recall@20 and MRR of hybrid search; `per_ranker` adds MRR,
P@10 and R@20 of each ranker on the real sets and the corpus (real_retrieval.py)."""

from __future__ import annotations

from typing import Any

from copilot.evals.cases import RetrievalCase
from copilot.evals.schema import Metric
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import search


def answers(case: RetrievalCase, truth: dict[str, Any]) -> set[str]:
    ids = set(case.record_ids)
    if case.truth:
        planted = {p["id"]: p for p in truth["pain_points"] + truth["strengths"]}
        ids |= set(planted[case.truth]["record_ids"])
    if case.market_fact:
        ids |= {f["record_id"] for f in truth["market_facts"] if f["id"] == case.market_fact}
    return ids


def capped_recall(ranked: list[str], relevant: set[str], k: int) -> float:
    """Answers in the top k over min(k, answers): 1.0 when the top k is all answers."""
    return len(relevant & set(ranked[:k])) / min(k, len(relevant))


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1 / (i + 1) for i, rid in enumerate(ranked) if rid in relevant), 0.0)


def evaluate(
    store: Store, project: str, cases: list[RetrievalCase], truth: dict[str, Any], prefix: str = "retrieval"
) -> list[Metric]:
    r5, r20, rr, misses = [], [], [], []
    for case in cases:
        relevant = answers(case, truth)
        hits = search(store, project, case.query, k=20, filters=SearchFilter(**case.filters))
        ranked = [h.id for h in hits]
        r5.append(capped_recall(ranked, relevant, 5))
        r20.append(capped_recall(ranked, relevant, 20))
        rr.append(reciprocal_rank(ranked, relevant))
        if rr[-1] < 0.5:
            misses.append(case.query)
    n = len(cases)
    weakest = f"; first answer below rank 2 for: {'; '.join(misses[:5])}" if misses else ""
    return [
        Metric(
            suite="retrieval",
            name=f"{prefix}.recall@5",
            provider="any",
            value=sum(r5) / n,
            detail=f"{n} labelled questions, hybrid search",
        ),
        Metric(suite="retrieval", name=f"{prefix}.recall@20", provider="any", value=sum(r20) / n),
        Metric(suite="retrieval", name=f"{prefix}.mrr", provider="any", value=sum(rr) / n, detail=weakest[2:]),
    ]


def per_ranker(store: Store, project: str, cases: list[RetrievalCase], truth: dict[str, Any]) -> list[Metric]:
    from copilot.evals import real_retrieval

    return real_retrieval.evaluate(store, project, cases, truth)


def feedback_cases(rated: list[dict[str, Any]]) -> list[RetrievalCase]:
    """Questions asked in Slack whose answers were rated helpful: their evidence should still be found."""
    return [
        RetrievalCase(
            query=r["question"],
            record_ids=[e["record_id"] for e in r["evidence"]],
            note=f"rated helpful in Slack ({r['id']})",
        )
        for r in rated
        if r["helpful"] and r["evidence"]
    ]
