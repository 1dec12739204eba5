"""The pain-point summary: the top pain themes with their statistics, verbatim quotes and counter-evidence, and
an executive summary over them. It is the theme narration of the survey report, restricted to pain themes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis import sentiment
from copilot.analysis.schema import ThemePublic, ThemeStats
from copilot.analysis.stats import PAIN_RULE
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import pick_sentences
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.narrate import Narrator, engine_note
from copilot.drafts.render import footer, head, pct, quote
from copilot.drafts.schema import DraftDocument, ExecutiveSummary
from copilot.drafts.theme_narration import FEEDBACK, Told, executive_request, theme_request
from copilot.drafts.verify import Citation, Verification
from copilot.errors import CopilotError, ErrorCode
from copilot.models import RecordPublic

LIMIT = 15
MEMBERS = 40  # records per theme fetched for evidence and counter-evidence


class PainPoint(BaseModel):
    theme_id: str
    title: str
    description: str
    statistics: ThemeStats
    quotes: list[Citation]
    counter_evidence: list[Citation] = Field(default_factory=list)
    citations: list[Citation]


class PainPointSummary(DraftDocument):
    kind: Literal["pain-points"] = "pain-points"
    records_analysed: int
    selection: str
    summary: ExecutiveSummary | None = None
    pain_points: list[PainPoint]


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


def build(ctx: DraftContext) -> PainPointSummary:
    report = analyze(ctx.store, ctx.project, filters=ctx.filters)
    pains = sorted((t for t in report.themes if t.pain), key=lambda t: (-t.reach, t.id))[:LIMIT]
    if not pains:
        raise CopilotError(ErrorCode.no_evidence, f"project {ctx.project!r} has no pain-point themes to summarise")
    wanted = {q.record_id for t in pains for q in t.quotes} | {r for t in pains for r in t.record_ids[:MEMBERS]}
    records = ctx.store.get_records(ctx.project, sorted(wanted))
    texts = {rid: rec.text for rid, rec in records.items()}
    verification, warnings = Verification(), list[str]()
    narrator = Narrator(ctx.model, verification, warnings)
    told = narrator.narrate_all([theme_request(t, FEEDBACK) for t in pains], texts)
    items = [_item(t, n.item, records) for t, n in zip(pains, told, strict=True) if n is not None]
    summary = None
    if items:
        done = narrator.narrate(
            executive_request([Told(p.title, p.statistics, p.citations) for p in items], FEEDBACK), texts
        )
        summary = done.item if done else None
    return PainPointSummary(
        project=ctx.project,
        records_analysed=report.records,
        selection=f"{PAIN_RULE}; ranked by reach; at most {LIMIT}",
        engine_note=engine_note(ctx.model),
        summary=summary,
        pain_points=items,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(c.record_id for p in items for c in p.citations),
    )


def _item(theme: ThemePublic, narrative: Any, records: dict[str, RecordPublic]) -> PainPoint:
    members = {r: records[r] for r in theme.record_ids[:MEMBERS] if r in records}
    return PainPoint(
        theme_id=theme.id,
        title=narrative.title,
        description=narrative.description,
        statistics=theme.stats,
        quotes=[Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes],
        counter_evidence=_counter_evidence(members),
        citations=narrative.citations,
    )


def markdown(d: PainPointSummary) -> str:
    lines = head(f"Top pain points: {d.project}", d)
    lines += [f"From {d.records_analysed:,} feedback records. Selection: {d.selection}.", ""]
    if d.summary:
        lines += ["## Summary", "", d.summary.text, ""]
    for n, p in enumerate(d.pain_points, 1):
        s = p.statistics
        lines += [
            f"## {n}. {p.title}",
            "",
            p.description,
            "",
            "| mentions | reach | share (95% CI) | trend | complaints | detractors | MRR at stake |",
            "| ---: | ---: | ---: | --- | ---: | ---: | ---: |",
            f"| {s.mentions:,} | {s.reach:,} | {pct(s.share)} ({pct(s.share_ci[0])}–{pct(s.share_ci[1])}) | "
            f"{s.trend} | {pct(s.complaint_share)} | {pct(s.detractor_share)} | ${s.mrr_at_stake:,.0f} |",
            "",
        ]
        if s.over_indexes:
            skews = ", ".join(f"{k.value} ({k.column.replace('_', ' ')}) ×{k.lift:.1f}" for k in s.over_indexes)
            lines += [f"Over-indexes in: {skews}.", ""]
        lines += ["**What customers say**", ""] + [x for c in p.quotes for x in (quote(c), "")]
        if p.counter_evidence:
            lines += ["**Counter-evidence**", ""] + [x for c in p.counter_evidence for x in (quote(c), "")]
    return "\n".join(lines + footer(d))


def coverage(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """A planted pain point is covered when the summary's items made mostly of its records hold at least 60% of
    them (one pain point told as two accurate items, such as SSO and SCIM, still counts)."""
    if not ctx.truth:
        return []
    members = {t.id: set(t.record_ids) for t in ctx.themes.themes}
    covered = []
    for pain in ctx.truth["pain_points"]:
        ids = set(pain["record_ids"])
        held: set[str] = set()
        for item in doc["pain_points"]:
            theme = members.get(item["theme_id"], set())
            if theme and len(theme & ids) >= 0.5 * len(theme):
                held |= theme & ids
        if len(held) >= 0.6 * len(ids):
            covered.append(pain["id"])
    planted = ctx.truth["pain_points"]
    missed = [p["id"] for p in planted if p["id"] not in covered]
    return [
        Score(
            "coverage",
            len(covered) / len(planted),
            f"{len(covered)} of {len(planted)} planted pain points; missed: {', '.join(missed) or 'none'}",
        )
    ]


KIND = DraftKind(
    name="pain-points",
    title="Pain-point summary",
    summary="The top pain points with their statistics, verbatim quotes and counter-evidence.",
    words=("pain points", "pain point", "painpoints", "pain", "pains"),
    schema=PainPointSummary,
    build=build,
    markdown=markdown,
    metrics=coverage,
)
