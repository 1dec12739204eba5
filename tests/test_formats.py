"""Every supported format lands as records with the right text and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import cli, write

SURVEY = (
    "Respondent ID,Plan,Segment,Submitted At,What frustrates you?\n"
    "R1,Team,SMB,2026-03-04,Exports are slow — the CSV export café times out\n"
    "R2,Enterprise,Enterprise,2026-04-05,SSO setup was painful\n"
)


def _texts(project: str) -> dict[str, str]:
    stats = cli("stats", "--project", project, "--json")
    assert stats["records"] > 0
    found = cli("search", "export sso offline", "--project", project, "-k", "50", "--json")["results"]
    return {r["metadata"]["locator"]: r["text"] for r in found}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
def test_csv_in_each_encoding_keeps_accents(tmp_path: Path, encoding: str) -> None:
    text = SURVEY.replace("—", "-") if encoding == "latin-1" else SURVEY
    path = write(tmp_path / "survey.csv", text, encoding)
    report = cli("ingest", str(path), "--project", "enc", "--json")
    assert report["records_added"] == 2 and not report["skipped"]
    texts = _texts("enc")
    assert "café" in texts["survey.csv:2"]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "s.csv"), ("\t", "s.tsv"), ("|", "s.csv")])
def test_delimiters_are_detected(tmp_path: Path, delimiter: str, name: str) -> None:
    path = write(tmp_path / name, SURVEY.replace(",", delimiter))
    report = cli("ingest", str(path), "--project", "delim", "--json")
    assert report["records_added"] == 2
    rec = cli("search", "SSO", "--project", "delim", "--json")["results"][0]
    assert rec["metadata"]["plan"] == "Enterprise" and rec["metadata"]["segment"] == "Enterprise"
    assert rec["metadata"]["date"] == "2026-04-05"


def test_xlsx_rows_keep_types_and_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Response ID", "Date", "Account", "NPS Score", "Why did you give that score?"])
    import datetime as dt

    ws.append(["N1", dt.datetime(2026, 5, 1, 9, 30), "ACC-1", 3, "Dashboards take forever to load"])
    ws.append([None, None, None, None, None])
    ws.append(["N2", dt.datetime(2026, 6, 2), "ACC-2", 10, "Automations save us hours"])
    wb.save(tmp_path / "nps.xlsx")
    report = cli("ingest", str(tmp_path / "nps.xlsx"), "--project", "xl", "--json")
    assert report["records_added"] == 2
    hit = cli("search", "automations", "--project", "xl", "--json")["results"][0]
    meta = hit["metadata"]
    assert meta["locator"] == "nps.xlsx:4" and meta["nps"] == 10 and meta["kind"] == "nps"
    assert meta["date"] == "2026-06-02" and meta["question"] == "Why did you give that score?"


def test_json_array_nested_objects_are_flattened(tmp_path: Path) -> None:
    items = [
        {"id": "T1", "customer": {"id": "C1", "plan": "Team"}, "message": "Search never finds my task"},
        {"id": "T2", "customer": {"id": "C2", "plan": "Business"}, "message": "Jira sync creates duplicates"},
    ]
    write(tmp_path / "tickets.json", json.dumps({"tickets": items}))
    report = cli("ingest", str(tmp_path / "tickets.json"), "--project", "js", "--json")
    assert report["records_added"] == 2
    hit = cli("search", "jira", "--project", "js", "--json")["results"][0]
    assert hit["metadata"]["locator"] == "tickets.json[1]"
    assert hit["metadata"]["customer_plan"] == "Business" and hit["metadata"]["kind"] == "ticket"


def test_jsonl_html_bodies_become_text(tmp_path: Path) -> None:
    lines = [
        {
            "ticket_id": "T1",
            "account_id": "A1",
            "subject": "Export stuck",
            "body": "<p>The export is stuck at 0%.</p><p>Thanks,<br>Sam</p>",
        }
    ]
    write(tmp_path / "support.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    cli("ingest", str(tmp_path / "support.jsonl"), "--project", "jl", "--json")
    hit = cli("search", "export", "--project", "jl", "--json")["results"][0]
    assert hit["text"].startswith("Export stuck\n\nThe export is stuck at 0%.")
    assert "<p>" not in hit["text"] and hit["metadata"]["title"] == "Export stuck"


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    write(
        tmp_path / "interviews" / "acme.md",
        "---\ntitle: 'Interview: Acme'\nrole: Operations Lead\nsegment: Mid-Market\ndate: 2026-04-14\n---\n"
        "# Interview: Acme\n\n## Pain points\nThe mobile app loses edits offline.\n",
    )
    report = cli("ingest", str(tmp_path / "interviews"), "--project", "md", "--json")
    assert report["records_added"] == 1 and not report["warnings"]
    hit = cli("search", "offline", "--project", "md", "--json")["results"][0]
    meta = hit["metadata"]
    assert meta["kind"] == "interview" and meta["role"] == "Operations Lead" and meta["segment"] == "Mid-Market"
    assert meta["date"] == "2026-04-14" and meta["title"] == "Interview: Acme" and meta["source"] == "acme.md"
    assert hit["text"].startswith("# Interview: Acme")


def test_plain_text_and_pdf_are_read(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    write(tmp_path / "notes.txt", "Customers in retail ask for offline mode on tablets.")
    c = canvas.Canvas(str(tmp_path / "market-report.pdf"))
    c.drawString(72, 720, "The work management market grows 13% a year.")
    c.showPage()
    c.drawString(72, 720, "Three of four competitors offer free viewer seats.")
    c.save()
    report = cli("ingest", str(tmp_path), "--project", "docs", "--json")
    assert report["records_added"] == 2
    hits = cli("search", "free viewer seats competitors", "--project", "docs", "--json")["results"]
    pdf = next(h for h in hits if h["metadata"]["source"] == "market-report.pdf")
    assert pdf["metadata"]["kind"] == "research"
    assert "13% a year" in pdf["text"] and "free viewer seats" in pdf["text"]


def test_folder_walk_skips_hidden_and_lists_unsupported(tmp_path: Path) -> None:
    write(tmp_path / "a" / "reviews.csv", "review_id,rating,review\nV1,2,The app crashes when I open a board\n")
    write(tmp_path / "a" / ".hidden.csv", "x,review\n1,should never be read at all by anyone\n")
    write(tmp_path / "a" / "logo.png", "not really a png")
    report = cli("ingest", str(tmp_path / "a"), "--project", "walk", "--json")
    assert report["files"] == ["reviews.csv"]
    assert any(w["locator"] == "logo.png" and "not a supported format" in w["reason"] for w in report["warnings"])
