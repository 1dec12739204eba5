"""Draft kinds as a registry: a kind declared in one place shows up in the CLI, the API, chat routing, Slack's
help and the eval (gated by the `drafts.*` bars from its first day)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from copilot.analysis.themes import analyze
from copilot.config import Settings, get_settings, reset_settings
from copilot.drafts import registry
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.narrate import engine_note
from copilot.drafts.schema import DraftDocument, Provenance
from copilot.drafts.verify import Citation, Verification
from copilot.evals import real, runner
from tests.conftest import cli

BROKEN = {"on": False}


class Item(BaseModel):
    title: str
    text: str
    citations: list[Citation]


class Memo(DraftDocument):
    kind: Literal["memo"] = "memo"
    items: list[Item]


def build(ctx: DraftContext) -> Memo:
    """The largest theme's first quote, as one cited item (BROKEN damages the quote, as a regression would)."""
    theme = analyze(ctx.store, ctx.project, filters=ctx.filters).themes[0]
    q = theme.quotes[0]
    quote = q.text + (" and I love it" if BROKEN["on"] else "")
    item = Item(
        title=theme.label,
        text=f"Customers raise {theme.label}.",
        citations=[Citation(record_id=q.record_id, quote=quote)],
    )
    return Memo(
        project=ctx.project,
        engine_note=engine_note(ctx.model),
        items=[item],
        verification=Verification(items_checked=1, quotes_checked=1),
        provenance=Provenance(provider=ctx.model.provider, model=ctx.model.model),
    )


def metrics(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    return [Score("items", float(len(doc["items"])), "items in the memo")]


MEMO = DraftKind(
    name="memo",
    title="Memo",
    summary="A one-item memo on the largest theme (a test kind).",
    words=("memo", "note to leadership"),
    schema=Memo,
    build=build,
    markdown=lambda d: f"# Memo: {d.project}\n\n" + "\n".join(f"- {i.title}: {i.text}" for i in d.items) + "\n",
    metrics=metrics,
)


@pytest.fixture
def memo() -> Iterator[DraftKind]:
    registry.register(MEMO)
    BROKEN["on"] = False
    yield MEMO
    registry.unregister("memo")


def test_a_kind_registered_in_one_place_is_in_the_cli_chat_and_slack(demo: Path, memo: DraftKind) -> None:
    from copilot.chat.answer import route
    from copilot.slack.bot import _help

    doc = cli("draft", "memo", "--project", "demo", "--json")
    assert doc["kind"] == "memo" and doc["items"][0]["citations"]
    assert cli("draft", "note to leadership", "--project", "demo").stdout.startswith("# Memo: demo")
    assert "memo: A one-item memo" in cli("draft", "--help").stdout
    refused = cli("draft", "memo", "--project", "demo", "--topic", "x", "--json", expect=1)
    assert refused["error_code"] == "bad_input" and "a memo takes no inputs" in refused["detail"]
    assert route("please write a memo about exports")[0] is memo
    assert "memo" in _help()
    unknown = cli("draft", "poem", "--project", "demo", "--json", expect=1)
    assert unknown["error_code"] == "unknown_kind" and "memo" in unknown["detail"]


def test_a_kind_registered_in_one_place_is_served_by_the_api(demo: Path, memo: DraftKind) -> None:
    from tests.api_server import api_server

    with api_server(Settings(data_dir=demo)) as url:
        doc = httpx.post(f"{url}/v1/projects/demo/drafts/memo", json={}, timeout=120).json()
        kinds = httpx.get(f"{url}/v1/draft-kinds", timeout=30).json()
    assert doc["kind"] == "memo" and doc["items"][0]["title"]
    assert any(k["name"] == "memo" and k["inputs"] == [] for k in kinds)


def test_a_new_kind_is_measured_and_gated_by_the_eval_from_its_first_day(
    eval_data: Path, memo: DraftKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(eval_data))
    reset_settings()
    settings = get_settings().model_copy(update={"data_dir": eval_data / "eval"})
    report = runner.run(settings, suites=["drafts"], providers=["extractive"])
    found = {m.name: m for m in report.metrics}
    assert found["drafts.memo.quote_fidelity"].status == "pass" and found["drafts.memo.items"].value == 1.0
    assert found["drafts.memo.quote_fidelity"].bar is not None  # from drafts.*.quote_fidelity, no line of its own
    BROKEN["on"] = True
    failed = runner.run(settings, suites=["drafts"], providers=["extractive"]).failures
    names = ["memo"] + [f"{s.name}.memo" for s in real.available()]  # the corpus and every real set
    failed_names = [f.split(" = ")[0] for f in failed]
    assert [f for f in failed_names if ".quote_fidelity" in f] == [
        f"drafts.{n}.quote_fidelity [extractive]" for n in names
    ]
    assert all(".memo." in f for f in failed_names)  # nothing but the broken kind fails
