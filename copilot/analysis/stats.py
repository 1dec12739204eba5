"""Statistics about a set of records, computed by code: shares with intervals, segment lift, trends, severity,
revenue. Every function takes plain lists so it can be checked by hand on small data."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from scipy.stats import false_discovery_control, norm

from copilot.analysis.schema import (
    MonthPoint,
    NpsImpact,
    Revenue,
    SegmentSkew,
    SegmentSplit,
    Sentiment,
    Severity,
    ThemeStats,
    Trend,
)

Meta = dict[str, Any]
TREND_TEST = (
    "Cochran-Armitage test for trend in the monthly share of records, two-sided, significant when its "
    "Benjamini-Hochberg adjusted p (q, across the report's themes) is below 0.05"
)
# Churn intent is the customer's own intent, said of the future: "I will cancel", "we're moving to X", "looking
# for another provider". Something that happened to them ("they cancelled my order") is not intent.
_CHURN_RE = re.compile(
    r"\b(?:i|we|i'm|we're|i am|we are|im)\s+(?:will|'ll|shall|am going to|are going to|going to|gonna|plan to|"
    r"planning to|intend to|want to|wanna|would like to|'d like to|need to|have to|might|may|will probably|"
    r"am about to|are about to|about to|am thinking (?:of|about)|are thinking (?:of|about)|thinking (?:of|about)|"
    r"considering|will be|am|are|'m|'re)?\s*(?:definitely |seriously |probably |now |soon |)"
    r"(?:cancel(?:l?ing)?(?!\s+(?:it|this|that|them|(?:a|an|the|my|this|that|our)\s+(?:\w+\s+)?"
    r"(?:transaction|transfer|payment|order|purchase|card|request|booking|refund|debit|charge|withdrawal)s?\b))|"
    r"leav(?:e|ing)|switch(?:ing)?(?!\s+(?:to\s+|on\s+|off\s+)?(?:a\s+|the\s+|my\s+)?(?:different\s+|another\s+|new\s+)?"
    r"(?:currenc(?:y|ies)|card|language|mode|theme|setting|view|tab|phone)s?\b)|"
    r"mov(?:e|ing) (?:to|over|away|elsewhere)|quit(?:ting)?|"
    r"stop using|close my account|closing my account|unsubscrib(?:e|ing)|go(?:ing)? elsewhere|"
    r"tak(?:e|ing) my business elsewhere|look(?:ing)? (?:for|at|into) (?:another|other|a new|alternatives?|cheaper)|"
    r"find(?:ing)? (?:another|a new|a different) (?:provider|bank|company|app|service|supplier))\b|"
    r"\b(?:time to (?:switch|leave|cancel|find (?:another|a new))|won'?t (?:be )?renew\w*|not (?:going to )?renew\w*|"
    r"(?:switching|moving) to (?:a |an )?(?:competitor|another|different)|looking for alternatives|"
    r"(?:as soon as|once) my contract (?:ends|is up|runs out))\b|"
    r"(?:^|[.!?]\s+)(?:seriously |now |)(?:thinking|considering|planning)\s+(?:of |about |on |to |)"
    r"(?:switch|leav|cancel|mov|quit)\w*|"
    r"(?:^|[.!?]\s+)(?:now |already |)looking (?:for|at|into) (?:another|other|a new|alternatives?|cheaper)",
    re.I,
)
_NOT_INTENT_RE = re.compile(
    r"\b(?:i|we) (?:won'?t|will not|am not going to|don'?t want to|wouldn'?t|would never|never) "
    r"(?:cancel|leave|switch)\b",
    re.I,
)


@lru_cache(maxsize=200_000)  # a record is scored once per theme and subtheme it is in
def churn_intent(text: str) -> bool:
    """Whether the customer says they intend to leave, cancel or switch."""
    return bool(_CHURN_RE.search(text)) and not _NOT_INTENT_RE.search(text)


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


def sparse_floor(month_sizes: Sequence[int]) -> int:
    """Fewer records than this in a month and its share is noise (one response makes a 100% spike): 10, or a fifth
    of the median month, whichever is more."""
    if not month_sizes:
        return 0
    ordered = sorted(month_sizes)
    return max(10, ordered[len(ordered) // 2] // 5)


def month_counts(dates: Sequence[str | None]) -> Counter[str]:
    """Records per month (YYYY-MM)."""
    return Counter(d[:7] for d in dates if d)


def trend(member_dates: Sequence[str | None], population_dates: Sequence[str | None] | Counter[str]) -> Trend:
    """Monthly share of records mentioning the theme, and whether it grows, fades or holds. The population may
    come as its `month_counts`, counted once for every theme (at 100,000 records, recounting it per theme was a
    third of reading the themes)."""
    pop = population_dates if isinstance(population_dates, Counter) else month_counts(population_dates)
    mem = Counter(d[:7] for d in member_dates if d)
    months = sorted(pop)
    floor = sparse_floor([pop[m] for m in months])
    points = [
        MonthPoint(
            month=m,
            mentions=mem.get(m, 0),
            records=pop[m],
            share=round(mem.get(m, 0) / pop[m], 4),
            sparse=pop[m] < floor,
        )
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


def adjust_trends(trends: Sequence[Trend], alpha: float = 0.05) -> None:
    """Benjamini-Hochberg across the trends of one report, in place: testing thirty themes at p < 0.05 calls one
    or two of them growing or fading by chance, so a direction stands only when its adjusted p (q) is small."""
    tested = [t for t in trends if t.p_value is not None]
    if not tested:
        return
    for t, q in zip(tested, false_discovery_control([t.p_value or 0.0 for t in tested]), strict=True):
        t.q_value = round(float(q), 5)
        if t.direction in ("growing", "fading") and t.q_value >= alpha:
            t.direction = "stable"


def severity(texts: Sequence[str], metas: Sequence[Meta], complaint_flags: Sequence[bool] | None = None) -> Severity:
    """Churn intent, low ratings, detractors, and the share of records that are complaints: holding a complaint
    (polarity.py), rated low, or saying they will leave. NPS is left out of that share: it scores the respondent,
    not the answer, and a detractor's answer to "what do you like?" is still praise."""
    churn_flags = [churn_intent(t) for t in texts]
    ratings = [float(m["rating"]) for m in metas if isinstance(m.get("rating"), int | float)]
    low_at = 4 if ratings and max(ratings) > 5 else 2
    low = sum(r <= low_at for r in ratings)
    nps = [int(m["nps"]) for m in metas if isinstance(m.get("nps"), int | float)]
    detractors = sum(s <= 6 for s in nps)
    flags = list(complaint_flags) if complaint_flags is not None else [False] * len(metas)
    complaints = sum(
        said or churned or (isinstance(m.get("rating"), int | float) and m["rating"] <= low_at)
        for m, said, churned in zip(metas, flags, churn_flags, strict=True)
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


PAIN_RULE = "a pain theme is a topic's complaints and requests; its praise and its neutral mentions are themes apart"
SKEW_COLUMNS = ("segment", "plan", "role", "company_size")


def digest(
    side: str,
    mentions: int,
    reach_: int,
    share: float,
    share_ci: tuple[float, float],
    segments: dict[str, list[SegmentSplit]],
    trend_: Trend,
    sentiment: Sentiment,
    severity_: Severity,
    revenue_: Revenue,
    nps_: NpsImpact | None,
) -> ThemeStats:
    """The flat statistics a draft or report quotes, from a theme's full figures."""
    skews = [
        SegmentSkew(column=col, value=row.value, lift=row.lift, mentions=row.mentions)
        for col in SKEW_COLUMNS
        for row in segments.get(col, [])
        if row.mentions >= 10 and row.lift >= 1.3
    ]
    return ThemeStats(
        side=side,
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
        share_of_detractors=nps_.share_of_detractors if nps_ else None,
        share_of_promoters=nps_.share_of_promoters if nps_ else None,
        nps_impact=nps_.impact if nps_ else None,
        mrr_at_stake=revenue_.mrr_at_stake,
        customers_with_mrr=revenue_.customers_with_mrr,
        over_indexes=sorted(skews, key=lambda s: -s.lift)[:3],
    )
