"""Themes end to end on small data whose topics are known."""

from __future__ import annotations

import functools
import random
from pathlib import Path

import pytest
import yaml

from tests.conftest import cli, write

TOPICS = {
    "export": [
        "The CSV export times out",
        "Exporting to Excel is painfully slow",
        "CSV export fails on big boards",
        "The export to CSV never finishes",
        "Excel export drops rows",
        "Bulk export of boards to CSV please",
    ],
    "pricing": [
        "Per seat pricing is too expensive",
        "The price per seat is way too high",
        "Seats cost too much for our small team",
        "Pricing per user seat is expensive",
        "Viewer seats should not cost the full seat price",
        "Too expensive per seat for us",
    ],
    "offline": [
        "The mobile app loses edits offline",
        "Offline mode on the mobile app is broken",
        "Mobile app does not work offline",
        "The phone app drops my changes without signal",
        "Offline edits on mobile vanish",
        "The mobile app needs an offline mode",
    ],
}
NOISE = ["asdf", "n/a", "no comment", "-", "ok"]


def _rows(seed: int, per_topic: int, start: int = 0) -> tuple[str, dict[str, list[str]]]:
    rng = random.Random(seed)
    lines = ["id,customer,segment,date,feedback"]
    truth: dict[str, list[str]] = {t: [] for t in TOPICS}
    n = start
    for topic, phrases in TOPICS.items():
        for i in range(per_topic):
            n += 1
            seg = "Enterprise" if (topic == "export" and i % 4) or (topic != "export" and i % 4 == 0) else "SMB"
            month = 1 + (i * 6 // per_topic) if topic == "export" else 1 + i % 6
            lines.append(f"F{n},C{n % 70},{seg},2026-0{month}-1{i % 9},{rng.choice(phrases)} (case {n})")
            truth[topic].append(f"F{n}")
    for word in NOISE:
        n += 1
        lines.append(f"F{n},C{n},SMB,2026-03-03,{word}")
    return "\n".join(lines) + "\n", truth


def _themes(project: str, *args: str) -> dict:
    return cli("themes", "--project", project, *args, "--json")


def _by_topic(report: dict) -> dict[str, dict]:
    out = {}
    for topic, words in (
        ("export", {"export", "csv", "excel"}),
        ("pricing", {"seat", "seats", "pricing", "price"}),
        ("offline", {"offline", "mobile", "app"}),
    ):
        matches = [t for t in report["themes"] if set(t["keywords"][:3]) & words]
        assert len(matches) == 1, (topic, [t["keywords"] for t in report["themes"]])
        out[topic] = matches[0]
    return out


def test_themes_are_found_with_exact_counts(tmp_path: Path) -> None:
    data, truth = _rows(1, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    report = _themes("t")
    assert report["records"] == 125 and len(report["themes"]) == 3  # three topics, all complaints and requests
    assert all(t["side"] == "pain" and t["pain"] and t["polarity"]["praise"] == 0 for t in report["themes"])
    themes = _by_topic(report)
    for topic, theme in themes.items():
        assert theme["mentions"] == 40 == len(theme["record_ids"])
        assert theme["share"] == round(40 / 125, 4)
        locators = {
            cli("records", "get", rid, "--project", "t", "--json")["metadata"]["locator"]
            for rid in theme["record_ids"][:5]
        }
        rows = {f"feedback.csv:{int(fid[1:]) + 1}" for fid in truth[topic]}
        assert locators <= rows
        assert all(
            q["text"] in cli("records", "get", q["record_id"], "--project", "t", "--json")["text"]
            for q in theme["quotes"]
        )
        assert 3 <= len(theme["quotes"]) <= 5 and len({q["record_id"] for q in theme["quotes"]}) == len(theme["quotes"])
    export = themes["export"]
    assert export["reach"] == len({int(f[1:]) % 70 for f in truth["export"]})
    ent = next(r for r in export["segments"]["segment"] if r["value"] == "Enterprise")
    assert ent["mentions"] == 30 and ent["lift"] > 1.5
    assert report["unclustered"]["mentions"] + report["low_information"]["mentions"] <= 5
    keys = {
        "side",
        "polarity",
        "stability",
        "subthemes",
        "id",
        "label",
        "keywords",
        "record_ids",
        "mentions",
        "reach",
        "share",
        "share_ci",
        "segments",
        "trend",
        "sentiment",
        "severity",
        "revenue",
        "quotes",
    }
    assert keys <= set(export)


def test_noise_goes_to_the_unclustered_and_no_information_buckets(tmp_path: Path) -> None:
    data, _ = _rows(2, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    report = _themes("t")
    in_themes = {r for t in report["themes"] for r in t["record_ids"]}
    unclustered = set(report["unclustered"]["record_ids"])
    low = set(report["low_information"]["record_ids"])
    assert not in_themes & unclustered and not in_themes & low and not unclustered & low
    assert len(in_themes) + len(unclustered) + len(low) == report["records"]
    texts = {cli("records", "get", r, "--project", "t", "--json")["text"] for r in unclustered | low}
    assert texts == set(NOISE)
    said = {cli("records", "get", r, "--project", "t", "--json")["text"] for r in low}
    assert said == {"n/a", "no comment", "-", "ok"}  # "asdf" is not an answer of no content, just unclustered


def test_ids_are_stable_and_new_records_join_existing_themes(tmp_path: Path) -> None:
    data, _ = _rows(3, 40)
    path = write(tmp_path / "feedback.csv", data)
    cli("ingest", str(path), "--project", "t", "--id-col", "id")
    first = _by_topic(_themes("t"))
    assert {k: v["id"] for k, v in _by_topic(_themes("t")).items()} == {k: v["id"] for k, v in first.items()}
    more, _ = _rows(4, 10, start=1000)
    cli("ingest", str(write(tmp_path / "more.csv", more)), "--project", "t", "--id-col", "id")
    after = _by_topic(_themes("t"))
    for topic in TOPICS:
        assert after[topic]["id"] == first[topic]["id"]
        assert after[topic]["mentions"] == 50  # the 10 new ones were assigned without rediscovery
    rediscovered = _by_topic(_themes("t", "--rediscover"))
    assert {k: v["id"] for k, v in rediscovered.items()} == {k: v["id"] for k, v in first.items()}


def test_themes_found_with_another_analysis_embedding_are_rediscovered_not_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user who switches COPILOT_ANALYSIS_EMBEDDING (to minilm, say) gets themes found in the new space: the old
    theme model's centres live in another space and cannot carry ids over (this crashed on their width)."""
    import numpy as np

    from copilot.analysis import embedding
    from copilot.store.embeddings import WordLlamaEmbedder

    data, _ = _rows(3, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    before = _by_topic(_themes("t"))

    class Wider:  # an embedding of its own, with more dimensions than the default's (and the same angles)
        name = "test/wider"

        def embed(self, texts: list[str]) -> np.ndarray:
            x = np.asarray(WordLlamaEmbedder().embed(texts), dtype=np.float32)
            return np.hstack([x, np.zeros((len(x), 64), np.float32)])

    monkeypatch.setattr(embedding, "_model", lambda name: Wider())
    for args in ((), ("--rediscover",)):
        after = _by_topic(_themes("t", *args))
        assert {k: v["mentions"] for k, v in after.items()} == {k: v["mentions"] for k, v in before.items()}
        assert _themes("t")["method"]["embedding"] == "test/wider"


def test_filters_restrict_the_statistics(tmp_path: Path) -> None:
    data, _ = _rows(5, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    report = _themes("t", "--segment", "Enterprise")
    export = _by_topic(report)["export"]
    assert report["records"] == 50 and export["mentions"] == 30 and export["share"] == 0.6


def test_taxonomy_round_trip_merge_and_rename(tmp_path: Path) -> None:
    data, _ = _rows(6, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    tax = tmp_path / "taxonomy.yaml"
    base = _themes("t", "--save", str(tax))
    assert tax.read_text().startswith("# PM Copilot taxonomy")
    same = _themes("t", "--taxonomy", str(tax))
    assert [(t["id"], t["mentions"]) for t in same["themes"]] == [(t["id"], t["mentions"]) for t in base["themes"]]
    doc = yaml.safe_load(tax.read_text())
    topics = _by_topic(base)
    export = next(t for t in doc["themes"] if t["id"] == topics["export"]["topic_id"])
    pricing = next(t for t in doc["themes"] if t["id"] == topics["pricing"]["topic_id"])
    export["label"] = "Getting data out"
    export["subthemes"] += pricing["subthemes"]  # merge pricing into export
    doc["themes"].remove(pricing)
    export["subthemes"].append({"id": "gone/sub", "label": "x"})
    tax.write_text(yaml.safe_dump(doc))
    merged = _themes("t", "--taxonomy", str(tax))
    assert len(merged["themes"]) == 2
    big = next(t for t in merged["themes"] if t["topic_id"] == topics["export"]["topic_id"])
    assert big["label"] == "Getting data out" and big["mentions"] == 80
    assert any("gone/sub" in w for w in merged["warnings"])
    again = _themes("t", "--taxonomy", str(tax))
    assert [(t["id"], t["record_ids"]) for t in again["themes"]] == [
        (t["id"], t["record_ids"]) for t in merged["themes"]
    ]


def test_too_little_feedback_gives_no_themes_and_says_where_it_went(tmp_path: Path) -> None:
    cli(
        "ingest",
        str(write(tmp_path / "f.csv", "id,feedback\n1,Exports are slow\n2,Pricing is high\n")),
        "--project",
        "tiny",
    )
    report = _themes("tiny")
    assert report["themes"] == [] and report["records"] == 2
    assert report["unclustered"]["mentions"] + report["low_information"]["mentions"] == 2


def test_a_release_with_other_polarity_rules_recomputes_the_cached_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments, their polarity and embeddings are cached per collection generation; an upgrade that changes the
    rules must not keep reading what the old rules computed (the ingest did not change the generation)."""
    from copilot.analysis import feedback, polarity

    data, _ = _rows(3, 10)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    before = _themes("t")["themes"]
    assert any(t["polarity"]["complaint"] for t in before)
    # the new release: its polarity module reads differently, and says every segment is a request
    release = tmp_path / "polarity.py"
    release.write_text(Path(polarity.__file__).read_text() + "\n# a later release\n")
    sources = [release, *getattr(feedback, "SOURCES", [])[1:]]
    monkeypatch.setattr(feedback, "SOURCES", sources, raising=False)
    if hasattr(feedback, "code_version"):  # a fresh digest for this test; the real one comes back after it
        monkeypatch.setattr(feedback, "code_version", functools.cache(feedback.code_version.__wrapped__))
    monkeypatch.setattr(polarity, "classify", lambda *a, **k: "request")
    after = _themes("t", "--rediscover")["themes"]
    assert after and all(t["polarity"]["request"] and not t["polarity"]["complaint"] for t in after)


def test_a_complaint_written_in_capitals_is_analysed_as_its_words(tmp_path: Path) -> None:
    """Shouting is a tone, not a topic. The analysis embedding is case-sensitive (a CFPB sentence and its capitals
    were 0.22 apart in cosine, further than a paraphrase), and all-capital complaints formed a theme of their own
    on the CFPB narratives ("CREDIT REPORT" beside "credit report")."""
    import numpy as np

    from copilot.analysis.feedback import load_feedback
    from copilot.store import open_store

    said = "I have attempted to remove this negative account from my credit report"
    rows = ["id,feedback", f"a,{said}", f"b,{said.upper()}", "c,Per seat pricing is too expensive"]
    cli("ingest", str(write(tmp_path / "f.csv", "\n".join(rows) + "\n")), "--project", "t", "--id-col", "id")
    fs = load_feedback(open_store(), "t")
    by_text = {fs.segment_text(i): fs.vectors[i] for i in range(len(fs.seg_record))}
    assert float(np.dot(by_text[said], by_text[said.upper()])) > 0.95


def test_discovery_and_statistics_read_the_project_once_and_see_every_later_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`copilot themes` discovers and then computes statistics: both need every record, and reading 100,000 from
    the store took 11 s, twice. The second read is the first's, until an ingest changes the project."""
    from copilot.store.chroma import Store

    reads = []
    real = Store.records

    def counted(self: Store, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        reads.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "records", counted)
    data, _ = _rows(4, 10)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    before = _themes("t")
    assert len(reads) == 1
    assert before["records"] == 35

    more = "id,feedback\nNEW1,The CSV export times out every single morning\n"
    cli("ingest", str(write(tmp_path / "more.csv", more)), "--project", "t", "--id-col", "id")
    after = _themes("t")
    assert len(reads) == 2
    assert after["records"] == 36
