"""SWOT: strengths and weaknesses from feedback topics by their polarity split, opportunities and threats from
market research, and one action per weakness, paired with the research it relates to. Every item cites its
evidence; a section with none says which evidence would fill it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts import research
from copilot.drafts.evidence import ShownQuotes, content_words, keep_verified
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.kinds._swot_sides import (
    ACTION_RULE,
    SIDE_RULE,
    QuotePicker,
    Split,
    SwotAction,
    SwotItem,
    action,
    research_item,
    splits,
    theme_item,
)
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head, markdown_text, quote
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store

STRENGTHS, WEAKNESSES = 5, 6
MEMBERS = 40  # records per theme a model may read when it rewords an item
ARTIFACT = "SWOT analysis"
__all__ = ["KIND", "Swot", "SwotAction", "SwotItem"]  # the items are defined with the rules that fill them


class Swot(DraftDocument):
    kind: Literal["swot"] = "swot"
    rules: str
    side_rule: str = SIDE_RULE
    action_rule: str = ACTION_RULE
    strengths: list[SwotItem]
    weaknesses: list[SwotItem]
    opportunities: list[SwotItem]
    threats: list[SwotItem]
    actions: list[SwotAction]
    missing: dict[str, str] = Field(
        default_factory=dict, description="For each empty section, which evidence would fill it and how to add it."
    )


def _no_side(found: list[Split], strength: bool) -> str:
    """Why the strengths (or weaknesses) are empty, from the counts, and what feedback would fill them."""
    topics = len(found)
    if strength:
        praise = sum(s.praise for s in found)
        counted = f"{praise:,} praise mentions in all" if praise else "not one praise mention among them"
        return (
            f"No topic has more praise than complaints and requests ({topics} topics, {counted}). Feedback that "
            "asks what customers value (NPS promoters' reasons, app-store reviews, win interviews) would show "
            "strengths."
        )
    return (
        f"No topic has as many complaints and requests as praise ({topics} topics). Support tickets, detractors' "
        "reasons or churn interviews would show weaknesses."
    )


def _missing(found: list[Split], sections: dict[str, list[SwotItem]], documents: int, project: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not sections["strengths"]:
        out["strengths"] = _no_side(found, strength=True)
    if not sections["weaknesses"]:
        out["weaknesses"] = _no_side(found, strength=False)
    for name in ("opportunities", "threats"):
        if not sections[name]:
            out[name] = research.missing(name, documents, project)
    return out


def _reword(
    narrator: Narrator,
    store: Store,
    project: str,
    themes: list[ThemePublic],
    sections: dict[str, list[SwotItem]],
    actions: list[SwotAction],
    texts: dict[str, str],
) -> None:
    """Model wording for the feedback items and the actions, in place; research items stay verbatim sentences
    from their documents. Each feedback item is narrated from its theme's own records."""
    members = {t.id: t.record_ids[:MEMBERS] for t in themes}
    wanted = sorted(
        {r for name in ("strengths", "weaknesses") for i in sections[name] for r in members[i.theme_id or ""]}
    )
    member_texts = {rid: r.text for rid, r in store.get_records(project, wanted).items()} | texts
    renamed: dict[str, str] = {}
    for name in ("strengths", "weaknesses"):
        for item in sections[name]:
            own = {rid: member_texts[rid] for rid in members[item.theme_id or ""] if rid in member_texts}
            own |= {c.record_id: texts[c.record_id] for c in item.citations}
            draft = ThemeNarrative(title=item.title, description=item.description, citations=item.citations)
            figures = figures_of(item.statistics) + figures_of([c.quote for c in item.citations])
            facts: dict[str, Any] = {"side": name, "contested": item.contested, "rule": SIDE_RULE}
            facts |= item.statistics or {}
            better = narrator.narrate(rewrite_request(ARTIFACT, name, draft, facts, own, figures), own)
            if better is not None and better.by_model:
                renamed[item.title] = better.item.title
                item.title, item.description = better.item.title, better.item.description
                item.citations = merge_citations(item.citations, better.item.citations)
    reach = [float(w.statistics[k]) for w in sections["weaknesses"] if w.statistics for k in ("reach", "mentions")]
    for a in actions:
        a.addresses = [renamed.get(x, x) for x in a.addresses]
        own = {c.record_id: texts[c.record_id] for c in a.citations}
        draft = ThemeNarrative(title=a.title, description=a.description, citations=a.citations)
        figures = reach + figures_of([c.quote for c in a.citations])
        facts = {"addresses": a.addresses, "basis": a.basis, "rule": ACTION_RULE}
        better = narrator.narrate(rewrite_request(ARTIFACT, "actions", draft, facts, own, figures), own)
        if better is not None and better.by_model:
            a.title, a.description = better.item.title, better.item.description
            a.citations = merge_citations(a.citations, better.item.citations)


