"""`copilot survey-report`: multi-question dumps, XLSX, malformed rows, resume, idempotent reruns, the cost estimate
and --max-cost, and model calls bounded by themes + 2."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from copilot.config import get_settings, reset_settings
from copilot.drafts.render import markdown_text
from copilot.drafts.verify import quote_supported
from copilot.llm.fake import FakeModel, echo_draft
from copilot.store import open_store
from copilot.survey import pipeline
from copilot.survey.cost import CostEstimate
from tests.conftest import CORPUS, _data_dir, cli, write
from tests.openai_server import chat_server
from tests.test_themes import _rows
from tests.test_untrusted_text import _parse, _viewer

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


# What a PM reads: a report of an NPS survey of a broadband provider, written for these tests. Installation
# delays come from detractors on the Basic plan, helpful engineers from promoters, slow evenings from passives on
# Pro; ten answers say nothing; one plan value is hostile text; and June has a single response, about a delay.
DELAY = [
    "Still waiting for my installation after three weeks",
    "My installation was delayed twice and nobody called back",
    "The installation date keeps moving and I am still not connected",
    "Waited a month for the engineer to install the line",
    "Installation took far too long, weeks without internet",
    "The install appointment was cancelled again without notice",
]
PRAISE = [
    "The engineer was friendly and explained everything",
    "Really helpful engineer, quick and tidy work",
    "The technician was polite and fixed it in minutes",
    "Great engineer, very professional and kind",
    "The engineer who came was brilliant and patient",
]
SPEED = [
    "The speed drops every evening and video calls freeze",
    "Download speed is far too slow for what I pay",
    "Evening speeds are terrible, streaming buffers constantly",
    "The connection is slow at night, pages take ages to load",
]
SAY_NOTHING = ["n/a", "nothing", "no", "ok", "none"]
HOSTILE_PLAN = "Co <svg onload=alert(1)> *y* | [z](https://attacker.example/p)"
NPS_HEADER = ["Respondent", "Submitted", "Plan", "How likely are you to recommend us?", "What could we do better?"]


def _nps_survey(path: Path) -> Path:
    rng = random.Random(7)
    rows: list[list[object]] = []
    for month in range(1, 6):
        for i in range(30):
            n = len(rows) + 1
            if i % 3 == 0:
                text, score, plan = rng.choice(DELAY), rng.choice([0, 2, 3, 4, 5, 6]), "Basic"
            elif i % 3 == 1:
                text, score, plan = rng.choice(PRAISE), rng.choice([9, 10]), rng.choice(["Basic", "Pro"])
            else:
                text, score, plan = rng.choice(SPEED), rng.choice([5, 6, 7, 8]), "Pro"
            plan = HOSTILE_PLAN if i in (4, 14) else plan
            text = f"{text} ({n})"
            if i in (7, 22):
                text, score = SAY_NOTHING[(n + i) % 5], 8
            rows.append([f"R{n:03d}", f"2026-0{month}-{1 + i % 27:02d}", plan, score, text])
    rows.append(["R999", "2026-06-02", "Pro", 1, "Still waiting for my installation after a month (999)"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([NPS_HEADER, *rows])
    return path


def _plain_survey(path: Path) -> Path:
    """No dates and no NPS; a second question nobody answers with anything to go on."""
    from tests.test_themes import TOPICS

    rng = random.Random(3)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Respondent", "Team", "What slows you down?", "Anything else to add?"])
        for i in range(90):
            phrases = list(TOPICS.values())[i % 3]
            w.writerow([f"P{i}", ["Sales", "Ops", "Field"][i % 3], f"{rng.choice(phrases)} ({i})", SAY_NOTHING[i % 5]])
    return path


Rendered = tuple[Any, str, str]  # the report, its HTML and its Markdown


def _render(data: Path, file: Path, **options: Any) -> Rendered:
    from copilot.survey import render

    with _data_dir(data):
        report = pipeline.survey_report(get_settings(), pipeline.Options(file=file, **options), Hooks())
    return report, render.html(report), render.markdown(report)


@pytest.fixture(scope="module")
def nps_report(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    tmp = tmp_path_factory.mktemp("nps-survey")
    return _render(tmp / "data", _nps_survey(tmp / "nps.csv"), by="Plan")


@pytest.fixture(scope="module")
def plain_report(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    tmp = tmp_path_factory.mktemp("plain-survey")
    file = _plain_survey(tmp / "plain.csv")
    return _render(tmp / "data", file, by="Region", text_cols=["What slows you down?", "Anything else to add?"])


def _svg(html: str, title: str) -> str:
    return next(s for s in html.split("<svg")[1:] if f"<title>{title}</title>" in s)


def _md_table(md: str, first_header: str) -> list[list[str]]:
    """The rows of the Markdown table whose first header cell is `first_header`, split into cells."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_a_month_with_one_response_is_marked_sparse_instead_of_spiking_to_100_percent(nps_report: Rendered) -> None:
    report, html, md = nps_report
    june = [m for t in report.sections[0].themes for m in t.monthly if m.month == "2026-06"]
    assert june and all(m.records == 1 for m in june) and max(m.share for m in june) == 1.0  # the spike in the data
    trend = _svg(html, "Trend over time")
    ticks = [float(v) for v in re.findall(r'<g id="ytick_\d+">.*?<text[^>]*>([\d.]+)</text>', trend, re.S)]
    assert ticks and max(ticks) < 60  # the axis is scaled to real shares (about a third at most), not to 100%
    assert "fewer than 10 responses" in trend and "2026-06" in trend  # the month is there, drawn as sparse
    assert "fewer than 10 responses" in html.split("Trend over time</title>")[-1].split("</figure>")[0]
    months = {row[0]: row for row in _md_table(md, "Month")}
    assert months["2026-06"][1] == "1" and all("100.0%" not in cell for cell in months["2026-06"][2:])
    assert "under 10" in " ".join(months["2026-06"][2:])
    assert months["2026-01"][1] == "30" and any(cell.endswith("%") for cell in months["2026-01"][2:])


