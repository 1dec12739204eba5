"""Statistics about a set of records, computed by code: shares with intervals, segment lift, trends, severity,
revenue. Every function takes plain lists so it can be checked by hand on small data."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from scipy.stats import norm

from copilot.analysis.schema import (
    MonthPoint,
    Revenue,
    SegmentSkew,
    SegmentSplit,
    Sentiment,
    Severity,
    ThemeStats,
    Trend,
)

Meta = dict[str, Any]
TREND_TEST = "Cochran-Armitage test for trend in the monthly share of records, two-sided, p < 0.05"
_CHURN_RE = re.compile(
    r"\b(?:cancel\w*|churn\w*|switch\w* (?:to|away)|moving to|move to (?:a |an )?(?:competitor|another)|"
    r"looking at (?:other|cheaper|alternative)\w*|alternatives?|not (?:going to )?renew\w*|won'?t renew|"
    r"leav(?:e|ing) (?:tasklane|you|the product)|competitor\w*|cheaper tools?)\b",
    re.I,
)
SEGMENT_COLUMNS = ("segment", "plan", "role", "company_size", "kind", "source", "question")
_MAX_VALUES = 30


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a proportion k/n (sound for small n and shares near 0 or 1)."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def reach(metas: Iterable[Meta], ids: Iterable[str]) -> int:
    """Distinct customers; a record with no customer id counts as a customer of its own."""
    return len({m.get("customer_id") or f"record:{i}" for m, i in zip(metas, ids, strict=True)})


class Population:
    """Value counts of the metadata columns over all records analysed, counted once for every theme."""

    def __init__(self, metas: Sequence[Meta], columns: Sequence[str] | None = None) -> None:
        self.size = len(metas)
        cols = list(columns) if columns is not None else _categorical_columns(metas)
        self.counts: dict[str, Counter[str]] = {}
        for col in cols:
            counter = Counter(str(m[col]) for m in metas if m.get(col) not in (None, ""))
            if counter and len(counter) <= _MAX_VALUES:
                self.counts[col] = counter


def segment_splits(members: Sequence[Meta], population: Population) -> dict[str, list[SegmentSplit]]:
    """Per metadata column and value: mentions, records, share within the value, and lift against the
    theme's share of all records (lift 2.0: this value mentions the theme twice as often as everyone)."""
    if not population.size:
        return {}
    overall = len(members) / population.size
    out: dict[str, list[SegmentSplit]] = {}
    for col, pop in population.counts.items():
        mem = Counter(str(m[col]) for m in members if m.get(col) not in (None, ""))
        rows = []
        for value, n in pop.most_common():
            k = mem.get(value, 0)
            share = k / n
            rows.append(
                SegmentSplit(
                    value=value,
                    mentions=k,
                    records=n,
                    share=round(share, 4),
                    share_ci=wilson(k, n),
                    lift=round(share / overall, 3) if overall else 0.0,
                )
            )
        out[col] = rows
    return out


def _categorical_columns(population: Sequence[Meta]) -> list[str]:
    extra: dict[str, set[str]] = defaultdict(set)
    skip = {
        "record_id",
        "customer_id",
        "locator",
        "title",
        "date",
        "content_hash",
        "fingerprint",
        "near_dup_of",
        "mrr",
        "rating",
        "nps",
        "section",
    }
    for m in population[:5000]:
        for k, v in m.items():
            if k not in skip and k not in SEGMENT_COLUMNS and isinstance(v, str | bool):
                extra[k].add(str(v))
    return [*SEGMENT_COLUMNS, *sorted(k for k, vals in extra.items() if 1 < len(vals) <= _MAX_VALUES)]


def trend(member_dates: Sequence[str | None], population_dates: Sequence[str | None]) -> Trend:
    """Monthly share of records mentioning the theme, and whether it grows, fades or holds."""
    pop = Counter(d[:7] for d in population_dates if d)
    mem = Counter(d[:7] for d in member_dates if d)
    months = sorted(pop)
    points = [
        MonthPoint(month=m, mentions=mem.get(m, 0), records=pop[m], share=round(mem.get(m, 0) / pop[m], 4))
        for m in months
    ]
    if len(months) < 3 or sum(mem.values()) < 5:
        return Trend(
            direction="unknown",
            test=TREND_TEST,
            monthly=points,
            note="needs dated records in at least 3 months and 5 mentions",
        )
    n = [pop[m] for m in months]
    x = [mem.get(m, 0) for m in months]
    t = list(range(len(months)))
    big_n, big_x = sum(n), sum(x)
    p = big_x / big_n
    stat = sum(ti * (xi - ni * p) for ti, xi, ni in zip(t, x, n, strict=True))
    var = (
        p
        * (1 - p)
        * (
            sum(ni * ti * ti for ni, ti in zip(n, t, strict=True))
            - sum(ni * ti for ni, ti in zip(n, t, strict=True)) ** 2 / big_n
        )
    )
    if var <= 0:
        return Trend(direction="stable", test=TREND_TEST, monthly=points, z=0.0, p_value=1.0)
    z = stat / math.sqrt(var)
    p_value = 2 * (1 - norm.cdf(abs(z)))
    direction = "stable" if p_value >= 0.05 else ("growing" if z > 0 else "fading")
    first, last = points[0].share, points[-1].share
    return Trend(
        direction=direction,
        test=TREND_TEST,
        monthly=points,
        z=round(z, 3),
        p_value=round(p_value, 5),
        first_month_share=first,
        last_month_share=last,
    )