def build(ctx: DraftContext) -> Swot:
    store, project = ctx.store, ctx.project
    report = analyze(store, project, filters=ctx.filters)
    found, research_texts = research.findings(store, project)
    if not report.themes and not research_texts:
        raise CopilotError(ErrorCode.no_evidence, f"project {project!r} has no feedback themes or research for a SWOT")
    sides = splits(report.themes)
    picker = QuotePicker()
    strengths = [theme_item(s, picker) for s in [s for s in sides if s.strength][:STRENGTHS]]
    weak_sides = [s for s in sides if not s.strength][:WEAKNESSES]
    weaknesses = [theme_item(s, picker) for s in weak_sides]
    opportunities = [research_item(f) for f in found if f.kind == "opportunity"]
    threats = [research_item(f) for f in found if f.kind == "threat"]
    actions = [
        action(w, s.theme, threats, opportunities, picker, bool(research_texts))
        for w, s in zip(weaknesses, weak_sides, strict=True)
    ]
    everything: list[SwotItem | SwotAction] = [*strengths, *weaknesses, *opportunities, *threats, *actions]
    cited = {c.record_id for i in everything for c in i.citations}
    texts = {rid: r.text for rid, r in store.get_records(project, sorted(cited - research_texts.keys())).items()}
    texts.update(research_texts)
    verification, warnings = Verification(), list[str]()
    sections = {"strengths": strengths, "weaknesses": weaknesses, "opportunities": opportunities, "threats": threats}
    # Research numbers are supported by the document they are quoted from; feedback numbers by the statistics.
    kept = keep_verified(
        sections,
        lambda i: f"{i.title} {i.description}",
        texts,
        lambda i: figures_of(i.statistics) + figures_of([c.quote for c in i.citations]),
        verification,
        warnings,
    )
    reach = [float(w.statistics[k]) for w in weaknesses if w.statistics for k in ("reach", "mentions")]
    actions = keep_verified(
        {"actions": actions},
        lambda a: f"{a.title} {a.description}",
        texts,
        lambda a: reach + figures_of([c.quote for c in a.citations]),
        verification,
        warnings,
    )["actions"]
    narrator = Narrator(ctx.model, verification, warnings)
    if ctx.model.can_generate:
        _reword(narrator, store, project, report.themes, kept, actions, texts)
    return Swot(
        project=project,
        engine_note=engine_note(ctx.model),
        rules=research.RULES,
        strengths=kept["strengths"],
        weaknesses=kept["weaknesses"],
        opportunities=kept["opportunities"],
        threats=kept["threats"],
        actions=actions,
        missing=_missing(sides, kept, len(research_texts), project),
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(cited),
    )


def _quotes(citations: list[Citation]) -> list[str]:
    return [x for c in citations for x in ("", quote(c))]


def _feedback_lines(items: list[SwotItem], shown: ShownQuotes) -> list[str]:
    lines: list[str] = []
    for item in items:
        other = {(c.record_id, c.quote) for c in item.other_side}
        flag = " _(contested)_" if item.contested else ""
        lines += [f"- **{markdown_text(item.title)}**{flag}: {markdown_text(item.description)}"]
        lines += _quotes(shown.fresh([c for c in item.citations if (c.record_id, c.quote) not in other]))
        against = shown.fresh(item.other_side)
        if against:
            lines += ["", "The other side:", *_quotes(against)]
        lines.append("")
    return lines


