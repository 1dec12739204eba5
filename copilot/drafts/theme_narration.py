"""Themes told in words, for the pain-point summary and the survey report alike: one title and narrative per
theme, then one executive summary over them. The words differ only by audience (feedback or a survey question);
the statistics, the extractive wording, the prompts and the verification are the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from copilot.analysis.labels import in_sentence
from copilot.analysis.schema import ThemePublic, ThemeStats
from copilot.drafts.narrate import Request
from copilot.drafts.schema import ExecutiveSummary, ThemeNarrative
from copilot.drafts.verify import Citation, figures_of


@dataclass(frozen=True)
class Audience:
    """Whose words a narration reports, in the nouns its sentences use."""

    source: str  # what the prompt says the evidence is
    topics: str = "pain points"
    records: str = "feedback records"
    people: str = "customers"
    whole: str = "all feedback"


FEEDBACK = Audience("customer feedback: tickets, reviews, survey and NPS answers, interview notes")


def survey(question: str | None) -> Audience:
    asked = f"answers to the survey question {question!r}" if question else "answers to an open-ended survey question"
    return Audience(asked, "themes", "responses", "respondents", "the answers to this question")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def extractive_text(label: str, s: ThemeStats, audience: Audience = FEEDBACK) -> tuple[str, str]:
    """Title and description from the statistics alone, so every number in them is a computed figure."""
    parts = [
        f"{s.mentions} {audience.records} from {s.reach} {audience.people} mention {label} "
        f"({_pct(s.share)} of {audience.whole}; {s.interval_level:.0%} interval {_pct(s.share_ci[0])} to "
        f"{_pct(s.share_ci[1])})."
    ]
    if s.trend in ("growing", "fading"):
        parts.append(f"Its share is {s.trend} over the period (trend test, p < {s.significance_level}).")
    elif s.trend == "stable":
        parts.append("Its share holds steady over the period.")
    parts.append(f"{_pct(s.complaint_share)} of these {audience.records} are complaints.")
    if s.over_indexes:
        top = s.over_indexes[0]
        parts.append(
            f"It over-indexes in {top.value} ({top.column.replace('_', ' ')}), at {top.lift:.1f} times the "
            "overall share."
        )
    if s.churn_intent:
        talk = "of them talks" if s.churn_intent == 1 else "of them talk"
        parts.append(f"{s.churn_intent} {talk} about leaving or switching.")
    if s.customers_with_mrr:
        parts.append(
            f"{audience.people.capitalize()} raising it account for ${s.mrr_at_stake:,.2f} in monthly revenue."
        )
    return label[:1].upper() + label[1:], " ".join(parts)


def why_it_matters(s: ThemeStats, audience: Audience = FEEDBACK) -> list[str]:
    """Why a PM should care, one computed figure per line: reach, detraction, NPS, leaving, revenue, trend."""
    lines = [
        f"Reaches {s.reach} {audience.people}: {_pct(s.share)} of {audience.whole} "
        f"({s.interval_level:.0%} interval {_pct(s.share_ci[0])} to {_pct(s.share_ci[1])})."
    ]
    if s.share_of_detractors:
        lines.append(f"Raised by {_pct(s.share_of_detractors)} of all detractors.")
    if s.nps_impact is not None and s.nps_impact < 0:
        lines.append(f"NPS would be {abs(s.nps_impact):.1f} points higher without the {audience.people} raising it.")
    if s.churn_intent:
        lines.append(f"{s.churn_intent} of them say they may leave or switch.")
    if s.customers_with_mrr:
        lines.append(f"{audience.people.capitalize()} raising it hold ${s.mrr_at_stake:,.0f} in monthly revenue.")
    if s.trend in ("growing", "fading"):
        lines.append(f"Its share is {s.trend} (trend test, p < {s.significance_level}, adjusted for every theme).")
    return lines


def _narrative_prose(n: ThemeNarrative) -> tuple[str, list[Citation]]:
    return f"{n.title} {n.description}", n.citations


def theme_request(theme: ThemePublic, audience: Audience, quotes: int = 5, key: str | None = None) -> Request:
    """The narration of one theme: its extractive wording as the draft, its quotes then its records as evidence."""
    title, description = extractive_text(theme.label, theme.stats, audience)
    cited = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes[:quotes]]
    return Request(
        prompt="theme_narrative",
        values={
            "audience": audience.source,
            "label": theme.label,
            "statistics": json.dumps(theme.stats.model_dump(), indent=1),
        },
        draft=ThemeNarrative(title=title, description=description, citations=cited),
        evidence_ids=[q.record_id for q in theme.quotes] + list(theme.record_ids),
        figures=figures_of([theme.stats, theme.label]),  # a number in its name ("team 30") is a name
        prose=_narrative_prose,
        label=theme.label,
        key=key,
    )


@dataclass(frozen=True)
class Told:
    """A theme as narrated: what the executive summary reduces over."""

    title: str
    stats: ThemeStats
    citations: list[Citation]


def _summary_prose(x: ExecutiveSummary) -> tuple[str, list[Citation]]:
    return x.text, x.citations


def executive_request(items: list[Told], audience: Audience, key: str | None = None) -> Request:
    """The reduce step: one summary over themes already verified one by one, checked against all their figures."""
    top = items[:3]
    listing = "; ".join(
        f"{in_sentence(t.title)} ({t.stats.reach} {audience.people}, {_pct(t.stats.share)})" for t in top
    )
    growing = [in_sentence(t.title) for t in items if t.stats.trend == "growing"][:3]
    text = f"The {audience.topics} reaching the most {audience.people} are {listing}."
    if growing:
        text += f" Growing over the period: {', '.join(growing)}."
    draft = ExecutiveSummary(text=text, citations=[t.citations[0] for t in top if t.citations])
    lines = [f"- {t.title}: {json.dumps(t.stats.model_dump())}" for t in items[:12]]
    return Request(
        prompt="executive_summary",
        values={"audience": audience.source, "themes": "\n".join(lines)},
        draft=draft,
        evidence_ids=[c.record_id for t in items for c in t.citations],
        figures=figures_of([[t.stats for t in items], [t.title for t in items]]),
        prose=_summary_prose,
        label="executive summary",
        key=key,
    )
