"""The shared data model: what every layer passes to the next."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

_EPOCH = dt.date(1970, 1, 1)


def to_day(date: dt.date) -> int:
    """A date as whole days since 1970: Chroma filters ranges on numbers only."""
    return (date - _EPOCH).days


def from_day(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


Kind = Literal["survey", "ticket", "review", "nps", "interview", "note", "feedback", "research"]
KINDS: tuple[str, ...] = ("survey", "ticket", "review", "nps", "interview", "note", "feedback", "research")
FEEDBACK_KINDS: frozenset[str] = frozenset(k for k in KINDS if k != "research")

MetaValue = str | int | float | bool


class RecordMeta(BaseModel):
    """What we know about one piece of feedback or research besides its text."""

    source: str
    kind: Kind
    locator: str = Field(description="Where it came from, e.g. 'survey.csv:57' or 'tickets.jsonl:12'.")
    question: str | None = None
    title: str | None = None
    customer_id: str | None = None
    segment: str | None = None
    plan: str | None = None
    role: str | None = None
    company_size: str | None = None
    mrr: float | None = None
    rating: float | None = None
    nps: int | None = None
    date: dt.date | None = None
    extra: dict[str, MetaValue] = Field(default_factory=dict)


class Record(BaseModel):
    """One unit of evidence: an answer, a ticket, a review, an interview, a research document."""

    id: str
    text: str
    meta: RecordMeta
    content_hash: str
    fingerprint: str
    near_dup_of: str | None = None


class Chunk(BaseModel):
    """A slice of a record's text: `text == record.text[start:end]`, so quotes can be checked."""

    id: str
    record_id: str
    index: int
    count: int
    start: int
    end: int
    text: str
    section: str | None = None


class SkippedRow(BaseModel):
    locator: str = Field(description="file:row (or file when the whole file was skipped)")
    reason: str


class IngestReport(BaseModel):
    project: str
    files: list[str] = Field(default_factory=list)
    rows_read: int = 0
    records_added: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    blank_answers: int = 0
    chunks_stored: int = 0
    pii_redacted: dict[str, int] = Field(default_factory=dict)
    skipped: list[SkippedRow] = Field(default_factory=list)
    warnings: list[SkippedRow] = Field(default_factory=list)
    seconds: float = 0.0


class SearchResult(BaseModel):
    id: str = Field(description="The record id; open it with `copilot records get ID`.")
    text: str
    score: float
    metadata: dict[str, Any]


class SearchResponse(BaseModel):
    results: list[SearchResult]


class RecordPublic(BaseModel):
    id: str
    text: str
    metadata: dict[str, Any]


class ProjectStats(BaseModel):
    project: str
    records: int
    chunks: int
    by_source: dict[str, int]
    by_kind: dict[str, int]
    by_segment: dict[str, int]
    by_plan: dict[str, int]
    embedding_model: str
