"""What a person sees without --json."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli, write


def test_ingest_prints_a_summary_with_skipped_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "id,feedback\n1,Exports time out on large boards\n2,\n")
    out = cli("ingest", str(path), "--project", "p").output
    assert "records added" in out and "rows skipped" in out
    assert "skipped f.csv:3: empty text in 'feedback'" in out


def test_search_stats_and_record_read_like_text(tmp_path: Path) -> None:
    cli(
        "ingest",
        str(write(tmp_path / "f.csv", "id,segment,feedback\n1,SMB,Exports time out on large boards\n")),
        "--project",
        "p",
    )
    out = cli("search", "exports", "--project", "p").output
    assert "1. r" in out and "Exports time out on large boards" in out and "SMB" in out
    assert "1 records in 1 chunks" in cli("stats", "--project", "p").output
    rid = cli("search", "exports", "--project", "p", "--json")["results"][0]["id"]
    shown = cli("records", "get", rid, "--project", "p").output
    assert shown.startswith(rid) and "segment: SMB" in shown and shown.rstrip().endswith("large boards")


def test_errors_are_one_line_for_people(tmp_path: Path) -> None:
    result = cli("search", "x", "--project", "missing", expect=1)
    assert "error: project 'missing' does not exist" in result.output
    assert "Traceback" not in result.output


def test_a_project_can_be_deleted_with_its_themes(tmp_path: Path) -> None:
    from tests.test_themes import _rows

    data, _ = _rows(4, 20)
    cli("ingest", str(write(tmp_path / "f.csv", data)), "--project", "gone", "--id-col", "id")
    cli("themes", "--project", "gone", "--json")
    assert cli("projects", "--json")["projects"] == ["gone"]
    assert cli("projects", "--delete", "gone", "--json") == {"projects": [], "deleted": "gone"}
    assert cli("search", "export", "--project", "gone", "--json", expect=1)["error_code"] == "not_found"
    assert cli("projects", "--delete", "gone", "--json", expect=1)["error_code"] == "not_found"
