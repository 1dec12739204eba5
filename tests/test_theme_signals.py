"""Themes a PM can trust on feedback nobody here wrote: polarity first, a hierarchy that rolls up, counter-evidence
that is praise, NPS counted by hand, the same themes in any project, an export, and no word of our corpus in code."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from copilot.analysis import nps, polarity
from tests.conftest import ROOT, cli, write

# An NPS survey of a broadband provider, written for this test: installation delays (detractors), helpful
# engineers (promoters), and the speed of the line (both).
DELAY = [
    "Still not connected three weeks after ordering",
    "My installation has been delayed twice and nobody calls back",
    "Waiting for an engineer for weeks, still no broadband",
    "The installation date keeps moving, still not connected",
    "Ordered a month ago and I am still waiting for the connection",
]
PRAISE = [
    "The engineer was very helpful and explained everything",
    "The installer was friendly and quick, really happy with the service",
    "Great customer service when the engineer finally came",
]
SPEED = [
    "The speed drops every evening and video calls freeze",
    "Download speed is far too slow for the price",
    "Speed is great, streaming works perfectly",
]
NEUTRAL = ["I moved house in March", "We use it for streaming and work calls"]


def _survey(tmp_path: Path, name: str = "nps.csv") -> Path:
    rows = ["id,respondent,How likely are you to recommend us?,date,plan,answer"]
    n = 0
    for i in range(12):
        for text, score in [(DELAY[i % 5], 2 + i % 4), (PRAISE[i % 3], 9 + i % 2), (SPEED[i % 3], 5 + i % 5)]:
            n += 1
            rows.append(f'{n},R{n},{score},2026-0{1 + i % 6}-1{i % 9},{["Basic", "Pro"][n % 2]},"{text} ({n})"')
    for text in NEUTRAL * 3:
        n += 1
        rows.append(f'{n},R{n},8,2026-03-03,Basic,"{text}"')
    return write(tmp_path / name, "\n".join(rows) + "\n")


@pytest.fixture
def survey(tmp_path: Path) -> dict:
    cli(
        "ingest", str(_survey(tmp_path)), "--project", "nps", "--id-col", "id", "--customer-col", "respondent", "--json"
    )
    return cli("themes", "--project", "nps", "--json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Still not connected three weeks after ordering", "complaint"),
        ("They charged me twice for the same month", "complaint"),
        ("The app keeps crashing when I open my statement", "complaint"),
        ("Please add dark mode", "request"),
        ("I would like to change my delivery address", "request"),
        ("How do I cancel this transfer?", "request"),
        ("The agent was very helpful and sorted it in minutes", "praise"),
        ("Love the new dashboard, so easy to use", "praise"),
        ("I opened the account in 2019.", "neutral"),
        ("Which currencies do you support?", "neutral"),
        ("This process caused me a great deal of stress", "complaint"),
        ("I have excellent credit and a good job.", "neutral"),
        ("We really like how the new export works", "praise"),
        ("They promptly refunded the fee.", "praise"),
        ("The support was outstanding.", "praise"),
        ("I like the new layout.", "praise"),
        # a letter's closing thanks names its case, and says nothing is wrong by it
        ("Thanks for looking into this issue.", "neutral"),
        ("I appreciate your attention to this problem.", "neutral"),
        ("Thank you for taking the time out of your day to read this.", "neutral"),
        ("Any help with this would be greatly appreciated.", "request"),
        # praise denied, satisfaction denied, an expectation broken
        ("None of the answers I got were helpful.", "complaint"),
        ("I am not satisfied with how my claim was handled.", "complaint"),
        ("The fee should not be on my statement.", "complaint"),
    ],
)
def test_polarity_reads_what_a_segment_says(text: str, expected: str) -> None:
    assert polarity.classify(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I have called several times and none of the agents were helpful",
        "Not one person there is professional enough to look into it",
        "They advertise great service and excellent rates.",
        "I went there thinking that it was a good company.",
        "I would like the late fees removed from my account.",
        "The debt was satisfied by the settlement in 2019.",
        "I was told when I signed up that I would get the best customer service.",
        "The site is balky and non-intuitive.",
        "I highly recommend you verify that the account was reported correctly.",
        # a demand, a comparison, a balance still owed, a hypothetical: no praise words used as praise
        "This must be promptly corrected and removed from my file.",
        "Like it was somehow my fault?",
        "Like the last agent, she never called back.",
        "The letter says my balance is outstanding and due now.",
        "They asked me to try the trial and see if I like the new plan.",
        "They refused me even though my co-signer had amazing credit.",
    ],
)
def test_praise_denied_claimed_or_asked_for_is_not_praise(text: str) -> None:
    # measured on the hand-labelled real sentences: these shapes were 12 of the 20 false praise calls
    assert polarity.classify(text) != "praise"


def test_a_theme_never_mixes_praise_with_complaints(survey: dict) -> None:
    """On main before this, one theme could hold "service / good / helpful" praise and 89 detractors' complaints."""
    themes = survey["themes"]
    assert themes and {t["side"] for t in themes} >= {"pain", "praise"}
    for t in themes:
        mix = t["polarity"]
        if t["side"] == "pain":
            assert mix["praise"] == 0 and mix["complaint"] + mix["request"] > 0
        elif t["side"] == "praise":
            assert mix["complaint"] == mix["request"] == mix["neutral"] == 0 and mix["praise"] > 0
    delay = next(t for t in themes if t["side"] == "pain" and any("connect" in q["text"] for q in t["quotes"]))
    assert delay["pain"] and all(word not in delay["label"].lower() for word in ("helpful", "friendly", "great"))


