"""The model layer: a real OpenAI-compatible HTTP server on 127.0.0.1, the scripted fake, and the switch that
keeps tests away from real models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from copilot.config import get_settings, reset_settings
from copilot.errors import CopilotError
from copilot.llm.base import Message, ModelError
from copilot.llm.fake import FakeModel
from copilot.llm.registry import get_model
from tests.openai_server import chat_server


class Narrative(BaseModel):
    title: str
    description: str


MESSAGES = [Message(role="system", content="You summarise feedback."), Message(role="user", content="Go")]


def _openai(monkeypatch: pytest.MonkeyPatch, url: str, retries: int = 3):  # noqa: ANN202
    monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", url)
    monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("COPILOT_OPENAI_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("COPILOT_MODEL_RETRIES", str(retries))
    reset_settings()
    return get_model(get_settings(), "openai")


def test_structured_output_sends_model_messages_and_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    with chat_server(['{"title": "Exports", "description": "Exports time out."}']) as (url, requests):
        result, completion = _openai(monkeypatch, url).generate_json(MESSAGES, Narrative)
    assert result == Narrative(title="Exports", description="Exports time out.")
    body = requests[0]["body"]
    assert requests[0]["path"] == "/v1/chat/completions" and body["model"] == "gpt-4o-mini"
    assert body["messages"] == [m.model_dump() for m in MESSAGES]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Narrative"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["title", "description"]
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (100, 20)
    assert completion.usage.cost_usd == round((100 * 0.15 + 20 * 0.60) / 1e6, 6)


def test_rate_limit_is_retried_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    with chat_server([(429, 0), (503, 0), "All good"]) as (url, requests):
        completion = _openai(monkeypatch, url).generate(MESSAGES)
    assert completion.text == "All good" and len(requests) == 3


def test_retries_give_up_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with chat_server([(429, 0), (429, 0)]) as (url, requests), pytest.raises(ModelError, match="HTTP 429"):
        _openai(monkeypatch, url, retries=1).generate(MESSAGES)
    assert len(requests) == 2


def test_malformed_json_is_reported_with_the_raw_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    with chat_server(['{"title": "Exports", "descr']) as (url, _), pytest.raises(ModelError) as exc:
        _openai(monkeypatch, url).generate_json(MESSAGES, Narrative)
    assert "not valid Narrative JSON" in exc.value.detail and exc.value.raw == '{"title": "Exports", "descr'


def test_streaming_yields_the_pieces_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    with chat_server([("stream", ["Exports ", "time ", "out."])]) as (url, requests):
        pieces = list(_openai(monkeypatch, url).stream(MESSAGES))
    assert pieces == ["Exports ", "time ", "out."] and requests[0]["body"]["stream"] is True


def test_real_models_are_blocked_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_OPENAI_API_KEY", "sk-real")
    reset_settings()
    with pytest.raises(CopilotError) as exc:
        get_model(get_settings(), "openai")  # default base URL: the real service
    assert exc.value.code == "model_blocked"


def test_fake_model_scripts_replies_and_records_history() -> None:
    fake = FakeModel().enqueue(['{"title": "A", "description": "B"}', "plain"])
    assert fake.generate_json(MESSAGES, Narrative)[0].title == "A"
    assert fake.generate(MESSAGES).text == "plain"
    assert len(fake.history) == 2 and fake.history[0][1].content == "Go"
    with pytest.raises(ModelError, match="no reply queued"):
        fake.generate(MESSAGES)


def test_extractive_is_the_default_and_generates_nothing() -> None:
    engine = get_model(get_settings())
    assert (engine.provider, engine.can_generate) == ("extractive", False)
    with pytest.raises(ModelError):
        engine.generate(MESSAGES)