def test_the_heatmap_shows_n_per_column_and_marks_lifts_that_are_not_significant(
    nps_report: Rendered, tmp_path: Path
) -> None:
    report, html, md = nps_report
    themes = report.sections[0].themes
    with _nps_survey(tmp_path / "nps.csv").open(encoding="utf-8") as fh:
        n = Counter(r["Plan"] for r in csv.DictReader(fh))  # respondents of each value, counted by the test
    assert {c.value: c.records for c in themes[0].by_segment} == n
    heatmap = _svg(html, "Themes by Plan")
    assert all(f"n={k}" in heatmap for k in n.values()) and "not significant" in heatmap
    header = next(line for line in md.splitlines() if line.startswith("| Theme |") and "(n=" in line)
    columns = [c.strip() for c in re.split(r"(?<!\\)\|", header)[2:-1]]
    assert sorted(columns) == sorted(f"{markdown_text(v)} (n={k})" for v, k in n.items())
    rows = {r[0]: dict(zip(columns, r[1:], strict=True)) for r in _md_table(md, "Theme")}
    cells = [(t, c) for t in themes for c in t.by_segment]
    q = false_discovery_control([_fisher(t, c) for t, c in cells])  # the stated test, recomputed here
    for (t, c), qi in zip(cells, q, strict=True):
        cell = rows[markdown_text(t.title)][f"{markdown_text(c.value)} (n={c.records})"]
        assert cell.endswith("n.s.") == (qi >= 0.05), (t.title, c.value, cell, qi)
    marked = sum(qi >= 0.05 for qi in q)
    assert 0 < marked < len(cells)  # some lifts are significant, some are not
    small = [c for _, c in cells if c.value == HOSTILE_PLAN and c.mentions in (0, c.records)]
    assert small and not any(c.significant for c in small)  # 0 of 10 or 10 of 10 is not a finding by itself
    method = md.split("## Method")[-1]
    assert "Fisher's exact test" in method and "Benjamini-Hochberg" in method
    assert "not significant" in html.split("Method and provenance")[-1]


