"""Chat over a real server: SSE frames parsed as a browser does, conversations, routing to drafts, heartbeats,
stopping on disconnect, and the OpenAI-compatible endpoint driven by the official `openai` client."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from httpx_sse import connect_sse

from copilot.api import chat_routes
from copilot.chat.history import History
from copilot.config import Settings
from copilot.store import open_store
from tests.test_api import AUTH, KEY


def _events(url: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    with (
        httpx.Client(headers=AUTH, timeout=60) as client,
        connect_sse(client, "POST", f"{url}/v1/projects/t/chat", json=body) as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        return [json.loads(sse.data) for sse in source.iter_sse()]


def test_chat_streams_typed_events_with_citations_and_keeps_the_conversation(served: tuple[str, Settings]) -> None:
    url, settings = served
    events = _events(url, {"message": "why do customers complain about exporting to excel?"})
    types = [e["type"] for e in events]
    assert types[0] == "meta" and types[-1] == "done" and "delta" in types and "citation" in types
    meta, done = events[0], events[-1]
    assert meta["route"] == "answer" and meta["provider"] == "extractive" and 2 <= len(meta["evidence"]) <= 6
    answer = "".join(e["text"] for e in events if e["type"] == "delta")
    assert answer == done["answer"] and answer.startswith("No language model is configured")
    store = open_store(settings)
    for c in done["citations"]:  # every marker maps to a record, and its quote is verbatim in it
        assert f"[{c['marker']}]" in answer and c["quote"] in store.get_record("t", c["record_id"]).text
    assert any("export" in c["quote"].lower() or "excel" in c["quote"].lower() for c in done["citations"])
    again = _events(url, {"message": "and what about pricing?", "conversation_id": meta["conversation_id"]})
    assert again[0]["conversation_id"] == meta["conversation_id"]
    kept = History(settings.service_db).messages(meta["conversation_id"])
    assert [m.role for m in kept] == ["user", "assistant", "user", "assistant"]
    assert kept[2].content == "and what about pricing?"


def test_a_request_for_a_document_is_routed_to_the_drafting_engine(served: tuple[str, Settings]) -> None:
    url, _ = served
    events = _events(url, {"message": "Please draft a PRD for exporting to Excel"})
    assert events[0]["route"] == "draft" and events[0]["draft"] == "prd" and events[0]["topic"] == "exporting to Excel"
    done = events[-1]
    assert done["draft"]["kind"] == "prd" and done["answer"].startswith("# PRD:")
    assert done["verification"]["items_dropped"] == 0 and done["citations"]


class SlowModel:
    """Streams 200 words, one every 50 ms, and records how far it got before it was stopped."""

    provider, model, can_generate = "test", "slow", True

    def __init__(self, first_delay: float = 0.0) -> None:
        self.pulled = 0
        self.closed = threading.Event()
        self.first_delay = first_delay

    def stream(self, messages: list, *, max_tokens: int = 700) -> Iterator[str]:
        try:
            time.sleep(self.first_delay)  # a model thinking before its first word
            for i in range(200):
                time.sleep(0.05)
                self.pulled += 1
                yield f"word{i} "
        finally:
            self.closed.set()


def test_generation_stops_when_the_client_disconnects(served: tuple[str, Settings], monkeypatch) -> None:
    url, _ = served
    slow = SlowModel()
    monkeypatch.setattr(chat_routes, "get_model", lambda settings, provider=None: slow)
    with (
        httpx.Client(headers=AUTH, timeout=60) as client,
        connect_sse(
            client, "POST", f"{url}/v1/projects/t/chat", json={"message": "what about offline mode?", "live": True}
        ) as source,
    ):
        for sse in source.iter_sse():
            if json.loads(sse.data)["type"] == "delta":
                break  # the reader closes the tab
    assert slow.closed.wait(10), "the model kept generating after the client left"
    assert slow.pulled < 60


def test_a_heartbeat_keeps_a_quiet_stream_alive(served: tuple[str, Settings], monkeypatch) -> None:
    url, _ = served
    slow = SlowModel(first_delay=1.0)
    monkeypatch.setattr(chat_routes, "get_model", lambda settings, provider=None: slow)
    monkeypatch.setattr(chat_routes, "HEARTBEAT_S", 0.2)
    seen = ""
    with httpx.stream(
        "POST", f"{url}/v1/projects/t/chat", headers=AUTH, json={"message": "offline mode?", "live": True}, timeout=60
    ) as r:
        for line in r.iter_lines():
            seen += line + "\n"
            if seen.count("word") >= 3:
                break
    assert seen.count(": ping") >= 3 and seen.index(": ping") < seen.index("word0")  # comments EventSource ignores


def test_an_error_mid_stream_is_an_error_event(served: tuple[str, Settings], monkeypatch) -> None:
    from copilot.llm.base import ModelError

    class Broken(SlowModel):
        def stream(self, messages: list, *, max_tokens: int = 700) -> Iterator[str]:
            yield "Starting "
            raise ModelError("the model server went away")

    monkeypatch.setattr(chat_routes, "get_model", lambda settings, provider=None: Broken())
    events = _events(served[0], {"message": "offline mode?"})
    assert events[-1] == {"type": "error", "error_code": "model_error", "detail": "the model server went away"}
    unknown = httpx.post(f"{served[0]}/v1/projects/nope/chat", headers=AUTH, json={"message": "hi"})
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "not_found"


def test_the_official_openai_client_works_against_the_compatible_endpoint(served: tuple[str, Settings]) -> None:
    url, _ = served
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
    reply = client.chat.completions.create(
        model="t",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "what do people say about pricing per seat?"},
        ],
    )
    text = reply.choices[0].message.content or ""
    assert reply.model == "t" and reply.choices[0].finish_reason == "stop"
    assert "Sources:" in text and "[1]" in text and ("seat" in text.lower() or "pric" in text.lower())
    pieces = [
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model="t", messages=[{"role": "user", "content": "what do people say about pricing per seat?"}], stream=True
        )
    ]
    assert len(pieces) > 2 and "".join(pieces) == text
    assert [m.id for m in client.models.list()] == ["t"]
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
            model="t", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])


def test_history_survives_in_sqlite(tmp_path: Path) -> None:
    history = History(tmp_path / "s.sqlite")
    conv = history.start("p")
    history.add(conv, "user", "q1")
    history.add(conv, "assistant", "a1", [{"record_id": "r1", "quote": "x"}])
    assert [m.content for m in History(tmp_path / "s.sqlite").messages(conv)] == ["q1", "a1"]
    assert history.start("other-project", conv) != conv  # a conversation belongs to one project
