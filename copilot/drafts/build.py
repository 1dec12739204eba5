"""One entry point for every draft, so the CLI, the API, Slack and the evals build and render them the same way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from copilot.drafts import pain_points, personas, prd, swot
from copilot.drafts.render import pain_points_markdown, personas_markdown, prd_markdown, swot_markdown
from copilot.drafts.schema import PainPointSummary, PersonaSet, Prd, Swot
from copilot.llm.base import Model
from copilot.models import DraftKind, SearchFilter
from copilot.store.chroma import Store

Draft = PainPointSummary | PersonaSet | Swot | Prd


def build_draft(
    store: Store,
    project: str,
    kind: DraftKind | str,
    model: Model,
    *,
    topic: str | None = None,
    filters: SearchFilter | None = None,
) -> Draft:
    kind = DraftKind(kind)
    if kind is DraftKind.swot:
        return swot.build(store, project, model, filters=filters)
    if kind is DraftKind.persona:
        return personas.build(store, project, model, filters=filters)
    if kind is DraftKind.prd:
        return prd.build(store, project, model, topic=topic, filters=filters)
    return pain_points.build(store, project, model, filters=filters)


def draft_markdown(draft: Draft) -> str:
    if isinstance(draft, Swot):
        return swot_markdown(draft)
    if isinstance(draft, PersonaSet):
        return personas_markdown(draft)
    if isinstance(draft, Prd):
        return prd_markdown(draft)
    return pain_points_markdown(draft)


def citations_of(doc: Any) -> Iterator[dict[str, str]]:
    """Every citation in a draft's JSON, wherever it sits (items, quotes, counter-evidence, workarounds)."""
    if isinstance(doc, dict):
        if "record_id" in doc and "quote" in doc:
            yield doc
        else:
            for value in doc.values():
                yield from citations_of(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from citations_of(value)
