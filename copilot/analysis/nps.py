"""Net Promoter Score, counted by respondent: overall and per segment with a 95% interval, and per theme its share
of detractors and promoters and its NPS impact (overall NPS minus the NPS of everyone who does not raise it).

A respondent is a customer id, or a record when there is none; one respondent has one score (their latest).
The interval is the normal approximation for a difference of two proportions from one sample:
var(NPS) = (p_promoters + p_detractors - (p_promoters - p_detractors)^2) / n.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from copilot.analysis.schema import Driver, NpsImpact, NpsSegment, NpsSummary

Z95 = 1.959963984540054
METHOD = (
    "NPS = % promoters (9-10) - % detractors (0-6) over respondents, each counted once; 95% interval by the "
    "normal approximation; a theme's impact is overall NPS minus the NPS of respondents who do not raise it"
)


def respondent(meta: dict[str, Any], record_id: str) -> str:
    return str(meta.get("customer_id") or f"record:{record_id}")


def scores(metas: Sequence[dict[str, Any]], ids: Sequence[str]) -> dict[str, int]:
    """Each respondent's score (their latest dated one), for the records that carry one."""
    latest: dict[str, tuple[str, int]] = {}
    for meta, rid in zip(metas, ids, strict=True):
        score = meta.get("nps")
        if not isinstance(score, int | float):
            continue
        who, when = respondent(meta, rid), str(meta.get("date", ""))
        if who not in latest or when >= latest[who][0]:
            latest[who] = (when, int(score))
    return {who: s for who, (_, s) in latest.items()}


def summary(values: Iterable[int]) -> NpsSummary | None:
    vals = list(values)
    n = len(vals)
    if not n:
        return None
    pro = sum(v >= 9 for v in vals)
    det = sum(v <= 6 for v in vals)
    pp, pd = pro / n, det / n
    half = Z95 * math.sqrt(max(pp + pd - (pp - pd) ** 2, 0.0) / n) * 100
    value = (pp - pd) * 100
    return NpsSummary(
        respondents=n,
        promoters=pro,
        passives=n - pro - det,
        detractors=det,
        nps=round(value, 1),
        nps_ci=(round(max(-100.0, value - half), 1), round(min(100.0, value + half), 1)),
    )


def by_segment(
    metas: Sequence[dict[str, Any]], ids: Sequence[str], columns: Sequence[str], min_respondents: int = 10
) -> list[NpsSegment]:
    out: list[NpsSegment] = []
    for col in columns:
        groups: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        for meta, rid in zip(metas, ids, strict=True):
            value = meta.get(col)
            if value not in (None, ""):
                m, i = groups.setdefault(str(value), ([], []))
                m.append(meta)
                i.append(rid)
        for value, (m, i) in sorted(groups.items()):
            s = summary(scores(m, i).values())
            if s is not None and s.respondents >= min_respondents:
                out.append(NpsSegment(column=col, value=value, summary=s))
    return out


def impact(theme_respondents: set[str], everyone: dict[str, int]) -> NpsImpact | None:
    """What raising this theme means for NPS; None when no respondent of the theme has a score."""
    mine = {who: s for who, s in everyone.items() if who in theme_respondents}
    if not mine:
        return None
    rest = [s for who, s in everyone.items() if who not in theme_respondents]
    overall = summary(everyone.values())
    own = summary(mine.values())
    assert overall is not None and own is not None
    without = summary(rest)
    without_nps = without.nps if without is not None else 0.0
    all_det = max(overall.detractors, 1)
    all_pro = max(overall.promoters, 1)
    return NpsImpact(
        respondents=own.respondents,
        nps=own.nps,
        detractor_share=round(own.detractors / own.respondents, 4),
        share_of_detractors=round(own.detractors / all_det, 4) if overall.detractors else 0.0,
        share_of_promoters=round(own.promoters / all_pro, 4) if overall.promoters else 0.0,
        nps_without=without_nps,
        impact=round(overall.nps - without_nps, 1),
    )


def drivers(themes: Sequence[Any], limit: int = 10) -> list[Driver]:
    """Pain themes that drive detraction, by their share of all detractors."""
    ranked = sorted(
        (t for t in themes if t.pain and t.nps is not None and t.nps.share_of_detractors > 0),
        key=lambda t: (-t.nps.share_of_detractors, t.nps.impact, t.id),
    )
    return [
        Driver(theme_id=t.id, label=t.label, share_of_detractors=t.nps.share_of_detractors, impact=t.nps.impact)
        for t in ranked[:limit]
    ]
