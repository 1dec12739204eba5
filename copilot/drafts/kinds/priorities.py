"""The prioritisation matrix: one row per top-level pain theme with its reach, impact (from severity) and
confidence (from the share interval and the topic's stability), an effort column the PM fills in, and a stated,
RICE-like score. Every figure is computed; every row cites complaint or request sentences of its theme. It is
exported as CSV for the spreadsheet where effort gets estimated."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.polarity import classify
from copilot.analysis.schema import Quote, ThemePublic
from copilot.analysis.segments import split
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import keep_verified
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.kinds._priorities_csv import csv_of
from copilot.drafts.kinds._swot_sides import PAIN, QuotePicker, named, pool, words
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head, markdown_text, pct, quote
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.redact import PLACEHOLDERS
from copilot.store.chroma import Store

QUOTES = 3
MIN_QUOTES = 2
MEMBERS = 40  # records per theme a model may read when it rewords a row
SEARCHED = 200  # records per theme searched for quotes when the theme's own quotes are too few
ARTIFACT = "prioritisation matrix"
FORMULA = (
    "score = reach × impact × confidence (RICE without effort); once you fill in effort, in person-weeks or any "
    "unit used for every row, rank by score ÷ effort"
)
IMPACT_RULE = "impact = complaint share + churn-intent share (each a share of the theme's records, 0 to 1)"
IMPACT_NPS = " + detractor share (of the theme's respondents with an NPS score, 0 when none has one)"
CONFIDENCE_RULE = (
    "confidence = stability × precision, where stability is how well the topic holds together when rediscovered "
    "on resamples (0 to 1) and precision = 1 − half the width of the share's 95% interval ÷ the share (at least 0)"
)


class PriorityRow(BaseModel):
    rank: int
    theme_id: str
    title: str
    description: str
    statistics: dict[str, int | float | None]
    impact: float
    confidence: float
    effort: float | None = None
    score: float
    citations: list[Citation]


class Unranked(BaseModel):
    theme_id: str
    title: str
    # Why it is left out, from its counts: a note on the evidence, not a claim its one quote should support.
    reason: str = Field(description="Why the theme is not in the table, in figures (from `statistics`).")
    statistics: dict[str, int]
    citations: list[Citation]


class Priorities(DraftDocument):
    kind: Literal["priorities"] = "priorities"
    records_analysed: int
    has_nps: bool
    formula: str = FORMULA
    impact_rule: str
    confidence_rule: str = CONFIDENCE_RULE
    rows: list[PriorityRow]
    unranked: list[Unranked] = Field(
        default_factory=list,
        description=f"Pain themes left out of the table: fewer than {MIN_QUOTES} quotable complaint or request "
        "sentences to show what the row is about.",
    )


def _impact(t: ThemePublic, has_nps: bool) -> float:
    s = t.stats
    churn = s.churn_intent / s.mentions if s.mentions else 0.0
    detractors = (s.detractor_share or 0.0) if has_nps else 0.0
    return round(s.complaint_share + churn + detractors, 2)


def _precision(t: ThemePublic) -> float:
    low, high = t.stats.share_ci
    if t.stats.share <= 0:
        return 0.0
    return max(0.0, 1 - (high - low) / 2 / t.stats.share)


def _statistics(t: ThemePublic, has_nps: bool) -> dict[str, int | float | None]:
    s = t.stats
    out: dict[str, int | float | None] = {
        "reach": s.reach,
        "mentions": s.mentions,
        "share": s.share,
        "share_low": s.share_ci[0],
        "share_high": s.share_ci[1],
        "complaint_share": s.complaint_share,
        "churn_intent": s.churn_intent,
        "churn_intent_share": round(s.churn_intent / s.mentions, 4) if s.mentions else 0.0,
        "stability": round(t.stability, 3),
        "precision": round(_precision(t), 3),
    }
    if has_nps:
        out |= {
            "detractor_share": s.detractor_share,
            "share_of_detractors": s.share_of_detractors,
            "nps_impact": s.nps_impact,
            "nps_points_lost": max(0.0, -s.nps_impact) if s.nps_impact is not None else None,
        }
    return out


def _description(t: ThemePublic, has_nps: bool) -> str:
    s = t.stats
    who = f"Raised in {s.mentions:,} records" if s.reach == s.mentions else f"{s.reach:,} customers raise it"
    text = f"{who}; {pct(s.complaint_share)} of its records are complaints"
    if s.churn_intent:
        text += f" and {s.churn_intent:,} {'says' if s.churn_intent == 1 else 'say'} they may leave"
    text += "."
    if has_nps and s.share_of_detractors is not None:
        text += f" {pct(s.share_of_detractors)} of all detractors raise it"
        if s.nps_impact is not None and s.nps_impact < 0:
            text += f", and it costs {-s.nps_impact:.1f} points of NPS"
        text += "."
    return text


def _row(t: ThemePublic, has_nps: bool, picker: QuotePicker) -> PriorityRow:
    impact = _impact(t, has_nps)
    confidence = round(t.stability * _precision(t), 2)
    return PriorityRow(
        rank=0,
        theme_id=t.id,
        title=t.label[:1].upper() + t.label[1:],
        description=_description(t, has_nps),
        statistics=_statistics(t, has_nps),
        impact=impact,
        confidence=confidence,
        score=round(t.stats.reach * impact * confidence, 1),
        citations=picker.pick(pool(t), PAIN, QUOTES, t),
    )


def _member_quotes(t: ThemePublic, texts: dict[str, str]) -> list[Quote]:
    """The sentences of a theme's records that name what the theme is named for, with their polarity: where a
    theme whose central quotes are few (or already shown) still has a complaint or a request to show."""
    own = named(t)
    out: list[Quote] = []
    for rid in t.record_ids[:SEARCHED]:
        text = texts.get(rid, "")
        for a, b in split(text):
            sentence = text[a:b]
            if (
                len(sentence.split()) < 4
                or any(p in sentence for p in PLACEHOLDERS.values())  # contact details, not feedback
                or not own & words(sentence)
            ):
                continue
            out.append(Quote(record_id=rid, text=sentence, polarity=classify(sentence)))
    return out


def _top_up(
    rows: list[PriorityRow], themes: dict[str, ThemePublic], store: Store, project: str, picker: QuotePicker
) -> None:
    """Rows citing fewer than MIN_QUOTES quotes get more from their theme's own records, in place."""
    thin = [r for r in rows if len(r.citations) < MIN_QUOTES]
    wanted = sorted({rid for r in thin for rid in themes[r.theme_id].record_ids[:SEARCHED]})
    texts = {rid: rec.text for rid, rec in store.get_records(project, wanted).items()}
    for r in thin:
        t = themes[r.theme_id]
        r.citations += picker.pick(_member_quotes(t, texts), PAIN, QUOTES - len(r.citations), t)


