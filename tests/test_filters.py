"""One meaning per filter: Chroma's `where`, keyword search's mask and theme analysis agree on every field, a
record without the filtered field never matches, and values match whatever their case or accents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from copilot.analysis.feedback import load_feedback
from copilot.errors import CopilotError
from copilot.store import open_store
from copilot.store.encoding import is_first_chunk, record_of
from copilot.store.filters import SearchFilter, where
from copilot.store.search import keyword_index
from tests.conftest import cli, write

ROWS = [
    ("r1", "2026-01-05", "Enterprise", "Team", "Admin", "3", "Exports to Excel time out every single time"),
    ("r2", "", "Enterprise", "Team", "Analyst", "9", "Exports are fast now and I love the new dashboards"),
    ("r3", "2026-03-07", "SMB", "Starter", "Admin", "", "Per seat pricing is far too expensive for us"),
    ("r4", "", "Pymes Über", "Starter", "", "7", "Pricing is fine but the mobile app loses edits offline"),
    ("r5", "2026-12-30", "SMB", "Business", "Field tech", "0", "The mobile app drops my changes without signal"),
    (
        "r6",
        "2027-01-02",
        "Mid-Market",
        "Business",
        "Admin",
        "10",
        "Search finally finds archived projects and it is great",
    ),
]


def _project(tmp_path: Path) -> None:
    lines = ["id,date,segment,plan,role,nps,feedback"] + [",".join(r) for r in ROWS]
    write(tmp_path / "in" / "feedback.csv", "\n".join(lines) + "\n")
    write(tmp_path / "in" / "market.md", "# Market\n\nCompetitors launched offline mode for field teams this year.\n")
    cli("ingest", str(tmp_path / "in"), "--project", "f", "--id-col", "id", "--json")


def test_a_date_range_leaves_out_undated_records_in_search(tmp_path: Path) -> None:
    """On main before the filter module, keyword search let undated rows through a date range (they counted as
    day -1,000,000), so `--until` returned them while Chroma's own filter did not."""
    _project(tmp_path)
    hits = cli("search", "exports pricing mobile search", "--project", "f", "--until", "2026-12-31", "--json")
    texts = {h["text"] for h in hits["results"]}
    assert texts and all(h["metadata"].get("date") for h in hits["results"])
    assert not texts & {ROWS[1][6], ROWS[3][6]}  # the two undated rows
    for mode in ("keyword", "semantic"):
        found = cli("search", "exports pricing", "--project", "f", "--until", "2026-12-31", "--mode", mode, "--json")
        assert all(
            h["metadata"].get("date", "") <= "2026-12-31" and h["metadata"].get("date") for h in found["results"]
        )


FILTERS = [
    SearchFilter(segment=["Enterprise"]),
    SearchFilter(plan=["Starter", "Business"]),
    SearchFilter(role=["Admin"]),
    SearchFilter(role=["Field tech"]),  # the last stored role: a record without one (code -1) must not pass as it
    SearchFilter(kind=["research"]),
    SearchFilter(source=["feedback.csv"]),
    SearchFilter(feedback_only=True),
    SearchFilter(since=dt.date(2026, 3, 1)),
    SearchFilter(until=dt.date(2026, 12, 31)),
    SearchFilter(since=dt.date(2026, 1, 1), until=dt.date(2026, 12, 31)),
    SearchFilter(nps_band=["detractor"]),
    SearchFilter(nps_band=["passive", "promoter"]),
    SearchFilter(segment=["SMB"], nps_band=["detractor"], until=dt.date(2026, 12, 31)),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: ",".join(k for k, v in f.model_dump().items() if v))
def test_every_path_gives_the_same_records_for_every_filter(tmp_path: Path, f: SearchFilter) -> None:
    _project(tmp_path)
    store = open_store()
    index = keyword_index(store, "f")
    resolved = index.columns.resolve(f)
    by_chroma = {
        record_of(c["metadatas"], c["id"])
        for c in store.iter_chunks("f", ["metadatas"], where=where(resolved))
        if is_first_chunk(c["metadatas"])
    }
    mask = index.mask(resolved)
    assert mask is not None
    by_keyword = {index.ids[i] for i in mask.nonzero()[0]}
    assert by_keyword == by_chroma and by_chroma  # every chunk here is a single-chunk record
    fs = load_feedback(store, "f")
    if f.kind == ["research"]:  # themes are about feedback: asking them for research is an error, said so
        with pytest.raises(CopilotError, match="no record has kind 'research'"):
            fs.columns.resolve(f)
        return
    analysis_mask = fs.columns.mask(fs.columns.resolve(f))
    assert analysis_mask is not None
    assert {fs.ids[i] for i in analysis_mask.nonzero()[0]} == by_chroma & set(fs.ids)


def test_values_match_whatever_their_case_and_accents_and_unknown_ones_say_what_exists(tmp_path: Path) -> None:
    _project(tmp_path)
    lower = cli("search", "pricing", "--project", "f", "--segment", "enterprise", "--json")["results"]
    exact = cli("search", "pricing", "--project", "f", "--segment", "Enterprise", "--json")["results"]
    assert lower and [h["id"] for h in lower] == [h["id"] for h in exact]
    accents = cli("search", "mobile", "--project", "f", "--segment", "pymes uber", "--json")["results"]
    assert [h["metadata"]["segment"] for h in accents] == ["Pymes Über"]
    bad = cli("search", "pricing", "--project", "f", "--segment", "Enterprize", "--json", expect=1)
    assert bad["error_code"] == "bad_filter"
    assert "'Enterprise'" in bad["detail"] and "'SMB'" in bad["detail"] and "Enterprize" in bad["detail"]
    band = cli("search", "pricing", "--project", "f", "--nps-band", "angry", "--json", expect=1)
    assert band["error_code"] == "bad_filter" and "--nps-band" in band["detail"]


def test_the_cli_and_the_api_take_the_same_filters() -> None:
    """Generated from one list: every filtering command and route offers every filter under one name."""
    from typer.main import get_command

    from copilot.api.app import create_app
    from copilot.cli import app
    from copilot.config import Settings
    from copilot.store.filters import FILTER_FIELDS

    group = get_command(app)
    for name in ("search", "themes", "draft"):
        options = {o for p in group.commands[name].params for o in p.opts}  # type: ignore[attr-defined]
        assert {f.option for f in FILTER_FIELDS} <= options, name
    schema = create_app(Settings(data_dir=Path("/nonexistent")), worker=False).openapi()
    for path in ("/v1/projects/{project}/search", "/v1/projects/{project}/themes"):
        params = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {f.field for f in FILTER_FIELDS} <= params, path
    body = schema["components"]["schemas"]["SearchFilter"]["properties"]
    assert {f.field for f in FILTER_FIELDS} <= set(body)
