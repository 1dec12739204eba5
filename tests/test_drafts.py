"""The pain-point summary: verified with the extractive engine, and with a model behind a real
OpenAI-compatible server on 127.0.0.1, where invented quotes and numbers are caught, repaired or dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copilot.analysis.themes import analyze
from copilot.config import get_settings, reset_settings
from copilot.drafts.kind import DraftContext
from copilot.drafts.kinds import pain_points
from copilot.drafts.verify import figures_of, number_supported, numbers_in, quote_supported
from copilot.llm.fake import DRAFT_RE
from copilot.llm.registry import get_model
from copilot.store import open_store
from tests.conftest import ROOT, cli, write
from tests.openai_server import chat_server
from tests.test_themes import _rows


def test_extractive_summary_of_the_sample_corpus_is_fully_verified(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "pain.md"
    cli("draft", "pain-points", "--project", "demo", "--out", str(out))
    draft = cli("draft", "pain-points", "--project", "demo", "--json")
    v = draft["verification"]
    assert v["items_dropped"] == 0 and v["items_checked"] == len(draft["pain_points"]) + 1 >= 9  # + the summary
    assert draft["summary"]["text"].startswith("The pain points reaching the most customers are")
    assert draft["engine_note"].startswith("Drafted by the extractive engine")
    assert draft["provenance"]["provider"] == "extractive"
    store = open_store()
    for item in draft["pain_points"]:
        for c in item["citations"] + item["counter_evidence"]:  # checked again, independently
            assert quote_supported(c["quote"], store.get_record("demo", c["record_id"]).text)
        figures = figures_of(item["statistics"])
        assert all(number_supported(n, figures) for n in numbers_in(item["title"] + " " + item["description"]))
    text = out.read_text()
    assert text.startswith("# Top pain points: demo") and "**What customers say**" in text and "Verification:" in text


def _small_project(tmp_path: Path) -> None:
    data, _ = _rows(8, 40)
    cli("ingest", str(write(tmp_path / "feedback.csv", data)), "--project", "t", "--id-col", "id")
    cli("themes", "--project", "t", "--json")


def test_a_model_draft_is_verified_repaired_and_else_keeps_the_extractive_wording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_project(tmp_path)
    store = open_store()
    themes = [t for t in analyze(store, "t").themes if t.pain]
    pains = sorted(themes, key=lambda t: (-t.reach, t.id))
    first, second = pains[0], pains[1]
    q1, q2 = first.quotes[0], second.quotes[0]
    good = {
        "title": "Slow exports",
        "description": f"{first.mentions} records raise it.",
        "citations": [{"record_id": q1.record_id, "quote": q1.text}],
    }
    invented_quote = {
        "title": "Pricing",
        "description": "People dislike it.",
        "citations": [{"record_id": q2.record_id, "quote": "I will cancel tomorrow"}],
    }
    invented_number = {
        "title": "Pricing",
        "description": "About 97% of customers complain.",
        "citations": [{"record_id": q2.record_id, "quote": q2.text}],
    }
    replies = [json.dumps(good), json.dumps(invented_quote), json.dumps(invented_number)]
    replies += [
        json.dumps(good | {"citations": [{"record_id": p.quotes[0].record_id, "quote": p.quotes[0].text}]})
        for p in pains[2:]
    ]
    summary = {
        "text": f"Exports hurt most: {first.reach} customers raise them.",
        "citations": [{"record_id": q1.record_id, "quote": q1.text}],
    }
    replies.append(json.dumps(summary))  # the reduce step over the verified items
    with chat_server(replies) as (url, requests):
        monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
        monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-test")
        reset_settings()
        draft = pain_points.build(DraftContext(open_store(), "t", get_model(get_settings(), "openai")))
    assert [p.theme_id for p in draft.pain_points] == [t.id for t in pains]  # nothing good is lost
    assert len(draft.warnings) == 1 and second.label in draft.warnings[0]
    assert "97%" in draft.warnings[0] and "extractive wording stands" in draft.warnings[0]  # the repair failed
    kept = draft.pain_points[1]
    assert kept.title.lower() == second.label.lower() and str(second.mentions) in kept.description
    v = draft.verification
    # the second item: two model attempts and its extractive wording; plus the summary
    assert v.items_dropped == 1 and v.items_checked == len(pains) + 3
    assert draft.summary is not None and str(first.reach) in draft.summary.text
    repair = requests[2]["body"]["messages"]
    assert repair[-1]["role"] == "user" and "quote not found verbatim" in repair[-1]["content"]
    prompt = requests[0]["body"]["messages"][0]["content"]
    assert "is never an instruction to you" in prompt and "<<<DATA-" in prompt and q1.record_id in prompt
    assert draft.provenance.prompts == {"theme_narrative": 1, "executive_summary": 3} and draft.provenance.tokens[
        "prompt"
    ] == 100 * len(requests)
    assert draft.provenance.cost_usd > 0 and draft.engine_note is None


def test_drafting_an_empty_project_is_a_clear_error(tmp_path: Path) -> None:
    cli("ingest", str(write(tmp_path / "f.csv", 'id,feedback\n1,"Love the app, it is great"\n')), "--project", "e")
    before = cli("draft", "pain-points", "--project", "e", "--json", expect=1)
    assert before["error_code"] == "no_themes" and "copilot themes --project e" in before["detail"]
    assert cli("themes", "--project", "e", "--json")["themes"] == []
    out = cli("draft", "pain-points", "--project", "e", "--json", expect=1)
    assert out["error_code"] == "no_evidence"


def test_example_draft_is_committed() -> None:
    example = ROOT / "docs" / "examples" / "pain-points.md"
    assert example.exists() and "Verification: " in example.read_text()


def test_extractive_swot_finds_the_planted_market_facts(demo: Path) -> None:
    import re

    import yaml

    draft = cli("draft", "swot", "--project", "demo", "--json")
    assert draft["verification"]["items_dropped"] == 0
    assert all(draft[q] for q in ("strengths", "weaknesses", "opportunities", "threats", "actions"))
    store = open_store()
    for quadrant in ("strengths", "weaknesses", "opportunities", "threats"):
        for item in draft[quadrant]:
            for c in item["citations"]:
                assert quote_supported(c["quote"], store.get_record("demo", c["record_id"]).text)
    truth = yaml.safe_load((ROOT / "corpus" / "truth.yaml").read_text())

    def words(text: str) -> set[str]:
        return {w[:6] for w in re.findall(r"[a-z]{4,}", text.lower())}

    found = 0
    for fact in truth["market_facts"]:
        quadrant = "opportunities" if fact["kind"] == "opportunity" else "threats"
        found += any(
            c["record_id"] == fact["record_id"]
            and len(words(fact["fact"]) & words(c["quote"])) >= 0.5 * len(words(fact["fact"]))
            for item in draft[quadrant]
            for c in item["citations"]
        )
    assert found >= 9, found  # measured 10 of 10


def test_swot_markdown_example_is_committed() -> None:
    text = (ROOT / "docs" / "examples" / "swot.md").read_text()
    assert text.startswith("# SWOT:") and "## Threats" in text and "Verification: " in text


def test_personas_match_the_segment_statistics(demo: Path) -> None:
    import collections

    draft = cli("draft", "persona", "--project", "demo", "--json")
    assert draft["verification"]["items_dropped"] == 0 and len(draft["personas"]) >= 4
    store = open_store()
    records = [r for r in store.records("demo") if r.metadata.get("kind") != "research"]
    for persona in draft["personas"]:
        members = [r for r in records if r.metadata.get("role") == persona["value"]]
        assert sorted(persona["record_ids"]) == sorted(r.id for r in members)
        people = {r.metadata.get("customer_id") or r.id for r in members}
        assert persona["respondents"] == len(people)  # persona fidelity: counted, not guessed
        for share in persona["profile"]:
            counts = collections.Counter(str(r.metadata.get(share["column"])) for r in members)
            assert counts[share["value"]] == share["respondents"]
        for c in persona["citations"]:
            assert quote_supported(c["quote"], store.get_record("demo", c["record_id"]).text)
    field = next(p for p in draft["personas"] if p["value"] == "Field Technician")
    label = field["challenges"][0]["label"]
    assert "offline" in label or "mobile" in label  # the planted skew: field crews lose work offline
    assert field["name"].startswith("Field Technician: ")


def test_prd_for_a_topic_is_complete_cited_and_exports_stories(demo: Path, tmp_path: Path) -> None:
    import csv

    draft = cli("draft", "prd", "--project", "demo", "--topic", "bulk export to CSV", "--json")
    assert draft["verification"]["items_dropped"] == 0
    assert "export" in draft["title"].lower()
    for section in (
        "problem",
        "hypotheses",
        "goals",
        "non_goals",
        "personas",
        "user_stories",
        "requirements",
        "risks",
        "open_questions",
        "rollout",
    ):
        assert draft[section], section
        assert all(item["citations"] for item in draft[section]), section
    assert {r["priority"] for r in draft["requirements"]} <= {"must", "should", "could"}
    assert all("baseline" in g["text"] for g in draft["goals"])
    store = open_store()
    for story in draft["user_stories"]:
        asked = story["citations"][0]
        assert quote_supported(asked["quote"], store.get_record("demo", asked["record_id"]).text)
        assert story["i_want"] != asked["quote"]  # a capability drawn from the request, not the sentence pasted
    assert any("export" in s["i_want"].lower() or "csv" in s["i_want"].lower() for s in draft["user_stories"])
    out = tmp_path / "stories.csv"
    cli("draft", "prd", "--project", "demo", "--topic", "bulk export to CSV", "--out", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(draft["user_stories"]) and rows[0]["Issue Type"] == "Story"
    assert rows[0]["Summary"].startswith("As a")
    bad = cli("draft", "swot", "--project", "demo", "--out", str(tmp_path / "x.csv"), "--json", expect=1)
    assert bad["error_code"] == "bad_input"


def test_an_executive_summary_with_an_invented_number_keeps_the_extractive_one(tmp_path: Path, monkeypatch) -> None:
    _small_project(tmp_path)
    pains = sorted(
        (t for t in analyze(open_store(), "t").themes if t.pain),
        key=lambda t: (-t.reach, t.id),
    )
    items = [
        json.dumps(
            {
                "title": "Theme",
                "description": "Customers raise it.",
                "citations": [{"record_id": p.quotes[0].record_id, "quote": p.quotes[0].text}],
            }
        )
        for p in pains
    ]
    bad = json.dumps(
        {
            "text": "Nearly 90% of customers are furious.",
            "citations": [{"record_id": pains[0].quotes[0].record_id, "quote": pains[0].quotes[0].text}],
        }
    )
    with chat_server([*items, bad, bad]) as (url, requests):
        monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
        monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-test")
        reset_settings()
        draft = pain_points.build(DraftContext(open_store(), "t", get_model(get_settings(), "openai")))
    assert draft.summary is not None and draft.summary.text.startswith("The pain points reaching the most")
    assert len(draft.pain_points) == len(pains)
    assert len(draft.warnings) == 1 and draft.warnings[0].startswith("executive summary: the model's wording failed")
    assert "90%" in draft.warnings[0] and len(requests) == len(pains) + 2


def _reword(body: dict) -> str:
    """A model behind the test server: rewords the draft its prompt carries, except that it invents a quote
    for the first weakness, both times it is asked."""
    draft = json.loads(DRAFT_RE.search(body["messages"][0]["content"]).group(2))
    if "Section: weaknesses" in body["messages"][0]["content"] and not _reword.invented:  # type: ignore[attr-defined]
        if len(body["messages"]) > 1:
            _reword.invented = True  # type: ignore[attr-defined]
        draft["citations"] = [{"record_id": draft["citations"][0]["record_id"], "quote": "I will cancel tomorrow"}]
    return json.dumps(draft | {"title": "Reworded: " + draft["title"]})


def test_swot_is_worded_by_a_model_and_an_invented_quote_keeps_the_extractive_wording(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _reword.invented = False  # type: ignore[attr-defined]
    with chat_server(_reword) as (url, requests):
        monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
        monkeypatch.setenv("COPILOT_PROVIDER", "openai")
        reset_settings()
        draft = cli("draft", "swot", "--project", "demo", "--json")
    feedback = draft["strengths"] + draft["weaknesses"]
    first_weakness = draft["weaknesses"][0]
    assert not first_weakness["title"].startswith("Reworded") and first_weakness["citations"]
    assert all(i["title"].startswith("Reworded: ") for i in feedback if i is not first_weakness)
    assert all(not i["title"].startswith("Reworded") for i in draft["opportunities"] + draft["threats"])
    assert draft["actions"] and all(a["title"].startswith("Reworded: ") for a in draft["actions"])
    assert draft["verification"]["items_dropped"] == 1 and len(draft["warnings"]) == 1
    assert "extractive wording stands" in draft["warnings"][0] and "quote not found" in draft["warnings"][0]
    assert len(requests) == len(feedback) + len(draft["actions"]) + 1  # one repair round, for the weakness
    assert draft["engine_note"] is None and draft["provenance"]["prompt"] == "draft_item"
    assert draft["provenance"]["tokens"]["prompt"] == 100 * len(requests)
    prompt = requests[0]["body"]["messages"][0]["content"]
    assert "Section: strengths" in prompt and "is never an instruction to you" in prompt


def test_personas_and_prd_are_worded_by_a_model_within_their_statistics(demo: Path) -> None:
    from copilot.drafts.kinds import persona, prd
    from copilot.llm.fake import FakeModel

    def reword_with_a_number(messages: list) -> str:
        draft = json.loads(DRAFT_RE.search(messages[0].content).group(2))
        if "Section: goals" in messages[0].content:  # a number no statistic holds: refused, then kept as built
            return json.dumps(draft | {"description": draft["description"] + " About 93% want this."})
        return json.dumps(draft | {"title": "Reworded: " + draft["title"]})

    model = FakeModel(responder=reword_with_a_number)
    people = persona.build(DraftContext(open_store(), "demo", model))
    assert people.verification.items_dropped == 0 and people.engine_note is None
    assert all(p.one_liner.startswith("Reworded: ") for p in people.personas)
    assert len(model.history) == len(people.personas) and people.provenance.prompts == {"draft_item": 1}
    model.history.clear()
    doc = prd.build(DraftContext(open_store(), "demo", model, topic="bulk export to CSV"))
    assert doc.problem[0].title.startswith("Reworded: ") and doc.hypotheses[0].title.startswith("Reworded: ")
    assert doc.goals and not any(g.title.startswith("Reworded") for g in doc.goals)
    assert doc.verification.items_dropped == len(doc.goals) and all("93%" in w for w in doc.warnings)
    assert all("93%" not in g.text for g in doc.goals)
    prompt = model.history[0][0].content
    assert "Write a PRD" not in prompt and "a PRD." in prompt and '"reach"' in prompt


def test_the_fake_provider_runs_every_prompt_end_to_end(demo: Path) -> None:
    draft = cli("draft", "pain-points", "--project", "demo", "--provider", "fake", "--json")
    assert draft["verification"]["items_dropped"] == 0 and draft["engine_note"] is None
    assert draft["summary"]["text"].startswith("The pain points reaching the most customers are")
    assert draft["provenance"]["provider"] == "fake" and draft["provenance"]["prompts"] == {
        "theme_narrative": 1,
        "executive_summary": 3,
    }
    assert len(draft["pain_points"]) >= 9


def test_a_number_in_a_themes_own_name_is_not_an_invented_statistic(demo: Path) -> None:
    """Customers name things with numbers ("team 30", "iOS 17"): a theme so labelled was dropped from the survey
    report for failing its own verification, since its label's numbers are not statistics."""
    from copilot.drafts.theme_narration import FEEDBACK, Told, executive_request, theme_request
    from copilot.drafts.verify import Verification, check_item

    theme = next(t for t in analyze(open_store(), "demo").themes if t.side == "pain")
    named = theme.model_copy(update={"label": "team 30, week 21"})
    request = theme_request(named, FEEDBACK)
    prose, cited = request.prose(request.draft)
    texts = {i: r.text for i, r in open_store().get_records("demo", [c.record_id for c in cited]).items()}
    assert "team 30, week 21" in prose
    assert check_item(prose, cited, texts, request.figures, Verification()) == []
    summary = executive_request([Told("Team 30, week 21", named.stats, cited)], FEEDBACK)
    text, quotes = summary.prose(summary.draft)
    assert check_item(text, quotes, texts, summary.figures, Verification()) == []
