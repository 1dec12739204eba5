"""The analytical sections of a PRD as code builds them from one pain theme: problem, hypotheses, measurable goals,
non-goals, affected segments and requirements ranked by reach and severity. Stories, risks, questions and rollout
are in _prd_stories.py. Item classes are passed in to avoid an import cycle with the kind module that declares them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from copilot.analysis.polarity import classify
from copilot.analysis.quotes import legible
from copilot.analysis.schema import Quote, SubthemePublic, ThemePublic, ThemeStats
from copilot.drafts.asks import ask_in
from copilot.drafts.evidence import (
    ShownQuotes,
    best_quote,
    content_words,
    distinct_subthemes,
    label_quote,
    pick_sentences,
)
from copilot.drafts.theme_narration import why_it_matters
from copilot.drafts.verify import Citation
from copilot.models import RecordPublic

PAIN = ("complaint", "request")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def cite_pool(theme: ThemePublic) -> list[Quote]:
    return [q for q in theme.quotes if q.polarity in PAIN]


def cite(quotes: list[Quote], sides: tuple[str, ...] = PAIN, limit: int = 1) -> list[Citation]:
    return [Citation(record_id=q.record_id, quote=q.text) for q in quotes if q.polarity in sides][:limit]


def opening_quotes(theme: ThemePublic, limit: int = 3) -> list[Citation]:
    """The complaint and request quotes a PRD opens with: the theme's own, legible ones that say most of its
    label's words first (a large theme's most central quote can be a bare reference number), each wording once."""
    wanted = content_words(theme.label)
    pool = sorted(cite_pool(theme), key=lambda q: (not legible(q.text), -len(wanted & content_words(q.text))))
    return ShownQuotes().fresh(cite(pool, limit=len(pool)), limit)


@dataclass
class Evidence:
    """One PRD's theme, its records and the quotes it opens with."""

    theme: ThemePublic
    members: dict[str, RecordPublic]
    quotes: list[Citation]  # complaint and request sentences, shown under the problem

    @property
    def s(self) -> ThemeStats:
        return self.theme.stats


def problem(item: Any, ev: Evidence) -> list[Any]:
    """How big the pain is (records, complaint share), then why it matters in the same lines as every draft."""
    s, label = ev.s, ev.theme.label
    size = f"{s.mentions} feedback records raise {label}, and {_pct(s.complaint_share)} of them are complaints."
    text = " ".join([size, *why_it_matters(s)])
    return [item(title=f"Customers struggle with {label}", text=text, citations=ev.quotes[:3])]


def _sub_quote(sub: SubthemePublic, ev: Evidence) -> list[Citation]:
    """A complaint or request of the sub-cause that says what its label names, else its closest quote."""
    texts = {rid: r.text for rid, r in ev.members.items()}
    if named := label_quote(sub.label, sub.record_ids, texts):
        return [named]
    best = best_quote([q for q in sub.quotes if q.polarity in PAIN], sub.label)
    return [Citation(record_id=best.record_id, quote=best.text)] if best else ev.quotes[:1]


def hypotheses(item: Any, ev: Evidence) -> list[Any]:
    out = []
    for sub in distinct_subthemes(ev.theme, 2):
        share = round(sub.mentions / max(ev.theme.mentions, 1), 4)
        out.append(
            item(
                title=f"Fixing {sub.label} shrinks the pain",
                text=f"{sub.mentions} of its records ({_pct(share)}) raise {sub.label}; if fixing it removes "
                "them, the pain's reach falls by as much.",
                statistics={"mentions": sub.mentions, "share_of_pain": share},
                citations=_sub_quote(sub, ev),
            )
        )
    s = ev.s
    if s.nps_impact is not None and s.nps_impact < 0:
        out.append(
            item(
                title="Fixing it lifts NPS",
                text=f"If the customers raising it scored like everyone else, NPS would rise by up to "
                f"{abs(s.nps_impact):.1f} points.",
                citations=ev.quotes[:1],
            )
        )
    return out