def _fisher(t: Any, c: Any) -> float:
    """This value against every other value of the column: the theme's mentions and the rest, in each."""
    k, n = sum(x.mentions for x in t.by_segment), sum(x.records for x in t.by_segment)
    return float(
        fisher_exact([[c.mentions, c.records - c.mentions], [k - c.mentions, n - c.records - k + c.mentions]]).pvalue
    )


def _nps(scores: list[int]) -> float:
    return round((sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores) * 100, 1)


def test_an_nps_section_gives_nps_with_its_interval_by_segment_and_its_drivers(
    nps_report: Rendered, tmp_path: Path
) -> None:
    report, html, md = nps_report
    with _nps_survey(tmp_path / "nps.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    score = NPS_HEADER[3]
    overall = _nps([int(r[score]) for r in rows])
    section = md.split("## Net Promoter Score")[1].split("\n## ")[0]
    assert f"NPS {overall:+.1f} (95% interval " in section and f"{len(rows)} respondents" in section
    assert "## Net Promoter Score" in md.split("## What could we do better?")[0]  # before the question's themes
    by_plan = {r[0]: r for r in _md_table(section, "Plan")}
    for plan in ("Basic", "Pro"):
        expected = _nps([int(r[score]) for r in rows if r["Plan"] == plan])
        assert by_plan[plan][2] == f"{expected:+.1f}" and re.fullmatch(r"[+-]\d+\.\d to [+-]\d+\.\d", by_plan[plan][3])
    drivers = _md_table(section, "Pain theme")
    assert drivers, section
    shares = [float(r[1].rstrip("%")) for r in drivers]
    assert shares == sorted(shares, reverse=True)
    pains = {markdown_text(t.title): t for t in report.sections[0].themes if t.stats.side == "pain"}
    top = pains[drivers[0][0]]
    assert all(c.quote.startswith(tuple(DELAY)) for c in top.quotes)  # the detractors' pain: installation delays
    assert top.stats.nps_impact is not None and top.stats.nps_impact < 0
    assert drivers[0][3] == f"{top.stats.nps_impact:+.1f}"
    assert "Net Promoter Score" in html and f"NPS {overall:+.1f}" in html and "What drives detraction" in html


def test_a_survey_without_nps_has_no_nps_section_and_no_empty_mention_of_it(plain_report: Rendered) -> None:
    _, html, md = plain_report
    assert "NPS" not in md and "Net Promoter" not in md and "detract" not in md.lower()
    assert "NPS" not in html and "Net Promoter" not in html


def test_themes_show_their_side_and_low_information_answers_are_a_count_not_a_theme(nps_report: Rendered) -> None:
    report, html, md = nps_report
    section = report.sections[0]
    sides = {t.title: t.stats.side for t in section.themes}
    assert {"pain", "praise"} <= set(sides.values())
    groups = {"pain": "### Pain points", "praise": "### Praise", "neutral": "### Neither pain nor praise"}
    for title, side in sides.items():
        before = md.split(f". {markdown_text(title)}\n")[0]
        heading = max(groups.values(), key=lambda h: before.rfind(h))
        assert heading == groups[side], (title, side)  # listed under its side's heading
        assert before.rfind(heading) > before.rfind("## What could we do better?")
    assert all(t.title.lower() not in SAY_NOTHING for t in section.themes)
    line = next(x for x in md.splitlines() if "say too little" in x)
    assert line.startswith("10 responses (6.6%) say too little") and "not counted as a theme" in line
    assert "10 responses (6.6%) say too little" in html
    assert all(f'<span class="side {side}">' in html for side in set(sides.values()))


def test_every_customer_string_in_the_new_parts_stays_text(nps_report: Rendered) -> None:
    _, html, md = nps_report
    assert HOSTILE_PLAN not in md and markdown_text(HOSTILE_PLAN) in md
    viewed = _viewer(md)
    assert "svg" not in viewed.tags and not [v for k, v in viewed.attrs if "attacker" in v]
    assert not {"a", "em"} & set(_viewer(md.split("## Net Promoter Score")[1]).tags)
    page = html.split("<main>")[1]
    assert "<svg onload" not in re.sub(r"<svg\b(?=[^>]*xmlns)", "", page)  # only matplotlib's own svg elements
    nps_table = html.split("Net Promoter Score</h2>")[1].split("<h2>")[0]
    assert "<td>Co &lt;svg onload=alert(1)&gt; *y* | [z](https://attacker.example/p)</td>" in nps_table
    assert "Co &lt;svg" in _svg(html, "Themes by Plan")  # the heatmap's column, as characters
    assert not [k for k, _ in _parse(html).attrs if k.startswith("on")]


def _headings(md: str) -> list[tuple[str, str]]:
    """Each Markdown heading with the text under it, up to the next heading."""
    parts = re.split(r"^(#{1,6} .*)$", md, flags=re.M)
    return list(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))


