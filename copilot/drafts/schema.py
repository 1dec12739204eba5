"""What every draft is made of: items with citations, and the verification and provenance every draft carries.

Each draft kind declares its own document schema (in drafts/kinds/) on `DraftDocument`, the shared base.
"""

from __future__ import annotations

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
    prompts: dict[str, int] = Field(default_factory=dict, description="Every prompt used, with its version.")
    evidence_ids: list[str] = Field(default_factory=list)
    tokens: dict[str, int] = Field(default_factory=lambda: {"prompt": 0, "completion": 0})
    cost_usd: float = 0.0
    token_budget: int | None = None


class DraftDocument(BaseModel):
    """The part every draft shares: which kind and project, how it was worded, and how it was checked."""

    kind: str
    project: str
    engine_note: str | None
    warnings: list[str] = Field(default_factory=list)
    verification: Verification
    provenance: Provenance


class ThemeNarrative(BaseModel):
    """What a model returns for one item: words and citations only; the numbers stay with the statistics."""

    title: str
    description: str
    citations: list[Citation]


class ExecutiveSummary(BaseModel):
    """The reduce step over verified themes: words and citations, numbers only from their statistics."""

    text: str
    citations: list[Citation]
