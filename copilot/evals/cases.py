"""Eval cases are data: YAML under evals/cases, read into these models. Adding a case needs no code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from copilot.errors import CopilotError, ErrorCode

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"
CORPUS_DIR = EVALS_DIR.parent / "corpus"


class RetrievalCase(BaseModel):
    query: str
    truth: str | None = Field(None, description="A planted pain point or strength of corpus/truth.yaml.")
    market_fact: str | None = None
    record_ids: list[str] = Field(default_factory=list)
    filters: dict[str, list[str]] = Field(default_factory=dict)
    note: str = ""


class DraftCase(BaseModel):
    artifact: str = Field(description="A draft kind's name (drafts/kinds/).")
    topic: str | None = None
    by: str | None = None
    note: str = ""


class PatternCase(BaseModel):
    pattern: str
    note: str = ""


class RangeCase(BaseModel):
    range: tuple[int, int]
    note: str = ""


class SafetyCases(BaseModel):
    canaries: list[PatternCase]
    pii: list[PatternCase]
    hidden: list[RangeCase]


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{path}: cannot read eval cases ({exc})") from exc


def _validate(model: type[BaseModel], data: Any, path: Path, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        raise CopilotError(ErrorCode.bad_input, f"{path}: {where}: field {field!r}: {first['msg']}") from exc


def retrieval_cases(folder: Path = EVALS_DIR / "cases") -> list[RetrievalCase]:
    path = folder / "retrieval.yaml"
    cases = [_validate(RetrievalCase, c, path, f"case {i + 1}") for i, c in enumerate(_load(path)["cases"])]
    for i, case in enumerate(cases):
        if not (case.truth or case.market_fact or case.record_ids):
            raise CopilotError(
                ErrorCode.bad_input, f"{path}: case {i + 1} names no answers (truth, market_fact, record_ids)"
            )
    return cases


def draft_cases(folder: Path = EVALS_DIR / "cases") -> list[DraftCase]:
    """The cases of drafts.yaml, then a default case for every registered kind the file does not name, so a new
    kind is measured (and gated by the `drafts.*` bars) from its first day."""
    from copilot.drafts import registry

    path = folder / "drafts.yaml"
    cases = [_validate(DraftCase, c, path, f"case {i + 1}") for i, c in enumerate(_load(path)["cases"])]
    for case in cases:
        case.artifact = registry.get(case.artifact).name
    named = {c.artifact for c in cases}
    for kind in registry.kinds():
        if kind.name not in named:
            cases += [DraftCase(artifact=kind.name, note="default case", **inputs) for inputs in kind.eval_cases]
    return cases


def safety_cases(folder: Path = EVALS_DIR / "cases") -> SafetyCases:
    path = folder / "safety.yaml"
    return _validate(SafetyCases, _load(path), path, "file")


def truth() -> dict[str, Any]:
    return _load(CORPUS_DIR / "truth.yaml")
