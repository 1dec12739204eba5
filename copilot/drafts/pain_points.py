"""The pain-point summary: the top pain points with their statistics, verbatim quotes and counter-evidence.

Which themes are pain points is decided by code (complaint share and sentiment, stated in the draft). With the
extractive engine the prose is assembled from the statistics; with a model, each theme is narrated from a fenced
evidence pack, verified, repaired once with its failures fed back, and dropped with a warning if it still fails.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from copilot.analysis import sentiment
from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import pick_sentences
from copilot.drafts.narrate import Narrator, engine_note
from copilot.drafts.schema import (
    ExecutiveSummary,
    PainPoint,
    PainPointStats,
    PainPointSummary,
    SegmentSkew,
    ThemeNarrative,
)
from copilot.drafts.verify import Citation, Verification, check_item, figures_of
from copilot.errors import CopilotError
from copilot.llm.base import Model
from copilot.models import RecordPublic, SearchFilter
from copilot.prompts import load_prompt
from copilot.store.chroma import Store

PAIN_RULE = (
    "a theme is a pain point when at least 25% of its records are complaints or its mean sentiment is below 0.15"
)


def is_pain(theme: ThemePublic) -> bool:
    return theme.severity.complaint_share >= 0.25 or theme.sentiment.mean < 0.15


def theme_stats(theme: ThemePublic) -> PainPointStats:
    skews = [
        SegmentSkew(column=col, value=row.value, lift=row.lift, mentions=row.mentions)
        for col in ("segment", "plan", "role", "company_size")
        for row in theme.segments.get(col, [])
        if row.mentions >= 10 and row.lift >= 1.3
    ]
    return PainPointStats(
        mentions=theme.mentions,
        reach=theme.reach,
        share=theme.share,
        share_ci=theme.share_ci,
        trend=theme.trend.direction,
        trend_p_value=theme.trend.p_value,
        complaint_share=theme.severity.complaint_share,
        negative_share=theme.sentiment.negative_share,
        churn_intent=theme.severity.churn_intent,
        detractor_share=theme.severity.detractor_share,
        low_rating_share=theme.severity.low_rating_share,
        mrr_at_stake=theme.revenue.mrr_at_stake,
        customers_with_mrr=theme.revenue.customers_with_mrr,
        over_indexes=sorted(skews, key=lambda s: -s.lift)[:3],
    )


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


class Nouns(NamedTuple):
    records: str = "feedback records"
    people: str = "customers"
    whole: str = "all feedback"


FEEDBACK = Nouns()
SURVEY = Nouns("responses", "respondents", "the answers to this question")


def extractive_text(label: str, s: PainPointStats, nouns: Nouns = FEEDBACK) -> tuple[str, str]:
    """Title and description from the statistics alone, so every number in them is a computed figure."""
    parts = [
        f"{s.mentions} {nouns.records} from {s.reach} {nouns.people} mention {label} "
        f"({_pct(s.share)} of {nouns.whole}; {s.interval_level:.0%} interval {_pct(s.share_ci[0])} to "
        f"{_pct(s.share_ci[1])})."
    ]
    if s.trend in ("growing", "fading"):
        parts.append(f"Its share is {s.trend} over the period (trend test, p < {s.significance_level}).")
    elif s.trend == "stable":
        parts.append("Its share holds steady over the period.")
    parts.append(f"{_pct(s.complaint_share)} of these {nouns.records} are complaints.")
    if s.over_indexes:
        top = s.over_indexes[0]
        parts.append(
            f"It over-indexes in {top.value} ({top.column.replace('_', ' ')}), at {top.lift:.1f} times the "
            "overall share."
        )
    if s.churn_intent:
        talk = "of them talks" if s.churn_intent == 1 else "of them talk"
        parts.append(f"{s.churn_intent} {talk} about leaving or switching.")
    if s.customers_with_mrr:
        parts.append(f"{nouns.people.capitalize()} raising it account for ${s.mrr_at_stake:,.2f} in monthly revenue.")
    return label[:1].upper() + label[1:], " ".join(parts)


def _counter_evidence(records: dict[str, RecordPublic], limit: int = 2) -> list[Citation]:
    """Clearly positive records inside the theme (the whole record, not one upbeat word, and no low rating):
    the evidence a PM should weigh against the complaint."""
    positive = [
        (rid, rec.text)
        for rid, rec in records.items()
        if not (isinstance(rec.metadata.get("rating"), int | float) and rec.metadata["rating"] < 4)
        and sentiment.score(rec.text) >= 0.5
    ]
    return pick_sentences(positive, lambda s: sentiment.score(s) >= 0.6, limit)


def _narrate(
    narrator: Narrator, theme: ThemePublic, stats: PainPointStats, draft: ThemeNarrative, texts: dict[str, str]
) -> tuple[ThemeNarrative | None, list[str]]:
    """The model's narrative of one pain point, from its quotes first and then its members, or None with why."""
    prompt = load_prompt("theme_summary")
    order = [q.record_id for q in theme.quotes] + list(theme.record_ids)
    narrative, failures = narrator.ask(
        prompt,
        ThemeNarrative,
        {"label": theme.label, "statistics": json.dumps(stats.model_dump(), indent=1)},
        draft,
        order,
        texts,
        lambda n: (f"{n.title} {n.description}", n.citations),
        figures_of(stats),
    )
    if narrative is not None:
        return narrative, []
    return None, [f"{theme.label}: dropped after one repair round ({'; '.join(failures)[:300]})"]