def _unranked(row: PriorityRow, t: ThemePublic) -> Unranked:
    """A theme whose records hold too few distinct complaints or requests to show what a row would be about
    (twelve copies of one answer, say), with the one it holds: a PM sees what it is and why it is not scored."""
    n = len(row.citations)
    found = "no complaint or request sentence" if not n else f"{n} distinct complaint or request sentence"
    return Unranked(
        theme_id=row.theme_id,
        title=row.title,
        reason=f"Its {t.stats.mentions:,} records hold {found} that says something and is not quoted "
        f"elsewhere in this matrix; a row needs {MIN_QUOTES} to show what it is about.",
        statistics={"mentions": t.stats.mentions, "quotable": n, "needed": MIN_QUOTES},
        citations=row.citations,
    )


def _figures(row: PriorityRow) -> list[float]:
    return figures_of(row.statistics) + [row.impact, row.confidence, row.score]


def _reword(
    narrator: Narrator,
    ctx: DraftContext,
    rows: list[PriorityRow],
    themes: dict[str, ThemePublic],
    cited: dict[str, str],
) -> None:
    """A model's title and one-line why for each row, verified against the row's own figures and records."""
    wanted = sorted({r for row in rows for r in themes[row.theme_id].record_ids[:MEMBERS]})
    texts = {rid: rec.text for rid, rec in ctx.store.get_records(ctx.project, wanted).items()} | cited
    for row in rows:
        own = {rid: texts[rid] for rid in themes[row.theme_id].record_ids[:MEMBERS] if rid in texts}
        own |= {c.record_id: cited[c.record_id] for c in row.citations}
        draft = ThemeNarrative(title=row.title, description=row.description, citations=row.citations)
        facts = {**row.statistics, "impact": row.impact, "confidence": row.confidence, "score": row.score}
        better = narrator.narrate(rewrite_request(ARTIFACT, "rows", draft, facts, own, _figures(row)), own)
        if better is not None and better.by_model:
            row.title, row.description = better.item.title, better.item.description
            row.citations = merge_citations(row.citations, better.item.citations)


def build(ctx: DraftContext) -> Priorities:
    report = analyze(ctx.store, ctx.project, filters=ctx.filters)
    pains = [t for t in report.themes if t.pain]
    if not pains:
        raise CopilotError(ErrorCode.no_evidence, f"project {ctx.project!r} has no pain themes to prioritise")
    has_nps = report.nps is not None
    picker = QuotePicker()
    by_id = {t.id: t for t in pains}
    rows = sorted((_row(t, has_nps, picker) for t in pains), key=lambda r: (-r.score, r.theme_id))
    _top_up(rows, by_id, ctx.store, ctx.project, picker)
    unranked = [_unranked(r, by_id[r.theme_id]) for r in rows if len(r.citations) < MIN_QUOTES]
    rows = [r for r in rows if len(r.citations) >= MIN_QUOTES]
    cited = sorted({c.record_id for r in rows for c in r.citations})
    texts = {rid: rec.text for rid, rec in ctx.store.get_records(ctx.project, cited).items()}
    verification, warnings = Verification(), list[str]()
    # Every row's quotes verbatim and its figures computed, before any model sees it.
    kept = keep_verified(
        {"rows": rows}, lambda r: f"{r.title} {r.description}", texts, _figures, verification, warnings
    )
    narrator = Narrator(ctx.model, verification, warnings)
    if ctx.model.can_generate:
        _reword(narrator, ctx, kept["rows"], by_id, texts)
    for rank, row in enumerate(kept["rows"], 1):
        row.rank = rank
    return Priorities(
        project=ctx.project,
        engine_note=engine_note(ctx.model),
        records_analysed=report.records,
        has_nps=has_nps,
        impact_rule=IMPACT_RULE + (IMPACT_NPS if has_nps else ""),
        rows=kept["rows"],
        unranked=unranked,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(cited),
    )


def _cell(value: float | None, decimals: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{decimals}f}"


def _table(d: Priorities) -> list[str]:
    nps = " Detractor share | NPS impact |" if d.has_nps else ""
    lines = [
        f"| # | Pain theme | Reach | Share (95% CI) | Complaints | Churn intent |{nps} Impact | Confidence | Effort "
        "| Score |",
        "| ---: | --- | ---: | ---: | ---: | ---: |" + " ---: | ---: |" * d.has_nps + " ---: | ---: | --- | ---: |",
    ]
    for r in d.rows:
        s = r.statistics
        cells = [
            str(r.rank),
            markdown_text(r.title),
            f"{s['reach'] or 0:,}",
            f"{pct(s['share'])} ({pct(s['share_low'])}–{pct(s['share_high'])})",
            pct(s["complaint_share"]),
            f"{s['churn_intent'] or 0:,} ({pct(s['churn_intent_share'])})",
        ]
        if d.has_nps:
            cells += [pct(s.get("detractor_share")), _cell(s.get("nps_impact"), 1)]
        cells += [_cell(r.impact), _cell(r.confidence), "", f"{r.score:,.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(d: Priorities) -> str:
    lines = head(f"Prioritisation matrix: {d.project}", d)
    lines += [
        f"{len(d.rows)} pain themes from {d.records_analysed:,} feedback records, ranked by score"
        + (f" ({len(d.unranked)} more not ranked, with why, at the end)" if d.unranked else "")
        + ". Effort is left "
        "blank for you to estimate; the CSV export (`--out matrix.csv`) has the same rows for a spreadsheet.",
        "",
        *_table(d),
        "",
        "## How the score is computed",
        "",
        f"- {d.formula}.",
        f"- {d.impact_rule}.",
        f"- {d.confidence_rule}.",
        "",
        "## Evidence by theme",
        "",
    ]
    for r in d.rows:
        lines += [f"**{r.rank}. {markdown_text(r.title)}**: {markdown_text(r.description)}", ""]
        lines += [x for c in r.citations for x in (quote(c), "")]
    if d.unranked:
        lines += ["## Not ranked", ""]
        for u in d.unranked:
            lines += [f"- **{markdown_text(u.title)}**: {markdown_text(u.reason)}", ""]
            lines += [x for c in u.citations for x in (quote(c), "")]
    return "\n".join(lines + footer(d))


def matrix_csv(d: Priorities) -> str:
    """The matrix as CSV, one row per table row, Effort empty for the PM, up to QUOTES quotes after the figures."""
    return csv_of(d, QUOTES)


def checks(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """Rows that cite too little, and whether the CSV a PM opens holds the same rows as the table they read."""
    d = Priorities.model_validate(doc)
    bare = [r.title for r in d.rows if not r.citations]
    thin = [r.title for r in d.rows if len(r.citations) < MIN_QUOTES]
    table = [line for line in markdown(d).splitlines() if re.match(r"^\| \d+ \|", line)]
    exported = list(csv.DictReader(io.StringIO(matrix_csv(d))))
    same = len(table) == len(exported) == len(d.rows) and [e["Theme ID"] for e in exported] == [
        r.theme_id for r in d.rows
    ]
    return [
        Score("rows_without_citation", len(bare), "; ".join(bare)[:300] or f"all {len(d.rows)} rows cite quotes"),
        Score("rows_under_two_quotes", len(thin), "; ".join(thin)[:300] or f"every row cites {MIN_QUOTES} or more"),
        Score("csv_rows_match", float(same), f"{len(table)} table rows, {len(exported)} CSV rows"),
    ]


KIND = DraftKind(
    name="priorities",
    title="Prioritisation matrix",
    summary="Every pain theme scored by reach, impact and confidence, with effort left to fill in; exports CSV.",
    words=(
        "prioritisation matrix",
        "prioritization matrix",
        "priority matrix",
        "prioritisation",
        "prioritization",
        "rice",
        "priorities matrix",
    ),
    schema=Priorities,
    build=build,
    markdown=markdown,
    exports={".csv": matrix_csv},
    metrics=checks,
)
