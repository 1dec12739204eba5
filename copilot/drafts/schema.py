"""What a draft is made of: items with citations, and the verification and provenance every draft carries."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from copilot.drafts.verify import Citation, Verification

EXTRACTIVE_NOTE = (
    "Drafted by the extractive engine: no language model was used. Every sentence is assembled "
    "from computed statistics and verbatim quotes; configure a provider for richer prose."
)


class Provenance(BaseModel):
    provider: str
    model: str
    prompt: str | None = None
    prompt_version: int | None = None
    evidence_ids: list[str] = Field(default_factory=list)
    tokens: dict[str, int] = Field(default_factory=lambda: {"prompt": 0, "completion": 0})
    cost_usd: float = 0.0
    token_budget: int | None = None


class SegmentSkew(BaseModel):
    column: str
    value: str
    lift: float
    mentions: int


class PainPointStats(BaseModel):
    """The statistics behind one pain point, all computed by code; the prose may only use these numbers."""

    mentions: int
    reach: int
    share: float
    share_ci: tuple[float, float]
    interval_level: float = 0.95
    significance_level: float = 0.05
    trend: Literal["growing", "stable", "fading", "unknown"]
    trend_p_value: float | None
    complaint_share: float
    negative_share: float
    churn_intent: int
    detractor_share: float | None
    low_rating_share: float | None
    mrr_at_stake: float
    customers_with_mrr: int
    over_indexes: list[SegmentSkew]


class PainPoint(BaseModel):
    theme_id: str
    title: str
    description: str
    statistics: PainPointStats
    quotes: list[Citation]
    counter_evidence: list[Citation] = Field(default_factory=list)
    citations: list[Citation]


class ExecutiveSummary(BaseModel):
    """The reduce step over verified pain points: words and citations, numbers only from their statistics."""

    text: str
    citations: list[Citation]


class PainPointSummary(BaseModel):
    kind: Literal["pain-points"] = "pain-points"
    project: str
    records_analysed: int
    selection: str
    engine_note: str | None
    summary: ExecutiveSummary | None = None
    pain_points: list[PainPoint]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance


class ThemeNarrative(BaseModel):
    """What a model returns for one theme: words and citations only; the numbers stay with the statistics."""

    title: str
    description: str
    citations: list[Citation]


class SwotItem(BaseModel):
    title: str
    description: str
    source: Literal["feedback", "research"]
    source_title: str | None = None
    theme_id: str | None = None
    statistics: dict[str, float] | None = None
    citations: list[Citation]


class SwotAction(BaseModel):
    title: str
    description: str
    addresses: list[str]
    citations: list[Citation]


class Swot(BaseModel):
    kind: Literal["swot"] = "swot"
    project: str
    engine_note: str | None
    rules: str
    strengths: list[SwotItem]
    weaknesses: list[SwotItem]
    opportunities: list[SwotItem]
    threats: list[SwotItem]
    actions: list[SwotAction]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance


class Share(BaseModel):
    value: str
    respondents: int
    share: float


class PersonaChallenge(BaseModel):
    theme_id: str
    label: str
    mentions: int
    lift: float


class Persona(BaseModel):
    name: str
    role: str
    one_liner: str
    description: str
    respondents: int = Field(description="Distinct respondents this persona stands for.")
    respondent_share: float
    company_size: list[Share]
    plan: list[Share]
    segment: list[Share]
    challenges: list[PersonaChallenge]
    current_workarounds: list[Citation]
    wishes: list[Citation]
    quotes: list[Citation]
    citations: list[Citation]


class PersonaSet(BaseModel):
    kind: Literal["personas"] = "personas"
    project: str
    engine_note: str | None
    respondents_with_role: int
    rule: str
    personas: list[Persona]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance


class PrdItem(BaseModel):
    title: str
    text: str
    priority: Literal["must", "should", "could"] | None = None
    statistics: dict[str, float] | None = Field(None, description="The item's own figures, besides the theme's.")
    citations: list[Citation]


class UserStory(BaseModel):
    as_a: str
    i_want: str = Field(description="A customer's own words, verbatim from the cited record.")
    so_that: str
    acceptance_criteria: list[str]
    citations: list[Citation]

    @property
    def title(self) -> str:
        return f"As a {self.as_a}, I want: {self.i_want[:60]}"


class Prd(BaseModel):
    kind: Literal["prd"] = "prd"
    project: str
    topic: str | None
    theme_id: str
    title: str
    engine_note: str | None
    statistics: PainPointStats
    problem: list[PrdItem]
    goals: list[PrdItem]
    non_goals: list[PrdItem]
    personas: list[PrdItem]
    user_stories: list[UserStory]
    requirements: list[PrdItem]
    success_metrics: list[PrdItem]
    risks: list[PrdItem]
    open_questions: list[PrdItem]
    rollout: list[PrdItem]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance
