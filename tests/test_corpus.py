"""The sample corpus is as large and messy as promised, its truth file matches what ingest produces, and the
generator reproduces it exactly."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import yaml
from pypdf import PdfReader

from copilot.store import open_store
from tests.conftest import CORPUS, ROOT

TRUTH = yaml.safe_load((ROOT / "corpus" / "truth.yaml").read_text(encoding="utf-8"))


def test_corpus_has_the_promised_shape() -> None:
    with (CORPUS / "survey_responses.csv").open(encoding="utf-8") as fh:
        survey = list(csv.DictReader(fh))
    assert len({r["Respondent ID"] for r in survey}) >= 1500
    open_ended = [h for h in survey[0] if h.endswith("?") and "recommend" not in h]
    assert len(open_ended) >= 3
    months = {r["Submitted At"][:7] for r in survey}
    assert len(months) >= 6
    assert len((CORPUS / "support_tickets.jsonl").read_text().splitlines()) >= 300
    with (CORPUS / "app_reviews.csv").open(encoding="utf-8-sig") as fh:
        reviews = list(csv.DictReader(fh))
    assert len(reviews) >= 300 and {r["rating"] for r in reviews} >= {"1", "2", "3", "4", "5"}
    assert len(list((CORPUS / "interviews").glob("*.md"))) >= 6
    assert len(list((CORPUS / "research").iterdir())) >= 4


def test_truth_plants_pain_points_trends_strengths_and_market_facts() -> None:
    pains = TRUTH["pain_points"]
    assert len(pains) >= 10 and all(len(p["record_ids"]) >= 20 for p in pains)
    assert {"growing", "fading"} <= {p["trend"] for p in pains}
    assert any(p["skew"] for p in pains) and len(TRUTH["strengths"]) >= 3
    assert len(TRUTH["market_facts"]) >= 6 and {"opportunity", "threat"} <= {f["kind"] for f in TRUTH["market_facts"]}
    assert TRUTH["duplicates"]["exact"] and TRUTH["duplicates"]["near"] and TRUTH["pii_record_ids"]


def test_truth_ids_are_the_ids_ingest_gives(demo: Path) -> None:
    store = open_store()
    wanted = {i for group in ("pain_points", "strengths") for p in TRUTH[group] for i in p["record_ids"]}
    wanted |= {f["record_id"] for f in TRUTH["market_facts"]}
    assert set(store.get_chunks("demo", sorted(wanted))) == wanted
    near = store.get_chunks("demo", [n["id"] for n in TRUTH["duplicates"]["near"]])
    assert near and all(meta.get("near_dup_of") for _, meta, _ in near.values())
    planted = [text for text, _, _ in store.get_chunks("demo", TRUTH["pii_record_ids"]).values()]
    assert planted and not any("@" in d or "555-" in d or "203.0.113" in d for d in planted)
    hidden = [text for text, _, _ in store.get_chunks("demo", TRUTH["injections"]["hidden_record_ids"]).values()]
    assert hidden and not any(0xE0000 <= ord(c) <= 0xE007F for d in hidden for c in d)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "corpus" / "generate.py"), "--out", str(tmp_path)], check=True, capture_output=True
    )
    assert (tmp_path / "truth.yaml").read_text() == (ROOT / "corpus" / "truth.yaml").read_text()
    for rel in [p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file()]:
        new, old = tmp_path / "data" / rel, CORPUS / rel
        if rel.suffix == ".xlsx":
            rows = lambda p: [r for ws in openpyxl.load_workbook(p).worksheets for r in ws.iter_rows(values_only=True)]  # noqa: E731
            assert rows(new) == rows(old), rel
        elif rel.suffix == ".pdf":
            text = lambda p: [pg.extract_text() for pg in PdfReader(p).pages]  # noqa: E731
            assert text(new) == text(old), rel
        else:
            assert new.read_bytes() == old.read_bytes(), rel
    assert json.loads((CORPUS / "support_tickets.jsonl").read_text().splitlines()[0])["ticket_id"] == "T-10001"


def test_theme_discovery_finds_the_planted_pain_points(demo: Path) -> None:
    """Quality floor on the sample corpus (measured 11 of 12): a planted pain point is found when its pain theme,
    or its topic, holds at least 60% of its records and they make up at least half of it (the eval's rule)."""
    from copilot.analysis.themes import analyze
    from copilot.evals.theme_quality import found_theme

    report = analyze(open_store(), "demo")
    found, trend_calls = 0, []
    for pain in TRUTH["pain_points"]:
        best = found_theme(pain, report)
        if best is not None:
            found += 1
            if pain["trend"] != "stable":
                trend_calls.append((pain["trend"], best.trend.direction))
    assert found >= 10
    matched = sum(planted == called for planted, called in trend_calls)
    assert trend_calls and matched >= len(trend_calls) - 1  # a trend on part of a topic can fall short of q < 0.05
    off_topic = set(TRUTH["off_topic_ids"])
    left_out = set(report.unclustered.record_ids) | set(report.low_information.record_ids)
    # measured 177 of 272 (0.65): the rest sits in neutral themes of chatter about the product
    assert len(off_topic & left_out) >= 0.6 * len(off_topic)


def test_a_themes_sub_causes_are_listed_by_how_many_records_raise_them(demo: Path) -> None:
    """A draft shows a theme's first few sub-causes: the ones most customers raise, not the ones with the most
    sentences (CFPB showed 'significantly deficient', 6 records of a form letter, above 44-record causes)."""
    from copilot.analysis.themes import analyze

    report = analyze(open_store(), "demo")
    assert sum(len(t.subthemes) > 2 for t in report.themes) >= 5
    for t in report.themes:
        ranked = [(s.mentions, s.id) for s in t.subthemes]
        assert ranked == sorted(ranked, key=lambda m: (-m[0], m[1])), t.label
