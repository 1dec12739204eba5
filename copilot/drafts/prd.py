"""A PRD for a topic or theme, from the evidence: problem, evidence, goals, non-goals, affected personas, user
stories with acceptance criteria, requirements (must, should, could), success metrics with baselines from the
data, risks, open questions and rollout. Every item cites records; the extractive engine writes the prose from
statistics and verbatim requests, and leaves targets to the PM.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import keep_verified, on_topic, pick_sentences, topic_words
from copilot.drafts.narrate import Narrator, engine_note, merge_citations
from copilot.drafts.pain_points import is_pain, theme_stats
from copilot.drafts.personas import WISH_RE
from copilot.drafts.schema import Prd, PrdItem, ThemeNarrative, UserStory
from copilot.drafts.swot import _research_items
from copilot.drafts.verify import Citation, Verification, figures_of
from copilot.errors import CopilotError
from copilot.llm.base import Model
from copilot.models import RecordPublic, SearchFilter
from copilot.store.chroma import Store
from copilot.store.search import search

# Sections a model words better than a template; the rest are quotes, figures or lists that stay as built.
REWRITTEN = ("problem", "goals", "requirements", "open_questions", "rollout")


def pick_theme(store: Store, project: str, themes: list[ThemePublic], topic: str | None) -> ThemePublic:
    """The theme a PRD is about: the one holding most records that match the topic, else the top pain point."""
    if not themes:
        raise CopilotError("no_evidence", f"project {project!r} has no themes to write a PRD from")
    if not topic:
        pains = [t for t in themes if is_pain(t)] or themes
        return max(pains, key=lambda t: (t.reach, t.id))
    hits = search(store, project, topic, k=50, filters=SearchFilter(feedback_only=True))
    ids = {h.id for h in hits}
    best = max(themes, key=lambda t: (len(ids & set(t.record_ids)), t.reach))
    if not ids & set(best.record_ids):
        raise CopilotError("no_evidence", f"no theme in project {project!r} matches the topic {topic!r}")
    return best


def _requests(texts: dict[str, str], keywords: list[str], limit: int) -> list[Citation]:
    """Requests in customers' own words that are about this theme (they share its key words)."""
    topic = topic_words(" ".join(keywords))
    return pick_sentences(texts.items(), lambda s: WISH_RE.search(s) and topic & topic_words(s), limit)


def _role_quote(members: dict[str, RecordPublic], role: str, keywords: list[str]) -> list[Citation]:
    """A sentence on the theme from a record of this role, so a persona item cites its own people."""
    own = [(rid, r.text) for rid, r in members.items() if r.metadata.get("role") == role]
    return pick_sentences(own, on_topic(keywords), 1, min_words=6)


