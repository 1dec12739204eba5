"""Draft quality, measured on the draft's JSON independently of the verification that built it.

Fidelity re-checks every quote against the stored record and every number in prose against the draft's own
statistics. Citation support asks whether an item's cited records are about what the item says: a lexical and
embedding check always, and a model judge when a provider can generate. Each kind adds its own metrics
(drafts/kinds/).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from copilot.drafts.evidence import content_words
from copilot.drafts.verify import citations_of, figures_of, number_supported, numbers_in, quote_supported
from copilot.evals.schema import Metric
from copilot.store.chroma import Store

PROSE = ("title", "description", "text", "one_liner", "so_that", "acceptance_criteria", "why_it_matters")
NOT_STATISTICS = {"verification", "provenance", "warnings", "engine_note", "rules", "selection", "rule", "quote"}
SUPPORT_WORDS = 0.25  # share of an item's content words found in its quotes
SUPPORT_COSINE = 0.4
MIN_CONTENT_WORDS = 2


def items(doc: Any) -> Iterator[dict[str, Any]]:
    """Every part of a draft that makes a claim and cites evidence for it."""
    if isinstance(doc, dict):
        if isinstance(doc.get("citations"), list) and any(k in doc for k in PROSE):
            yield doc
        for key, value in doc.items():
            if key != "citations":
                yield from items(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from items(value)


def prose(item: dict[str, Any]) -> str:
    parts = [item[k] if isinstance(item[k], str) else " ".join(item[k]) for k in PROSE if item.get(k)]
    return " ".join(parts)


def statistics_of(doc: Any) -> Any:
    """The draft without its prose, quotes and bookkeeping: what numbers in prose may come from."""
    if isinstance(doc, dict):
        return {k: statistics_of(v) for k, v in doc.items() if k not in PROSE and k not in NOT_STATISTICS}
    if isinstance(doc, list):
        return [statistics_of(v) for v in doc]
    return doc


LABEL_KEYS = ("role", "value", "column", "as_a")


words = content_words
_WORD_RE = re.compile(r"[a-z]{4,}")


def labels_of(doc: Any) -> frozenset[str]:
    """Words of the segment values a draft reports (roles, plans, sizes): a claim about a segment's figure is
    a statistical claim, which number fidelity checks, not a claim about the evidence."""
    found: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in LABEL_KEYS and isinstance(v, str):
                    found.update(_WORD_RE.findall(v.lower()))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return frozenset(found)


def support(store: Store, claims: list[str], evidence: list[str], labels: frozenset[str] = frozenset()) -> list[bool]:
    """Is each claim about its evidence? Enough shared content words, or close embeddings. Callers leave out
    claims with fewer than MIN_CONTENT_WORDS content words: those state figures, which number fidelity checks."""
    if not claims:
        return []
    vectors = store.embedder.embed([" ".join(sorted(words(c, labels))) for c in claims] + evidence)
    a, b = vectors[: len(claims)], vectors[len(claims) :]
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-9)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-9)
    cosine = (a * b).sum(axis=1)
    out = []
    for claim, ev, cos in zip(claims, evidence, cosine, strict=True):
        w = words(claim, labels)
        lexical = len(w & words(ev)) / len(w) if w else 0.0
        out.append(lexical >= SUPPORT_WORDS or float(cos) >= SUPPORT_COSINE)
    return out


def fidelity(store: Store, project: str, doc: dict[str, Any], name: str, provider: str) -> list[Metric]:
    cited = list(citations_of(doc))
    texts = {r.id: r.text for r in store.get_records(project, sorted({c["record_id"] for c in cited})).values()}
    good_quotes = sum(
        1 for c in cited if c["record_id"] in texts and quote_supported(c["quote"], texts[c["record_id"]])
    )
    stats = figures_of(statistics_of(doc))
    checked = good_numbers = 0
    bad: list[str] = []
    claims, evidence = [], []
    labels = labels_of(doc)
    for item in items(doc):
        own = figures_of([c["quote"] for c in item["citations"]])
        for n in numbers_in(prose(item)):
            checked += 1
            if number_supported(n, stats + own):
                good_numbers += 1
            else:
                bad.append(n.raw)
        if item["citations"] and len(words(prose(item), labels)) >= MIN_CONTENT_WORDS:
            claims.append(prose(item))
            evidence.append(" ".join(c["quote"] for c in item["citations"]))
    supported = support(store, claims, evidence, labels)
    return [
        Metric(
            suite="drafts",
            name=f"drafts.{name}.quote_fidelity",
            provider=provider,
            value=good_quotes / len(cited) if cited else None,
            detail=f"{good_quotes} of {len(cited)} quotes verbatim in their cited record",
        ),
        Metric(
            suite="drafts",
            name=f"drafts.{name}.number_fidelity",
            provider=provider,
            value=good_numbers / checked if checked else 1.0,
            detail=f"{good_numbers} of {checked} numbers in prose are in the statistics"
            + (f"; not: {', '.join(bad[:5])}" if bad else ""),
        ),
        Metric(
            suite="drafts",
            name=f"drafts.{name}.citation_support",
            provider=provider,
            value=sum(supported) / len(supported) if supported else None,
            detail=f"{sum(supported)} of {len(supported)} items share words (>= {SUPPORT_WORDS:.0%}) or meaning "
            f"(cosine >= {SUPPORT_COSINE}) with their quotes",
        ),
    ]
