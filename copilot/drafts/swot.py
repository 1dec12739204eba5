"""SWOT: strengths and weaknesses from feedback themes, opportunities and threats from market research, and
actions that pair a weakness with the threat or opportunity it relates to. Every item cites its evidence.

The extractive engine classifies research sentences by plain, stated rules: a sentence about a competitor's move
or a squeeze on the business is a threat; one about growth, demand or an unmet need is an opportunity.
"""

from __future__ import annotations

import re

from copilot.analysis.schema import ThemePublic
from copilot.analysis.segments import split
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import keep_verified, topic_words
from copilot.drafts.narrate import Narrator, engine_note, merge_citations
from copilot.drafts.pain_points import is_pain, theme_stats
from copilot.drafts.schema import Swot, SwotAction, SwotItem, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError
from copilot.llm.base import Model
from copilot.models import SearchFilter
from copilot.store.chroma import Store

THREAT_RE = re.compile(
    r"\b(?:competitors?|launch(?:ed|es)?|ships?|offers?|cut (?:its|their) (?:list )?price|winning|"
    r"target(?:s|ing)|pressure|consolidat\w+|lose|losing|switch\w*)\b",
    re.I,
)
OPPORTUNITY_RE = re.compile(
    r"\b(?:grow(?:s|ing|th)?|fastest|expect\w*|demand|underserved|opportunit\w+|rising|"
    r"increasing(?:ly)?|most requested|shorten|spend)\b",
    re.I,
)
RULES = (
    "threat: a research sentence about a competitor's move or a squeeze (launches, offers, cuts its price, "
    "winning, consolidation); opportunity: one about growth, demand or an unmet need"
)



def classify(sentence: str) -> str | None:
    """'threat', 'opportunity' or None; a sentence with both signals goes to the stronger (opportunity on a tie)."""
    threats, opps = len(THREAT_RE.findall(sentence)), len(OPPORTUNITY_RE.findall(sentence))
    if not threats and not opps:
        return None
    return "threat" if threats > opps else "opportunity"


def _theme_item(theme: ThemePublic, verb: str) -> SwotItem:
    s = theme_stats(theme)
    description = (
        f"{s.mentions} feedback records from {s.reach} customers {verb} {theme.label} "
        f"({s.share * 100:.1f}% of all feedback)."
    )
    quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes[:3]]
    title = theme.label[:1].upper() + theme.label[1:]
    return SwotItem(
        title=title,
        description=description,
        source="feedback",
        theme_id=theme.id,
        statistics={"mentions": s.mentions, "reach": s.reach, "share": s.share, "complaint_share": s.complaint_share},
        citations=quotes,
    )


def _research_items(store: Store, project: str) -> tuple[list[SwotItem], list[SwotItem], dict[str, str]]:
    opportunities: list[SwotItem] = []
    threats: list[SwotItem] = []
    texts: dict[str, str] = {}
    for rec in store.records(project):
        if rec.metadata.get("kind") != "research":
            continue
        texts[rec.id] = rec.text
        source = str(rec.metadata.get("title") or rec.metadata.get("source"))
        for a, b in split(rec.text, prose=True):
            sentence = rec.text[a:b]
            if sentence.lstrip().startswith("#") or len(sentence.split()) < 6:
                continue
            kind = classify(sentence)
            if kind is None:
                continue
            item = SwotItem(
                title=" ".join(sentence.split()[:9]).rstrip(",.;:") + ("…" if len(sentence.split()) > 9 else ""),
                description=" ".join(sentence.split()),
                source="research",
                source_title=source,
                citations=[Citation(record_id=rec.id, quote=sentence)],
            )
            (threats if kind == "threat" else opportunities).append(item)
    return opportunities, threats, texts


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


def _rewrite(
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
    wanted = sorted({r for name in ("strengths", "weaknesses") for i in sections[name] for r in members[i.theme_id]})
    member_texts = {rid: r.text for rid, r in store.get_records(project, wanted).items()} | texts
    renamed: dict[str, str] = {}
    for name in ("strengths", "weaknesses"):
        for item in sections[name]:
            own = {rid: member_texts[rid] for rid in members[item.theme_id] if rid in member_texts}
            own |= {c.record_id: texts[c.record_id] for c in item.citations}
            draft = ThemeNarrative(title=item.title, description=item.description, citations=item.citations)
            figures = figures_of(item.statistics) + figures_of([c.quote for c in item.citations])
            better = narrator.rewrite("SWOT analysis", name, draft, item.statistics, own, figures)
            renamed[item.title] = better.title
            item.title, item.description = better.title, better.description
            item.citations = merge_citations(item.citations, better.citations)
    reach = [float(w.statistics["reach"]) for w in sections["weaknesses"] if w.statistics]
    for action in actions:
        action.addresses = [renamed.get(a, a) for a in action.addresses]
        own = {c.record_id: texts[c.record_id] for c in action.citations}
        draft = ThemeNarrative(title=action.title, description=action.description, citations=action.citations)
        figures = reach + figures_of([c.quote for c in action.citations])
        better = narrator.rewrite("SWOT analysis", "actions", draft, {"addresses": action.addresses}, own, figures)
        action.title, action.description = better.title, better.description
        action.citations = merge_citations(action.citations, better.citations)


def build(store: Store, project: str, model: Model, *, filters: SearchFilter | None = None) -> Swot:
    report = analyze(store, project, filters=filters)
    pains = sorted((t for t in report.themes if is_pain(t)), key=lambda t: (-t.reach, t.id))
    praise = sorted((t for t in report.themes if not is_pain(t)), key=lambda t: (-t.reach, t.id))
    opportunities, threats, research_texts = _research_items(store, project)
    if not report.themes and not research_texts:
        raise CopilotError("no_evidence", f"project {project!r} has no feedback themes or research to build a SWOT")
    strengths = [_theme_item(t, "praise") for t in praise[:5]]
    weaknesses = [_theme_item(t, "raise") for t in pains[:6]]
    actions = _actions(weaknesses, threats + opportunities)
    cited = {c.record_id for i in strengths + weaknesses + opportunities + threats for c in i.citations}
    texts = {rid: r.text for rid, r in store.get_records(project, sorted(cited - research_texts.keys())).items()}
    texts.update(research_texts)
    verification = Verification()
    warnings: list[str] = []
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
    narrator = Narrator(model, verification, warnings)
    if model.can_generate:
        _rewrite(narrator, store, project, report.themes, kept, actions, texts)
    return Swot(
        project=project,
        engine_note=engine_note(model),
        rules=RULES,
        strengths=kept["strengths"],
        weaknesses=kept["weaknesses"],
        opportunities=kept["opportunities"],
        threats=kept["threats"],
        actions=actions,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(cited),
    )