def test_every_statistic_rolls_up_from_subthemes(survey: dict) -> None:
    for t in survey["themes"]:
        records = set(t["record_ids"])
        assert t["mentions"] == len(records) and t["stats"]["mentions"] == t["mentions"]
        for s in t["subthemes"]:
            assert set(s["record_ids"]) <= records and s["side"] == t["side"] and s["theme_id"] == t["id"]
            assert s["stats"]["mentions"] == s["mentions"] == len(s["record_ids"])
            assert s["segments"] is not None and s["trend"]["monthly"] and s["quotes"]
        assert set().union(*(set(s["record_ids"]) for s in t["subthemes"])) <= records


def test_counter_evidence_on_a_pain_theme_is_praise_on_its_topic_from_promoters(survey: dict, tmp_path: Path) -> None:
    """On main before this, counter-evidence was a detractor's complaint in 13 of 16 slots."""
    pains = [t for t in survey["themes"] if t["pain"] and t["counter_evidence"]]
    assert pains
    for t in pains:
        praise = next(p for p in survey["themes"] if p["topic_id"] == t["topic_id"] and p["side"] == "praise")
        scores = [
            cli("records", "get", q["record_id"], "--project", "nps", "--json")["metadata"]["nps"]
            for q in t["counter_evidence"]
        ]
        for q in t["counter_evidence"]:
            assert q["record_id"] in praise["record_ids"] and polarity.classify(q["text"]) == "praise"
        assert scores == sorted(scores, key=lambda x: x < 9)  # promoters first, when any praised the topic
    speed = next(t for t in pains if "speed" in t["label"].lower())
    assert all("great" in q["text"] for q in speed["counter_evidence"])  # slow lines, weighed against "speed is great"


def test_nps_and_nps_impact_match_a_count_by_hand() -> None:
    metas = [{"nps": s, "customer_id": f"C{i}"} for i, s in enumerate([10, 9, 9, 8, 7, 6, 3, 0, 10, 2])]
    ids = [f"r{i}" for i in range(10)]
    scores = nps.scores(metas, ids)
    overall = nps.summary(scores.values())
    assert overall is not None
    # 4 promoters (10, 9, 9, 10), 2 passives (8, 7), 4 detractors (6, 3, 0, 2): 40% - 40% = 0
    assert (overall.promoters, overall.passives, overall.detractors, overall.nps) == (4, 2, 4, 0.0)
    # The normal approximation by hand: sqrt((0.4 + 0.4 - 0) / 10) * 1.96 * 100 = 55.4
    assert overall.nps_ci == (-55.4, 55.4)
    theme = {"C5", "C6", "C7"}  # three detractors raise it
    impact = nps.impact(theme, scores)
    assert impact is not None
    # Without them: promoters 4 of 7, detractors 1 of 7: NPS 42.9; impact 0 - 42.9
    assert (impact.nps, impact.nps_without, impact.impact) == (-100.0, 42.9, -42.9)
    assert (impact.share_of_detractors, impact.share_of_promoters, impact.detractor_share) == (0.75, 0.0, 1.0)


def test_the_survey_reports_nps_its_drivers_and_filters_by_band(survey: dict) -> None:
    assert survey["nps"]["respondents"] == 42 and survey["nps"]["detractors"] >= 12
    assert survey["drivers"] and survey["drivers"][0]["share_of_detractors"] > 0.4
    top = next(t for t in survey["themes"] if t["id"] == survey["drivers"][0]["theme_id"])
    assert top["pain"] and top["nps"]["impact"] < 0
    assert {s["column"] for s in survey["nps_by_segment"]} == {"plan"}
    detractors = cli("themes", "--project", "nps", "--nps-band", "detractor", "--json")
    assert detractors["records"] == survey["nps"]["detractors"]


