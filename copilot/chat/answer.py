"""A question answered from the evidence, as events: meta, progress, delta, citation, done (errors are raised
for the caller to frame).

A request to draft a document ("draft a PRD for bulk export") goes to the drafting engine. Anything else is
answered from the best-matching records (a follow-up is first made standalone: copilot.chat.followup), numbered
so the answer can cite them with [n] markers. With the extractive engine the answer is that evidence, quoted
verbatim and labelled as such. With a model, nothing it writes is delivered before it is verified
(copilot.chat.model_answer): by default the answer is checked, repaired once if needed, and only then sent;
with `live` it streams as written and the done event carries the verdict (and the replacement, if it failed).

`progress` events say the model is still writing: interfaces turn them into keep-alives and never show them.
Delta text is already as clients should render it (links and images inert); `done.answer` is the answer as
written, for the conversation's history and for interfaces that escape it their own way (Slack).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from copilot.chat.evidence import Evidence, gather, store_errors
from copilot.chat.followup import standalone_query
from copilot.chat.markdown import inert
from copilot.chat.model_answer import EXTRACTIVE_LEAD, Ask, Outcome, extractive, live, verified
from copilot.drafts import registry
from copilot.drafts.build import draft_document, draft_markdown
from copilot.drafts.kind import DraftInputs, DraftKind
from copilot.drafts.verify import citations_of
from copilot.llm.base import Message, Model, Usage
from copilot.prompts import load_prompt
from copilot.store.chroma import Store
from copilot.tokens import count_tokens

__all__ = ["EXTRACTIVE_LEAD", "AnswerOptions", "Evidence", "answer_once", "chat_events", "gather", "route"]
_VERBS = r"\b(?:draft|write|create|generate|prepare|make|build)\b"
DELTA_CHARS = 400


@dataclass
class AnswerOptions:
    """How a client asked for the answer: live streaming, its own instructions and sampling."""

    live: bool = False
    system: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)


def _intent() -> re.Pattern[str]:
    """'draft a PRD for bulk export': a verb, then a kind's word (from the registry), then maybe a topic."""
    return re.compile(
        _VERBS + rf".{{0,40}}?\b(?P<kind>{registry.words_pattern()})s?\b(?:.*?\b(?:for|about|on)\s+(?P<topic>.+))?",
        re.I | re.S,
    )


def route(question: str) -> tuple[DraftKind | None, str | None]:
    m = _intent().search(question)
    if not m:
        return None, None
    kind = registry.for_word(m.group("kind"))
    topic = (m.group("topic") or "").strip(" ?.!") or None
    if kind is not None and "topic" not in kind.inputs:
        topic = None
    return kind, topic


def _chunks(text: str) -> Iterator[dict[str, Any]]:
    """Deltas of the text as clients render it (copilot.chat.markdown), made inert whole: escaping pieces one
    by one could leave a link split across two of them live."""
    shown = inert(text)
    for i in range(0, len(shown), DELTA_CHARS):
        yield {"type": "delta", "text": shown[i : i + DELTA_CHARS]}


def _usage(used: Usage | None, prompt: str, answer: str) -> dict[str, Any]:
    """The model's own counts when it gave them; otherwise tiktoken's count of what was asked and answered."""
    if used is not None and (used.prompt_tokens or used.completion_tokens):
        return {"prompt_tokens": used.prompt_tokens, "completion_tokens": used.completion_tokens, "source": "model"}
    return {"prompt_tokens": count_tokens(prompt), "completion_tokens": count_tokens(answer), "source": "tiktoken"}


def _draft_events(store: Store, project: str, kind: DraftKind, topic: str | None, model: Model) -> Iterator[dict]:
    with store_errors(store):
        draft = draft_document(store, project, kind.name, model, inputs=DraftInputs(topic=topic))
    markdown = draft_markdown(draft)
    doc = draft.model_dump(mode="json")
    yield from _chunks(markdown)
    cited = list({(c["record_id"], c["quote"]): c for c in citations_of(doc)}.values())
    for n, c in enumerate(cited, 1):
        yield {"type": "citation", "marker": n, "record_id": c["record_id"], "quote": c["quote"]}
    tokens = draft.provenance.tokens
    used = Usage(prompt_tokens=tokens.get("prompt", 0), completion_tokens=tokens.get("completion", 0))
    yield {
        "type": "done",
        "answer": markdown,
        "citations": [{"marker": n, **c} for n, c in enumerate(cited, 1)],
        "verification": doc["verification"] | {"passed": True, "delivered": "draft"},
        "draft": doc,
        "usage": _usage(used, topic or kind.name, markdown),
    }


