"""The pain-point summary: the top pain points with their statistics, verbatim quotes and counter-evidence.

Which themes are pain points is decided by code (complaint share and sentiment, stated in the draft). With the
extractive engine the prose is assembled from the statistics; with a model, each theme is narrated from a fenced
evidence pack, verified, repaired once with its failures fed back, and dropped with a warning if it still fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from copilot.analysis import sentiment
from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import pick_sentences
from copilot.drafts.schema import (
    EXTRACTIVE_NOTE,
    ExecutiveSummary,
    PainPoint,
    PainPointStats,
    PainPointSummary,
    Provenance,
    SegmentSkew,
    ThemeNarrative,
)
from copilot.drafts.verify import Citation, Verification, check_item, figures_of
from copilot.errors import CopilotError
from copilot.llm.base import Message, Model, ModelError, T, Usage
from copilot.models import RecordPublic, SearchFilter
from copilot.prompts import data_rule, fence, load_prompt
from copilot.store.chroma import Store
from copilot.tokens import count_tokens

PAIN_RULE = (
    "a theme is a pain point when at least 25% of its records are complaints or its mean sentiment is below 0.15"
)
EVIDENCE_TOKENS = 1500


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


def extractive_text(label: str, s: PainPointStats) -> tuple[str, str]:
    """Title and description from the statistics alone, so every number in them is a computed figure."""
    parts = [
        f"{s.mentions} feedback records from {s.reach} customers mention {label} "
        f"({_pct(s.share)} of all feedback; {s.interval_level:.0%} interval {_pct(s.share_ci[0])} to "
        f"{_pct(s.share_ci[1])})."
    ]
    if s.trend in ("growing", "fading"):
        parts.append(f"Its share is {s.trend} over the period (trend test, p < {s.significance_level}).")
    elif s.trend == "stable":
        parts.append("Its share holds steady over the period.")
    parts.append(f"{_pct(s.complaint_share)} of these records are complaints.")
    if s.over_indexes:
        top = s.over_indexes[0]
        parts.append(
            f"It over-indexes in {top.value} ({top.column.replace('_', ' ')}), at {top.lift:.1f} times the "
            "overall share."
        )
    if s.churn_intent:
        talk = "record talks" if s.churn_intent == 1 else "records talk"
        parts.append(f"{s.churn_intent} {talk} about leaving or switching.")
    if s.customers_with_mrr:
        parts.append(f"Customers raising it account for ${s.mrr_at_stake:,.2f} in monthly revenue.")
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


def _evidence(theme: ThemePublic, texts: dict[str, str]) -> tuple[str, list[str]]:
    """Evidence lines ('[record id] text') within the token budget: the theme's quotes first, then members."""
    order = [q.record_id for q in theme.quotes] + [r for r in theme.record_ids if r in texts]
    lines: list[str] = []
    used: list[str] = []
    budget = EVIDENCE_TOKENS
    for rid in dict.fromkeys(order):
        if rid not in texts:
            continue
        line = f"[{rid}] {' '.join(texts[rid].split())[:600]}"
        cost = count_tokens(line)
        if cost > budget:
            break
        budget -= cost
        lines.append(line)
        used.append(rid)
    return "\n".join(lines), used


def _ask_verified(
    model: Model,
    messages: list[Message],
    schema: type[T],
    check: Callable[[T], list[str]],
    report: Verification,
    usage: list[Usage],
) -> tuple[T | None, list[str]]:
    """Ask for `schema`, verify the reply, and give one repair round with the failures fed back.
    Returns the verified reply, or None with the last failures."""
    failures: list[str] = []
    for attempt in range(2):
        try:
            reply, completion = model.generate_json(messages, schema)
            usage.append(completion.usage)
            failures = check(reply)
        except ModelError as exc:  # an unparseable reply is a failed check too
            reply, failures = None, [exc.detail]
            report.items_checked += 1
        if reply is not None and not failures:
            return reply, []
        if attempt == 0:
            messages = [
                *messages,
                Message(role="assistant", content=reply.model_dump_json() if reply else "(invalid)"),
                Message(
                    role="user",
                    content="Your reply failed verification:\n- "
                    + "\n- ".join(failures)
                    + "\nFix these and reply again with JSON only. Quote records word for word and "
                    "use only numbers from the statistics.",
                ),
            ]
    return None, failures