def _research_lines(items: list[SwotItem], shown: ShownQuotes) -> list[str]:
    """Research sentences grouped under the document they come from: each sentence is its own evidence."""
    lines: list[str] = []
    for source in dict.fromkeys(i.source_title or "research" for i in items):
        lines += [f"From _{markdown_text(source)}_:"]
        lines += _quotes(
            shown.fresh([c for i in items if (i.source_title or "research") == source for c in i.citations])
        )
        lines.append("")
    return lines


def _action_lines(actions: list[SwotAction]) -> list[str]:
    """Each action with its grounds; the customers' ask is in its words, so it cites by record id only."""
    lines: list[str] = []
    for a in actions:
        ids = ", ".join(f"`{c.record_id}`" for c in a.citations)
        lines += [f"- **{markdown_text(a.title)}**: {markdown_text(a.description)} ({ids})", ""]
    return lines


def _missing_line(d: Swot, name: str) -> str:
    note = d.missing.get(name) or "No evidence in this project."
    first = d.missing.get("opportunities", "")
    if name == "threats" and note.startswith(research.NO_RESEARCH) and first.startswith(research.NO_RESEARCH):
        return f"{research.NO_RESEARCH}, so no threats either (how to add it: under Opportunities)."
    return note


def markdown(d: Swot) -> str:
    lines = head(f"SWOT: {d.project}", d)
    shown = ShownQuotes()
    for title, name, items in (
        ("Strengths", "strengths", d.strengths),
        ("Weaknesses", "weaknesses", d.weaknesses),
        ("Opportunities", "opportunities", d.opportunities),
        ("Threats", "threats", d.threats),
    ):
        lines += [f"## {title}", ""]
        if not items:
            lines += [f"_{_missing_line(d, name)}_", ""]
        elif name in ("strengths", "weaknesses"):
            lines += _feedback_lines(items, shown)
        else:
            lines += _research_lines(items, shown)
    lines += ["## Actions", ""]
    if d.actions:
        lines += _action_lines(d.actions)
    else:
        lines += ["_No weaknesses, so no actions._" if not d.weaknesses else "_No action passed verification._", ""]
    lines += [
        f"How this was decided. Strengths and weaknesses: {d.side_rule}. Opportunities and threats: {d.rules}. "
        f"Actions: {d.action_rule}.",
        "",
    ]
    return "\n".join(lines + footer(d))


def market_facts(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """The planted market facts of the sample corpus, each found in the right quadrant with its document."""
    if not ctx.truth:
        return []
    facts = ctx.truth["market_facts"]
    found = []
    for fact in facts:
        quadrant = "opportunities" if fact["kind"] == "opportunity" else "threats"
        want = content_words(fact["fact"])
        if any(
            c["record_id"] == fact["record_id"] and len(want & content_words(c["quote"])) >= 0.5 * len(want)
            for item in doc[quadrant]
            for c in item["citations"]
        ):
            found.append(fact["id"])
    detail = f"{len(found)} of {len(facts)} planted market facts, in the right quadrant"
    return [Score("market_fact_coverage", len(found) / len(facts), detail)]


def ledger(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """A topic on both sides of the ledger, and weaknesses left without an action: what made a PM distrust it."""
    strong = {i["topic_id"] for i in doc["strengths"] if i.get("topic_id")}
    weak = {i["topic_id"] for i in doc["weaknesses"] if i.get("topic_id")}
    both = sorted(strong & weak)
    acted = {a.get("weakness_theme_id") for a in doc["actions"]}
    bare = [w["title"] for w in doc["weaknesses"] if w.get("theme_id") not in acted]
    return [
        Score("both_strength_and_weakness", len(both), f"topics both: {', '.join(both) or 'none'}"),
        Score(
            "empty_actions",
            float(bool(doc["weaknesses"]) and not doc["actions"]),
            f"{len(doc['weaknesses'])} weaknesses, {len(doc['actions'])} actions",
        ),
        Score("weaknesses_without_action", len(bare), "; ".join(bare)[:300] or "every weakness has an action"),
    ]


def metrics(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    return market_facts(ctx, doc) + ledger(ctx, doc)


KIND = DraftKind(
    name="swot",
    title="SWOT analysis",
    summary="Strengths and weaknesses from feedback, opportunities and threats from market research, and actions.",
    words=("swot analysis", "strengths and weaknesses"),
    schema=Swot,
    build=build,
    markdown=markdown,
    metrics=metrics,
)