def _citations(evidence: list[Evidence], answer: str, everything: bool) -> list[dict[str, Any]]:
    used = {int(m) for m in re.findall(r"\[(\d{1,2})\]", answer)}
    return [
        {"marker": e.marker, "record_id": e.record_id, "quote": e.quote}
        for e in evidence
        if everything or e.marker in used
    ]


def _done(outcome: Outcome, evidence: list[Evidence], prompt_text: str, usage: Usage | None) -> Iterator[dict]:
    citations = _citations(evidence, outcome.answer, everything=not outcome.by_model)
    for c in citations:
        yield {"type": "citation", **c}
    verification = outcome.check.to_dict() | {
        "delivered": "model" if outcome.by_model else "extractive",
        "attempts": outcome.attempts,
        "model_failures": outcome.model_failures,
        "note": outcome.note,
    }
    done: dict[str, Any] = {
        "type": "done",
        "answer": outcome.answer,
        "citations": citations,
        "verification": verification,
        "usage": _usage(usage, prompt_text, outcome.answer),
    }
    if outcome.attempts:
        prompt = load_prompt("chat_answer")
        done["prompt"] = {"name": prompt.name, "version": prompt.version}
        done["retracted"] = outcome.retracted
    yield done


def _model_events(model: Model, ask: Ask, options: AnswerOptions) -> Generator[dict, None, Outcome]:
    """Deltas as the model writes (live), or progress while it writes and is checked (verified)."""
    runner: Generator[Any, None, Outcome] = live(model, ask) if options.live else verified(model, ask)
    try:
        while True:
            try:
                line = next(runner)
            except StopIteration as end:
                return end.value
            yield {"type": "delta", "text": inert(line)} if options.live else {"type": "progress"}
    finally:
        runner.close()  # a reader that left stops the model


def chat_events(
    store: Store,
    project: str,
    question: str,
    model: Model,
    history: list[Message] | None = None,
    conversation_id: str | None = None,
    options: AnswerOptions | None = None,
) -> Iterator[dict[str, Any]]:
    """The events of one answer. The first is meta, the last is done; a consumer may stop early, and then
    nothing more is generated."""
    options = options or AnswerOptions()
    history = history or []
    kind, topic = route(question)
    meta = {
        "type": "meta",
        "conversation_id": conversation_id,
        "project": project,
        "provider": model.provider,
        "model": model.model,
    }
    if kind is not None:
        yield meta | {"route": "draft", "draft": kind.name, "topic": topic}
        yield from _draft_events(store, project, kind, topic, model)
        return
    standalone = standalone_query(question, history, model)
    evidence = gather(store, project, standalone.query)
    yield meta | {
        "route": "answer",
        "query": standalone.query,
        "query_from": standalone.how,
        "evidence": [{"marker": e.marker, "record_id": e.record_id} for e in evidence],
    }
    asked = "\n".join(t for t in [options.system, *(m.content for m in history), question] if t)
    if not (model.can_generate and evidence):
        answer, check = extractive(evidence)
        yield from _chunks(answer)
        yield from _done(Outcome(answer, False, check), evidence, asked, standalone.usage)
        return
    ask = Ask(question, evidence, history, options.system, options.temperature, stop=options.stop or None)
    if options.max_tokens:
        ask.max_tokens = min(options.max_tokens, ask.max_tokens)
    outcome = yield from _model_events(model, ask, options)
    if not options.live:
        yield from _chunks(outcome.answer)
    usage = standalone.usage
    if outcome.usage is not None:
        usage = outcome.usage if usage is None else usage + outcome.usage
    yield from _done(outcome, evidence, asked, usage)


def answer_once(events: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """Run an answer to the end; the done event, with the meta event under "meta"."""
    meta: dict[str, Any] = {}
    for event in events:
        if event["type"] == "meta":
            meta = event
        elif event["type"] == "done":
            return event | {"meta": meta}
    raise RuntimeError("an answer ended without a done event")
