"""Draft quality, measured on the draft's JSON independently of the verification that built it.

Fidelity re-checks every quote against the stored record and every number in prose against the draft's own
statistics. Citation support asks whether an item's cited records are about what the item says: a lexical and
embedding check always, and a model judge when a provider can generate. Coverage, persona fidelity and PRD
completeness compare the draft with the planted truth and with a recount from the store.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import Stemmer

from copilot.analysis.schema import ThemesReport
from copilot.drafts.build import citations_of
from copilot.drafts.verify import figures_of, number_supported, numbers_in, quote_supported
from copilot.evals.schema import Metric
from copilot.store.chroma import Store

PROSE = ("title", "description", "text", "one_liner", "so_that", "acceptance_criteria")
NOT_STATISTICS = {"verification", "provenance", "warnings", "engine_note", "rules", "selection", "rule", "quote"}
PRD_SECTIONS = (
    "problem",
    "goals",
    "non_goals",
    "personas",
    "user_stories",
    "requirements",
    "success_metrics",
    "risks",
    "open_questions",
    "rollout",
)
SUPPORT_WORDS = 0.25  # share of an item's content words found in its quotes
SUPPORT_COSINE = 0.4
_WORD_RE = re.compile(r"[a-z]{4,}")
# Words of statistics and of the engine's templates: they say how much, not what, so they support nothing.
_STOP_TEXT = """
that this with from have they their them what when more than about which were been into also only each other
some very just will there then where does these those most among customers customer records record feedback
mention mentions mentioned raise raises raising share times over overall index indexes often everyone
respondents role roles company companies size employees plan segment baseline target interval period trend
growing fading steady holds complaints complaint account accounts monthly revenue leaving switching talk
talks sharpest pain point points reaching address must should could separate scope request quoted checked
follow survey shows fewer meet asks struggle pilot roll start hurts getting worse cause different common
stops costing test executive
"""
_STOP = frozenset(re.findall(r"[a-z]+", _STOP_TEXT))
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


_stem = Stemmer.Stemmer("english").stemWord
LABEL_KEYS = ("role", "value", "column", "as_a")


def words(text: str, labels: frozenset[str] = frozenset()) -> set[str]:
    """Content words as stems, leaving out statistics vocabulary and segment labels."""
    return {_stem(w) for w in _WORD_RE.findall(text.lower()) if w not in _STOP and w not in labels}


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


def pain_point_coverage(doc: dict[str, Any], report: ThemesReport, truth: dict[str, Any], provider: str) -> Metric:
    """A planted pain point is covered when the summary's items made mostly of its records hold at least 60% of
    them (one pain point told as two accurate items, such as SSO and SCIM, still counts)."""
    members = {t.id: set(t.record_ids) for t in report.themes}
    covered = []
    for pain in truth["pain_points"]:
        ids = set(pain["record_ids"])
        held: set[str] = set()
        for item in doc["pain_points"]:
            theme = members.get(item["theme_id"], set())
            if theme and len(theme & ids) >= 0.5 * len(theme):
                held |= theme & ids
        if len(held) >= 0.6 * len(ids):
            covered.append(pain["id"])
    missed = [p["id"] for p in truth["pain_points"] if p["id"] not in covered]
    return Metric(
        suite="drafts",
        name="drafts.pain-points.coverage",
        provider=provider,
        value=len(covered) / len(truth["pain_points"]),
        detail=f"{len(covered)} of {len(truth['pain_points'])} planted pain points; missed: "
        f"{', '.join(missed) or 'none'}",
    )


def market_fact_coverage(doc: dict[str, Any], truth: dict[str, Any], provider: str) -> Metric:
    found = []
    for fact in truth["market_facts"]:
        quadrant = "opportunities" if fact["kind"] == "opportunity" else "threats"
        want = words(fact["fact"])
        if any(
            c["record_id"] == fact["record_id"] and len(want & words(c["quote"])) >= 0.5 * len(want)
            for item in doc[quadrant]
            for c in item["citations"]
        ):
            found.append(fact["id"])
    return Metric(
        suite="drafts",
        name="drafts.swot.market_fact_coverage",
        provider=provider,
        value=len(found) / len(truth["market_facts"]),
        detail=f"{len(found)} of {len(truth['market_facts'])} planted market facts, in the right quadrant",
    )


def persona_fidelity(store: Store, project: str, doc: dict[str, Any], provider: str) -> Metric:
    """Each persona's respondents, top plan and top company size match a recount from the stored records."""
    records = [r for r in store.records(project) if r.metadata.get("kind") != "research"]
    right = 0
    for persona in doc["personas"]:
        members = [r for r in records if r.metadata.get("role") == persona["role"]]
        people = {r.metadata.get("customer_id") or r.id for r in members}
        ok = persona["respondents"] == len(people)
        for field in ("plan", "company_size"):
            counts = Counter(str(r.metadata[field]) for r in members if r.metadata.get(field))
            if counts and persona[field]:
                top = persona[field][0]
                ok = ok and counts[top["value"]] == top["respondents"] == max(counts.values())
        right += ok
    n = len(doc["personas"])
    return Metric(
        suite="drafts",
        name="drafts.persona.fidelity",
        provider=provider,
        value=right / n if n else None,
        detail=f"{right} of {n} personas match a recount (respondents, top plan, top company size)",
    )


def prd_completeness(doc: dict[str, Any], name: str, provider: str) -> Metric:
    complete = [s for s in PRD_SECTIONS if doc.get(s) and all(i["citations"] for i in doc[s])]
    missing = [s for s in PRD_SECTIONS if s not in complete]
    return Metric(
        suite="drafts",
        name=f"drafts.{name}.completeness",
        provider=provider,
        value=len(complete) / len(PRD_SECTIONS),
        detail=f"{len(complete)} of {len(PRD_SECTIONS)} sections present, non-empty and cited"
        + (f"; incomplete: {', '.join(missing)}" if missing else ""),
    )