def _narrate(
    model: Model,
    theme: ThemePublic,
    stats: PainPointStats,
    texts: dict[str, str],
    figures: list[float],
    report: Verification,
    usage: list[Usage],
) -> tuple[ThemeNarrative | None, list[str]]:
    prompt = load_prompt("theme_summary")
    evidence, used = _evidence(theme, texts)
    delimiter, fenced = fence(evidence)
    messages = [
        Message(
            role="user",
            content=prompt.render(
                data_rule=data_rule(delimiter),
                label=theme.label,
                statistics=json.dumps(stats.model_dump(), indent=1),
                evidence=fenced,
            ),
        )
    ]
    allowed = {rid: texts[rid] for rid in used}
    narrative, failures = _ask_verified(
        model,
        messages,
        ThemeNarrative,
        lambda n: check_item(f"{n.title} {n.description}", n.citations, allowed, figures, report),
        report,
        usage,
    )
    if narrative is not None:
        return narrative, used
    return None, [f"{theme.label}: dropped after one repair round ({'; '.join(failures)[:300]})"]


def _summarise(
    model: Model,
    items: list[PainPoint],
    texts: dict[str, str],
    report: Verification,
    usage: list[Usage],
    warnings: list[str],
) -> ExecutiveSummary | None:
    """Reduce: one summary over the verified items, checked against all of their statistics and evidence."""
    figures = figures_of([p.statistics for p in items])
    if not model.can_generate:
        top = items[:3]
        listing = "; ".join(f"{p.title.lower()} ({p.statistics.reach} customers)" for p in top)
        growing = [p.title.lower() for p in items if p.statistics.trend == "growing"]
        text = f"The pain points reaching the most customers are {listing}."
        if growing:
            text += f" Growing over the period: {', '.join(growing[:3])}."
        summary = ExecutiveSummary(text=text, citations=[p.quotes[0] for p in top if p.quotes])
        failures = check_item(summary.text, summary.citations, texts, figures, report)
        return summary if not failures else None
    prompt = load_prompt("executive_summary")
    lines = [f"- {p.title}: {json.dumps(p.statistics.model_dump())}" for p in items]
    evidence_ids = list(dict.fromkeys(c.record_id for p in items for c in p.citations))
    evidence = "\n".join(f"[{rid}] {' '.join(texts[rid].split())[:400]}" for rid in evidence_ids if rid in texts)
    delimiter, fenced = fence(evidence)
    messages = [
        Message(
            role="user",
            content=prompt.render(data_rule=data_rule(delimiter), pain_points="\n".join(lines), evidence=fenced),
        )
    ]
    allowed = {rid: texts[rid] for rid in evidence_ids if rid in texts}
    summary, failures = _ask_verified(
        model,
        messages,
        ExecutiveSummary,
        lambda x: check_item(x.text, x.citations, allowed, figures, report),
        report,
        usage,
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
    usage: list[Usage] = []
    items: list[PainPoint] = []
    warnings: list[str] = []
    evidence_ids: set[str] = set()
    for theme in pains:
        stats = theme_stats(theme)
        figures = figures_of(stats)
        quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes]
        members = {r: records[r] for r in theme.record_ids[:40] if r in records}
        if model.can_generate:
            narrative, used = _narrate(model, theme, stats, texts, figures, verification, usage)
            if narrative is None:
                warnings += used
                verification.items_dropped += 1
                verification.failures += used
                continue
            title, description, citations = narrative.title, narrative.description, narrative.citations
            evidence_ids.update(used)
        else:
            title, description = extractive_text(theme.label, stats)
            citations = quotes
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
    summary = _summarise(model, items, texts, verification, usage, warnings) if items else None
    total = sum(usage, Usage())
    prompt = load_prompt("theme_summary") if model.can_generate else None
    return PainPointSummary(
        project=project,
        records_analysed=report.records,
        selection=f"{PAIN_RULE}; ranked by reach; at most {limit}",
        engine_note=None if model.can_generate else EXTRACTIVE_NOTE,
        summary=summary,
        pain_points=items,
        warnings=warnings,
        verification=verification,
        provenance=Provenance(
            provider=model.provider,
            model=model.model,
            prompt=prompt.name if prompt else None,
            prompt_version=prompt.version if prompt else None,
            evidence_ids=sorted(evidence_ids),
            tokens={"prompt": total.prompt_tokens, "completion": total.completion_tokens},
            cost_usd=total.cost_usd,
            token_budget=EVIDENCE_TOKENS if model.can_generate else None,
        ),
    )
