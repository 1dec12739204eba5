"""A PRD for a pain theme, from the evidence: a problem statement with its figures, hypotheses, goals as
measurable outcomes with baselines from the data, non-goals that are other pains, the segments it hurts most, user
stories written from request sentences, requirements named in product language and ranked by reach and severity,
risks and open questions from the evidence, and a rollout. Every item cites records; a section with no evidence
says what evidence is missing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.schema import ThemePublic, ThemesReport, ThemeStats
from copilot.analysis.themes import analyze
from copilot.drafts import research
from copilot.drafts.evidence import keep_verified, topic_words
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.kinds import _prd_sections as sections
from copilot.drafts.kinds import _prd_stories as stories
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.readiness import restates_complaint
from copilot.drafts.render import footer, head, markdown_text, quote, stats_table
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import search

# Sections a model words better than a template; the rest are quotes, figures or lists that stay as built.
REWRITTEN = ("problem", "hypotheses", "goals", "requirements", "open_questions", "rollout")
SECTIONS = (
    "problem",
    "hypotheses",
    "goals",
    "non_goals",
    "personas",
    "user_stories",
    "requirements",
    "risks",
    "open_questions",
    "rollout",
)
# What a section needs when it has nothing to show: the PM reads why, not an empty heading.
MISSING = {
    "hypotheses": "no sub-causes were found in this theme, and the data has no NPS to size it",
    "non_goals": "no other pain theme is distinct from this one",
    "personas": "no segment column (role, plan, segment, company size) over-represents this pain; add such columns "
    "to the data to see who it hurts most",
    "user_stories": "no customer on this topic asks for something in so many words; stories are written from "
    "request sentences",
    "requirements": "no sub-causes were found to name requirements after",
    "risks": "no counter-evidence, thin segment skews, instability, growth or market research on this topic",
    "open_questions": "nothing in the evidence leaves a question open",
}


class PrdItem(BaseModel):
    title: str
    text: str
    priority: Literal["must", "should", "could"] | None = None
    statistics: dict[str, float] | None = Field(None, description="The item's own figures, besides the theme's.")
    citations: list[Citation]


class UserStory(BaseModel):
    as_a: str
    i_want: str = Field(description="The capability the cited request sentence asks for.")
    so_that: str
    acceptance_criteria: list[str]
    citations: list[Citation] = Field(description="The request sentence the story is written from.")

    @property
    def title(self) -> str:
        return f"As {_article(self.as_a)} {self.as_a}, I want {self.i_want[:60]}"


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


class Prd(DraftDocument):
    kind: Literal["prd"] = "prd"
    topic: str | None
    theme_id: str
    title: str
    statistics: ThemeStats
    problem: list[PrdItem]
    hypotheses: list[PrdItem]
    goals: list[PrdItem]
    non_goals: list[PrdItem]
    personas: list[PrdItem]
    user_stories: list[UserStory]
    requirements: list[PrdItem]
    risks: list[PrdItem]
    open_questions: list[PrdItem]
    rollout: list[PrdItem]


def pick_theme(store: Store, project: str, themes: list[ThemePublic], topic: str | None) -> ThemePublic:
    """The pain theme a PRD is about: the one holding most records that match the topic, else the top pain."""
    pains = [t for t in themes if t.pain] or themes
    if not pains:
        raise CopilotError(ErrorCode.no_evidence, f"project {project!r} has no themes to write a PRD from")
    if not topic:
        return max(pains, key=lambda t: (t.reach, t.id))
    hits = search(store, project, topic, k=50, filters=SearchFilter(feedback_only=True))
    ids = {h.id for h in hits}
    best = max(pains, key=lambda t: (len(ids & set(t.record_ids)), t.reach))
    if not ids & set(best.record_ids):
        raise CopilotError(ErrorCode.no_evidence, f"no pain theme in project {project!r} matches the topic {topic!r}")
    return best


def _risks_from_research(
    store: Store, project: str, theme: ThemePublic, quotes: list[Citation]
) -> tuple[list[PrdItem], dict[str, str]]:
    found, texts = research.findings(store, project)
    wanted = topic_words(" ".join(theme.keywords) + " " + " ".join(q.quote for q in quotes))
    threats = sorted((f for f in found if f.kind == "threat"), key=lambda f: -len(wanted & topic_words(f.sentence)))
    items = [
        PrdItem(title="Competitive pressure", text=f.sentence, citations=[f.citation])
        for f in threats[:2]
        if len(wanted & topic_words(f.sentence)) >= 2
    ]
    return items, texts


def _sections(ev: sections.Evidence, report: ThemesReport, research_risks: list[PrdItem]) -> dict[str, list[Any]]:
    theme = ev.theme
    praise = next((t for t in report.themes if t.topic_id == theme.topic_id and t.side == "praise"), None)
    return {
        "problem": sections.problem(PrdItem, ev),
        "hypotheses": sections.hypotheses(PrdItem, ev),
        "goals": sections.goals(PrdItem, ev),
        "non_goals": sections.non_goals(PrdItem, theme, report.themes),
        "personas": sections.personas(PrdItem, ev),
        "requirements": sections.requirements(PrdItem, ev),
        "risks": stories.risks(PrdItem, ev, praise, research_risks),
        "open_questions": stories.open_questions(PrdItem, ev),
        "rollout": stories.rollout(PrdItem, ev),
    }


def build(ctx: DraftContext) -> Prd:
    store, project = ctx.store, ctx.project
    report = analyze(store, project, filters=ctx.filters)
    theme = pick_theme(store, project, report.themes, ctx.topic)
    members = store.get_records(project, sorted({q.record_id for q in theme.quotes} | set(theme.record_ids[:300])))
    ev = sections.Evidence(theme, members, sections.opening_quotes(theme))
    risks, research_texts = _risks_from_research(store, project, theme, ev.quotes)
    built = _sections(ev, report, risks)
    written = stories.user_stories(UserStory, ev)
    cited = [c.record_id for items in [*built.values(), written] for item in items for c in item.citations]
    texts = {rid: r.text for rid, r in members.items()}
    all_texts = texts | research_texts | {rid: r.text for rid, r in store.get_records(project, cited).items()}
    figures = figures_of(theme.stats)
    verification, warnings = Verification(), list[str]()

    def item_figures(item: PrdItem) -> list[float]:
        # An item's numbers come from the theme's statistics, its own, or the document it quotes.
        return figures + figures_of(item.statistics) + figures_of([c.quote for c in item.citations])

    kept = keep_verified(built, lambda i: f"{i.title} {i.text}", all_texts, item_figures, verification, warnings)
    user_stories = keep_verified(
        {"user stories": written},
        lambda st: f"{st.i_want} {st.so_that}",
        all_texts,
        lambda st: figures,
        verification,
        warnings,
    )["user stories"]
    narrator = Narrator(ctx.model, verification, warnings)
    if ctx.model.can_generate:
        _reword(narrator, theme, kept, texts, all_texts, item_figures)
    evidence = {c.record_id for items in kept.values() for i in items for c in i.citations}
    return Prd(
        project=project,
        topic=ctx.topic,
        theme_id=theme.id,
        title=f"PRD: {theme.label}",
        engine_note=engine_note(ctx.model),
        statistics=theme.stats,
        user_stories=user_stories,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(evidence),
        **kept,
    )


def _reword(
    narrator: Narrator,
    theme: ThemePublic,
    kept: dict[str, list[PrdItem]],
    texts: dict[str, str],
    all_texts: dict[str, str],
    item_figures: Any,
) -> None:
    facts = {
        "theme": theme.label,
        "statistics": theme.stats.model_dump(),
        "subthemes": [{"label": x.label, "mentions": x.mentions} for x in theme.subthemes[:6]],
    }
    for name in REWRITTEN:
        for item in kept[name]:
            own = texts | {c.record_id: all_texts[c.record_id] for c in item.citations}
            draft = ThemeNarrative(title=item.title, description=item.text, citations=item.citations)
            request = rewrite_request("PRD", name.replace("_", " "), draft, facts, own, item_figures(item))
            better = narrator.narrate(request, own)
            if better is not None:
                item.title, item.text = better.item.title, better.item.description
                item.citations = merge_citations(item.citations, better.item.citations)


def _items(title: str, name: str, items: list[PrdItem], quotes: bool = False) -> list[str]:
    lines = [f"## {title}", ""]
    if not items:
        return lines + [f"_No evidence: {MISSING[name]}._", ""]
    for i in items:
        lines.append(f"- **{markdown_text(i.title)}**: {markdown_text(i.text)}")
        if quotes:
            lines += [f"  {quote(c)}" for c in i.citations]
    return lines + [""]


def _stories(d: Prd) -> list[str]:
    lines = ["## User stories", ""]
    if not d.user_stories:
        return lines + [f"_No evidence: {MISSING['user_stories']}._", ""]
    for st in d.user_stories:
        c = st.citations[0]
        lines += [
            f"- As {_article(st.as_a)} {markdown_text(st.as_a)}, I want {markdown_text(st.i_want)}, so that "
            f"{markdown_text(st.so_that)}.",
            f"  - Asked in `{c.record_id}`: “{markdown_text(c.quote)}”",
            *[f"  - [ ] {markdown_text(a)}" for a in st.acceptance_criteria],
        ]
    return lines + [""]


def markdown(d: Prd) -> str:
    lines = head(markdown_text(d.title), d)
    if d.topic:
        lines += [f"Topic asked for: “{markdown_text(d.topic)}” (theme `{d.theme_id}`).", ""]
    lines += ["## Problem", ""] + [markdown_text(i.text) for i in d.problem] + [""]
    lines += ["## Evidence", "", *stats_table(d.statistics)]
    lines += [x for i in d.problem for c in i.citations for x in (quote(c), "")]
    lines += _items("Hypotheses", "hypotheses", d.hypotheses)
    lines += _items("Goals", "goals", d.goals)
    lines += _items("Non-goals", "non_goals", d.non_goals)
    lines += _items("Who it hurts most", "personas", d.personas)
    lines += _stories(d)
    lines += _items("Requirements (ranked by reach × severity)", "requirements", d.requirements)
    lines += _items("Risks", "risks", d.risks, quotes=True)
    lines += _items("Open questions", "open_questions", d.open_questions, quotes=True)
    lines += _items("Rollout", "rollout", d.rollout)
    return "\n".join(lines + footer(d))


def metrics(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """Completeness: sections present, non-empty and cited. Stories restating a complaint: wants that are a
    customer's complaint pasted in rather than a capability."""
    complete = [s for s in SECTIONS if doc.get(s) and all(i["citations"] for i in doc[s])]
    missing = [s for s in SECTIONS if s not in complete]
    detail = f"{len(complete)} of {len(SECTIONS)} sections present, non-empty and cited" + (
        f"; without evidence: {', '.join(missing)}" if missing else ""
    )
    pasted = [
        st["i_want"]
        for st in doc["user_stories"]
        if restates_complaint(st["i_want"], [c["quote"] for c in st["citations"]])
    ]
    return [
        Score("completeness", len(complete) / len(SECTIONS), detail),
        Score("stories_restating_complaints", len(pasted), "; ".join(w[:60] for w in pasted[:3])),
    ]


KIND = DraftKind(
    name="prd",
    title="PRD",
    summary="A product requirements document for a topic, from the evidence: problem to rollout.",
    words=("product requirements", "requirements doc", "spec"),
    schema=Prd,
    build=build,
    markdown=markdown,
    inputs=frozenset({"topic"}),
    exports={".csv": stories.stories_csv},
    metrics=metrics,
)
