"""SWOT: strengths and weaknesses from feedback themes, opportunities and threats from market research, and
actions that pair a weakness with the threat or opportunity it relates to. Every item cites its evidence."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts import research
from copilot.drafts.evidence import content_words, keep_verified, topic_words
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store


class SwotItem(BaseModel):
    title: str
    description: str
    source: Literal["feedback", "research"]
    source_title: str | None = None
    theme_id: str | None = None
    statistics: dict[str, float] | None = None
    citations: list[Citation]


class SwotAction(BaseModel):
    title: str
    description: str
    addresses: list[str]
    citations: list[Citation]


class Swot(DraftDocument):
    kind: Literal["swot"] = "swot"
    rules: str
    strengths: list[SwotItem]
    weaknesses: list[SwotItem]
    opportunities: list[SwotItem]
    threats: list[SwotItem]
    actions: list[SwotAction]


def _theme_item(theme: ThemePublic, verb: str) -> SwotItem:
    s = theme.stats
    description = (
        f"{s.mentions} feedback records from {s.reach} customers {verb} {theme.label} "
        f"({s.share * 100:.1f}% of all feedback)."
    )
    return SwotItem(
        title=theme.label[:1].upper() + theme.label[1:],
        description=description,
        source="feedback",
        theme_id=theme.id,
        statistics={"mentions": s.mentions, "reach": s.reach, "share": s.share, "complaint_share": s.complaint_share},
        citations=[Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes[:3]],
    )


def _research_item(f: research.Finding) -> SwotItem:
    return SwotItem(
        title=f.title, description=f.sentence, source="research", source_title=f.source_title, citations=[f.citation]
    )


def _actions(weaknesses: list[SwotItem], outside: list[SwotItem]) -> list[SwotAction]:
    """Pair each weakness with the threat or opportunity that shares most of its vocabulary."""
    actions: list[SwotAction] = []
    for w in weaknesses:
        wanted = topic_words(w.title + " " + " ".join(c.quote for c in w.citations))
        best = max(outside, key=lambda o: len(wanted & topic_words(o.description)), default=None)
        if best is None or len(wanted & topic_words(best.description)) < 2:
            continue
        reach = int(w.statistics["reach"]) if w.statistics else 0
        actions.append(
            SwotAction(
                title=f"Act on {w.title.lower()}",
                description=f"Customers raise it ({reach} customers) and market research points the same way: "
                f"{best.title}",
                addresses=[w.title, best.title],
                citations=w.citations[:1] + best.citations[:1],
            )
        )
    return actions[:5]


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
    members = {t.id: t.record_ids[:40] for t in themes}
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
            better = narrator.narrate(rewrite_request("SWOT analysis", name, draft, item.statistics, own, figures), own)
            if better is not None:
                renamed[item.title] = better.item.title
                item.title, item.description = better.item.title, better.item.description
                item.citations = merge_citations(item.citations, better.item.citations)
    reach = [float(w.statistics["reach"]) for w in sections["weaknesses"] if w.statistics]
    for action in actions:
        action.addresses = [renamed.get(a, a) for a in action.addresses]
        own = {c.record_id: texts[c.record_id] for c in action.citations}
        draft = ThemeNarrative(title=action.title, description=action.description, citations=action.citations)
        figures = reach + figures_of([c.quote for c in action.citations])
        request = rewrite_request("SWOT analysis", "actions", draft, {"addresses": action.addresses}, own, figures)
        better = narrator.narrate(request, own)
        if better is not None:
            action.title, action.description = better.item.title, better.item.description
            action.citations = merge_citations(action.citations, better.item.citations)


def build(ctx: DraftContext) -> Swot:
    store, project = ctx.store, ctx.project
    report = analyze(store, project, filters=ctx.filters)
    pains = sorted((t for t in report.themes if t.pain), key=lambda t: (-t.reach, t.id))
    praise = sorted((t for t in report.themes if not t.pain), key=lambda t: (-t.reach, t.id))
    found, research_texts = research.findings(store, project)
    opportunities = [_research_item(f) for f in found if f.kind == "opportunity"]
    threats = [_research_item(f) for f in found if f.kind == "threat"]
    if not report.themes and not research_texts:
        raise CopilotError(ErrorCode.no_evidence, f"project {project!r} has no feedback themes or research for a SWOT")
    strengths = [_theme_item(t, "praise") for t in praise[:5]]
    weaknesses = [_theme_item(t, "raise") for t in pains[:6]]
    actions = _actions(weaknesses, threats + opportunities)
    cited = {c.record_id for i in strengths + weaknesses + opportunities + threats for c in i.citations}
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
    reach = [float(w.statistics["reach"]) for w in weaknesses if w.statistics]
    actions = keep_verified(
        {"actions": actions},
        lambda a: a.description,
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
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(cited),
    )


def markdown(d: Swot) -> str:
    lines = head(f"SWOT: {d.project}", d)
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


KIND = DraftKind(
    name="swot",
    title="SWOT analysis",
    summary="Strengths and weaknesses from feedback, opportunities and threats from market research, and actions.",
    words=("swot analysis", "strengths and weaknesses"),
    schema=Swot,
    build=build,
    markdown=markdown,
    metrics=market_facts,
)