def build(
    store: Store, project: str, model: Model, *, topic: str | None = None, filters: SearchFilter | None = None
) -> Prd:
    report = analyze(store, project, filters=filters)
    theme = pick_theme(store, project, report.themes, topic)
    s = theme_stats(theme)
    members = store.get_records(project, sorted({q.record_id for q in theme.quotes} | set(theme.record_ids[:300])))
    texts = {rid: r.text for rid, r in members.items()}
    quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes]
    requests = _requests(texts, theme.keywords, 6)
    label = theme.label
    share = f"{s.share * 100:.1f}%"

    problem = PrdItem(
        title=f"Customers struggle with {label}",
        text=(
            f"{s.reach} customers raise {label} in {s.mentions} feedback records ({share} of all feedback). "
            f"{s.complaint_share * 100:.1f}% of these records are complaints, and the share is {s.trend} "
            "over the period."
        ),
        citations=quotes[:3],
    )
    goals = [
        PrdItem(title=f"Meet the request in {c.record_id}", text=f"Customers ask: “{c.quote}”", citations=[c])
        for c in requests[:3]
    ]
    others = [t for t in report.themes if t.id != theme.id and is_pain(t)][:3]
    non_goals = [
        PrdItem(
            title=f"Not in scope: {t.label}",
            text=f"{t.label} is a separate pain point ({t.mentions} records) with its own PRD.",
            statistics={"mentions": t.mentions},
            citations=[Citation(record_id=t.quotes[0].record_id, quote=t.quotes[0].text)],
        )
        for t in others
        if t.quotes
    ]
    roles = sorted(
        (r for r in theme.segments.get("role", []) if r.mentions >= 5 and r.lift >= 1.1), key=lambda r: -r.lift
    )[:3]
    personas = [
        PrdItem(
            title=r.value,
            text=f"{r.mentions} of their records mention it, {r.lift:.1f} times the overall share.",
            statistics={"mentions": r.mentions, "lift": r.lift},
            citations=_role_quote(members, r.value, theme.keywords) or quotes[:1],
        )
        for r in roles
    ]
    subs = theme.subthemes
    total = sum(x.mentions for x in subs) or 1
    requirements: list[PrdItem] = []
    for sub in subs[:6]:
        weight = sub.mentions / total
        priority = "must" if weight >= 0.25 else "should" if weight >= 0.1 else "could"
        cite = next(iter(pick_sentences(texts.items(), on_topic(sub.keywords[:3]), 1, min_words=5)), quotes[0])
        requirements.append(
            PrdItem(
                title=f"{priority.upper()}: address {sub.label}",
                priority=priority,
                text=f"{sub.mentions} records raise {sub.label}.",
                statistics={"mentions": sub.mentions, "share_of_theme": round(weight, 4)},
                citations=[cite],
            )
        )
    stories = [
        UserStory(
            as_a=(roles[0].value if roles else "customer"),
            i_want=c.quote,
            so_that=f"{label} stops costing me time",
            acceptance_criteria=[
                f"The request quoted from {c.record_id} is met, and checked with that customer",
                f"A follow-up survey shows fewer complaints about {label}",
            ],
            citations=[c],
        )
        for c in requests[:5]
    ]
    metrics = [
        PrdItem(
            title="Share of feedback about it",
            text=f"Baseline {share} of all feedback (95% interval {s.share_ci[0] * 100:.1f}% to "
            f"{s.share_ci[1] * 100:.1f}%); target set by the PM.",
            citations=quotes[:1],
        ),
        PrdItem(
            title="Complaint share",
            text=f"Baseline {s.complaint_share * 100:.1f}% of its records are complaints; target set by the PM.",
            citations=quotes[:1],
        ),
    ]
    if s.detractor_share is not None:
        metrics.append(
            PrdItem(
                title="Detractors among those raising it",
                text=f"Baseline {s.detractor_share * 100:.1f}%; target set by the PM.",
                citations=quotes[:1],
            )
        )
    risks: list[PrdItem] = []
    opportunities, threats, research = _research_items(store, project)
    wanted = topic_words(" ".join(theme.keywords) + " " + " ".join(q.quote for q in quotes))
    for item in sorted(threats, key=lambda i: -len(wanted & topic_words(i.description)))[:2]:
        if len(wanted & topic_words(item.description)) >= 2:
            risks.append(PrdItem(title="Competitive pressure", text=item.description, citations=item.citations))
    if s.trend == "growing":
        risks.append(
            PrdItem(
                title="It is getting worse",
                text=f"The share of feedback about {label} is growing.",
                citations=quotes[:1],
            )
        )
    questions = [
        PrdItem(
            title=f"Why does {k.value} over-index?",
            text=f"{k.value} ({k.column.replace('_', ' ')}) raises it {k.lift:.1f} times as often as "
            "everyone: is the cause different there?",
            statistics={"lift": k.lift},
            citations=quotes[:1],
        )
        for k in s.over_indexes[:2]
    ]
    rollout = [
        PrdItem(
            title="Start where it hurts most",
            text=(
                f"Pilot with {s.over_indexes[0].value} ({s.over_indexes[0].column.replace('_', ' ')}), "
                f"where it is {s.over_indexes[0].lift:.1f} times as common, then roll out to everyone."
                if s.over_indexes
                else "Roll out to everyone, watching the complaint share."
            ),
            statistics={"lift": s.over_indexes[0].lift} if s.over_indexes else None,
            citations=quotes[:1],
        )
    ]

    all_texts = (
        texts
        | research
        | {c.record_id: store.get_record(project, c.record_id).text for item in non_goals for c in item.citations}
    )
    figures = figures_of(s)
    verification = Verification()
    warnings: list[str] = []
    sections = {
        "problem": [problem],
        "goals": goals,
        "non_goals": non_goals,
        "personas": personas,
        "requirements": requirements,
        "success_metrics": metrics,
        "risks": risks,
        "open_questions": questions,
        "rollout": rollout,
    }

    def item_figures(item: PrdItem) -> list[float]:
        # An item's numbers come from the theme's statistics, its own, or the document it quotes.
        return figures + figures_of(item.statistics) + figures_of([c.quote for c in item.citations])

    kept = keep_verified(sections, lambda i: f"{i.title} {i.text}", all_texts, item_figures, verification, warnings)
    stories = keep_verified(
        {"user stories": stories}, lambda st: st.so_that, all_texts, lambda st: figures, verification, warnings
    )["user stories"]
    narrator = Narrator(model, verification, warnings)
    if model.can_generate:
        facts = {
            "theme": label,
            "statistics": s.model_dump(),
            "subthemes": [{"label": x.label, "mentions": x.mentions} for x in subs[:6]],
        }
        for name in REWRITTEN:
            for item in kept[name]:
                own = texts | {c.record_id: all_texts[c.record_id] for c in item.citations}
                draft = ThemeNarrative(title=item.title, description=item.text, citations=item.citations)
                better = narrator.rewrite("PRD", name.replace("_", " "), draft, facts, own, item_figures(item))
                item.title, item.text = better.title, better.description
                item.citations = merge_citations(item.citations, better.citations)
    evidence = {c.record_id for items in kept.values() for i in items for c in i.citations}
    return Prd(
        project=project,
        topic=topic,
        theme_id=theme.id,
        title=f"PRD: {label}",
        engine_note=engine_note(model),
        statistics=s,
        problem=kept["problem"],
        goals=kept["goals"],
        non_goals=kept["non_goals"],
        personas=kept["personas"],
        user_stories=stories,
        requirements=kept["requirements"],
        success_metrics=kept["success_metrics"],
        risks=kept["risks"],
        open_questions=kept["open_questions"],
        rollout=kept["rollout"],
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(evidence),
    )


def stories_csv(prd: Prd) -> str:
    """User stories as CSV that Jira and Linear import (Summary, Description, Issue Type, Labels)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Summary", "Description", "Issue Type", "Labels", "Acceptance Criteria"])
    for story in prd.user_stories:
        summary = f"As a {story.as_a}, I want: {' '.join(story.i_want.split())}"[:250]
        cites = ", ".join(c.record_id for c in story.citations)
        description = f"{summary}, so that {story.so_that}.\n\nEvidence: {cites}"
        w.writerow([summary, description, "Story", "pm-copilot", "\n".join(story.acceptance_criteria)])
    return buf.getvalue()


def write_stories(prd: Prd, path: Path) -> None:
    path.write_text(stories_csv(prd), encoding="utf-8")
