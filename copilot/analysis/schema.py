"""What theme analysis returns: the `{Thing}Public` shapes the CLI prints and the API will serve."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Quote(BaseModel):
    record_id: str
    text: str = Field(description="Verbatim: a substring of the record's text.")


class SegmentSplit(BaseModel):
    value: str
    mentions: int
    records: int
    share: float
    share_ci: tuple[float, float]
    lift: float


class MonthPoint(BaseModel):
    month: str
    mentions: int
    records: int
    share: float


class Trend(BaseModel):
    direction: Literal["growing", "stable", "fading", "unknown"]
    test: str
    monthly: list[MonthPoint]
    z: float | None = None
    p_value: float | None = None
    first_month_share: float | None = None
    last_month_share: float | None = None
    note: str | None = None


class Sentiment(BaseModel):
    mean: float = Field(description="Mean VADER compound score, -1 (negative) to 1 (positive).")
    negative_share: float
    method: str = "VADER compound score per record; negative below -0.05"


class Severity(BaseModel):
    complaints: int = Field(description="Records that are negative (VADER), rated low, or talk of leaving.")
    complaint_share: float
    churn_intent: int
    churn_intent_share: float
    rated: int
    low_rating_share: float | None
    nps_responses: int
    detractor_share: float | None
    mean_nps: float | None


class Revenue(BaseModel):
    mrr_at_stake: float
    customers_with_mrr: int


class SegmentSkew(BaseModel):
    column: str
    value: str
    lift: float
    mentions: int


class ThemeStats(BaseModel):
    """A theme's statistics as drafts and reports show them, all computed by code: prose may use only these."""

    mentions: int
    reach: int
    share: float
    share_ci: tuple[float, float]
    interval_level: float = 0.95
    significance_level: float = 0.05
    trend: Literal["growing", "stable", "fading", "unknown"]
    trend_p_value: float | None
    complaint_share: float
    sentiment_mean: float
    negative_share: float
    churn_intent: int
    detractor_share: float | None
    low_rating_share: float | None
    mrr_at_stake: float
    customers_with_mrr: int
    over_indexes: list[SegmentSkew]


class SubthemePublic(BaseModel):
    id: str
    label: str
    keywords: list[str]
    mentions: int


class ThemePublic(BaseModel):
    id: str
    label: str
    keywords: list[str]
    record_ids: list[str]
    mentions: int
    reach: int
    share: float
    share_ci: tuple[float, float]
    segments: dict[str, list[SegmentSplit]]
    trend: Trend
    sentiment: Sentiment
    severity: Severity
    revenue: Revenue
    quotes: list[Quote]
    subthemes: list[SubthemePublic]
    pain: bool = Field(description="Whether the theme is a pain point, by the rule in the report's method.")
    stats: ThemeStats = Field(description="The digest of the figures above that drafts and reports quote.")


class UnclusteredPublic(BaseModel):
    record_ids: list[str]
    mentions: int
    share: float


class ThemesReport(BaseModel):
    project: str
    records: int = Field(description="Feedback records analysed (after filters); shares are of this number.")
    themes: list[ThemePublic]
    unclustered: UnclusteredPublic
    method: dict[str, str | int | float]
    warnings: list[str] = []
