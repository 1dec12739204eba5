"""One entry point for every draft, so the CLI, the API, Slack, chat and the evals build them the same way."""

from __future__ import annotations

from copilot.drafts import registry
from copilot.drafts.kind import DraftContext, DraftInputs, DraftKind
from copilot.drafts.schema import DraftDocument
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Model
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter


def inputs_for(kind: DraftKind, topic: str | None = None, by: str | None = None) -> DraftInputs:
    """The inputs a kind takes, from those given; one it does not take is an error that says which it takes."""
    given = {"topic": topic, "by": by}
    extra = sorted(k for k, v in given.items() if v and k not in kind.inputs)
    if extra:
        takes = ", ".join(sorted(kind.inputs)) or "no inputs besides filters"
        raise CopilotError(ErrorCode.bad_input, f"a {kind.name} takes {takes}, not {', '.join(extra)}")
    return DraftInputs(topic=topic, by=by)


def draft_document(
    store: Store,
    project: str,
    kind: str,
    model: Model,
    *,
    filters: SearchFilter | None = None,
    inputs: DraftInputs | None = None,
) -> DraftDocument:
    spec = registry.get(kind)
    inputs = inputs or DraftInputs()
    ctx = DraftContext(store, project, model, filters or SearchFilter(), topic=inputs.topic, by=inputs.by)
    return spec.build(ctx)


def draft_markdown(doc: DraftDocument) -> str:
    return registry.markdown(doc)