def severity(texts: Sequence[str], metas: Sequence[Meta], sentiments: Sequence[float] | None = None) -> Severity:
    """Churn talk, low ratings, detractors, and the share of records that are complaints: negative, rated low, or
    talking of leaving. NPS is left out of that share: it scores the respondent, not the answer, and a
    detractor's answer to "what do you like?" is still praise."""
    churn_flags = [bool(_CHURN_RE.search(t)) for t in texts]
    ratings = [float(m["rating"]) for m in metas if isinstance(m.get("rating"), int | float)]
    low_at = 4 if ratings and max(ratings) > 5 else 2
    low = sum(r <= low_at for r in ratings)
    nps = [int(m["nps"]) for m in metas if isinstance(m.get("nps"), int | float)]
    detractors = sum(s <= 6 for s in nps)
    scores = list(sentiments) if sentiments is not None else [0.0] * len(metas)
    complaints = sum(
        s < -0.05 or churned or (isinstance(m.get("rating"), int | float) and m["rating"] <= low_at)
        for m, s, churned in zip(metas, scores, churn_flags, strict=True)
    )
    churn = sum(churn_flags)
    return Severity(
        complaints=complaints,
        complaint_share=round(complaints / len(metas), 4) if metas else 0.0,
        churn_intent=churn,
        churn_intent_share=round(churn / len(texts), 4) if texts else 0.0,
        rated=len(ratings),
        low_rating_share=round(low / len(ratings), 4) if ratings else None,
        nps_responses=len(nps),
        detractor_share=round(detractors / len(nps), 4) if nps else None,
        mean_nps=round(sum(nps) / len(nps), 2) if nps else None,
    )


def revenue(metas: Sequence[Meta]) -> Revenue:
    """MRR summed over distinct customers (a customer's latest known MRR), so repeat mentions do not inflate it."""
    by_customer: dict[str, tuple[str, float]] = {}
    for m in metas:
        cust, mrr = m.get("customer_id"), m.get("mrr")
        if cust and isinstance(mrr, int | float):
            seen = by_customer.get(cust)
            when = str(m.get("date", ""))
            if seen is None or when >= seen[0]:
                by_customer[cust] = (when, float(mrr))
    return Revenue(mrr_at_stake=round(sum(v for _, v in by_customer.values()), 2), customers_with_mrr=len(by_customer))


PAIN_RULE = (
    "a theme is a pain point when at least 25% of its records are complaints or its mean sentiment is below 0.15"
)
SKEW_COLUMNS = ("segment", "plan", "role", "company_size")


def is_pain(severity: Severity, sentiment: Sentiment) -> bool:
    return severity.complaint_share >= 0.25 or sentiment.mean < 0.15


def digest(
    mentions: int,
    reach_: int,
    share: float,
    share_ci: tuple[float, float],
    segments: dict[str, list[SegmentSplit]],
    trend_: Trend,
    sentiment: Sentiment,
    severity_: Severity,
    revenue_: Revenue,
) -> ThemeStats:
    """The flat statistics a draft or report quotes, from a theme's full figures."""
    skews = [
        SegmentSkew(column=col, value=row.value, lift=row.lift, mentions=row.mentions)
        for col in SKEW_COLUMNS
        for row in segments.get(col, [])
        if row.mentions >= 10 and row.lift >= 1.3
    ]
    return ThemeStats(
        mentions=mentions,
        reach=reach_,
        share=share,
        share_ci=share_ci,
        trend=trend_.direction,
        trend_p_value=trend_.p_value,
        complaint_share=severity_.complaint_share,
        sentiment_mean=sentiment.mean,
        negative_share=sentiment.negative_share,
        churn_intent=severity_.churn_intent,
        detractor_share=severity_.detractor_share,
        low_rating_share=severity_.low_rating_share,
        mrr_at_stake=revenue_.mrr_at_stake,
        customers_with_mrr=revenue_.customers_with_mrr,
        over_indexes=sorted(skews, key=lambda s: -s.lift)[:3],
    )
