"""Sentiment with VADER: a maintained lexicon made for short social text, shipped inside its package."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from copilot.analysis.schema import Sentiment

NEGATIVE_BELOW = -0.05


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score(text: str) -> float:
    return float(_analyzer().polarity_scores(text[:2000])["compound"])


def summarize(scores: Sequence[float]) -> Sentiment:
    if not scores:
        return Sentiment(mean=0.0, negative_share=0.0)
    return Sentiment(
        mean=round(sum(scores) / len(scores), 4),
        negative_share=round(sum(s < NEGATIVE_BELOW for s in scores) / len(scores), 4),
    )
