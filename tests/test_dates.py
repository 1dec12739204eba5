"""Dates are read the way the file writes them, and a column whose values are not what its name says is reported."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli, write

HEAD = "ticket_id,submitted,body\n"


def _dates(project: str) -> dict[str, str]:
    found = cli("search", "export", "--project", project, "-k", "50", "--json")["results"]
    return {r["metadata"]["locator"]: r["metadata"].get("date", "") for r in found}


def _rows(dates: list[str]) -> str:
    return "".join(f"T{i},{d},Ticket {i}: the export times out\n" for i, d in enumerate(dates))


def test_uk_dates_are_read_day_first_when_the_column_shows_it(tmp_path: Path) -> None:
    path = write(tmp_path / "uk.csv", HEAD + _rows(["03/02/2024", "11/02/2024", "25/02/2024", "01/03/2024"]))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 4 and not report["warnings"]
    assert _dates("p") == {
        "uk.csv:2": "2024-02-03",
        "uk.csv:3": "2024-02-11",
        "uk.csv:4": "2024-02-25",
        "uk.csv:5": "2024-03-01",
    }


def test_us_dates_are_read_month_first_when_the_column_shows_it(tmp_path: Path) -> None:
    path = write(tmp_path / "us.csv", HEAD + _rows(["02/03/2024", "02/25/2024"]))
    cli("ingest", str(path), "--project", "p", "--json")
    assert _dates("p") == {"us.csv:2": "2024-02-03", "us.csv:3": "2024-02-25"}


def test_an_ambiguous_column_uses_the_stated_default_with_a_warning_and_the_option_overrides_it(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "a.csv", HEAD + _rows(["03/02/2024", "04/02/2024"]))
    report = cli("ingest", str(path), "--project", "p", "--json")
    warning = next(w["reason"] for w in report["warnings"] if w["locator"] == "a.csv")
    assert "'submitted'" in warning and "read as month-first" in warning and "--date-format" in warning
    assert _dates("p") == {"a.csv:2": "2024-03-02", "a.csv:3": "2024-04-02"}
    report = cli("ingest", str(path), "--project", "q", "--date-format", "day-first", "--json")
    assert not report["warnings"]
    assert _dates("q") == {"a.csv:2": "2024-02-03", "a.csv:3": "2024-02-04"}


def test_a_mapping_file_can_say_how_dates_are_written(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", HEAD + _rows(["03.02.2024", "04.02.2024"]))
    mapping = write(tmp_path / "m.yaml", "date: submitted\ndate_format: '%d.%m.%Y'\n")
    report = cli("ingest", str(path), "--project", "p", "--mapping", str(mapping), "--json")
    assert not report["warnings"]
    assert _dates("p") == {"a.csv:2": "2024-02-03", "a.csv:3": "2024-02-04"}
    bad = cli("ingest", str(path), "--project", "p", "--date-format", "sometimes", "--json", expect=1)
    assert bad["error_code"] == "bad_mapping" and "--date-format" in bad["detail"]


def test_a_value_against_the_column_order_is_a_warning_not_a_silent_swap(tmp_path: Path) -> None:
    dates = ["25/02/2024"] * 9 + ["02/30/2024"]  # day-first column; the last cannot be day-first
    path = write(tmp_path / "uk.csv", HEAD + _rows(dates))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 10
    reason = next(w["reason"] for w in report["warnings"] if w["locator"] == "uk.csv:11")
    assert "not a day-first date" in reason and "row kept" in reason


def test_mostly_unparseable_date_nps_and_mrr_columns_are_reported_and_the_rows_kept(tmp_path: Path) -> None:
    rows = "".join(
        f"T{i},{when},{score},{mrr},Ticket {i}: the export times out\n"
        for i, (when, score, mrr) in enumerate(
            [("yesterday", "ten", "lots"), ("last week", "high", "n/a"), ("soon", "9/10", "big"), ("2024-01-02", 7, 10)]
        )
    )
    path = write(tmp_path / "t.csv", "ticket_id,date,nps,mrr,body\n" + rows)
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 4
    notes = [w["reason"] for w in report["warnings"] if w["locator"] == "t.csv"]
    for column in ("date", "nps", "mrr"):
        note = next(n for n in notes if f"column {column!r}" in n)
        assert "3 of 4 sampled values" in note and "rows are kept" in note


def test_negative_mrr_and_out_of_range_nps_are_left_out_with_a_warning(tmp_path: Path) -> None:
    values = [(9, 100), (8, 250), (10, 90), (7, 120), (6, 80), (9, 60), (11, 70), (8, -500)]
    rows = "".join(f"T{i},{nps},{mrr},Ticket {i}: the export times out\n" for i, (nps, mrr) in enumerate(values))
    path = write(tmp_path / "t.csv", "ticket_id,nps,mrr,body\n" + rows)
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 8
    warned = {w["locator"]: w["reason"] for w in report["warnings"]}
    assert "column 'nps'" in warned["t.csv:8"] and "column 'mrr'" in warned["t.csv:9"]
    assert "negative" in warned["t.csv:9"]
    meta = {
        r["metadata"]["locator"]: r["metadata"]
        for r in cli("search", "export", "-p", "p", "-k", "20", "--json")["results"]
    }
    assert "mrr" not in meta["t.csv:9"] and "nps" not in meta["t.csv:8"] and meta["t.csv:2"]["mrr"] == 100
