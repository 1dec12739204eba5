"""Whole files that are broken, huge or odd: each is named with what happened, and every good row still lands."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from copilot.config import reset_settings
from tests.conftest import cli, write

GOOD = "id,feedback\n" + "".join(f"G{i},Good row {i}: the dashboards load slowly\n" for i in range(10))


def _corrupt_xlsx(path: Path) -> Path:
    """A workbook whose sheet XML is cut off half-way, as a failed upload or a full disk leaves it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "feedback"])
    for i in range(3000):  # long enough that the parser yields rows before it reaches the cut
        ws.append([f"X{i}", f"Spreadsheet row {i} says exports time out"])
    whole = path.with_suffix(".tmp")
    wb.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    whole.unlink()
    return path


@pytest.mark.parametrize("separate_process", [False, True])
def test_a_corrupt_workbook_and_a_deep_json_are_named_and_the_good_files_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separate_process: bool
) -> None:
    if separate_process:
        monkeypatch.setenv("COPILOT_READER_PROCESS_MIN_BYTES", "0")
        reset_settings()
    folder = tmp_path / "in"
    write(folder / "good.csv", GOOD)
    _corrupt_xlsx(folder / "corrupt.xlsx")
    write(folder / "deep.json", "[" * 10_000 + "]" * 10_000)
    deep_line = '{"a":' * 5_000 + "1" + "}" * 5_000
    write(folder / "lines.jsonl", f'{{"feedback": "Sync is slow"}}\n{deep_line}\n{{"feedback": "Search is great"}}\n')
    report = cli("ingest", str(folder), "--project", "p", "--json", expect=1)  # whole files failed
    skipped = {s["locator"]: s["reason"] for s in report["skipped"]}
    assert "corrupt.xlsx" in skipped and "cannot read" in skipped["corrupt.xlsx"]
    assert "nested too deeply" in skipped["deep.json"]
    assert "nested too deeply" in skipped["lines.jsonl:2"]
    # Rows of the workbook read before the cut are kept, and the skip says how many.
    kept = report["records_added"] - 12
    assert kept > 0 and f"the {kept} records read before it were kept" in skipped["corrupt.xlsx"]
    stats = cli("stats", "--project", "p", "--json")
    assert stats["by_source"]["good.csv"] == 10 and stats["by_source"]["lines.jsonl"] == 2


def test_a_corrupt_workbook_alone_prints_one_json_document(tmp_path: Path) -> None:
    report = cli("ingest", str(_corrupt_xlsx(tmp_path / "c.xlsx")), "--project", "p", "--json", expect=1)
    assert [s["locator"] for s in report["skipped"]] == ["c.xlsx"]


def test_an_unterminated_quote_loses_only_its_own_line(tmp_path: Path) -> None:
    rows = [f"V{i},Row {i} about exports timing out\n" for i in range(1, 9)]
    rows[2] = 'V3,"this quote is never closed, and the export fails\n'
    path = write(tmp_path / "r.csv", "id,feedback\n" + "".join(rows))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 7
    assert [s["locator"] for s in report["skipped"]] == ["r.csv:4"]
    assert "quote" in report["skipped"][0]["reason"]


def test_a_stray_quote_closed_rows_later_loses_only_its_own_line(tmp_path: Path) -> None:
    rows = [f"V{i},Row {i} about exports timing out\n" for i in range(1, 9)]
    rows[1] = 'V2,"opens here and the export fails\n'
    rows[5] = 'V6,"a proper quoted field, with a comma"\n'
    path = write(tmp_path / "r.csv", "id,feedback\n" + "".join(rows))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 7
    assert [s["locator"] for s in report["skipped"]] == ["r.csv:3"]
    assert cli("search", "proper quoted field", "--project", "p", "--json")["results"][0]["text"] == (
        "a proper quoted field, with a comma"
    )


