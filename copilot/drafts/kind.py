"""What a draft kind declares: its name and the words people use for it, its document schema, the inputs it
takes, how it is built and rendered, its extra export formats and its eval metrics. The CLI, the API, chat
routing, Slack and the evals are generated from these declarations (see registry.py); a kind is one module in
drafts/kinds/ that defines `KIND`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from copilot.analysis.schema import ThemesReport
from copilot.drafts.schema import DraftDocument
from copilot.llm.base import Model
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter

Input = Literal["topic", "by"]
INPUT_HELP: dict[str, str] = {
    "topic": "What the draft is about, in plain words (default: the top pain point).",
    "by": "A metadata column to group respondents by (default: chosen from the data).",
}


@dataclass(frozen=True)
class DraftInputs:
    """What a draft is about beyond its filters; a kind declares which of these it takes."""

    topic: str | None = None
    by: str | None = None


@dataclass
class DraftContext:
    """Everything a builder may use. `topic` and `by` are set only for kinds that declare them as inputs."""

    store: Store
    project: str
    model: Model
    filters: SearchFilter = field(default_factory=SearchFilter)
    topic: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class Score:
    """A kind's own eval metric on one draft: reported as drafts.<case>.<name>."""

    name: str
    value: float | None
    detail: str = ""


@dataclass
class EvalContext:
    """What a kind's metrics may look at: the store the draft came from, its themes, and the planted truth of
    the sample corpus (None on real data sets, which carry no such truth)."""

    store: Store
    project: str
    themes: ThemesReport
    truth: dict[str, Any] | None


@dataclass(frozen=True)
class DraftKind:
    name: str
    title: str
    summary: str
    words: tuple[str, ...]
    schema: type[DraftDocument]
    build: Callable[[DraftContext], DraftDocument]
    markdown: Callable[[Any], str]
    inputs: frozenset[Input] = frozenset()
    exports: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    metrics: Callable[[EvalContext, dict[str, Any]], list[Score]] | None = None
    eval_cases: tuple[dict[str, str], ...] = ({},)  # inputs of the eval's default cases of this kind
