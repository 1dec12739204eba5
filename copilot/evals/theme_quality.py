"""Theme quality against the planted truth: pain points found, purity, adjusted Rand index, trend calls."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sklearn.metrics import adjusted_rand_score

from copilot.analysis.schema import ThemesReport
from copilot.evals.schema import Metric


def _holds(ids: set[str], members: set[str]) -> bool:
    overlap = len(ids & members)
    return overlap >= 0.6 * len(ids) and overlap >= 0.5 * len(members)


def found_theme(pain: dict[str, Any], report: ThemesReport) -> Any:
    """The pain theme, else the topic, that holds at least 60% of a planted pain point's records and is at least
    half made of them (the topic's pain theme, or its largest side, stands for it). A planted pain point's records
    include neutral details, which polarity-first themes put on the topic's neutral side, so either unit counts."""
    ids = set(pain["record_ids"])
    direct = [t for t in report.themes if t.pain and _holds(ids, set(t.record_ids))]
    if direct:
        return max(direct, key=lambda t: len(ids & set(t.record_ids)))
    topics: dict[str, set[str]] = {}
    for t in report.themes:
        topics.setdefault(t.topic_id, set()).update(t.record_ids)
    best = max(topics, key=lambda k: len(ids & topics[k]), default=None)
    if best is None or not _holds(ids, topics[best]):
        return None
    sides = [t for t in report.themes if t.topic_id == best]
    return next((t for t in sides if t.pain), max(sides, key=lambda t: t.mentions))


def evaluate(report: ThemesReport, truth: dict[str, Any]) -> list[Metric]:
    pains = truth["pain_points"]
    label = {rid: p["id"] for p in pains for rid in p["record_ids"]}
    found, trends = [], []
    pain_side = [
        p["id"] for p in pains if any(t.pain and _holds(set(p["record_ids"]), set(t.record_ids)) for t in report.themes)
    ]
    for pain in pains:
        theme = found_theme(pain, report)
        if theme is not None:
            found.append(pain["id"])
            trends.append(pain["trend"] == theme.trend.direction)
    # Purity: of the records of each theme that belong to a planted pain point, the share in its majority one.
    majority = total = 0
    for t in report.themes:
        planted = Counter(label[r] for r in t.record_ids if r in label)
        if planted:
            majority += planted.most_common(1)[0][1]
            total += sum(planted.values())
    first_theme: dict[str, str] = {}
    for t in report.themes:
        for r in t.record_ids:
            first_theme.setdefault(r, t.id)
    planted_ids = sorted(label)
    ari = adjusted_rand_score([label[r] for r in planted_ids], [first_theme.get(r, "-") for r in planted_ids])
    off_topic = set(truth["off_topic_ids"])
    left_out = set(report.unclustered.record_ids) | set(report.low_information.record_ids)
    missed = [p["id"] for p in pains if p["id"] not in found]
    return [
        Metric(
            suite="themes",
            name="themes.planted_found",
            provider="any",
            value=len(found) / len(pains),
            detail=f"{len(found)} of {len(pains)}; missed: {', '.join(missed) or 'none'}",
        ),
        Metric(
            suite="themes",
            name="themes.planted_found_pain_side",
            provider="any",
            value=len(pain_side) / len(pains),
            detail=f"{len(pain_side)} of {len(pains)} found by a pain theme alone (its complaints and requests)",
        ),
        Metric(
            suite="themes",
            name="themes.purity",
            provider="any",
            value=majority / total if total else None,
            detail="records of planted pain points in their theme's majority pain point",
        ),
        Metric(
            suite="themes",
            name="themes.ari",
            provider="any",
            value=float(ari),
            detail=f"adjusted Rand index over {len(planted_ids)} planted records (unclustered as one group)",
        ),
        Metric(
            suite="themes",
            name="themes.trend_calls",
            provider="any",
            value=sum(trends) / len(trends) if trends else None,
            detail=f"{sum(trends)} of {len(trends)} found pain points with the planted trend",
        ),
        Metric(
            suite="themes",
            name="themes.off_topic_unclustered",
            provider="any",
            value=len(off_topic & left_out) / len(off_topic),
            detail="planted off-topic records left out of every theme (unclustered, or of no information)",
        ),
    ]