def test_nothing_to_show_is_said_in_one_line_and_no_heading_is_empty(plain_report: Rendered) -> None:
    report, html, md = plain_report
    empty = next(s for s in report.sections if s.question == "Anything else to add?")
    assert not empty.themes
    for heading, body in _headings(md):
        assert body and not body.startswith("|"), heading  # some words under every heading, not a bare table
    section = md.split("## Anything else to add?")[1].split("\n## ")[0]
    assert "No themes:" in section and "| # | Theme |" not in section and "say too little" in section
    assert "No trend: the responses carry no dates." in md
    assert "Region" in md.split("## Executive summary")[0] and "no response has a value" in md
    page = html.split("<main>")[1]
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, flags=re.S)
    bodies = re.split(r"<h[1-6][^>]*>.*?</h[1-6]>", page, flags=re.S)[1:]
    for heading, body in zip(headings, bodies, strict=True):
        assert re.sub(r"<[^>]+>", "", body).strip(), heading
    assert "No themes:" in html and "no response has a value" in html


def test_a_theme_whose_own_wording_fails_verification_is_left_out_and_the_report_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copilot.survey import render

    real = pipeline.theme_request
    broken: list[str] = []

    def unsupported(theme: Any, *args: Any, **kwargs: Any) -> Any:
        request = real(theme, *args, **kwargs)
        if not broken or broken[0] == theme.id:  # e.g. a label "team 103, week 27": numbers no statistic holds
            broken[:1] = [theme.id]
            request.draft.description += " Seen in 987654 accounts."
        return request

    monkeypatch.setattr(pipeline, "theme_request", unsupported)
    report = pipeline.survey_report(get_settings(), pipeline.Options(file=_nps_survey(tmp_path / "s.csv")), Hooks())
    assert broken and broken[0] not in {t.id for s in report.sections for t in s.themes}
    assert report.sections[0].themes and "Seen in 987654" not in render.markdown(report)
    assert any("left out of the report" in w for w in report.warnings)
    assert "left out of the report" in render.markdown(report) and "left out of the report" in render.html(report)


def _theme_report(themes: list[tuple[str, float, float]]) -> Any:
    """Just what the drivers read of an analysis: each pain theme's id, share of detractors and NPS impact."""
    from copilot.analysis.schema import Driver, NpsImpact, ThemePublic, ThemesReport

    def impact(share: float, value: float) -> NpsImpact:
        return NpsImpact(
            respondents=20,
            nps=value * 2,
            detractor_share=0.5,
            share_of_detractors=share,
            share_of_promoters=0.1,
            nps_without=-value,
            impact=value,
        )

    return ThemesReport.model_construct(
        themes=[ThemePublic.model_construct(id=i, nps=impact(share, value)) for i, share, value in themes],
        drivers=[Driver(theme_id=i, label=i, share_of_detractors=share, impact=value) for i, share, value in themes],
    )


