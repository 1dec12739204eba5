"""Reruns add nothing, changed rows update in place, duplicates merge, near-duplicates are flagged."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli, write

HEAD = "ticket_id,account_id,created_at,body\n"
ROWS = [
    "T1,A1,2026-03-01,The CSV export times out on our biggest board\n",
    "T2,A2,2026-03-02,Dashboards take a minute to load every morning\n",
    "T3,A3,2026-03-03,Jira sync silently stops working\n",
]


def test_rerun_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path / "tickets.csv", HEAD + "".join(ROWS))
    first = cli("ingest", str(path), "--project", "p", "--json")
    again = cli("ingest", str(path), "--project", "p", "--json")
    assert (first["records_added"], again["records_added"], again["records_unchanged"]) == (3, 0, 3)
    assert again["chunks_stored"] == 0  # nothing was embedded again
    assert cli("stats", "--project", "p", "--json")["records"] == 3


def test_changed_row_updates_in_place(tmp_path: Path) -> None:
    path = write(tmp_path / "tickets.csv", HEAD + "".join(ROWS))
    cli("ingest", str(path), "--project", "p", "--json")
    rid = cli("search", "jira", "--project", "p", "--json")["results"][0]["id"]
    write(path, HEAD + "".join(ROWS[:2]) + "T3,A3,2026-03-03,Jira sync duplicates every issue we edit\n")
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert (report["records_added"], report["records_updated"], report["records_unchanged"]) == (0, 1, 2)
    record = cli("records", "get", rid, "--project", "p", "--json")
    assert record["text"] == "Jira sync duplicates every issue we edit"
    assert cli("stats", "--project", "p", "--json")["records"] == 3


def test_exact_duplicates_merge_and_near_duplicates_are_flagged(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tickets.csv",
        HEAD
        + "".join(ROWS)
        + "T4,A1,2026-03-01,The CSV export times out on our biggest board\n"  # same customer, words, day
        "T5,A9,2026-03-01,The CSV export times out on our biggest board\n"  # another customer: a mention
        "T6,A2,2026-03-09,Dashboards take a minute to load every morning!!\n",
    )  # reworded a little
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert report["records_added"] == 5 and report["duplicates"] == 1 and report["near_duplicates"] == 1
    hits = cli("search", "dashboards load", "--project", "p", "-k", "3", "--json")["results"]
    flagged = [h for h in hits if "near_dup_of" in h["metadata"]]
    assert len(flagged) == 1 and flagged[0]["metadata"]["locator"] == "tickets.csv:7"


def test_near_duplicate_across_runs_is_flagged(tmp_path: Path) -> None:
    cli("ingest", str(write(tmp_path / "a.csv", HEAD + ROWS[1])), "--project", "p", "--json")
    later = write(tmp_path / "b.csv", HEAD + "T9,A2,2026-04-01,Dashboards take a minute to load every morning.\n")
    report = cli("ingest", str(later), "--project", "p", "--json")
    assert report["near_duplicates"] == 1


def test_resume_after_a_crash_adds_no_duplicates(tmp_path: Path) -> None:
    rows = [f"T{i},A{i},2026-03-01,Feedback number {i} about slow exports and reports\n" for i in range(50)]
    write(tmp_path / "part.csv", HEAD + "".join(rows[:20]))  # what landed before the crash
    cli("ingest", str(tmp_path / "part.csv"), "--project", "p", "--json")
    (tmp_path / "part.csv").rename(tmp_path / "tickets.csv")
    write(tmp_path / "tickets.csv", HEAD + "".join(rows))
    cli("ingest", str(tmp_path / "tickets.csv"), "--project", "p2", "--json")
    # Same file name and keys: the first 20 are recognised, only the rest are added.
    cli("ingest", str(write(tmp_path / "x" / "tickets.csv", HEAD + "".join(rows[:20]))), "--project", "p3", "--json")
    report = cli("ingest", str(tmp_path / "tickets.csv"), "--project", "p3", "--json")
    assert (report["records_added"], report["records_unchanged"]) == (30, 20)
    assert cli("stats", "--project", "p3", "--json")["records"] == 50


def test_reader_process_gives_the_same_result_as_in_process(tmp_path: Path, monkeypatch) -> None:
    from copilot.config import reset_settings

    rows = [
        f"T{i},A{i % 7},2026-03-{i % 28 + 1:02d},Ticket {i}: the export call me on +1 212 555 01{i:02d}\n"
        for i in range(60)
    ]
    path = write(tmp_path / "tickets.csv", HEAD + "".join(rows) + "T99,A1\n" + rows[0])
    inproc = cli("ingest", str(path), "--project", "inproc", "--json")
    monkeypatch.setenv("COPILOT_READER_PROCESS_MIN_BYTES", "0")  # always read in a second process
    reset_settings()
    spawned = cli("ingest", str(path), "--project", "spawned", "--json")
    drop = {"project", "seconds"}
    assert {k: v for k, v in inproc.items() if k not in drop} == {k: v for k, v in spawned.items() if k not in drop}
    assert spawned["records_added"] == 60 and spawned["pii_redacted"] == {"PHONE": 61}  # the repeated row too
    assert spawned["skipped"] == [{"locator": "tickets.csv:62", "reason": "expected 4 fields, found 2 (check quoting)"}]
    a = cli("search", "export ticket 7", "--project", "inproc", "--json")["results"]
    b = cli("search", "export ticket 7", "--project", "spawned", "--json")["results"]
    assert [r["id"] for r in a] == [r["id"] for r in b]
