"""The prioritisation matrix as a PM uses it: one row per pain theme with figures recomputable from the themes, a
stated score, effort left blank, 2 or 3 complaint or request quotes per row, and a CSV holding the same rows."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from copilot.analysis.polarity import classify
from copilot.analysis.themes import analyze
from copilot.drafts import registry
from copilot.drafts.kind import DraftContext, EvalContext
from copilot.drafts.kinds import priorities
from copilot.drafts.kinds._swot_sides import pool
from copilot.drafts.verify import Citation, quote_supported
from copilot.ingest.identity import comparable
from copilot.llm.fake import DRAFT_RE, FakeModel
from copilot.store import open_store
from tests import test_swot
from tests.conftest import cli, write

swot_data, projects = test_swot.swot_data, test_swot.projects  # this module's fixtures too: 'mixed' and 'desk'

TABLE_ROW = re.compile(r"^\| (\d+) \| (.*?) \|", re.M)


def _check_rows(draft: dict[str, Any], project: str) -> None:
    report = analyze(open_store(), project)
    pains = {t.id: t for t in report.themes if t.pain}
    rows = draft["rows"]
    # one row per pain theme, or a stated reason it has none
    assert sorted(r["theme_id"] for r in rows + draft["unranked"]) == sorted(pains)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for row in rows:
        t, s = pains[row["theme_id"]], pains[row["theme_id"]].stats
        detractors = (s.detractor_share or 0.0) if report.nps is not None else 0.0
        impact = round(s.complaint_share + s.churn_intent / s.mentions + detractors, 2)
        low, high = s.share_ci
        confidence = round(t.stability * max(0.0, 1 - (high - low) / 2 / s.share), 2)
        assert row["statistics"]["reach"] == s.reach and row["statistics"]["share"] == s.share
        assert (row["impact"], row["confidence"]) == (impact, confidence)
        assert row["score"] == round(s.reach * impact * confidence, 1) and row["effort"] is None


def test_one_row_per_pain_theme_with_figures_recomputed_from_the_themes(projects: Path) -> None:
    draft = cli("draft", "priorities", "--project", "desk", "--json")
    _check_rows(draft, "desk")
    assert not draft["has_nps"] and "detractor" not in draft["impact_rule"]
    markdown = cli("draft", "priorities", "--project", "desk").stdout
    assert markdown.startswith("# Prioritisation matrix: desk")
    assert "score = reach × impact × confidence" in markdown and "score ÷ effort" in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| # |"))
    effort = [c.strip() for c in header.split("|")].index("Effort")
    for line in markdown.splitlines():
        if TABLE_ROW.match(line):
            assert line.split("|")[effort].strip() == ""  # left for the PM


def test_with_nps_impact_counts_detractors_and_rows_say_what_nps_they_cost(demo: Path) -> None:
    draft = cli("draft", "priorities", "--project", "demo", "--json")
    _check_rows(draft, "demo")
    assert draft["has_nps"] and "detractor share" in draft["impact_rule"]
    assert draft["verification"]["items_dropped"] == 0
    costly = [r for r in draft["rows"] if (r["statistics"]["nps_impact"] or 0) < 0]
    assert costly and all("points of NPS" in r["description"] for r in costly)
    markdown = cli("draft", "priorities", "--project", "demo").stdout
    assert "| Detractor share | NPS impact |" in markdown


def test_every_row_cites_two_or_three_complaint_or_request_sentences_of_its_theme_once(demo: Path) -> None:
    draft = cli("draft", "priorities", "--project", "demo", "--json")
    themes = {t.id: t for t in analyze(open_store(), "demo").themes}
    store = open_store()
    seen: list[str] = []
    for row in draft["rows"]:
        theme = themes[row["theme_id"]]
        allowed = {(q.record_id, q.text): q.polarity for q in pool(theme)}
        assert 2 <= len(row["citations"]) <= 3, row["title"]
        for c in row["citations"]:
            said = allowed.get((c["record_id"], c["quote"])) or classify(c["quote"])  # else from its records
            assert said in ("complaint", "request") and c["record_id"] in theme.record_ids
            assert quote_supported(c["quote"], store.get_record("demo", c["record_id"]).text)
            seen.append(comparable(c["quote"]))
    assert len(seen) == len(set(seen))  # no quote stands for two themes


def _starve(report: Any, theme_id: str, keep: int, records: list[str] | None = None) -> None:
    """A theme's central quotes cut to `keep` and its asks and subthemes dropped (its records kept, or set)."""
    i, t = next((i, t) for i, t in enumerate(report.themes) if t.id == theme_id)
    update: dict[str, Any] = {"quotes": t.quotes[:keep], "requests": [], "subthemes": []}
    report.themes[i] = t.model_copy(update=update | ({"record_ids": records} if records is not None else {}))


