"""The sections of a PRD as code builds them from one theme's evidence, one small function per section.

Kept apart from prd.py (the kind's declaration, schema and rendering) so each stays short; the item classes are
passed in to avoid an import cycle with the kind module that declares them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from copilot.analysis.schema import ThemePublic, ThemeStats
from copilot.drafts.evidence import WISH_RE, on_topic, pick_sentences, topic_words
from copilot.drafts.verify import Citation
from copilot.models import RecordPublic


@dataclass
class Sections:
    items: dict[str, list[Any]]
    stories: list[Any]


def _requests(texts: dict[str, str], keywords: list[str], limit: int) -> list[Citation]:
    """Requests in customers' own words that are about this theme (they share its key words)."""
    topic = topic_words(" ".join(keywords))
    return pick_sentences(texts.items(), lambda s: WISH_RE.search(s) and topic & topic_words(s), limit)


def _role_quote(members: dict[str, RecordPublic], role: str, keywords: list[str]) -> list[Citation]:
    """A sentence on the theme from a record of this role, so a persona item cites its own people."""
    own = [(rid, r.text) for rid, r in members.items() if r.metadata.get("role") == role]
    return pick_sentences(own, on_topic(keywords), 1, min_words=6)


def _problem(item: Any, label: str, s: ThemeStats, quotes: list[Citation]) -> list[Any]:
    return [
        item(
            title=f"Customers struggle with {label}",
            text=(
                f"{s.reach} customers raise {label} in {s.mentions} feedback records ({s.share * 100:.1f}% of all "
                f"feedback). {s.complaint_share * 100:.1f}% of these records are complaints, and the share is "
                f"{s.trend} over the period."
            ),
            citations=quotes[:3],
        )
    ]


def _non_goals(item: Any, others: list[ThemePublic]) -> list[Any]:
    return [
        item(
            title=f"Not in scope: {t.label}",
            text=f"{t.label} is a separate pain point ({t.mentions} records) with its own PRD.",
            statistics={"mentions": t.mentions},
            citations=[Citation(record_id=t.quotes[0].record_id, quote=t.quotes[0].text)],
        )
        for t in others
        if t.quotes
    ]


def _personas(item: Any, theme: ThemePublic, members: dict[str, RecordPublic], quotes: list[Citation]) -> list[Any]:
    rows = theme.segments.get("role", [])
    roles = sorted((r for r in rows if r.mentions >= 5 and r.lift >= 1.1), key=lambda r: -r.lift)[:3]
    return [
        item(
            title=r.value,
            text=f"{r.mentions} of their records mention it, {r.lift:.1f} times the overall share.",
            statistics={"mentions": r.mentions, "lift": r.lift},
            citations=_role_quote(members, r.value, theme.keywords) or quotes[:1],
        )
        for r in roles
    ]


def _requirements(item: Any, theme: ThemePublic, texts: dict[str, str], quotes: list[Citation]) -> list[Any]:
    total = sum(x.mentions for x in theme.subthemes) or 1
    out = []
    for sub in theme.subthemes[:6]:
        weight = sub.mentions / total
        priority = "must" if weight >= 0.25 else "should" if weight >= 0.1 else "could"
        cite = next(iter(pick_sentences(texts.items(), on_topic(sub.keywords[:3]), 1, min_words=5)), quotes[0])
        out.append(
            item(
                title=f"{priority.upper()}: address {sub.label}",
                priority=priority,
                text=f"{sub.mentions} records raise {sub.label}.",
                statistics={"mentions": sub.mentions, "share_of_theme": round(weight, 4)},
                citations=[cite],
            )
        )
    return out


def _metrics(item: Any, s: ThemeStats, quotes: list[Citation]) -> list[Any]:
    out = [
        item(
            title="Share of feedback about it",
            text=f"Baseline {s.share * 100:.1f}% of all feedback (95% interval {s.share_ci[0] * 100:.1f}% to "
            f"{s.share_ci[1] * 100:.1f}%); target set by the PM.",
            citations=quotes[:1],
        ),
        item(
            title="Complaint share",
            text=f"Baseline {s.complaint_share * 100:.1f}% of its records are complaints; target set by the PM.",
            citations=quotes[:1],
        ),
    ]
    if s.detractor_share is not None:
        out.append(
            item(
                title="Detractors among those raising it",
                text=f"Baseline {s.detractor_share * 100:.1f}%; target set by the PM.",
                citations=quotes[:1],
            )
        )
    return out


def _questions(item: Any, s: ThemeStats, quotes: list[Citation]) -> list[Any]:
    return [
        item(
            title=f"Why does {k.value} over-index?",
            text=f"{k.value} ({k.column.replace('_', ' ')}) raises it {k.lift:.1f} times as often as "
            "everyone: is the cause different there?",
            statistics={"lift": k.lift},
            citations=quotes[:1],
        )
        for k in s.over_indexes[:2]
    ]


def _rollout(item: Any, s: ThemeStats, quotes: list[Citation]) -> list[Any]:
    top = s.over_indexes[0] if s.over_indexes else None
    return [
        item(
            title="Start where it hurts most",
            text=(
                f"Pilot with {top.value} ({top.column.replace('_', ' ')}), where it is {top.lift:.1f} times as "
                "common, then roll out to everyone."
                if top
                else "Roll out to everyone, watching the complaint share."
            ),
            statistics={"lift": top.lift} if top else None,
            citations=quotes[:1],
        )
    ]


def build_sections(
    theme: ThemePublic,
    members: dict[str, RecordPublic],
    quotes: list[Citation],
    others: list[ThemePublic],
    risks: list[Any],
    item: Any,
    story: Any,
) -> Sections:
    s, label = theme.stats, theme.label
    texts = {rid: r.text for rid, r in members.items()}
    requests = _requests(texts, theme.keywords, 6)
    roles = [r for r in theme.segments.get("role", []) if r.mentions >= 5 and r.lift >= 1.1]
    as_a = max(roles, key=lambda r: r.lift).value if roles else "customer"
    goals = [
        item(title=f"Meet the request in {c.record_id}", text=f"Customers ask: “{c.quote}”", citations=[c])
        for c in requests[:3]
    ]
    if s.trend == "growing":
        risks = [
            *risks,
            item(
                title="It is getting worse",
                text=f"The share of feedback about {label} is growing.",
                citations=quotes[:1],
            ),
        ]
    stories = [
        story(
            as_a=as_a,
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
    items = {
        "problem": _problem(item, label, s, quotes),
        "goals": goals,
        "non_goals": _non_goals(item, others),
        "personas": _personas(item, theme, members, quotes),
        "requirements": _requirements(item, theme, texts, quotes),
        "success_metrics": _metrics(item, s, quotes),
        "risks": risks,
        "open_questions": _questions(item, s, quotes),
        "rollout": _rollout(item, s, quotes),
    }
    return Sections(items, stories)


def stories_csv(prd: Any) -> str:
    """User stories as CSV that Jira and Linear import (Summary, Description, Issue Type, Labels)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Summary", "Description", "Issue Type", "Labels", "Acceptance Criteria"])
    for st in prd.user_stories:
        summary = f"As a {st.as_a}, I want: {' '.join(st.i_want.split())}"[:250]
        cites = ", ".join(c.record_id for c in st.citations)
        description = f"{summary}, so that {st.so_that}.\n\nEvidence: {cites}"
        w.writerow([summary, description, "Story", "pm-copilot", "\n".join(st.acceptance_criteria)])
    return buf.getvalue()
