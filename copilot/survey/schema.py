"""What a survey report holds; the HTML, Markdown and JSON reports all render this one model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from copilot.analysis.schema import MonthPoint, ThemeStats
from copilot.drafts.schema import ExecutiveSummary, Provenance
from copilot.drafts.verify import Citation, Verification
from copilot.models import SkippedRow


class SegmentCell(BaseModel):
    value: str
    mentions: int
    records: int = Field(0, description="Responses in this value of the column: the n behind the share.")
    share: float
    lift: float


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
    themes: list[SurveyTheme]
    unclustered: int
    unclustered_share: float


class SurveyReport(BaseModel):
    kind: str = "survey-report"
    title: str
    source_file: str
    project: str
    rows_read: int
    records: int
    skipped: list[SkippedRow]
    by: str | None
    executive_summary: ExecutiveSummary
    sections: list[SurveySection]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance
    model_calls: int = 0
    seconds: float = 0.0
