"""What a summary report holds; the HTML, Markdown and JSON reports all render this one model."""

from __future__ import annotations

from pydantic import BaseModel, Field

from copilot.analysis.schema import MonthPoint
from copilot.drafts.schema import Provenance
from copilot.drafts.verify import Citation, Verification
from copilot.models import SkippedRow


class SegmentCell(BaseModel):
    value: str
    mentions: int
    share: float
    lift: float


class SummaryTheme(BaseModel):
    id: str
    label: str
    title: str
    narrative: str
    worded_by: str = Field(description="'model' when a model wrote the title and narrative, else 'extractive'.")
    mentions: int
    reach: int
    share: float
    share_ci: tuple[float, float]
    sentiment_mean: float
    negative_share: float
    complaint_share: float
    trend: str
    monthly: list[MonthPoint]
    by_segment: list[SegmentCell]
    quotes: list[Citation]


class SummarySection(BaseModel):
    question: str | None = Field(description="The survey question; None when the file has one text column.")
    records: int
    themes: list[SummaryTheme]
    unclustered: int
    unclustered_share: float


class ExecutiveSummaryText(BaseModel):
    text: str
    citations: list[Citation]


class SummaryReport(BaseModel):
    kind: str = "summary"
    title: str
    source_file: str
    project: str
    rows_read: int
    records: int
    skipped: list[SkippedRow]
    by: str | None
    executive_summary: ExecutiveSummaryText
    sections: list[SummarySection]
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance
    prompts: dict[str, int] = Field(default_factory=dict, description="Prompt name to version, for every prompt used.")
    model_calls: int = 0
    seconds: float = 0.0