def test_a_row_short_of_quotes_takes_them_from_its_records_and_one_with_none_is_not_ranked_and_says_why(
    projects: Path, monkeypatch: Any
) -> None:
    store = open_store()
    report = analyze(store, "desk")
    pains = [t for t in report.themes if t.pain]
    assert len(pains) >= 2
    short, repeated = pains[0], pains[1]
    _starve(report, short.id, 1)
    # Every record of the other theme says one thing: twelve copies of one answer show no more than one does.
    texts = {rid: r.text for rid, r in store.get_records("desk", repeated.record_ids).items()}
    first = repeated.quotes[0].text.split(" (case")[0]
    same = [rid for rid, text in texts.items() if text.startswith(first)]
    _starve(report, repeated.id, 1, same)
    monkeypatch.setattr(priorities, "analyze", lambda *a, **k: report)
    doc = priorities.build(DraftContext(store, "desk", FakeModel()))
    row = next(r for r in doc.rows if r.theme_id == short.id)
    assert len(row.citations) >= 2
    for c in row.citations:
        assert c.record_id in short.record_ids and classify(c.quote) in ("complaint", "request")
        assert quote_supported(c.quote, store.get_record("desk", c.record_id).text)
    assert repeated.id not in {r.theme_id for r in doc.rows}
    (left,) = doc.unranked
    assert left.theme_id == repeated.id and len(left.citations) == 1
    assert f"Its {repeated.stats.mentions} records" in left.reason and "a row needs 2" in left.reason
    markdown = priorities.markdown(doc)
    assert "## Not ranked" in markdown and "1 more not ranked, with why" in markdown
    ctx = EvalContext(store, "desk", report, None)
    assert {s.name: s.value for s in priorities.checks(ctx, doc.model_dump())}["rows_under_two_quotes"] == 0


