"""Nothing a model writes reaches a person before it is verified, on every surface: the SSE chat (verified first by
default, or live with a verdict at the end), the OpenAI-compatible endpoint, and Slack. A failing answer gets
one repair round, then the extractive answer with a note; the fence, scaffolding, links, codes and unquoted
copies of the evidence (a planted instruction) never get out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from copilot.config import Settings
from copilot.evals.safety import FENCED_RE
from copilot.ingest.pipeline import ingest
from copilot.llm.fake import FakeModel
from copilot.store import open_store
from tests.api_server import api_server
from tests.conftest import write
from tests.slack_server import FakeSlack, fake_slack
from tests.test_api import AUTH
from tests.test_openai_endpoint import CANARY, PLANTED, chat_api, feedback_csv, sdk, sse_chat, use_model

__all__ = ["chat_api"]  # the module-scoped server, shared with the endpoint tests
FENCE = re.compile(r"<<<|>>>|DATA-[0-9A-F]{6,}")
LEAKY = (
    "<<<DATA-0123456789ABCDEF customer feedback\nQuestion: why are exports slow?\n"
    f"Exports to CSV time out constantly. {PLANTED} Visit https://attacker.example for more.\nDATA-0123456789ABCDEF>>>"
)
GOOD = "Customers describe exports that stall or fail [1]."


def unquoted(text: str) -> str:
    return re.sub(r"[“\"][^”\"]*[”\"]", " ", text)


@pytest.fixture(scope="module")
def store_t(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = tmp_path_factory.mktemp("verified")
    store = open_store(Settings(data_dir=data))  # type: ignore[arg-type]
    ingest(store, [write(data / "in" / "feedback.csv", feedback_csv())], "t")
    return store


def done_of(store: Any, model: Any, question: str = "why are exports slow?", **kw: Any) -> dict[str, Any]:
    from copilot.chat.answer import answer_once, chat_events

    return answer_once(chat_events(store, "t", question, model, **kw))


def test_a_failing_answer_is_repaired_once_then_replaced_by_the_evidence_with_a_note(store_t) -> None:
    fake = FakeModel().enqueue([LEAKY, "Exports are slow [9]. Many said so, 87% of them [1]."])
    done = done_of(store_t, fake)
    v = done["verification"]
    assert v["delivered"] == "extractive" and v["passed"] and v["attempts"] == 2 and len(fake.history) == 2
    assert "did not pass verification" in done["answer"] and "[9]" in done["answer"][:300]
    assert not FENCE.search(done["answer"]) and CANARY not in unquoted(done["answer"])
    assert "attacker.example" not in done["answer"]
    repair = fake.history[1][0].content
    assert "failed verification" in repair and CANARY not in FENCED_RE.sub(" ", repair)  # reasons, not the reply


def test_a_repaired_answer_is_delivered_and_says_what_the_first_got_wrong(store_t) -> None:
    fake = FakeModel().enqueue(["Exports are slow, as customers keep saying.", GOOD])
    done = done_of(store_t, fake)
    v = done["verification"]
    assert done["answer"] == GOOD and v["delivered"] == "model" and v["attempts"] == 2 and v["passed"]
    assert any("cites no evidence" in f for f in v["model_failures"])
    assert [c["marker"] for c in done["citations"]] == [1]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (f"Customers said: {PLANTED} [{{p}}]", "repeats words of"),
        ('One wrote "Exports to CSV time out constantly." [{q}]', "lacks the marker"),
        ('One wrote "Exports to CSV are instant and lovely." [1]', "not word for word"),
        ("Exports are slow [1]; see https://attacker.example/x", "link"),
        (f"Exports are slow [1]. Code {CANARY}.", "code"),
        ("Exports are slow [1] for 42% of teams.", "number '42%'"),
        ("Exports are slow.", "cites no evidence"),
        ("Exports are slow [12].", "does not exist"),
        ("Text between <<<DATA-AB12CD34EF56 and DATA-AB12CD34EF56>>> is data [1]", "data fence"),
    ],
)
def test_what_an_answer_may_not_do(store_t, answer: str, reason: str) -> None:
    from copilot.chat.evidence import gather
    from copilot.chat.verify import check_chat_answer

    evidence = gather(store_t, "t", "exports to csv time out constantly")
    planted = next(e for e in evidence if CANARY in e.text)
    other = next(e for e in evidence if e is not planted)
    answer = answer.replace("{p}", str(planted.marker)).replace("{q}", str(other.marker))
    check = check_chat_answer(answer, evidence)
    assert not check.passed and any(reason in f for f in check.failures), check.failures
    quoted = f'One wrote "Exports to CSV time out constantly." [{planted.marker}]'
    assert check_chat_answer(quoted, evidence).passed  # quoted and cited is how evidence is repeated


def test_the_sse_chat_sends_only_a_verified_answer_by_default(chat_api, monkeypatch) -> None:
    url, _ = chat_api
    use_model(monkeypatch, FakeModel().enqueue([LEAKY, GOOD]))
    events = sse_chat(url, {"message": "why are exports slow?"})
    deltas = "".join(e["text"] for e in events if e["type"] == "delta")
    done = events[-1]
    assert deltas == done["answer"] == GOOD and done["verification"]["delivered"] == "model"
    assert CANARY not in json.dumps(events[:-1]) and "DATA-" not in json.dumps(events)  # the first try never left


def test_live_streaming_ends_with_a_verdict_and_withdraws_a_failing_answer(chat_api, monkeypatch) -> None:
    url, _ = chat_api
    use_model(monkeypatch, FakeModel().enqueue([LEAKY, GOOD]))
    failing = sse_chat(url, {"message": "why are exports slow?", "live": True})
    streamed = "".join(e["text"] for e in failing if e["type"] == "delta")
    assert streamed and not FENCE.search(streamed) and "Question:" not in streamed  # scrubbed line by line
    done = failing[-1]
    assert done["retracted"] is True and done["verification"]["delivered"] == "extractive"
    assert done["verification"]["passed"] and "did not pass verification" in done["answer"]
    passing = sse_chat(url, {"message": "why are exports slow?", "live": True})
    assert passing[-1]["retracted"] is False and passing[-1]["answer"] == GOOD
    assert "".join(e["text"] for e in passing if e["type"] == "delta").strip() == GOOD


def test_the_openai_endpoint_streams_only_what_passed(chat_api, monkeypatch) -> None:
    url, _ = chat_api
    use_model(monkeypatch, FakeModel().enqueue([LEAKY, LEAKY]))
    text = "".join(
        c.choices[0].delta.content or ""
        for c in sdk(url).chat.completions.create(
            model="t", messages=[{"role": "user", "content": "why are exports slow?"}], stream=True
        )
        if c.choices
    )
    assert "did not pass verification" in text and not FENCE.search(text)
    assert CANARY not in unquoted(text) and "attacker" not in text


@pytest.fixture(scope="module")
def slack_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeSlack]]:
    from tests.test_slack import SECRET

    data = tmp_path_factory.mktemp("slack-verified")
    with fake_slack() as slack:
        settings = Settings(
            data_dir=data,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api,
            slack_channels="C1=t",
        )  # type: ignore[arg-type]
        ingest(open_store(settings), [write(data / "in" / "feedback.csv", feedback_csv())], "t")
        with api_server(settings) as url:
            yield url, slack


def _mention(url: str, slack: FakeSlack, ts: str) -> list[dict[str, Any]]:
    from tests.test_slack import event, send

    body = {"type": "app_mention", "user": "U1", "text": "<@UBOT> why are exports slow?", "channel": "C1", "ts": ts}
    assert send(url, event(body, int(ts.replace(".", "")))).status_code == 200
    return slack.wait_for("chat.postMessage", thread_ts=ts)


def test_slack_never_posts_an_unverified_answer(slack_bot, monkeypatch) -> None:
    import copilot.slack.bot as bot

    url, slack = slack_bot
    monkeypatch.setattr(bot, "get_model", lambda settings, provider=None: FakeModel().enqueue([LEAKY, LEAKY]))
    posted = json.dumps(_mention(url, slack, "1700.000201")[0]["blocks"])
    assert "did not pass verification" in posted and "DATA-" not in posted and "attacker.example" not in posted
    assert CANARY not in unquoted(posted.replace('\\"', '"'))

    def unverified(events: Any) -> dict[str, Any]:
        return {"answer": f"Do this: {PLANTED}", "citations": [], "verification": {"passed": False}, "meta": {}}

    monkeypatch.setattr(bot, "answer_once", unverified)
    refused = json.dumps(_mention(url, slack, "1700.000202")[0]["blocks"])
    assert CANARY not in refused and "could not be verified" in refused


def test_the_api_refuses_nothing_it_can_verify(chat_api) -> None:
    url, _ = chat_api  # the extractive engine's answers pass the same check
    done = sse_chat(url, {"message": "why are exports slow?"})[-1]
    assert done["verification"]["passed"] and done["verification"]["delivered"] == "extractive"
    r = httpx.post(f"{url}/v1/projects/t/chat", headers=AUTH, json={"message": ""})
    assert r.status_code == 422
