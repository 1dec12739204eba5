"""The pain-point summary: one item per top-level pain theme, with its sub-causes, why it matters (reach,
detraction, NPS, revenue, trend), complaint and request sentences on the topic, what customers ask for, and
counter-evidence that is praise on the same topic; then an executive summary over the items. No quote is shown
twice in one summary."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.schema import Quote, ThemePublic, ThemeStats
from copilot.analysis.stats import PAIN_RULE
from copilot.analysis.themes import analyze
from copilot.drafts.asks import ask_in
from copilot.drafts.evidence import ShownQuotes, distinct_subthemes, label_quote, readable_first
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.narrate import Narrator, engine_note
from copilot.drafts.readiness import praise_quotes
from copilot.drafts.render import footer, head, markdown_text, pct, quote, stats_table
from copilot.drafts.schema import DraftDocument, ExecutiveSummary
from copilot.drafts.theme_narration import FEEDBACK, Told, executive_request, theme_request, why_it_matters
from copilot.drafts.verify import Citation, Verification
from copilot.errors import CopilotError, ErrorCode

LIMIT = 20
SUB_CAUSES = 4
QUOTES = 4
ASKS = 2
COUNTER = 2
PAIN_SIDES = ("complaint", "request")
MEMBERS = 150  # records per theme read for quotes that say what its label names


class SubCause(BaseModel):
    theme_id: str
    label: str
    mentions: int = Field(description="Records of this pain that raise the sub-cause.")
    share_of_pain: float = Field(description="Its share of the pain's records.")
    trend: str


class PainPoint(BaseModel):
    theme_id: str
    topic_id: str
    title: str
    description: str
    why_it_matters: list[str] = Field(description="Computed figures, one per line.")
    statistics: ThemeStats
    sub_causes: list[SubCause] = Field(default_factory=list)
    quotes: list[Citation] = Field(description="Complaint and request sentences on this pain, one per sub-cause first.")
    asks: list[Citation] = Field(default_factory=list, description="Request sentences: what customers ask for.")
    counter_evidence: list[Citation] = Field(default_factory=list, description="Praise on the same topic.")
    citations: list[Citation]


class PainPointSummary(DraftDocument):
    kind: Literal["pain-points"] = "pain-points"
    records_analysed: int
    low_information: int = Field(0, description="Records set aside as saying nothing a PM could act on.")
    selection: str
    summary: ExecutiveSummary | None = None
    pain_points: list[PainPoint]


class _Unused:
    """Quotes not yet shown in this draft: each sentence appears once, under the item it suits best."""

    def __init__(self) -> None:
        self.shown = ShownQuotes()

    def take(self, quotes: list[Quote], limit: int, sides: tuple[str, ...] | None = None) -> list[Citation]:
        wanted = [q for q in quotes if sides is None or q.polarity in sides]
        return self.take_cited([Citation(record_id=q.record_id, quote=q.text) for q in wanted], limit)

    def take_cited(self, cites: list[Citation], limit: int) -> list[Citation]:
        return self.shown.fresh(readable_first(cites), limit, informative=True)


def _sub_causes(theme: ThemePublic) -> list[SubCause]:
    return [
        SubCause(
            theme_id=s.id,
            label=s.label,
            mentions=s.mentions,
            share_of_pain=round(s.mentions / max(theme.mentions, 1), 4),
            trend=s.stats.trend,
        )
        for s in distinct_subthemes(theme, SUB_CAUSES)
    ]


def _quotes(theme: ThemePublic, texts: dict[str, str], unused: _Unused) -> list[Citation]:
    """A complaint or request that says what the label names, one per sub-cause (saying its label when one
    does), then the theme's most central ones."""
    named = label_quote(theme.label, theme.record_ids, texts)
    picked = unused.take_cited([named] if named else [], 1)
    for sub in distinct_subthemes(theme, SUB_CAUSES):
        own = label_quote(sub.label, sub.record_ids, texts)
        picked += unused.take_cited([own], 1) if own else unused.take(sub.quotes, 1, PAIN_SIDES)
    return picked + unused.take(theme.quotes, QUOTES - len(picked), PAIN_SIDES)


def build(ctx: DraftContext) -> PainPointSummary:
    report = analyze(ctx.store, ctx.project, filters=ctx.filters)
    pains = sorted((t for t in report.themes if t.pain), key=lambda t: (-t.reach, t.id))[:LIMIT]
    if not pains:
        raise CopilotError(ErrorCode.no_evidence, f"project {ctx.project!r} has no pain-point themes to summarise")
    wanted = {q.record_id for t in pains for q in t.quotes} | {r for t in pains for r in t.record_ids[:MEMBERS]}
    texts = {rid: rec.text for rid, rec in ctx.store.get_records(ctx.project, sorted(wanted)).items()}
    unused = _Unused()
    shown = [(t, q) for t in pains if (q := _quotes(t, texts, unused))]
    verification, warnings = Verification(), list[str]()
    narrator = Narrator(ctx.model, verification, warnings)
    told = narrator.narrate_all([_request(t, q) for t, q in shown], texts)
    items = [_item(t, q, n.item, unused) for (t, q), n in zip(shown, told, strict=True) if n is not None]
    summary = None
    if items:
        done = narrator.narrate(
            executive_request([Told(p.title, p.statistics, p.citations) for p in items], FEEDBACK), texts
        )
        summary = done.item if done else None
    return PainPointSummary(
        project=ctx.project,
        records_analysed=report.records,
        low_information=report.low_information.mentions,
        selection=f"{PAIN_RULE}; top-level pain themes ranked by reach; at most {LIMIT}",
        engine_note=engine_note(ctx.model),
        summary=summary,
        pain_points=items,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(c.record_id for p in items for c in p.citations),
    )