def test_a_pain_theme_that_does_not_lower_nps_is_not_listed_as_driving_detraction(nps_report: Rendered) -> None:
    from copilot.survey import figures, render

    report, _, _ = nps_report
    # e.g. "Support always replies" in a real NPS file: 12% of detractors raise it, and NPS is 0.5 higher with them
    analysis = _theme_report([("delays", 0.53, -23.5), ("support", 0.12, 0.5), ("search", 0.12, -2.9)])
    titles = {"delays": "Installation delays", "support": "Support replies", "search": "Search order"}
    drivers = figures.drivers(None, analysis, titles)
    shown = report.model_copy(update={"nps": report.nps.model_copy(update={"drivers": drivers})})
    rows = _md_table(render.markdown(shown).split("## Net Promoter Score")[1], "Pain theme")
    assert [r[0] for r in rows] == ["Installation delays", "Search order"]
    assert all(r[3].startswith("-") for r in rows)
    nothing = figures.drivers(None, _theme_report([("support", 0.12, 0.5)]), titles)
    md = render.markdown(report.model_copy(update={"nps": report.nps.model_copy(update={"drivers": nothing})}))
    assert "What drives detraction: no pain theme" in md and "| Pain theme |" not in md


def test_two_themes_under_one_title_are_told_apart_by_their_side(nps_report: Rendered) -> None:
    from copilot.survey import figures, render

    report, _, _ = nps_report
    section = report.sections[0]
    # on real complaints: "Credit report" as a pain (756 respondents) and as a neutral theme (661)
    twins = {next(t.id for t in section.themes if t.stats.side == side) for side in ("pain", "neutral")}
    same = [t.model_copy(update={"title": "Installation"}) if t.id in twins else t for t in section.themes]
    themed = section.model_copy(update={"themes": figures.distinct_titles(same)})
    shown = report.model_copy(update={"sections": [themed]})
    md, html = render.markdown(shown), render.html(shown)
    titles = [r[1] for r in _md_table(md, "#")]
    assert len(titles) == len(set(titles)) and {"Installation (pain)", "Installation (neutral)"} <= set(titles)
    assert "Installation (pain)" in _svg(html, "Themes by reach") and "Installation (neutral)" in _svg(
        html, "Themes by reach"
    )
    others = [t.title for t in section.themes if t.id not in twins]
    assert [t.title for t in themed.themes if t.id not in twins] == others  # a title of its own stays as it was


def test_a_segment_value_with_too_few_responses_is_left_out_of_the_heatmap_and_said_so(nps_report: Rendered) -> None:
    from copilot.survey import figures, render
    from copilot.survey.schema import SegmentCell

    report, _, _ = nps_report
    section = report.sections[0]
    # on real complaints, 3 of 16 products have 1, 4 and 8 responses: a lift of 8.8x on one response is noise
    trial = SegmentCell(
        value="Trial <b>", mentions=3, records=3, share=1.0, share_ci=(0.44, 1.0), lift=3.0, p_value=1e-6
    )  # 3 of 3 against 7 of 151 elsewhere: Fisher's p is tiny, and three responses still say little
    themes = [
        t.model_copy(update={"by_segment": [*t.by_segment, trial.model_copy()]}, deep=True) for t in section.themes
    ]
    figures.mark_significant(themes)
    assert not any(c.significant for t in themes for c in t.by_segment if c.value == trial.value)
    same = [[c.significant for c in t.by_segment[:-1]] for t in themes]
    assert same == [[c.significant for c in t.by_segment] for t in section.themes]  # the others are tested as before
    shown = report.model_copy(update={"sections": [section.model_copy(update={"themes": themes})]})
    md, html = render.markdown(shown), render.html(shown)
    header = next(line for line in md.splitlines() if line.startswith("| Theme |") and "(n=" in line)
    assert "Trial" not in header and "Trial" not in _svg(html, "Themes by Plan").split("</svg>")[0]
    line = next(x for x in md.splitlines() if "Trial" in x)
    assert "fewer than 10 responses" in line and f"{markdown_text(trial.value)} (n=3)" in line
    assert "Trial &lt;b&gt; (n=3)" in html and "fewer than 10 responses" in html.split("Themes by Plan</title>")[-1]
