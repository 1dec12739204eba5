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


def test_same_words_from_different_reviews_are_different_records(tmp_path: Path) -> None:
    rows = "".join(f"RV{i},5,Great app\n" for i in range(10))
    emoji = "".join(f"E{i},5,{e}\n" for i, e in enumerate(["👍", "🎉", "❤", "🔥"]))
    report = cli(
        "ingest", str(write(tmp_path / "reviews.csv", "review_id,rating,review\n" + rows + emoji)), "-p", "p", "--json"
    )
    assert (report["records_added"], report["duplicates"], report["near_duplicates"]) == (14, 0, 0)
    anonymous = write(tmp_path / "anon.csv", "feedback\n" + "Love it\n" * 3 + "🙂\n🚀\n")
    report = cli("ingest", str(anonymous), "-p", "p", "--json")
    assert (report["records_added"], report["duplicates"]) == (5, 0)
    again = cli("ingest", str(anonymous), "-p", "p", "--json")
    assert (again["records_added"], again["records_unchanged"]) == (0, 5)


def _near_duplicate_rows(customers: int) -> list[str]:
    """Each customer says one thing twice, worded a little differently, and one other thing."""
    rows = []
    for c in range(customers):
        rows.append(f"T{c}a,A{c},2026-03-01,Board {c}: the CSV export times out on big boards every time\n")
        rows.append(f"T{c}b,A{c},2026-03-08,Board {c}: the CSV export times out on big boards every time!!\n")
        rows.append(f"T{c}c,A{c},2026-03-09,Customer {c} would like dark mode in the mobile app\n")
    return rows


def _links(project: str) -> dict[str, str]:
    from copilot.store import open_store

    store = open_store()
    return {r.id: r.metadata["near_dup_of"] for r in store.records(project) if "near_dup_of" in r.metadata}


def test_rerun_of_a_file_with_near_duplicates_changes_nothing(tmp_path: Path) -> None:
    from copilot.store import open_store

    path = write(tmp_path / "tickets.csv", HEAD + "".join(_near_duplicate_rows(400)))
    first = cli("ingest", str(path), "--project", "p", "--json")
    assert first["near_duplicates"] == 400
    generation = open_store().generation("p")
    again = cli("ingest", str(path), "--project", "p", "--json")
    assert (again["records_updated"], again["near_duplicates"], again["records_unchanged"]) == (0, 0, 1200)
    assert open_store().generation("p") == generation
    links = _links("p")
    assert len(links) == 400 and not [a for a, b in links.items() if links.get(b) == a]


def test_resume_after_a_crash_leaves_no_mutual_near_duplicate_links(tmp_path: Path) -> None:
    rows = _near_duplicate_rows(300)
    path = write(tmp_path / "tickets.csv", HEAD + "".join(rows[:451]))  # the crash came mid-file
    cli("ingest", str(path), "--project", "p", "--json")
    write(path, HEAD + "".join(rows))
    report = cli("ingest", str(path), "--project", "p", "--json")
    assert (report["records_added"], report["records_updated"]) == (449, 0)
    links = _links("p")
    assert len(links) == 300 and not [a for a, b in links.items() if links.get(b) == a]
