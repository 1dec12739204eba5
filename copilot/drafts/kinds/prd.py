"""A PRD for a topic or theme, from the evidence: problem, evidence, goals, non-goals, affected personas, user
stories with acceptance criteria, requirements (must, should, could), success metrics with baselines from the
data, risks, open questions and rollout. Every item cites records; the extractive engine writes the prose from
statistics and verbatim requests, and leaves targets to the PM.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.schema import ThemePublic, ThemeStats
from copilot.analysis.themes import analyze
from copilot.drafts import research
from copilot.drafts.evidence import keep_verified, topic_words
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.kinds._prd_sections import build_sections, stories_csv
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head, pct, quote
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import search

# Sections a model words better than a template; the rest are quotes, figures or lists that stay as built.
REWRITTEN = ("problem", "goals", "requirements", "open_questions", "rollout")
SECTIONS = (
    "problem",
    "goals",
    "non_goals",
    "personas",
    "user_stories",
    "requirements",
    "success_metrics",
    "risks",
    "open_questions",
    "rollout",
)


class PrdItem(BaseModel):
    title: str
    text: str
    priority: Literal["must", "should", "could"] | None = None
    statistics: dict[str, float] | None = Field(None, description="The item's own figures, besides the theme's.")
    citations: list[Citation]


class UserStory(BaseModel):
    as_a: str
    i_want: str = Field(description="A customer's own words, verbatim from the cited record.")
    so_that: str
    acceptance_criteria: list[str]
    citations: list[Citation]

    @property
    def title(self) -> str:
        return f"As a {self.as_a}, I want: {self.i_want[:60]}"


class Prd(DraftDocument):
    kind: Literal["prd"] = "prd"
    topic: str | None
    theme_id: str
    title: str
    statistics: ThemeStats
    problem: list[PrdItem]
    goals: list[PrdItem]
    non_goals: list[PrdItem]
    personas: list[PrdItem]
    user_stories: list[UserStory]
    requirements: list[PrdItem]
    success_metrics: list[PrdItem]
    risks: list[PrdItem]
    open_questions: list[PrdItem]
    rollout: list[PrdItem]


def pick_theme(store: Store, project: str, themes: list[ThemePublic], topic: str | None) -> ThemePublic:
    """The theme a PRD is about: the one holding most records that match the topic, else the top pain point."""
    if not themes:
        raise CopilotError(ErrorCode.no_evidence, f"project {project!r} has no themes to write a PRD from")
    if not topic:
        pains = [t for t in themes if t.pain] or themes
        return max(pains, key=lambda t: (t.reach, t.id))
    hits = search(store, project, topic, k=50, filters=SearchFilter(feedback_only=True))
    ids = {h.id for h in hits}
    best = max(themes, key=lambda t: (len(ids & set(t.record_ids)), t.reach))
    if not ids & set(best.record_ids):
        raise CopilotError(ErrorCode.no_evidence, f"no theme in project {project!r} matches the topic {topic!r}")
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


def build(ctx: DraftContext) -> Prd:
    store, project = ctx.store, ctx.project
    report = analyze(store, project, filters=ctx.filters)
    theme = pick_theme(store, project, report.themes, ctx.topic)
    members = store.get_records(project, sorted({q.record_id for q in theme.quotes} | set(theme.record_ids[:300])))
    texts = {rid: r.text for rid, r in members.items()}
    quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes]
    risks, research_texts = _risks_from_research(store, project, theme, quotes)
    others = [t for t in report.themes if t.id != theme.id and t.pain][:3]
    sections = build_sections(theme, members, quotes, others, risks, PrdItem, UserStory)
    non_goal_ids = [c.record_id for item in sections.items["non_goals"] for c in item.citations]
    all_texts = texts | research_texts | {rid: r.text for rid, r in store.get_records(project, non_goal_ids).items()}
    figures = figures_of(theme.stats)
    verification, warnings = Verification(), list[str]()

    def item_figures(item: PrdItem) -> list[float]:
        # An item's numbers come from the theme's statistics, its own, or the document it quotes.
        return figures + figures_of(item.statistics) + figures_of([c.quote for c in item.citations])

    kept = keep_verified(
        sections.items, lambda i: f"{i.title} {i.text}", all_texts, item_figures, verification, warnings
    )
    stories = keep_verified(
        {"user stories": sections.stories}, lambda st: st.so_that, all_texts, lambda st: figures, verification, warnings
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
        user_stories=stories,
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


def markdown(d: Prd) -> str:
    s = d.statistics
    lines = head(d.title, d)
    if d.topic:
        lines += [f"Topic asked for: {d.topic!r} (theme `{d.theme_id}`).", ""]
    lines += ["## Problem", ""] + [f"{i.text}" for i in d.problem] + [""]
    lines += [
        "## Evidence",
        "",
        "| mentions | reach | share (95% CI) | trend | complaints |",
        "| ---: | ---: | ---: | --- | ---: |",
        f"| {s.mentions:,} | {s.reach:,} | {pct(s.share)} ({pct(s.share_ci[0])}–{pct(s.share_ci[1])}) | "
        f"{s.trend} | {pct(s.complaint_share)} |",
        "",
    ]
    lines += [x for i in d.problem for c in i.citations for x in (quote(c), "")]
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
    return "\n".join(lines + footer(d))


def completeness(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    complete = [s for s in SECTIONS if doc.get(s) and all(i["citations"] for i in doc[s])]
    missing = [s for s in SECTIONS if s not in complete]
    detail = f"{len(complete)} of {len(SECTIONS)} sections present, non-empty and cited" + (
        f"; incomplete: {', '.join(missing)}" if missing else ""
    )
    return [Score("completeness", len(complete) / len(SECTIONS), detail)]


KIND = DraftKind(
    name="prd",
    title="PRD",
    summary="A product requirements document for a topic, from the evidence: problem to rollout.",
    words=("product requirements", "requirements doc", "spec"),
    schema=Prd,
    build=build,
    markdown=markdown,
    inputs=frozenset({"topic"}),
    exports={".csv": stories_csv},
    metrics=completeness,
)
