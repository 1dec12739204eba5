"""Column mapping: detected from headers and values, or given by flags or a YAML file."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli, write


def test_multi_question_survey_gives_one_record_per_answer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "survey.csv",
        "Respondent ID,Email Address,Role,Company Size,How likely are you to recommend us?,"
        "What frustrates you most?,What should we build next?\n"
        "R1,ann@acme.com,Designer,11-50,4,Exports are slow and time out,Bulk export please\n"
        "R2,bob@acme.com,Developer,51-200,9,The API rate limits are too low,\n",
    )
    report = cli("ingest", str(path), "--project", "multi", "--json")
    assert report["records_added"] == 3 and report["blank_answers"] == 1
    hits = cli("search", "export", "--project", "multi", "-k", "10", "--json")["results"]
    by_question = {h["metadata"]["question"]: h for h in hits if h["metadata"]["customer_id"] == "R1"}
    assert set(by_question) == {"What frustrates you most?", "What should we build next?"}
    meta = by_question["What frustrates you most?"]["metadata"]
    assert meta["nps"] == 4 and meta["role"] == "Designer" and meta["company_size"] == "11-50"
    # The email column identifies nobody in the store: it is neither kept nor searchable.
    assert all("acme.com" not in str(h["metadata"]) for h in hits)


def test_explicit_flags_override_detection(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.csv",
        "uid,tier,notes,comment\n"
        "u1,gold,internal only note here,Reports load slowly every morning\n"
        "u2,silver,another internal note,Search misses archived projects\n",
    )
    report = cli(
        "ingest",
        str(path),
        "--project",
        "flags",
        "--text-col",
        "comment",
        "--customer-col",
        "uid",
        "--plan-col",
        "tier",
        "--json",
    )
    assert report["records_added"] == 2
    hit = cli("search", "search archived", "--project", "flags", "--json")["results"][0]
    assert hit["text"] == "Search misses archived projects"
    assert hit["metadata"]["customer_id"] == "u2" and hit["metadata"]["plan"] == "silver"
    assert hit["metadata"]["notes"] == "another internal note"  # unmapped columns stay as metadata


def test_yaml_mapping_file(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "a,b,c\nx1,2026-01-05,Onboarding was confusing for my team\n")
    mapping = write(tmp_path / "map.yaml", "text: c\ncustomer_id: a\ndate: b\nkind: review\n")
    cli("ingest", str(path), "--project", "ym", "--mapping", str(mapping), "--json")
    meta = cli("search", "onboarding", "--project", "ym", "--json")["results"][0]["metadata"]
    assert meta["customer_id"] == "x1" and meta["date"] == "2026-01-05" and meta["kind"] == "review"


def test_mapping_that_names_a_missing_column_says_which(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "id,feedback\n1,The timeline view lags badly\n")
    report = cli("ingest", str(path), "--project", "bad", "--text-col", "Feedbak", "--json", expect=1)
    reason = report["skipped"][0]["reason"]
    assert report["skipped"][0]["locator"] == "f.csv"
    assert "'Feedbak'" in reason and "'feedback'" in reason and "no such column" in reason


def test_mapping_file_with_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "id,feedback\n1,The timeline view lags badly\n")
    mapping = write(tmp_path / "map.yaml", "txt: feedback\n")
    out = cli("ingest", str(path), "--project", "bad", "--mapping", str(mapping), "--json", expect=1)
    assert out["error_code"] == "bad_mapping" and "map.yaml" in out["detail"] and "txt" in out["detail"]


def test_no_free_text_column_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "numbers.csv", "id,score,plan\n1,5,Team\n2,3,Business\n")
    report = cli("ingest", str(path), "--project", "nums", "--json", expect=1)
    assert "found no free-text column" in report["skipped"][0]["reason"]
    assert "--text-col" in report["skipped"][0]["reason"]


def test_surveymonkey_two_row_header_is_merged(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sm.csv",
        "Respondent ID,Plan,What do you dislike?,What would you change?\n"
        ",,Open-Ended Response,Open-Ended Response\n"
        "1001,Team,Notifications flood my inbox every day,A daily digest email\n",
    )
    report = cli("ingest", str(path), "--project", "sm", "--json")
    assert report["records_added"] == 2 and not report["skipped"]
    hit = cli("search", "digest", "--project", "sm", "--json")["results"][0]
    assert hit["metadata"]["question"] == "What would you change?" and hit["metadata"]["locator"] == "sm.csv:3"


def test_revenue_as_arr_becomes_monthly(tmp_path: Path) -> None:
    path = write(
        tmp_path / "accounts.csv",
        'account_id,ARR,feedback\nA1,"$120,000",SSO should not be locked behind the top plan\n',
    )
    cli("ingest", str(path), "--project", "arr", "--json")
    meta = cli("search", "SSO", "--project", "arr", "--json")["results"][0]["metadata"]
    assert meta["mrr"] == 10000.0 and meta["customer_id"] == "A1"