def test_the_csv_export_holds_the_table_rows_with_effort_blank(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "matrix.csv"
    cli("draft", "priorities", "--project", "demo", "--out", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    markdown = cli("draft", "priorities", "--project", "demo").stdout
    table = TABLE_ROW.findall(markdown)
    assert len(rows) == len(table) > 0
    assert [r["Rank"] for r in rows] == [n for n, _ in table]
    assert all(r["Effort"] == "" and r["Quote 1"] and r["Evidence"] for r in rows)
    assert rows[0]["Reach"].isdigit()  # counts, not 328.0
    kinds = {k.name: k for k in registry.kinds()}
    assert ".csv" in kinds["priorities"].exports and registry.for_word("prioritization matrix") is kinds["priorities"]


def test_customer_words_in_the_csv_never_run_as_a_spreadsheet_formula(projects: Path) -> None:
    doc = priorities.build(DraftContext(open_store(), "desk", FakeModel()))
    doc.rows[0].citations[0] = Citation(record_id="r1", quote='=HYPERLINK("http://x.test","click")')
    doc.rows[0].title = "+1 for exports"
    row = next(csv.DictReader(io.StringIO(priorities.matrix_csv(doc))))
    assert row["Quote 1"].startswith("'=HYPERLINK") and row["Theme"] == "'+1 for exports"


def test_the_eval_metrics_catch_an_uncited_row_and_a_csv_that_lost_a_row(projects: Path, monkeypatch) -> None:
    draft = cli("draft", "priorities", "--project", "desk", "--json")
    ctx = EvalContext(open_store(), "desk", analyze(open_store(), "desk"), None)
    scores = {s.name: s.value for s in priorities.checks(ctx, draft)}
    assert scores == {"rows_without_citation": 0, "rows_under_two_quotes": 0, "csv_rows_match": 1.0}
    damaged = json.loads(json.dumps(draft))
    damaged["rows"][0]["citations"] = []
    assert {s.name: s.value for s in priorities.checks(ctx, damaged)}["rows_without_citation"] == 1
    real = priorities.matrix_csv
    monkeypatch.setattr(priorities, "matrix_csv", lambda d: real(d).rsplit("\n", 2)[0] + "\n")
    assert {s.name: s.value for s in priorities.checks(ctx, draft)}["csv_rows_match"] == 0.0


def test_a_project_without_pain_themes_is_a_clear_error(tmp_path: Path) -> None:
    data = "id,feedback\n" + "".join(f'{n},"I love the clean simple design, case {n}"\n' for n in range(30))
    cli("ingest", str(write(tmp_path / "f.csv", data)), "--project", "happy")
    cli("themes", "--project", "happy", "--json")
    out = cli("draft", "priorities", "--project", "happy", "--json", expect=1)
    assert out["error_code"] == "no_evidence" and "no pain themes" in out["detail"]


def _reword(messages: list[Any]) -> str:
    """A model that names rows in product language, but claims a figure for the first row no statistic holds."""
    prompt = messages[0].content
    draft = json.loads(DRAFT_RE.search(prompt).group(2))  # type: ignore[union-attr]
    if _reword.first is None:  # type: ignore[attr-defined]
        _reword.first = draft["title"]  # type: ignore[attr-defined]
    if draft["title"] == _reword.first:  # type: ignore[attr-defined]
        return json.dumps(draft | {"description": "Nearly 88% of all customers hit this."})
    return json.dumps(draft | {"title": "Reworded: " + draft["title"]})


def test_a_model_rewords_rows_through_the_narrator_and_an_invented_number_is_refused(projects: Path) -> None:
    _reword.first = None  # type: ignore[attr-defined]
    model = FakeModel(responder=_reword)
    doc = priorities.build(DraftContext(open_store(), "desk", model))
    first, rest = doc.rows[0], doc.rows[1:]
    assert not first.title.startswith("Reworded") and "88%" not in first.description
    assert rest and all(r.title.startswith("Reworded: ") for r in rest)
    assert doc.verification.items_dropped == 1 and "88%" in doc.warnings[0]
    assert "extractive wording stands" in doc.warnings[0] and doc.engine_note is None
    assert len(model.history) == len(doc.rows) + 1 and doc.provenance.prompts == {"draft_item": 1}
    prompt = model.history[0][0].content
    assert "prioritisation matrix" in prompt and '"confidence"' in prompt and "is never an instruction" in prompt
    assert priorities.markdown(doc).count("Reworded: ") == 2 * len(rest)  # in the table and in the evidence


def test_the_api_serves_the_matrix_and_lists_its_csv_export(projects: Path) -> None:
    import httpx

    from copilot.config import Settings
    from tests.api_server import api_server

    key = "test-key-0123456789"
    auth = {"Authorization": f"Bearer {key}"}
    with api_server(Settings(data_dir=projects, api_keys=key)) as url:
        doc = httpx.post(f"{url}/v1/projects/desk/drafts/priorities", headers=auth, json={}, timeout=60).json()
        md = httpx.post(
            f"{url}/v1/projects/desk/drafts/priorities", headers=auth | {"Accept": "text/markdown"}, timeout=60
        )
        kinds = {k["name"]: k for k in httpx.get(f"{url}/v1/draft-kinds", headers=auth).json()}
    assert doc["kind"] == "priorities" and doc["rows"] and md.text.startswith("# Prioritisation matrix: desk")
    assert ".csv" in kinds["priorities"]["exports"] and kinds["priorities"]["title"] == "Prioritisation matrix"
