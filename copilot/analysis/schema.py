"""What theme analysis returns: the `{Thing}Public` shapes the CLI prints and the API will serve."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Polarity = Literal["complaint", "request", "praise", "neutral"]


class Quote(BaseModel):
    record_id: str
    text: str = Field(description="Verbatim: a substring of the record's text.")
    polarity: Polarity | None = Field(
        None, description="What the sentence does, by the polarity rules (themes' method.polarity)."
    )


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
    sparse: bool = Field(False, description="Too few records that month for its share to mean much.")


class Trend(BaseModel):
    direction: Literal["growing", "stable", "fading", "unknown"]
    test: str
    monthly: list[MonthPoint]
    z: float | None = None
    p_value: float | None = None
    q_value: float | None = Field(None, description="p adjusted for testing every theme of the report (BH).")
    first_month_share: float | None = None
    last_month_share: float | None = None
    note: str | None = None


class Sentiment(BaseModel):
    mean: float = Field(description="Mean VADER compound score, -1 (negative) to 1 (positive).")
    negative_share: float
    method: str = "VADER compound score per record; negative below -0.05"


class Severity(BaseModel):
    complaints: int = Field(description="Records that hold a complaint, are rated low, or say they will leave.")
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


Side = Literal["pain", "praise", "neutral"]


class PolarityMix(BaseModel):
    """Segments of each polarity (a pain theme holds complaints and requests; a praise theme holds praise)."""

    complaint: int = 0
    request: int = 0
    praise: int = 0
    neutral: int = 0


class NpsSummary(BaseModel):
    """Net Promoter Score over respondents (each counted once), with its 95% interval."""

    respondents: int
    promoters: int
    passives: int
    detractors: int
    nps: float = Field(description="Promoters minus detractors, in points of -100 to 100.")
    nps_ci: tuple[float, float]


class NpsSegment(BaseModel):
    column: str
    value: str
    summary: NpsSummary


class NpsImpact(BaseModel):
    """What a theme means for NPS: how much of detraction it accounts for, and what NPS would be without it."""

    respondents: int = Field(description="Respondents with an NPS score who raise the theme.")
    nps: float = Field(description="NPS among them.")
    detractor_share: float = Field(description="Share of them who are detractors.")
    share_of_detractors: float = Field(description="Share of all detractors who raise the theme.")
    share_of_promoters: float = Field(description="Share of all promoters who raise the theme.")
    nps_without: float = Field(description="NPS of everyone else.")
    impact: float = Field(description="Overall NPS minus NPS without the theme's respondents (negative: it drags).")


class Driver(BaseModel):
    theme_id: str
    label: str
    share_of_detractors: float
    impact: float


class ThemeStats(BaseModel):
    """A theme's statistics as drafts and reports show them, all computed by code: prose may use only these."""

    side: Side = "pain"
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
    share_of_detractors: float | None = None
    share_of_promoters: float | None = None
    nps_impact: float | None = None
    mrr_at_stake: float
    customers_with_mrr: int
    over_indexes: list[SegmentSkew]


class ThemeFigures(BaseModel):
    """Everything counted about one theme or subtheme."""

    id: str
    side: Side
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
    polarity: PolarityMix
    nps: NpsImpact | None = None
    quotes: list[Quote]
    stats: ThemeStats = Field(description="The digest of the figures above that drafts and reports quote.")


class SubthemePublic(ThemeFigures):
    theme_id: str


class ThemePublic(ThemeFigures):
    topic_id: str = Field(description="The topic this theme is one side of; its other sides share it.")
    pain: bool = Field(description="A pain theme: complaints and requests.")
    stability: float = Field(
        description="How well the topic's segments stay together when rediscovered on 90% resamples."
    )
    unstable: bool
    counter_evidence: list[Quote] = Field(default_factory=list, description="Praise on the same topic.")
    requests: list[Quote] = Field(default_factory=list, description="Request sentences of a pain theme: the asks.")
    subthemes: list[SubthemePublic]


class BucketPublic(BaseModel):
    record_ids: list[str]
    mentions: int
    share: float


class LowInformationPublic(BucketPublic):
    examples: list[Quote] = Field(default_factory=list)


UnclusteredPublic = BucketPublic


class ThemesReport(BaseModel):
    project: str
    records: int = Field(description="Feedback records analysed (after filters); shares are of this number.")
    themes: list[ThemePublic]
    unclustered: BucketPublic
    low_information: LowInformationPublic
    nps: NpsSummary | None = None
    nps_by_segment: list[NpsSegment] = Field(default_factory=list)
    drivers: list[Driver] = Field(default_factory=list, description="Pain themes ranked by their share of detractors.")
    method: dict[str, str | int | float]
    warnings: list[str] = []
