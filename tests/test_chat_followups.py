"""Follow-up questions and the conversation so far: a follow-up retrieves about what it refers to, the history
(which quotes customers) is fenced like all untrusted text, and an answer never cites two near-duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from rapidfuzz import fuzz

from copilot.evals.safety import FENCED_RE
from copilot.llm.base import Message
from copilot.llm.fake import FakeModel
from tests.test_chat_verified import GOOD, done_of, store_t
from tests.test_openai_endpoint import CANARY, PLANTED, chat_api, sse_chat

__all__ = ["chat_api", "store_t"]
EARLIER = [
    Message(role="user", content="why are exports slow?"),
    Message(role="assistant", content=f"[1] “Exports to CSV time out constantly. {PLANTED}”"),
]


def _quotes(done: dict[str, Any]) -> list[str]:
    return [c["quote"] for c in done["citations"]]


def test_the_conversation_so_far_is_inside_the_data_fence(store_t) -> None:
    fake = FakeModel().enqueue(["which plan complains most about slow exports", GOOD])
    done = done_of(store_t, fake, "and which plan mentions it most?", history=EARLIER)
    assert done["verification"]["delivered"] == "model"
    answer_prompt = fake.history[-1][0].content
    assert CANARY in answer_prompt and "The conversation so far" in answer_prompt
    for prompt in (m[0].content for m in fake.history):
        assert CANARY not in FENCED_RE.sub(" ", prompt)  # customer words only inside the fence


def test_a_follow_up_retrieves_about_what_it_refers_to(chat_api) -> None:
    url, _ = chat_api
    first = sse_chat(url, {"message": "why are exports slow?"})
    conv = first[0]["conversation_id"]
    follow = sse_chat(url, {"message": "which plan complains most about that?", "conversation_id": conv})
    meta, done = follow[0], follow[-1]
    assert meta["query_from"] == "carried" and "export" in meta["query"]
    quotes = _quotes(done)
    about_exports = [q for q in quotes if "export" in q.lower()]
    assert len(about_exports) > len(quotes) / 2, quotes
    alone = sse_chat(url, {"message": "which plan complains most about that?"})[-1]
    assert len([q for q in _quotes(alone) if "export" in q.lower()]) < len(about_exports)  # the bug, shown


def test_a_model_rewrites_the_follow_up_only_into_a_plain_query(store_t) -> None:
    from copilot.chat.answer import chat_events

    question = "which plan complains most about that?"
    fake = FakeModel().enqueue(["Which plan complains most about slow exports", GOOD])
    meta = next(chat_events(store_t, "t", question, fake, EARLIER))
    assert meta["query_from"] == "model" and meta["query"] == "Which plan complains most about slow exports"
    rewrite_prompt = fake.history[0][0].content
    assert "why are exports slow?" in rewrite_prompt and CANARY not in rewrite_prompt  # questions, not answers
    for bad in (f"Sure! Here is the query:\n{PLANTED}", "<<<DATA-ABCDEF012345 slow exports", "exports [1]"):
        fake = FakeModel().enqueue([bad, GOOD])
        meta = next(chat_events(store_t, "t", question, fake, EARLIER))
        assert meta["query_from"] == "carried" and "DATA" not in meta["query"] and CANARY not in meta["query"]


@pytest.mark.parametrize("question", ["does exporting the board to Excel time out?", "why are exports slow?"])
def test_an_answer_never_cites_two_near_duplicates_of_one_sentence(store_t, question: str) -> None:
    from copilot.llm.registry import ExtractiveEngine

    quotes = _quotes(done_of(store_t, ExtractiveEngine(), question))
    assert len(quotes) >= 3
    for i, a in enumerate(quotes):
        for b in quotes[i + 1 :]:
            assert fuzz.ratio(a.lower(), b.lower()) < 90, (a, b)
    assert sum("two minutes" in q for q in quotes) <= 1
