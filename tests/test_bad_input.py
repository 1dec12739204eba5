"""Bad input gets an error naming the file and row; every good row still lands."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli, write

GOOD = "id,date,rating,review\n"


def test_malformed_csv_row_is_named_and_good_rows_land(tmp_path: Path) -> None:
    path = write(
        tmp_path / "reviews.csv",
        GOOD + "V1,2026-01-01,2,Exports keep failing on big boards\n"
        "V2,2026-01-02,3,too,many,fields,here\n"
        "V3,2026-01-03,4,Search got much better lately\n",
    )
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 2
    assert report["skipped"] == [{"locator": "reviews.csv:3", "reason": "expected 4 fields, found 7 (check quoting)"}]


def test_unterminated_quote_reports_the_line_it_starts_on(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD + 'V1,2026-01-01,2,Fine text for the first row\nV2,2026-01-02,3,"broken\n')
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 1
    assert report["skipped"][0]["locator"] == "r.csv:3"
    assert report["skipped"][0]["reason"].startswith("malformed CSV")


def test_a_file_whose_rows_are_mostly_malformed_says_so_with_row_numbers(tmp_path: Path) -> None:
    rows = "".join(f"{i},Team,The export times out, again and again ({i})\n" for i in range(30))  # unquoted commas
    bad = write(tmp_path / "bad.csv", "id,plan,feedback\n" + rows)
    fine = write(tmp_path / "fine.csv", GOOD + "V1,2026-01-01,2,Dashboards load slowly\n")
    report = cli("ingest", str(bad), str(fine), "--project", "p", "--json", expect=1)  # a whole file failed
    assert report["records_added"] == 1  # the good file still lands
    reason = next(s["reason"] for s in report["skipped"] if s["locator"] == "bad.csv")
    assert "all of the first 30 rows are malformed" in reason and "bad.csv:2: expected 3 fields, found 4" in reason


def test_empty_text_is_skipped_with_its_row(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD + "V1,2026-01-01,2,   \nV2,2026-01-02,3,Dashboards load slowly\n")
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 1
    assert report["skipped"] == [{"locator": "r.csv:2", "reason": "empty text in 'review'"}]


def test_bad_values_are_warnings_and_the_row_is_kept(tmp_path: Path) -> None:
    rows = "".join(f"V{i},2026-01-{i:02d},{i % 5 + 1},Review number {i} says the export is slow\n" for i in range(1, 9))
    path = write(tmp_path / "r.csv", GOOD + rows + "V9,someday,7.5.1,The mobile app loses my edits\n")
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 9 and not report["skipped"]
    reasons = {w["reason"] for w in report["warnings"] if w["locator"] == "r.csv:10"}
    assert any("column 'date'" in r and "row kept" in r for r in reasons)
    assert any("column 'rating'" in r for r in reasons)
    meta = cli("records", "get", _id_of("p", "mobile"), "--project", "p", "--json")["metadata"]
    assert "date" not in meta and "rating" not in meta


def _id_of(project: str, query: str) -> str:
    return cli("search", query, "--project", project, "--json")["results"][0]["id"]


def test_unreadable_files_are_named_and_the_rest_land(tmp_path: Path) -> None:
    write(tmp_path / "good.csv", "id,feedback\n1,Jira sync creates duplicate issues\n")
    write(tmp_path / "broken.xlsx", "this is not a zip file")
    write(tmp_path / "broken.json", "{not json")
    write(tmp_path / "scan.pdf", "%PDF-1.4 garbage")
    write(tmp_path / "bad.jsonl", '{"feedback": "Notifications are too noisy"}\n{oops\n[1, 2]\n')
    report = cli("ingest", str(tmp_path), "--project", "p", "--json", expect=1)  # whole files failed: exit 1
    skipped = {s["locator"]: s["reason"] for s in report["skipped"]}
    assert "not a readable XLSX workbook" in skipped["broken.xlsx"]
    assert "not valid JSON" in skipped["broken.json"]
    assert "PDF" in skipped["scan.pdf"]
    assert skipped["bad.jsonl:2"].startswith("invalid JSON")
    assert skipped["bad.jsonl:3"] == "expected a JSON object, found list"
    assert report["records_added"] == 2


def test_strict_turns_a_skipped_row_into_a_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD + "V1,2026-01-01,2,\nV2,2026-01-02,3,Fine\n")
    cli("ingest", str(path), "--project", "p", "--json")
    result = cli("ingest", str(path), "--project", "p2", "--strict", expect=1)
    assert "r.csv:2" in result.output


def test_missing_path_and_bad_project_name_fail_before_anything_is_written(tmp_path: Path) -> None:
    out = cli("ingest", str(tmp_path / "nope.csv"), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "not_found" and "nope.csv" in out["detail"]
    out = cli("ingest", str(tmp_path), "--project", "no spaces!", "--json", expect=1)
    assert out["error_code"] == "bad_project"


def test_empty_file_is_named(tmp_path: Path) -> None:
    write(tmp_path / "empty.csv", "")
    write(tmp_path / "ok.csv", "id,feedback\n1,Search is slow to return results\n")
    report = cli("ingest", str(tmp_path), "--project", "p", "--json", expect=1)
    assert report["skipped"] == [{"locator": "empty.csv", "reason": "empty.csv: the file is empty"}]
    assert report["records_added"] == 1
