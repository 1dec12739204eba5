"""What a survey report holds; the HTML, Markdown and JSON reports all render this one model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from copilot.analysis.schema import MonthPoint, NpsSegment, NpsSummary, ThemeStats
from copilot.drafts.schema import ExecutiveSummary, Provenance
from copilot.drafts.verify import Citation, Verification
from copilot.models import SkippedRow


class SegmentCell(BaseModel):
    value: str
    mentions: int
    records: int = Field(0, description="Responses in this value of the column: the n behind the share.")
    share: float
    share_ci: tuple[float, float] = Field((0.0, 1.0), description="95% Wilson interval of the share.")
    lift: float
    p_value: float = Field(1.0, description="Fisher's exact test, two-sided: this value against the other values.")
    q_value: float = Field(1.0, description="p adjusted (Benjamini-Hochberg) across the cells of the heatmap.")
    significant: bool = Field(False, description="q below 0.05.")


class SurveyTheme(BaseModel):
    id: str
    label: str
    title: str
    narrative: str
    worded_by: str = Field(description="'model' when a model wrote the title and narrative, else 'extractive'.")
    stats: ThemeStats
    monthly: list[MonthPoint]
    by_segment: list[SegmentCell]
    quotes: list[Citation]


class SurveySection(BaseModel):
    question: str | None = Field(description="The survey question; None when the file has one text column.")
    records: int
    themes: list[SurveyTheme] = Field(description="Pain themes, then praise, then neutral; by reach within each.")
    unclustered: int
    unclustered_share: float
    low_information: int = Field(0, description="Answers too empty to place in a theme ('n/a', 'nothing').")
    low_information_share: float = 0.0
    low_information_examples: list[str] = Field(default_factory=list)


class SurveyDriver(BaseModel):
    """A pain theme that drives detraction: how much of it, and what it costs NPS."""

    theme_id: str
    title: str
    question: str | None
    share_of_detractors: float
    respondents: int = Field(description="Respondents with a score who raise the theme.")
    nps: float = Field(description="NPS among those respondents.")
    impact: float = Field(description="Overall NPS minus the NPS of everyone else (negative: it drags NPS down).")


class SurveyNps(BaseModel):
    """NPS over every respondent of the file, by segment, and its drivers."""

    summary: NpsSummary
    by_segment: list[NpsSegment] = Field(default_factory=list)
    min_respondents: int = Field(10, description="Segment values with fewer respondents are left out.")
    left_out: int = Field(0, description="Segment values left out for having too few respondents.")
    drivers: list[SurveyDriver] = Field(default_factory=list)


class SurveyReport(BaseModel):
    kind: str = "survey-report"
    title: str
    source_file: str
    project: str
    rows_read: int
    records: int
    skipped: list[SkippedRow]
    by: str | None
    by_note: str | None = Field(None, description="Why there is no comparison by the --by column, if there is none.")
    executive_summary: ExecutiveSummary
    nps: SurveyNps | None = Field(None, description="None when the file has no NPS (likelihood to recommend).")
    sections: list[SurveySection]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance
    model_calls: int = 0
    seconds: float = 0.0
