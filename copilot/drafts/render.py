"""Drafts as Markdown a PM can paste and edit (the JSON form is the model itself)."""

from __future__ import annotations

from copilot.drafts.schema import PainPointSummary, PersonaSet, Prd, Swot
from copilot.drafts.verify import Citation


def _quote(c: Citation) -> str:
    return f"> “{' '.join(c.quote.split())}” — `{c.record_id}`"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _footer(d: PainPointSummary | PersonaSet | Swot | Prd) -> list[str]:
    """Verification, warnings and provenance: the same closing block on every draft."""
    v, pv = d.verification, d.provenance
    lines = [
        "---",
        "",
        f"Verification: {v.items_checked} items checked, {v.items_dropped} dropped; "
        f"{v.quotes_checked} quotes and {v.numbers_checked} numbers checked against the records and statistics.",
        "",
    ]
    lines += [f"- warning: {w}" for w in d.warnings]
    tokens = pv.tokens["prompt"] + pv.tokens["completion"]
    lines += [
        f"Provenance: provider {pv.provider}, model {pv.model}"
        + (f", prompt {pv.prompt} v{pv.prompt_version}" if pv.prompt else "")
        + f", {len(pv.evidence_ids)} evidence records"
        + (f", {tokens:,} tokens, ${pv.cost_usd:.4f}" if tokens else "")
        + ".",
        "",
    ]
    return lines


def pain_points_markdown(d: PainPointSummary) -> str:
    lines = [f"# Top pain points: {d.project}", ""]
    if d.engine_note:
        lines += [f"_{d.engine_note}_", ""]
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
            f"| {s.mentions:,} | {s.reach:,} | {_pct(s.share)} ({_pct(s.share_ci[0])}–{_pct(s.share_ci[1])}) | "
            f"{s.trend} | {_pct(s.complaint_share)} | {_pct(s.detractor_share)} | ${s.mrr_at_stake:,.0f} |",
            "",
        ]
        if s.over_indexes:
            skews = ", ".join(f"{k.value} ({k.column.replace('_', ' ')}) ×{k.lift:.1f}" for k in s.over_indexes)
            lines += [f"Over-indexes in: {skews}.", ""]
        lines += ["**What customers say**", ""] + [x for c in p.quotes for x in (_quote(c), "")]
        if p.counter_evidence:
            lines += ["**Counter-evidence**", ""] + [x for c in p.counter_evidence for x in (_quote(c), "")]
    return "\n".join(lines + _footer(d))


def swot_markdown(d: Swot) -> str:
    lines = [f"# SWOT: {d.project}", ""]
    if d.engine_note:
        lines += [f"_{d.engine_note}_", ""]
    for title, items in (
        ("Strengths", d.strengths),
        ("Weaknesses", d.weaknesses),
        ("Opportunities", d.opportunities),
        ("Threats", d.threats),
    ):
        lines += [f"## {title}", ""]
        if not items:
            lines += ["_No evidence found._", ""]
        for item in items:
            source = f" _({item.source_title})_" if item.source_title else ""
            lines += [
                f"- **{item.title}**: {item.description}{source}",
                *[f"  - “{' '.join(c.quote.split())}” — `{c.record_id}`" for c in item.citations[:2]],
            ]
        lines.append("")
    lines += ["## Actions", ""]
    for a in d.actions:
        lines += [f"- **{a.title}**: {a.description}", *[f"  - `{c.record_id}`" for c in a.citations]]
    lines += ["", f"Opportunities and threats by rule: {d.rules}.", ""]
    return "\n".join(lines + _footer(d))


def personas_markdown(d: PersonaSet) -> str:
    lines = [f"# Personas: {d.project}", ""]
    if d.engine_note:
        lines += [f"_{d.engine_note}_", ""]
    lines += [f"From {d.respondents_with_role:,} respondents with a role; {d.rule}.", ""]
    for p in d.personas:
        lines += [f"## {p.name}", "", f"_{p.one_liner}_", "", p.description, ""]
        for label, shares in (("Company size", p.company_size), ("Plan", p.plan), ("Segment", p.segment)):
            if shares:
                lines.append(f"- {label}: " + ", ".join(f"{s.value} ({s.share * 100:.0f}%)" for s in shares))
        lines.append("")
        if p.challenges:
            lines += (
                ["**Challenges**", ""]
                + [f"- {c.label}: {c.mentions} records, ×{c.lift:.1f} vs everyone" for c in p.challenges]
                + [""]
            )
        for title, cites in (
            ("Current workarounds", p.current_workarounds),
            ("What they ask for", p.wishes),
            ("In their words", p.quotes),
        ):
            if cites:
                lines += [f"**{title}**", ""] + [x for c in cites for x in (_quote(c), "")]
    return "\n".join(lines + _footer(d))


def prd_markdown(d: Prd) -> str:
    s = d.statistics
    lines = [f"# {d.title}", ""]
    if d.engine_note:
        lines += [f"_{d.engine_note}_", ""]
    if d.topic:
        lines += [f"Topic asked for: {d.topic!r} (theme `{d.theme_id}`).", ""]
    lines += ["## Problem", ""] + [f"{i.text}" for i in d.problem] + [""]
    lines += [
        "## Evidence",
        "",
        "| mentions | reach | share (95% CI) | trend | complaints |",
        "| ---: | ---: | ---: | --- | ---: |",
        f"| {s.mentions:,} | {s.reach:,} | {_pct(s.share)} ({_pct(s.share_ci[0])}–{_pct(s.share_ci[1])}) | "
        f"{s.trend} | {_pct(s.complaint_share)} |",
        "",
    ]
    lines += [x for i in d.problem for c in i.citations for x in (_quote(c), "")]
    for title, items in (("Goals", d.goals), ("Non-goals", d.non_goals), ("Affected personas", d.personas)):
        lines += [f"## {title}", ""] + [f"- **{i.title}**: {i.text}" for i in items] + [""]
    lines += ["## User stories", ""]
    for st in d.user_stories:
        lines += [
            f"- As a {st.as_a}, I want: “{' '.join(st.i_want.split())}”, so that {st.so_that}. "
            f"(`{st.citations[0].record_id}`)",
            *[f"  - [ ] {a}" for a in st.acceptance_criteria],
        ]
    lines.append("")
    for title, items in (
        ("Requirements", d.requirements),
        ("Success metrics", d.success_metrics),
        ("Risks", d.risks),
        ("Open questions", d.open_questions),
        ("Rollout", d.rollout),
    ):
        lines += [f"## {title}", ""] + [f"- **{i.title}**: {i.text}" for i in items] + [""]
    return "\n".join(lines + _footer(d))
