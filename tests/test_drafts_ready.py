"""Drafts a PM would forward: the flaws a PM scored drafts down for (praise quoted as pain, a quote used twice,
personas that need a role column or are named after one, stories that paste a complaint as the want, empty
headings) are each caught by a check and absent from what the product drafts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from copilot.analysis.polarity import classify
from copilot.drafts.asks import ask_in
from copilot.drafts.readiness import praise_quotes, rendered_checks, restates_complaint
from copilot.drafts.verify import figures_of, number_supported, numbers_in, quote_supported
from copilot.store import open_store
from tests.conftest import cli, write
from tests.test_themes import _rows


def _draft(kind: str, project: str, *args: str) -> tuple[dict, str]:
    doc = cli("draft", kind, "--project", project, *args, "--json")
    md = Path(tempfile.mkdtemp()) / f"{kind}.md"
    cli("draft", kind, "--project", project, *args, "--out", str(md))
    return doc, md.read_text()


def _clean(markdown: str) -> None:
    found = {name: [f.where for f in fs] for name, fs in rendered_checks(markdown).items() if fs}
    assert not found, found


def test_the_readiness_checks_catch_each_flaw() -> None:
    flawed = "\n".join(
        [
            "# Draft",
            "## Card / payment / declined",
            "> “The export times out every time.” — `r1`",
            "## Empty heading",
            "## Quotes",
            "> “The export times out every time.” — `r2`",
            "> “ok” — `r4`",
            "> “ok” — `r3`",
            "## Would like that courtesy now, and for the",
            "> “I would like that courtesy now, and for the next month.” — `r5`",
            "---",
        ]
    )
    counts = {name: len(fs) for name, fs in rendered_checks(flawed).items()}
    assert counts == {
        "quote_reused": 2,
        "low_information_quotes": 2,
        "keyword_list_labels": 1,
        "fragment_labels": 1,
        "empty_sections": 1,
    }
    assert len(praise_quotes(["I love how fast the new export is!", "Export keeps failing."])) == 1
    pasted = "It was promised for 14th February and it is now 29th March, still nothing"
    assert restates_complaint(pasted, [pasted]) and not restates_complaint("to export to CSV", [pasted])
    asked = "Scheduled exports to our data warehouse"
    assert not restates_complaint(asked.lower(), [asked])  # a request offered as it stands is an ask


@pytest.mark.parametrize(
    ("sentence", "want", "requirement"),
    [
        ("I wish I could export reports to CSV, but it times out.", "to export reports to CSV", "Let customers export"),
        ("Please add dark mode!", "dark mode", "Dark mode"),
        ("I need my card to arrive faster", "my card to arrive faster", "Customers get their card"),
        ("Can you please refund my money", "you to refund my money", "Refund their money"),
        ("It would be great if you could let us pick a PIN.", "to pick a PIN", "Let customers pick a PIN"),
    ],
)
def test_a_request_sentence_becomes_a_capability(sentence: str, want: str, requirement: str) -> None:
    ask = ask_in(sentence)
    assert ask is not None and ask.want == want and ask.requirement.startswith(requirement)


def test_a_complaint_asks_for_nothing() -> None:
    assert ask_in("It should have been installed 14th February, now 29th March") is None
    assert ask_in("The app crashes every time I open it.") is None
    assert ask_in("The app crashes every time I open it.", is_request=True) is None
    assert ask_in("Please call me on [PHONE] if you need more info", is_request=True) is None


def test_pain_points_quote_pains_once_and_weigh_them_against_praise(demo: Path) -> None:
    doc, md = _draft("pain-points", "demo")
    _clean(md)
    items = doc["pain_points"]
    assert not praise_quotes([c["quote"] for p in items for c in p["quotes"] + p["asks"]])
    assert all(classify(c["quote"]) == "praise" for p in items for c in p["counter_evidence"])
    assert sum(bool(p["counter_evidence"]) for p in items) >= 3 and sum(bool(p["asks"]) for p in items) >= 3
    store = open_store()
    for p in items:
        assert p["why_it_matters"] and p["quotes"]
        figures = figures_of(p["statistics"])
        assert all(number_supported(n, figures) for line in p["why_it_matters"] for n in numbers_in(line))
        labels = [s["label"].lower() for s in p["sub_causes"]]
        assert len(labels) == len(set(labels))
        for c in p["quotes"] + p["asks"] + p["counter_evidence"]:
            assert quote_supported(c["quote"], store.get_record("demo", c["record_id"]).text)
    assert "**Why it matters**" in md and "**Sub-causes**" in md and "praise on the same topic" in md


def _recount(project: str, persona: dict) -> int:
    records = open_store().get_records(project, persona["record_ids"])
    return len({r.metadata.get("customer_id") or r.id for r in records.values()})


def test_personas_without_a_role_column_are_built_from_behaviour(tmp_path: Path) -> None:
    data, _ = _rows(3, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "b", "--id-col", "id")
    cli("themes", "--project", "b", "--json")
    doc, md = _draft("persona", "b")
    _clean(md)
    assert "themes they raise" in doc["rule"] and len(doc["personas"]) >= 2
    values = {"enterprise", "smb"}
    for p in doc["personas"]:
        assert p["column"] is None and p["name"].lower() not in values
        assert p["respondents"] == _recount("b", p) and p["challenges"]
    names = [p["name"] for p in doc["personas"]]
    assert len(names) == len(set(names))


def test_personas_by_a_column_the_user_names(tmp_path: Path) -> None:
    data, _ = _rows(4, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "c", "--id-col", "id")
    cli("themes", "--project", "c", "--json")
    doc, _ = _draft("persona", "c", "--by", "segment")
    assert {p["value"] for p in doc["personas"]} == {"Enterprise", "SMB"}
    for p in doc["personas"]:
        assert p["name"].startswith(p["value"] + ": ") and p["respondents"] == _recount("c", p)
    wrong = cli("draft", "persona", "--project", "c", "--by", "tier", "--json", expect=1)
    assert wrong["error_code"] == "bad_input" and "segment" in wrong["detail"]


def test_personas_by_role_are_named_by_what_sets_them_apart(demo: Path) -> None:
    doc, md = _draft("persona", "demo")
    _clean(md)
    assert "per role" in doc["rule"] and len(doc["personas"]) >= 4
    for p in doc["personas"]:
        assert p["column"] == "role" and p["name"] != p["value"] and p["respondents"] == _recount("demo", p)
        assert all(classify(c["quote"]) == "request" for c in p["asks"])


def test_prd_stories_come_from_requests_and_sections_say_what_is_missing(demo: Path) -> None:
    doc, md = _draft("prd", "demo", "--topic", "bulk export to CSV")
    _clean(md)
    assert doc["user_stories"] and doc["hypotheses"] and doc["goals"]
    for st in doc["user_stories"]:
        asked = st["citations"][0]["quote"]
        ask = ask_in(asked, is_request=True)
        assert ask is not None and st["i_want"] == ask.want
        assert not restates_complaint(st["i_want"], [asked])
    assert all("baseline" in g["text"] for g in doc["goals"])
    theme = next(t for t in cli("themes", "--project", "demo", "--json")["themes"] if t["id"] == doc["theme_id"])
    assert all(theme["label"] not in g["title"] for g in doc["non_goals"])
    scores = [r["statistics"]["score"] for r in doc["requirements"]]
    assert scores == sorted(scores, reverse=True) and doc["requirements"][0]["priority"] == "must"
    assert "As a " in md or "As an " in md


def test_a_prd_section_without_evidence_says_what_is_missing(tmp_path: Path) -> None:
    data, _ = _rows(5, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "p", "--id-col", "id")
    cli("themes", "--project", "p", "--json")
    doc, md = _draft("prd", "p")
    _clean(md)
    assert doc["open_questions"] and any("NPS" in q["title"] for q in doc["open_questions"])
    missing = [line for line in md.splitlines() if line.startswith("_No evidence: ")]
    assert len(missing) == sum(
        not doc[s]
        for s in ("hypotheses", "non_goals", "personas", "user_stories", "requirements", "risks", "open_questions")
    )


def test_an_ask_made_of_redacted_words_asks_for_nothing() -> None:
    """An export masks names as XXXX: "contact XXXX XXXX" is a note to support, not a capability to build."""
    assert ask_in("I need to contact XXXX XXXX XXXX", is_request=True) is None
    assert ask_in("Please send it to XX/XX/XXXX ****", is_request=True) is None
    assert ask_in("I need to dispute the XXXX charge on my statement") is not None


def test_a_label_taken_from_a_sentence_never_stops_mid_sentence() -> None:
    """Complaint narratives have no short segment, so a label is cut from a long one: it must not end on "the"."""
    import numpy as np

    from copilot.analysis.labels import Background, is_fragment, label

    texts = ["Would like that courtesy now, and for the rest of the year, since XXXX never called back"]
    name = label(texts, np.ones((1, 4)) / 2, Background(texts))
    assert name == "would like that courtesy now" and not is_fragment(name)


def test_a_whole_narrative_in_one_sentence_is_not_the_quote_a_pm_reads() -> None:
    """Complaint narratives hold 'sentences' that are timelines of 150 words: quoted, nobody reads them."""
    from copilot.drafts.evidence import pick_sentences, readable_first
    from copilot.drafts.verify import Citation

    timeline = " ".join(f"On XX/XX/XXXX I called again about step {i} and waited" for i in range(8)) + "."
    text = f"{timeline} The bank never answered my dispute letters."
    picked = pick_sentences([("r1", text)], lambda s: True, 1)
    assert [c.quote for c in picked] == ["The bank never answered my dispute letters."]
    cites = [Citation(record_id="r1", quote=timeline), Citation(record_id="r2", quote="Nobody answered my letters.")]
    assert [c.record_id for c in readable_first(cites)] == ["r2", "r1"]