def _extractive_summary(items: list[PainPoint]) -> ExecutiveSummary:
    top = items[:3]
    listing = "; ".join(f"{p.title.lower()} ({p.statistics.reach} customers)" for p in top)
    growing = [p.title.lower() for p in items if p.statistics.trend == "growing"]
    text = f"The pain points reaching the most customers are {listing}."
    if growing:
        text += f" Growing over the period: {', '.join(growing[:3])}."
    return ExecutiveSummary(text=text, citations=[p.quotes[0] for p in top if p.quotes])


def _summarise(
    narrator: Narrator, items: list[PainPoint], texts: dict[str, str], warnings: list[str]
) -> ExecutiveSummary | None:
    """Reduce: one summary over the verified items, checked against all of their statistics and evidence. Its
    evidence is packed within the same token budget, the cited records of the largest pain points first."""
    figures = figures_of([p.statistics for p in items])
    draft = _extractive_summary(items)
    report = narrator.verification
    if not narrator.model.can_generate:
        failures = check_item(draft.text, draft.citations, texts, figures, report)
        return draft if not failures else None
    lines = [f"- {p.title}: {json.dumps(p.statistics.model_dump())}" for p in items]
    summary, failures = narrator.ask(
        load_prompt("executive_summary"),
        ExecutiveSummary,
        {"pain_points": "\n".join(lines)},
        draft,
        [c.record_id for p in items for c in p.citations],
        texts,
        lambda x: (x.text, x.citations),
        figures,
    )
    if summary is not None:
        return summary
    report.items_dropped += 1
    warnings.append(f"executive summary: dropped after one repair round ({'; '.join(failures)[:300]})")
    return None


def build(
    store: Store, project: str, model: Model, *, filters: SearchFilter | None = None, limit: int = 15
) -> PainPointSummary:
    report = analyze(store, project, filters=filters)
    pains = sorted((t for t in report.themes if is_pain(t)), key=lambda t: (-t.reach, t.id))[:limit]
    if not pains:
        raise CopilotError("no_evidence", f"project {project!r} has no pain-point themes to summarise")
    wanted = {q.record_id for t in pains for q in t.quotes} | {r for t in pains for r in t.record_ids[:40]}
    records = store.get_records(project, sorted(wanted))
    texts = {rid: rec.text for rid, rec in records.items()}
    verification = Verification()
    items: list[PainPoint] = []
    warnings: list[str] = []
    narrator = Narrator(model, verification, warnings, prompt="theme_summary")
    evidence_ids: set[str] = set()
    for theme in pains:
        stats = theme_stats(theme)
        figures = figures_of(stats)
        quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes]
        members = {r: records[r] for r in theme.record_ids[:40] if r in records}
        title, description = extractive_text(theme.label, stats)
        citations = quotes
        if model.can_generate:
            draft = ThemeNarrative(title=title, description=description, citations=quotes)
            narrative, why = _narrate(narrator, theme, stats, draft, texts)
            if narrative is None:
                warnings += why
                verification.items_dropped += 1
                verification.failures += why
                continue
            title, description, citations = narrative.title, narrative.description, narrative.citations
        else:
            failures = check_item(f"{title} {description}", citations, texts, figures, verification)
            if failures:  # cannot happen unless the engine itself is broken; never hide it
                verification.items_dropped += 1
                verification.failures += [f"{theme.label}: {f}" for f in failures]
                warnings.append(f"{theme.label}: dropped ({'; '.join(failures)})")
                continue
            evidence_ids.update(c.record_id for c in citations)
        items.append(
            PainPoint(
                theme_id=theme.id,
                title=title,
                description=description,
                statistics=stats,
                quotes=quotes,
                counter_evidence=_counter_evidence(members),
                citations=citations,
            )
        )
    summary = _summarise(narrator, items, texts, warnings) if items else None
    return PainPointSummary(
        project=project,
        records_analysed=report.records,
        selection=f"{PAIN_RULE}; ranked by reach; at most {limit}",
        engine_note=engine_note(model),
        summary=summary,
        pain_points=items,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(evidence_ids),
    )