def _goal(item: Any, title: str, what: str, baseline: float, cites: list[Citation], percent: bool = True) -> Any:
    target = round(baseline / 2, 4) if percent else float(int(baseline // 2))
    shown = (_pct(baseline), _pct(target)) if percent else (f"{baseline:.0f}", f"{target:.0f}")
    return item(
        title=title,
        text=f"{what}: baseline {shown[0]}; suggested target {shown[1]} (half), for the PM to confirm.",
        statistics={"baseline": baseline, "target": target},
        citations=cites,
    )


def goals(item: Any, ev: Evidence) -> list[Any]:
    s, label, cites = ev.s, ev.theme.label, ev.quotes[:1]
    out = []
    if s.share_of_detractors:
        out.append(
            _goal(
                item,
                "Fewer detractors name it",
                f"Share of all detractors raising {label}",
                s.share_of_detractors,
                cites,
            )
        )
    out.append(_goal(item, "Less feedback about it", f"Share of all feedback raising {label}", s.share, cites))
    if s.churn_intent:
        out.append(
            _goal(
                item,
                "Fewer customers ready to leave over it",
                "Customers raising it who say they may leave or switch",
                float(s.churn_intent),
                cites,
                percent=False,
            )
        )
    return out


def _distinct(theme: ThemePublic, other: ThemePublic) -> bool:
    """Another pain, not this one under another name: a different topic sharing no label word and few records."""
    if other.topic_id == theme.topic_id or not other.pain:
        return False
    if content_words(other.label) & content_words(theme.label):
        return False
    mine, theirs = set(theme.record_ids), set(other.record_ids)
    return len(mine & theirs) / max(len(mine | theirs), 1) < 0.1


def non_goals(item: Any, theme: ThemePublic, themes: list[ThemePublic]) -> list[Any]:
    others = [t for t in themes if _distinct(theme, t) and cite(t.quotes)][:3]
    return [
        item(
            title=f"Not in scope: {t.label}",
            text=f"{t.label} is a separate pain ({t.mentions} records), for its own PRD.",
            statistics={"mentions": t.mentions},
            citations=[Citation(record_id=q.record_id, quote=q.text) for q in [best_quote(cite_pool(t), t.label)] if q],
        )
        for t in others
    ]


def _segment_quote(ev: Evidence, column: str, value: str) -> list[Citation]:
    own = [(rid, r.text) for rid, r in ev.members.items() if str(r.metadata.get(column)) == value]
    return pick_sentences(own, lambda s: classify(s) in PAIN, 1, min_words=5)


def personas(item: Any, ev: Evidence) -> list[Any]:
    """Who it hurts most: the segment values it over-indexes in, each citing its own people."""
    out = []
    for k in ev.s.over_indexes[:3]:
        cites = _segment_quote(ev, k.column, k.value)
        if k.mentions >= 5 and cites:
            out.append(
                item(
                    title=f"{k.value} ({k.column.replace('_', ' ')})",
                    text=f"{k.mentions} of their records raise it, {k.lift:.1f} times the overall share.",
                    statistics={"mentions": k.mentions, "lift": k.lift},
                    citations=cites,
                )
            )
    return out


def _severity(s: ThemeStats) -> float:
    return s.complaint_share + s.churn_intent / max(s.mentions, 1)


def requirements(item: Any, ev: Evidence) -> list[Any]:
    """One per sub-cause, named by what customers ask for when they ask, ranked by reach x severity."""
    subs = distinct_subthemes(ev.theme, 6)
    scored = sorted(((sub.stats.reach * _severity(sub.stats), sub) for sub in subs), key=lambda x: -x[0])
    out = []
    for rank, (score, sub) in enumerate(scored):
        n = len(scored)
        priority = "must" if rank < math.ceil(n / 3) else "should" if rank < math.ceil(2 * n / 3) else "could"
        asked = next(
            (a for q in sub.quotes if q.polarity == "request" and (a := ask_in(q.text, is_request=True))), None
        )
        name = asked.requirement if asked else f"Resolve “{sub.label}”"
        out.append(
            item(
                title=f"{priority.upper()}: {name}",
                priority=priority,
                text=f"{sub.reach} customers raise {sub.label} in {sub.mentions} records; "
                f"{_pct(sub.stats.complaint_share)} of them are complaints.",
                statistics={
                    "reach": sub.reach,
                    "mentions": sub.mentions,
                    "complaint_share": sub.stats.complaint_share,
                    "score": round(score, 2),
                },
                citations=_sub_quote(sub, ev),
            )
        )
    return out