def test_the_same_file_gives_the_same_themes_in_any_project_and_run(tmp_path: Path) -> None:
    """On main before this, the same file in two projects gave different themes (257, 274 or 357 records)."""
    first = _survey(tmp_path / "a", "nps.csv")
    second = _survey(tmp_path / "b", "renamed-export.csv")  # the same rows under another file name
    cli("ingest", str(first), "--project", "one", "--json")
    cli("ingest", str(second), "--project", "two", "--json")

    def shape(project: str) -> list:
        report = cli("themes", "--project", project, "--json")
        return [(t["id"], t["label"], t["mentions"], [s["id"] for s in t["subthemes"]]) for t in report["themes"]]

    assert shape("one") == shape("two")
    again = cli("themes", "--project", "one", "--rediscover", "--json")
    assert [(t["id"], t["mentions"]) for t in again["themes"]] == [(i, m) for i, _, m, _ in shape("one")]


def test_export_gives_every_record_with_its_themes(survey: dict, tmp_path: Path) -> None:
    lines = cli("export", "--project", "nps", "--format", "jsonl").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == survey["records"]
    keys = {"id", "text", "date", "metadata", "theme_id", "theme", "subtheme_id", "subtheme", "themes", "polarity"}
    assert all(set(r) == keys for r in rows)
    by_theme = {t["id"]: set(t["record_ids"]) for t in survey["themes"]}
    for r in rows:
        for tid in r["themes"]:
            assert r["id"] in by_theme[tid]
        if r["theme_id"]:
            assert r["theme_id"] == r["themes"][0] and r["theme"] == next(
                t["label"] for t in survey["themes"] if t["id"] == r["theme_id"]
            )
    assert {r["polarity"] for r in rows} >= {"complaint", "praise", "neutral"}
    table = list(csv.DictReader(io.StringIO(cli("export", "--project", "nps", "--themes").stdout)))
    assert {r["level"] for r in table} == {"theme", "subtheme"} and all(r["mentions"] for r in table)
    out = tmp_path / "records.xlsx"
    cli("export", "--project", "nps", "--format", "xlsx", "--out", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row == survey["records"] + 1 and "theme" in [c.value for c in sheet[1]]


NAMES = ("tasklane", "trackwise", "planhive", "flowboard", "northwind", "helix bank", "quanta", "fieldcraft",
         "brightpath", "meridian health", "orbit commerce")  # fmt: skip


def test_no_word_of_the_sample_corpus_is_in_product_code() -> None:
    """The corpus's product and company names must not steer the product (they did: a churn rule and a stop word)."""
    found = [
        f"{p.relative_to(ROOT)}: {name}"
        for folder in ("copilot", "prompts")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix in (".py", ".md", ".j2", ".yaml")
        for name in NAMES
        if re.search(rf"\b{name}\b", p.read_text(encoding="utf-8", errors="replace").lower())
    ]
    assert found == []


def test_a_model_names_themes_and_a_name_it_cannot_back_is_refused(tmp_path: Path) -> None:
    import json as _json

    from copilot.analysis.themes import analyze, discover_themes
    from copilot.llm.fake import FakeModel
    from copilot.store import open_store

    cli("ingest", str(_survey(tmp_path)), "--project", "named", "--id-col", "id", "--json")
    store = open_store()

    def namer(messages: list) -> str:
        prompt = messages[0].content
        if "Still not connected three weeks" in prompt and "holds complaints and requests" in prompt:
            return _json.dumps({"name": "still not connected after ordering"})
        return _json.dumps({"name": "Quarterly revenue synergies"})  # words no customer wrote

    model = discover_themes(store, "named", namer=FakeModel(responder=namer))
    report = analyze(store, "named")
    delay = next(t for t in report.themes if t.pain and "connect" in " ".join(q.text for q in t.quotes))
    assert delay.label == "still not connected after ordering"
    others = [t for t in report.themes if t.id != delay.id]
    assert others and all("synergies" not in t.label.lower() for t in others)
    assert model.naming_notes and all("refused" in n for n in model.naming_notes)
    assert any("words not in the theme's phrases or quotes: quarterly" in n for n in model.naming_notes)


def test_a_form_letter_sent_many_times_does_not_name_the_theme() -> None:
    import numpy as np

    from copilot.analysis.labels import Background, label

    letter = "I demand authorization or proof of direct credit for every item listed on my file under the law."
    own = [f"the customer service line kept me on hold for {w} and nobody called back" for w in ("hours", "ages")]
    own += [f"customer service hung up on me when I asked about {x}" for x in ("my fee", "the refund", "my card")]
    own += [f"I was transferred four times by customer service about {x}" for x in ("the charge", "a letter")]
    texts = [letter] * 40 + own * 3  # one letter copied by 40 writers; 7 complaints in own words
    elsewhere = texts + [f"other feedback about topic {i} and more words" for i in range(200)]
    name = label(texts, np.ones((len(texts), 4)) / 2, Background(elsewhere))
    assert "customer service" in name and "authorization" not in name


def test_a_label_writes_names_as_most_customers_do_and_never_repeats_a_sibling() -> None:
    import numpy as np

    from copilot.analysis.labels import Background, label, name_key

    def name(texts: list[str], avoid: frozenset[str] = frozenset()) -> str:
        elsewhere = texts + [f"other feedback about topic {i} and more words" for i in range(200)]
        return label(texts, np.ones((len(texts), 4)) / 2, Background(elsewhere), avoid)

    # a capital most writers give a word in mid-sentence is a name's; a few writing in title case, or in
    # capitals throughout, do not make "Credit Card" or "CREDIT CARD" the label
    bank = [f"Wells Fargo closed my account {w}" for w in ("today", "again", "twice", "for nothing")]
    bank += [f"I called Wells Fargo {w}" for w in ("today", "again")]
    assert name(bank * 3).startswith("Wells Fargo")
    card = ["MY CREDIT CARD WAS CHARGED TWICE"] * 3 + ["The Credit Card was charged twice"] * 2
    card += [f"my credit card was charged twice {w}" for w in ("today", "again", "last month", "in May")]
    assert name(card).lower() == name(card) and "credit card" in name(card)
    # a subtheme is not named like its theme or a sibling: the next phrase its segments share names it
    fees = ["credit card with a late fee", "late fee on the credit card", "credit card statement shows a late fee"]
    fees += ["they put a late fee on my credit card", "credit card charged again", "my credit card was declined"]
    assert name(fees * 2) == "credit card"
    assert name(fees * 2, frozenset({"credit card"})) == "late fee"
    # nor named like one but for a plural or a capital: "Late payments" beside "late payment" named nothing apart
    assert name(fees * 2, frozenset({name_key("Credit Cards")})) == "late fee"


def test_quotes_are_sentences_a_pm_can_read_not_masks_and_reference_numbers() -> None:
    import numpy as np

    from copilot.analysis.quotes import representative

    masked = [
        "My dispute date with XXXX is XX/XX/XXXX and my confirmation # is XXXX.",
        "On XX/XX/XXXX I paid {$300.00} to XXXX XXXX for account XXXX.",
        "Thanks for using XXXX XXXX.",
    ]
    plain = [
        "They reported a late payment on my credit report that I never made.",
        "The bank closed my account without telling me why.",
    ]
    texts = masked + plain
    centre = np.array([1.0, 0.0])
    vectors = np.array([[1.0, 0.0]] * 3 + [[0.8, 0.6]] * 2)  # the masked ones are the most central
    quotes = representative(vectors, centre, texts, [f"r{i}" for i in range(5)], k=3)
    assert {q.text for q in quotes} == set(plain)


def test_a_theme_named_after_a_company_keeps_its_capitals_inside_a_sentence() -> None:
    # the CFPB summary read "the pain points reaching the most customers are ...; american Express (592 ...)"
    from copilot.analysis.labels import in_sentence

    assert in_sentence("American Express") == "American Express"
    assert in_sentence("SSO setup is hard") == "SSO setup is hard"
    assert in_sentence("Slow exports") == "slow exports"


def test_a_theme_no_phrase_names_gets_a_clean_phrase_not_a_cut_or_a_form_field() -> None:
    """Complaint narratives are long and masked: when no phrase is shared widely and no segment is short, the label
    had been the central segment cut at 8 words, as it came: CFPB got "purchased a" and "sec # dob /1988 address ,
    , fl". It is the most central clean run of words instead."""
    import numpy as np

    from copilot.analysis.labels import Background, is_fragment, label

    texts = [
        "I purchased a XXXX XXXX on XX/XX/XXXX and the dealer would not give me the title for months",
        "sec # dob /1988 address , , fl XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX XXXX",
        "On XX/XX/XXXX the dealer refused to return my deposit after I cancelled the purchase of the car",
        "The finance company added a warranty to my loan on XX/XX/XXXX that I never asked for at all",
        "I was told on XX/XX/XXXX by the sales manager that the interest rate would be lowered later on",
        "Dept of EDXXXX reported it late",
        "the dept of EDXXXX account",
        "dept of EDXXXX again",
    ]
    vectors = np.eye(len(texts), 16)
    vectors[:, 15] = 3.0  # all alike, the form-like one and the cut one the most central
    vectors[0, 15] = vectors[1, 15] = 4.0
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    elsewhere = texts + [f"other feedback about topic {i} and more words" for i in range(200)]
    name = label(texts, vectors, Background(elsewhere))
    assert not is_fragment(name) and not re.search(r"\d|#|,\s*,|xxxx", name, re.I), name
    assert len(name.split()) >= 2 and name.lower() in " ".join(texts).lower(), name