def _request(theme: ThemePublic, quotes: list[Citation]) -> Any:
    request = theme_request(theme, FEEDBACK)
    request.draft.citations = quotes
    request.evidence_ids = [c.record_id for c in quotes] + request.evidence_ids  # what it cites is in its pack
    return request


def _item(theme: ThemePublic, quotes: list[Citation], narrative: Any, unused: _Unused) -> PainPoint:
    return PainPoint(
        theme_id=theme.id,
        topic_id=theme.topic_id,
        title=narrative.title,
        description=narrative.description,
        why_it_matters=why_it_matters(theme.stats),
        statistics=theme.stats,
        sub_causes=_sub_causes(theme),
        quotes=quotes,
        asks=unused.take([q for q in theme.requests if ask_in(q.text, is_request=True)], ASKS, ("request",)),
        counter_evidence=unused.take(theme.counter_evidence, COUNTER, ("praise",)),
        citations=narrative.citations,
    )


def _quotes_block(title: str, cites: list[Citation]) -> list[str]:
    return [f"**{title}**", ""] + [x for c in cites for x in (quote(c), "")] if cites else []


def _item_markdown(n: int, p: PainPoint) -> list[str]:
    lines = [f"## {n}. {markdown_text(p.title)}", "", markdown_text(p.description), ""]
    lines += stats_table(p.statistics)
    lines += ["**Why it matters**", ""] + [f"- {line}" for line in p.why_it_matters] + [""]
    if p.sub_causes:
        lines += ["**Sub-causes**", ""]
        lines += [
            f"- {markdown_text(s.label)}: {s.mentions:,} records ({pct(s.share_of_pain)} of this pain)"
            + (f", {s.trend}" if s.trend != "unknown" else "")
            for s in p.sub_causes
        ] + [""]
    if p.statistics.over_indexes:
        skews = ", ".join(
            f"{markdown_text(k.value)} ({markdown_text(k.column.replace('_', ' '))}) ×{k.lift:.1f}"
            for k in p.statistics.over_indexes
        )
        lines += [f"Over-indexes in: {skews}.", ""]
    lines += _quotes_block("What customers say", p.quotes)
    lines += _quotes_block("What they ask for", p.asks)
    lines += _quotes_block("Counter-evidence: praise on the same topic", p.counter_evidence)
    return lines


def markdown(d: PainPointSummary) -> str:
    lines = head(f"Top pain points: {d.project}", d)
    aside = f"; {d.low_information:,} said nothing a PM could act on and are set aside" if d.low_information else ""
    lines += [f"From {d.records_analysed:,} feedback records{aside}. Selection: {d.selection}.", ""]
    if d.summary:
        lines += ["## Summary", "", markdown_text(d.summary.text), ""]
    for n, p in enumerate(d.pain_points, 1):
        lines += _item_markdown(n, p)
    return "\n".join(lines + footer(d))


def _coverage(ctx: EvalContext, doc: dict[str, Any]) -> Score | None:
    """A planted pain point is covered when the summary's items, or the sub-causes they name, made mostly of its
    records hold at least 60% of them. An item stands for its whole topic (complaints, requests and neutral
    mentions); a sub-cause for its subtheme."""
    if not ctx.truth:
        return None
    members: dict[str, set[str]] = {}
    for t in ctx.themes.themes:
        members.setdefault(t.topic_id, set()).update(t.record_ids)
        members[t.id] = set(t.record_ids)
        for sub in t.subthemes:
            members[sub.id] = set(sub.record_ids)
    covered = []
    for pain in ctx.truth["pain_points"]:
        ids = set(pain["record_ids"])
        held: set[str] = set()
        for item in doc["pain_points"]:
            for key in [item["theme_id"], item["topic_id"], *(c["theme_id"] for c in item["sub_causes"])]:
                group = members.get(key, set())
                if group and len(group & ids) >= 0.5 * len(group):
                    held |= group & ids
        if len(held) >= 0.6 * len(ids):
            covered.append(pain["id"])
    planted = ctx.truth["pain_points"]
    missed = [p["id"] for p in planted if p["id"] not in covered]
    return Score(
        "coverage",
        len(covered) / len(planted),
        f"{len(covered)} of {len(planted)} planted pain points, as items or their sub-causes; "
        f"missed: {', '.join(missed) or 'none'}",
    )


def metrics(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    found = praise_quotes([c["quote"] for item in doc["pain_points"] for c in item["quotes"] + item["asks"]])
    scores = [Score("praise_in_pain", len(found), "; ".join(f.where for f in found[:5]))]
    coverage = _coverage(ctx, doc)
    return scores + ([coverage] if coverage else [])


KIND = DraftKind(
    name="pain-points",
    title="Pain-point summary",
    summary="The top pain points with their sub-causes, why they matter, verbatim quotes and counter-evidence.",
    words=("pain points", "pain point", "painpoints", "pain", "pains"),
    schema=PainPointSummary,
    build=build,
    markdown=markdown,
    metrics=metrics,
)
