"""The PRD sections that come from what customers ask and what could go wrong: user stories written from request
sentences, risks and open questions from the evidence, and a rollout that pilots only with a real user group.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from copilot.analysis.export import spreadsheet_cell
from copilot.analysis.polarity import classify
from copilot.analysis.schema import ThemePublic
from copilot.drafts.asks import Ask, ask_in
from copilot.drafts.evidence import pick_sentences
from copilot.drafts.kinds._prd_sections import Evidence, cite
from copilot.drafts.verify import Citation
from copilot.ingest.identity import comparable

STORIES = 5
# Columns that name who people are, so a rollout can start with them; a survey stage or a product line is not a
# group of users to pilot with.
USER_GROUPS = {"segment", "plan", "role", "company_size", "tier", "persona", "team", "region", "country", "market"}


def _requests(ev: Evidence) -> list[Citation]:
    """Request sentences on this pain: the theme's own, its sub-causes', then any in its records."""
    theme = ev.theme
    quotes = list(theme.requests) + [q for s in theme.subthemes for q in s.quotes if q.polarity == "request"]
    found = [Citation(record_id=q.record_id, quote=q.text) for q in quotes]
    texts = [(rid, r.text) for rid, r in ev.members.items()][:300]
    shown = {comparable(c.quote) for c in ev.quotes}  # the problem's quotes are not a story's evidence too
    candidates = found + pick_sentences(texts, lambda s: classify(s) == "request", 20, min_words=4)
    return [c for c in candidates if comparable(c.quote) not in shown]


def _who(theme: ThemePublic) -> str:
    for k in theme.stats.over_indexes:
        if k.column in USER_GROUPS and k.mentions >= 5:
            if k.column == "role":
                return k.value
            return f"customer in {k.value} ({k.column.replace('_', ' ')})"
    return "customer"


def _pain_of(theme: ThemePublic, record_id: str) -> str:
    """The sub-cause a request's record belongs to, else the theme."""
    return next((s.label for s in theme.subthemes if record_id in s.record_ids), theme.label)


def asks(ev: Evidence) -> list[tuple[Ask, Citation]]:
    out: list[tuple[Ask, Citation]] = []
    seen: set[str] = set()
    for c in _requests(ev):
        ask = ask_in(c.quote, is_request=True)
        if ask is None or comparable(ask.want) in seen:
            continue
        seen.add(comparable(ask.want))
        out.append((ask, c))
    return out


def user_stories(story: Any, ev: Evidence) -> list[Any]:
    who = _who(ev.theme)
    out = []
    for ask, c in asks(ev)[:STORIES]:
        pain = _pain_of(ev.theme, c.record_id)
        out.append(
            story(
                as_a=who,
                i_want=ask.want,
                so_that=f"{pain} stops being a problem for me",
                acceptance_criteria=[
                    f"{ask.requirement}, as the customer of record {c.record_id} asked",
                    f"Fewer records raise {pain} in the period after release than before",
                ],
                citations=[c],
            )
        )
    return out


def risks(item: Any, ev: Evidence, praise: ThemePublic | None, research: list[Any]) -> list[Any]:
    theme, s = ev.theme, ev.s
    out = list(research)
    if praise is not None and theme.counter_evidence:
        out.append(
            item(
                title="Customers also praise this topic",
                text=f"{praise.mentions} records praise it: keep what works while fixing what does not.",
                statistics={"mentions": praise.mentions},
                citations=cite(theme.counter_evidence, ("praise",), 2),
            )
        )
    for k in s.over_indexes[:3]:
        if k.mentions < 10:
            out.append(
                item(
                    title=f"The skew to {k.value} is thin",
                    text=f"It rests on {k.mentions} records: confirm it before targeting {k.value}.",
                    statistics={"mentions": k.mentions},
                    citations=ev.quotes[:1],
                )
            )
    if theme.unstable:
        out.append(
            item(
                title="The theme's edges move",
                text=f"Rediscovered on resamples, its records stay together at {theme.stability:.2f} stability: "
                "read its quotes before sizing the work.",
                statistics={"stability": theme.stability},
                citations=ev.quotes[:1],
            )
        )
    if s.trend == "growing":
        out.append(
            item(
                title="It is getting worse",
                text=f"The share of feedback about {theme.label} is growing (trend test, adjusted for every theme).",
                citations=ev.quotes[:1],
            )
        )
    return out


def open_questions(item: Any, ev: Evidence) -> list[Any]:
    s, out = ev.s, []
    texts = [(rid, r.text) for rid, r in ev.members.items()][:300]
    asked = pick_sentences(texts, lambda x: x.rstrip().endswith("?") and classify(x) == "neutral", 2, min_words=5)
    if asked:
        out.append(
            item(
                title="What customers ask about it",
                text="Customers ask these questions on this topic: does the product answer them?",
                citations=asked,
            )
        )
    for k in s.over_indexes[:2]:
        out.append(
            item(
                title=f"Why does {k.value} over-index?",
                text=f"{k.value} ({k.column.replace('_', ' ')}) raises it {k.lift:.1f} times as often as everyone: "
                "is the cause different there?",
                statistics={"lift": k.lift},
                citations=ev.quotes[:1],
            )
        )
    if s.detractor_share is None:
        out.append(
            item(
                title="What does it cost in NPS?",
                text="The data has no NPS scores; an NPS column would size its effect on loyalty.",
                citations=ev.quotes[:1],
            )
        )
    if s.trend == "unknown":
        out.append(
            item(
                title="Is it growing?",
                text="The records carry no usable dates, so its trend is unknown; a date column would tell.",
                citations=ev.quotes[:1],
            )
        )
    return out


def rollout(item: Any, ev: Evidence) -> list[Any]:
    top = next((k for k in ev.s.over_indexes if k.column in USER_GROUPS and k.mentions >= 5), None)
    if top is None:
        text = "Release to everyone behind a flag; compare the share of feedback about it before and after."
    else:
        text = (
            f"Pilot with {top.value} ({top.column.replace('_', ' ')}), where it is {top.lift:.1f} times as common, "
            "then roll out to everyone."
        )
    return [
        item(
            title="Start where it hurts most" if top else "Release and measure",
            text=text,
            statistics={"lift": top.lift} if top else None,
            citations=ev.quotes[:1],
        )
    ]


def stories_csv(prd: Any) -> str:
    """User stories as CSV that Jira and Linear import (Summary, Description, Issue Type, Labels)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Summary", "Description", "Issue Type", "Labels", "Acceptance Criteria"])
    for st in prd.user_stories:
        summary = f"As a {st.as_a}, I want {st.i_want}"[:250]
        cites = ", ".join(c.record_id for c in st.citations)
        description = f"{summary}, so that {st.so_that}.\n\nEvidence: {cites}"
        row = [summary, description, "Story", "pm-copilot", "\n".join(st.acceptance_criteria)]
        w.writerow([spreadsheet_cell(x) for x in row])
    return buf.getvalue()
