"""`copilot survey-report`: multi-question dumps, XLSX, malformed rows, resume, idempotent reruns, the cost estimate
and --max-cost, and model calls bounded by themes + 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from copilot.config import get_settings, reset_settings
from copilot.drafts.verify import quote_supported
from copilot.llm.fake import FakeModel, echo_draft
from copilot.store import open_store
from copilot.survey import pipeline
from copilot.survey.cost import CostEstimate
from tests.conftest import CORPUS, cli, write
from tests.openai_server import chat_server
from tests.test_themes import _rows

SURVEY = CORPUS / "survey_responses.csv"


class Hooks:
    def __init__(self, yes: bool = True) -> None:
        self.yes, self.estimates, self.stages = yes, [], []

    def stage(self, name: str, total: int | None) -> None:
        self.stages.append(name)

    def advance(self, name: str, completed: int) -> None:
        pass

    def confirm(self, estimate: CostEstimate) -> bool:
        self.estimates.append(estimate)
        return self.yes


def _themes(report: Any) -> int:
    return sum(len(s.themes) for s in report.sections)


def test_a_multi_question_dump_becomes_a_verified_self_contained_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli("survey-report", str(SURVEY), "--by", "plan", "--out", str(out))
    assert "3 question(s)" in result.stdout and "Report:" in result.stdout
    report = json.loads(out.with_suffix(".json").read_text())
    questions = [s["question"] for s in report["sections"]]
    assert len(questions) == 3 and all(q and q.endswith("?") for q in questions)
    assert all(s["themes"] for s in report["sections"]) and report["verification"]["items_dropped"] == 0
    store = open_store()
    for section in report["sections"]:
        for theme in section["themes"]:
            assert theme["by_segment"] and {c["value"] for c in theme["by_segment"]} <= {
                "Starter",
                "Team",
                "Business",
                "Enterprise",
            }
            for q in theme["quotes"]:
                assert quote_supported(q["quote"], store.get_record(report["project"], q["record_id"]).text)
    assert report["skipped"] and all(re.match(r"survey_responses\.csv:\d+$", s["locator"]) for s in report["skipped"])
    html = out.read_text()
    assert html.count("<svg") >= 3 * 3 and "<script" not in html and not re.search(r"(src|href)=\"https?:", html)
    assert "Skipped rows" in html and "Method and provenance" in html
    md = out.with_suffix(".md").read_text()
    assert md.startswith("# What survey_responses.csv says") and "## Executive summary" in md


def test_an_xlsx_dump_with_malformed_rows_keeps_every_good_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent", "Team", "What slows you down?", "What should we build next?"])
    topics = [
        ("The export to Excel times out on big projects", "Scheduled CSV exports to our warehouse"),
        ("The mobile app loses my edits offline", "A real offline mode for the field crew"),
        ("Per-seat pricing is too expensive for viewers", "Free read-only viewer seats"),
    ]
    for i in range(90):
        slow, build = topics[i % 3]
        ws.append([f"R{i}", ["Sales", "Ops", "Field"][i % 3], f"{slow} (case {i})", f"{build}, please ({i})"])
    ws.append(["R-bad", "Ops", None, None])  # row 92: no answer at all
    ws.append([None, None, None, None])
    path = tmp_path / "dump.xlsx"
    wb.save(path)
    report = pipeline.survey_report(get_settings(), pipeline.Options(file=path, by="Team"), Hooks())
    assert [s.question for s in report.sections] == ["What should we build next?", "What slows you down?"]
    assert report.records == 180 and [s.locator for s in report.skipped] == ["dump.xlsx:92"]
    assert all(t.by_segment for s in report.sections for t in s.themes)


def test_malformed_csv_rows_are_reported_with_their_row_numbers(tmp_path: Path) -> None:
    rows = _rows(2, 30)[0].splitlines()
    rows.insert(10, "X1,C1,SMB,2026-13-45,")  # no answer, and an impossible date
    rows.insert(20, "X2,C2,SMB,2026-03-03,short row")  # too few fields
    path = write(tmp_path / "dump.csv", "\n".join(rows) + "\n")
    result = cli("survey-report", str(path), "--out", str(tmp_path / "r.md"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert "dump.csv:11" in {s["locator"] for s in report["skipped"]}
    assert report["records"] >= len(rows) - 3 and "skipped" in result.stderr and report["sections"][0]["themes"]


def test_an_interrupted_run_resumes_without_redoing_finished_themes(tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []
    interrupted = []

    def flaky(messages: list) -> str:
        calls.append(messages[0].content)
        if len(calls) == 4 and not interrupted:
            interrupted.append(True)
            raise KeyboardInterrupt  # the PM presses Ctrl-C during the fourth narrative
        return echo_draft(messages)

    monkeypatch.setattr(pipeline, "get_model", lambda settings, provider=None: FakeModel(responder=flaky))
    opts = pipeline.Options(file=SURVEY, provider="fake", concurrency=1)
    with pytest.raises(KeyboardInterrupt):
        pipeline.survey_report(get_settings(), opts, Hooks())
    state_file = get_settings().data_dir / "survey-reports" / pipeline.run_id(opts) / "state.json"
    finished = len(pipeline.State.model_validate_json(state_file.read_text()).narratives)
    assert finished >= 3  # saved as they completed, before the interruption
    calls.clear()
    resumed = pipeline.survey_report(get_settings(), opts.model_copy(update={"resume": True}), Hooks())
    themes = _themes(resumed)
    assert len(calls) == themes - finished + 1  # only the rest of the themes, plus the executive summary
    assert all(t.worded_by == "model" for s in resumed.sections for t in s.themes)
    assert resumed.model_calls == themes + 2 and resumed.verification.items_dropped == 0  # + the interrupted call


def test_a_rerun_on_the_same_file_is_idempotent(tmp_path: Path) -> None:
    first = cli("survey-report", str(SURVEY), "--out", str(tmp_path / "a.json"), "--json")
    second = cli("survey-report", str(SURVEY), "--out", str(tmp_path / "b.json"), "--json")
    for doc in (first, second):
        doc.pop("seconds")
    assert first == second
    assert len(open_store().projects()) == 1  # the same throwaway project, not a second copy


def test_model_calls_stay_within_themes_plus_two_even_when_every_reply_fails(tmp_path: Path, monkeypatch) -> None:
    model = FakeModel(responder=lambda messages: "not json at all")
    monkeypatch.setattr(pipeline, "get_model", lambda settings, provider=None: model)
    report = pipeline.survey_report(get_settings(), pipeline.Options(file=SURVEY, provider="fake"), Hooks())
    assert len(model.history) <= _themes(report) + 2 and report.model_calls == len(model.history)
    assert all(t.worded_by == "extractive" for s in report.sections for t in s.themes)
    assert report.verification.items_dropped == _themes(report) + 1 and report.warnings  # + the summary


def test_the_cost_is_estimated_before_any_paid_call_and_max_cost_stops_it(tmp_path: Path, monkeypatch) -> None:
    with chat_server(lambda body: echo_draft_body(body)) as (url, requests):
        monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
        monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-test")
        reset_settings()
        refused = cli(
            "survey-report",
            str(SURVEY),
            "--provider",
            "openai",
            "--max-cost",
            "0.0001",
            "--out",
            str(tmp_path / "r.html"),
            "--json",
            expect=1,
        )
        assert refused["error_code"] == "cost_limit" and "over --max-cost" in refused["detail"]
        assert "model calls to openai/gpt-4o-mini" in refused["detail"] and requests == []
        unasked = cli("survey-report", str(SURVEY), "--provider", "openai", "--out", str(tmp_path / "r.html"), expect=1)
        assert "pass --yes" in unasked.stderr and requests == []  # not a terminal: no silent spending
        hooks = Hooks()
        report = pipeline.survey_report(
            get_settings(), pipeline.Options(file=SURVEY, provider="openai", max_cost=1.0), hooks
        )
    estimate = hooks.estimates[0]
    assert estimate.calls == _themes(report) + 2 and estimate.cost_usd is not None and 0 < estimate.cost_usd < 1
    assert len(requests) == report.model_calls <= _themes(report) + 2
    assert report.provenance.cost_usd > 0 and report.provenance.prompts == {
        "theme_narrative": 1,
        "executive_summary": 3,
    }


def echo_draft_body(body: dict) -> str:
    from copilot.llm.base import Message

    return echo_draft([Message(role="user", content=body["messages"][0]["content"])])
