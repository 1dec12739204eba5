"""Theme statistics on small data checked by hand."""

from __future__ import annotations

import pytest

from copilot.analysis import stats


def test_wilson_interval_matches_known_values() -> None:
    assert stats.wilson(10, 100) == (0.0552, 0.1744)
    assert stats.wilson(0, 20) == (0.0, 0.1611)
    assert stats.wilson(20, 20) == (0.8389, 1.0)
    assert stats.wilson(0, 0) == (0.0, 0.0)


def test_reach_counts_distinct_customers_and_anonymous_records_once_each() -> None:
    metas = [{"customer_id": "A"}, {"customer_id": "A"}, {"customer_id": "B"}, {}, {}]
    assert stats.reach(metas, ["r1", "r2", "r3", "r4", "r5"]) == 4


def test_segment_split_counts_shares_and_lift() -> None:
    population = [{"segment": "SMB"}] * 60 + [{"segment": "Enterprise"}] * 40
    members = [{"segment": "SMB"}] * 6 + [{"segment": "Enterprise"}] * 14  # 20% of all records
    rows = {r.value: r for r in stats.segment_splits(members, stats.Population(population, ["segment"]))["segment"]}
    assert (rows["Enterprise"].mentions, rows["Enterprise"].records, rows["Enterprise"].share) == (14, 40, 0.35)
    assert rows["Enterprise"].lift == 1.75 and rows["SMB"].lift == 0.5
    assert rows["Enterprise"].share_ci == stats.wilson(14, 40)


def _dates(per_month: dict[str, int]) -> list[str]:
    return [f"{month}-15" for month, n in per_month.items() for _ in range(n)]


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        ({"2026-01": 2, "2026-02": 5, "2026-03": 9, "2026-04": 14}, "growing"),
        ({"2026-01": 14, "2026-02": 9, "2026-03": 5, "2026-04": 2}, "fading"),
        ({"2026-01": 8, "2026-02": 7, "2026-03": 8, "2026-04": 8}, "stable"),
    ],
)
def test_trend_direction(mentions: dict[str, int], expected: str) -> None:
    population = _dates({"2026-01": 50, "2026-02": 50, "2026-03": 50, "2026-04": 50})
    result = stats.trend(_dates(mentions), population)
    assert result.direction == expected
    assert [p.mentions for p in result.monthly] == list(mentions.values())
    assert result.monthly[0].share == round(list(mentions.values())[0] / 50, 4)
    assert "Cochran-Armitage" in result.test


def test_trend_needs_enough_months() -> None:
    assert stats.trend(["2026-01-02"] * 9, ["2026-01-02"] * 20).direction == "unknown"


def test_severity_signals() -> None:
    texts = ["We are looking at cheaper tools", "We will cancel at renewal", "Export is slow"]
    metas = [{"rating": 1, "nps": 3}, {"rating": 2, "nps": 9}, {"rating": 5}]
    sev = stats.severity(texts, metas, [False, False, True])
    assert (sev.churn_intent, sev.churn_intent_share) == (2, 0.6667)
    assert (sev.complaints, sev.complaint_share) == (3, 1.0)  # churn talk, a low rating, a complaint
    detractor_praise = stats.severity(["Support is great"], [{"nps": 2}], [False])
    assert detractor_praise.complaints == 0 and detractor_praise.detractor_share == 1.0
    calm = stats.severity(["Love it"], [{"rating": 5, "nps": 10}], [False])
    assert (calm.complaints, calm.complaint_share) == (0, 0.0)
    assert (sev.rated, sev.low_rating_share) == (3, 0.6667)
    assert (sev.nps_responses, sev.detractor_share, sev.mean_nps) == (2, 0.5, 6.0)


def test_revenue_sums_each_customer_once_at_their_latest_mrr() -> None:
    metas = [
        {"customer_id": "A", "mrr": 100.0, "date": "2026-01-01"},
        {"customer_id": "A", "mrr": 150.0, "date": "2026-03-01"},
        {"customer_id": "B", "mrr": 50.0},
        {"customer_id": "C"},
        {"mrr": 999.0},
    ]
    rev = stats.revenue(metas)
    assert (rev.mrr_at_stake, rev.customers_with_mrr) == (200.0, 2)


INTENT = [
    "I will cancel my subscription if this is not fixed",
    "We're moving to a competitor next month",
    "Thinking of switching provider",
    "I'm going to leave as soon as my contract ends",
    "Looking for another provider now",
    "I want to close my account",
    "We won't renew",
]
EVENTS = [
    "They cancelled my order without telling me",
    "My engineer appointment was cancelled twice",
    "The cancellation fee was a surprise",
    "I will not cancel, the app is great",
    "He left the cable on the floor",
    "Switching plans in the app was easy",
]


def test_churn_intent_is_the_customers_own_intent_not_an_event() -> None:
    """On main before this, any word starting with 'cancel' counted, so "they cancelled my order" was churn."""
    assert [stats.churn_intent(t) for t in INTENT] == [True] * len(INTENT)
    assert [stats.churn_intent(t) for t in EVENTS] == [False] * len(EVENTS)