def test_a_quoted_field_over_several_lines_is_still_one_row(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", 'id,feedback\nV1,"line one\nline two, with a comma"\nV2,Short one\n')
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 2 and not report["skipped"]


def test_a_header_of_200000_columns_is_refused_and_the_project_stays_readable(tmp_path: Path) -> None:
    cols = ",".join(f"c{i}" for i in range(200_000))
    write(tmp_path / "in" / "wide.csv", f"id,feedback,{cols}\n1,Wide row text,{','.join('x' * 200_000)}\n")
    write(tmp_path / "in" / "good.csv", GOOD)
    report = cli("ingest", str(tmp_path / "in"), "--project", "p", "--json", expect=1)
    assert report["records_added"] == 10
    reason = {s["locator"]: s["reason"] for s in report["skipped"]}["wide.csv"]
    assert "200,002 columns" in reason and "COPILOT_MAX_COLUMNS" in reason
    assert cli("stats", "--project", "p", "--json")["records"] == 10


def test_a_json_row_with_too_many_keys_is_one_skipped_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_MAX_COLUMNS", "5")
    reset_settings()
    wide = "{" + ", ".join(f'"k{i}": {i}' for i in range(10)) + ', "feedback": "too wide"}'
    path = write(tmp_path / "r.jsonl", f'{{"feedback": "Exports fail"}}\n{wide}\n{{"feedback": "Search is good"}}\n')
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 2
    assert [s["locator"] for s in report["skipped"]] == ["r.jsonl:2"]
    assert "11 fields" in report["skipped"][0]["reason"]


def test_a_huge_cell_is_skipped_with_its_row_and_the_limit(tmp_path: Path) -> None:
    big = "slow " * 1_000_000  # 5 MB in one cell
    path = write(tmp_path / "r.csv", f"id,feedback\nV1,Exports fail\nV2,{big}\nV3,Search is good\n")
    jsonl = write(tmp_path / "r.jsonl", f'{{"feedback": "Sync fails"}}\n{{"feedback": "{big}"}}\n')
    report = cli("ingest", str(path), str(jsonl), "--project", "p", "--json")
    assert report["records_added"] == 3
    skipped = {s["locator"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"r.csv:3", "r.jsonl:2"}
    assert "1,000,000 characters" in skipped["r.csv:3"] and "COPILOT_MAX_CELL_CHARS" in skipped["r.csv:3"]


ACCENTED = [
    "Très bien, mais l'export échoue",
    "Le café est froid à la réunion",
    "Ça marche, sauf la synchronisation",
    "Où est le bouton « exporter » ?",
    "Problème récurrent avec les tâches",
]


def test_one_row_of_bad_bytes_in_a_utf8_file_is_skipped_and_the_rest_keep_their_accents(tmp_path: Path) -> None:
    lines = [f'A{i},"{t}"\n'.encode() for i, t in enumerate(ACCENTED)]
    lines.insert(2, b"BAD,caf\xe9 \xff\xfe broken bytes\n")
    path = tmp_path / "fr.csv"
    path.write_bytes(b"id,feedback\n" + b"".join(lines))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 5
    assert [s["locator"] for s in report["skipped"]] == ["fr.csv:4"]
    assert "UTF-8" in report["skipped"][0]["reason"]
    texts = {r["text"] for r in cli("search", "export café", "--project", "p", "-k", "10", "--json")["results"]}
    assert texts == set(ACCENTED)


def test_a_latin1_french_file_is_read_as_western_text_with_a_warning(tmp_path: Path) -> None:
    texts = ["L'élève a été très gêné par les pâtes", "Je préfère la version précédente"]  # charset-normalizer: cp1250
    path = write(
        tmp_path / "fr.csv", "id,commentaire\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts)), "latin-1"
    )
    report = cli("ingest", str(path), "--project", "p", "--text-col", "commentaire", "--json")
    assert report["records_added"] == 2
    found = {r["text"] for r in cli("search", "version élève", "--project", "p", "-k", "10", "--json")["results"]}
    assert found == set(texts)
    warning = next(w for w in report["warnings"] if w["locator"] == "fr.csv")
    assert "cp1252" in warning["reason"] and "guess" in warning["reason"]


def test_a_header_only_csv_says_it_has_no_rows(tmp_path: Path) -> None:
    write(tmp_path / "in" / "empty_export.csv", "id,date,feedback\n")
    write(tmp_path / "in" / "good.csv", GOOD)
    report = cli("ingest", str(tmp_path / "in"), "--project", "p", "--json")
    assert report["records_added"] == 10
    notes = {w["locator"]: w["reason"] for w in report["warnings"]}
    assert "no data rows" in notes["empty_export.csv"]
    assert all("free-text" not in s["reason"] for s in report["skipped"] + report["warnings"])


def test_a_binary_file_renamed_txt_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_bytes(bytes(range(256)) * 40)
    write(tmp_path / "in" / "good.csv", GOOD)
    report = cli("ingest", str(tmp_path / "in"), "--project", "p", "--json", expect=1)
    assert report["records_added"] == 10
    assert "binary" in {s["locator"]: s["reason"] for s in report["skipped"]}["notes.txt"]
    assert cli("stats", "--project", "p", "--json")["by_source"] == {"good.csv": 10}


def test_broken_and_looping_symlinks_in_a_folder_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "good.csv", GOOD)
    (folder / "gone.csv").symlink_to(tmp_path / "deleted.csv")
    (folder / "loop_a.csv").symlink_to(folder / "loop_b.csv")
    (folder / "loop_b.csv").symlink_to(folder / "loop_a.csv")
    report = cli("ingest", str(folder), "--project", "p", "--json")
    assert report["records_added"] == 10
    notes = {w["locator"]: w["reason"] for w in report["warnings"]}
    assert "broken symbolic link" in notes["gone.csv"]
    assert "symbolic link loop" in notes["loop_a.csv"] and "symbolic link loop" in notes["loop_b.csv"]
