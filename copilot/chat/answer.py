"""A question answered from the evidence, as events: meta, delta, citation, done (errors are the caller's).

A request to draft a document ("draft a PRD for bulk export") goes to the drafting engine. Anything else is
answered from the best-matching records, numbered so the answer can cite them with [n] markers. With the
extractive engine the answer is that evidence, quoted verbatim and labelled as such. With a model the answer
streams as it is written, and is checked once it is complete: markers that name no evidence, quotes not found
verbatim, and numbers that appear in no evidence are reported in the done event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from copilot.analysis.segments import split
from copilot.drafts import registry
from copilot.drafts.build import draft_document, draft_markdown
from copilot.drafts.kind import DraftInputs, DraftKind
from copilot.drafts.verify import citations_of, figures_of, number_supported, numbers_in, quote_supported
from copilot.llm.base import Message, Model
from copilot.prompts import data_rule, fence, load_prompt
from copilot.store.chroma import Store
from copilot.store.search import search

_VERBS = r"\b(?:draft|write|create|generate|prepare|make|build)\b"


def _intent() -> re.Pattern[str]:
    """'draft a PRD for bulk export': a verb, then a kind's word (from the registry), then maybe a topic."""
    return re.compile(
        _VERBS + rf".{{0,40}}?\b(?P<kind>{registry.words_pattern()})s?\b(?:.*?\b(?:for|about|on)\s+(?P<topic>.+))?",
        re.I | re.S,
    )


MARKER_RE = re.compile(r"\[(\d{1,2})\]")
QUOTED_RE = re.compile(r"[“\"]([^”\"]{12,})[”\"]")
EXTRACTIVE_LEAD = (
    "No language model is configured, so this answer is the evidence itself: the records that match your "
    "question best, quoted verbatim."
)
EVIDENCE = 6
DELTA_CHARS = 400


@dataclass
class Evidence:
    marker: int
    record_id: str
    text: str
    quote: str
    source: str


def route(question: str) -> tuple[DraftKind | None, str | None]:
    m = _intent().search(question)
    if not m:
        return None, None
    kind = registry.for_word(m.group("kind"))
    topic = (m.group("topic") or "").strip(" ?.!") or None
    if kind is not None and "topic" not in kind.inputs:
        topic = None
    return kind, topic


def _best_sentence(text: str, question: str) -> str:
    """The sentence of a record that shares most words with the question: the quote shown for it."""
    wanted = set(re.findall(r"[a-z]{3,}", question.lower()))
    sentences = [text[a:b].strip() for a, b in split(text, prose=True)] or [text.strip()]
    sentences = [s for s in sentences if len(s.split()) >= 4 and not s.startswith("#")] or sentences
    return max(sentences, key=lambda s: len(wanted & set(re.findall(r"[a-z]{3,}", s.lower()))))


def gather(store: Store, project: str, question: str, k: int = EVIDENCE) -> list[Evidence]:
    hits = search(store, project, question, k=k)
    return [
        Evidence(
            marker=i + 1,
            record_id=h.id,
            text=h.text,
            quote=_best_sentence(h.text, question),
            source=str(h.metadata.get("title") or h.metadata.get("source") or ""),
        )
        for i, h in enumerate(hits)
    ]


def _chunks(text: str) -> Iterator[dict[str, Any]]:
    for i in range(0, len(text), DELTA_CHARS):
        yield {"type": "delta", "text": text[i : i + DELTA_CHARS]}


def _draft_events(store: Store, project: str, kind: DraftKind, topic: str | None, model: Model) -> Iterator[dict]:
    draft = draft_document(store, project, kind.name, model, inputs=DraftInputs(topic=topic))
    markdown = draft_markdown(draft)
    doc = draft.model_dump(mode="json")
    yield from _chunks(markdown)
    cited = list({(c["record_id"], c["quote"]): c for c in citations_of(doc)}.values())
    for n, c in enumerate(cited, 1):
        yield {"type": "citation", "marker": n, "record_id": c["record_id"], "quote": c["quote"]}
    yield {
        "type": "done",
        "answer": markdown,
        "citations": [{"marker": n, **c} for n, c in enumerate(cited, 1)],
        "verification": doc["verification"],
        "draft": doc,
    }


def check_answer(answer: str, evidence: list[Evidence]) -> dict[str, Any]:
    """What a streamed answer claims that its evidence does not hold."""
    by_marker = {e.marker: e for e in evidence}
    markers = [int(m) for m in MARKER_RE.findall(answer)]
    unknown = sorted({m for m in markers if m not in by_marker})
    quotes = QUOTED_RE.findall(answer)
    unquoted = [q for q in quotes if not any(quote_supported(q, e.text) for e in evidence)]
    figures = figures_of([e.text for e in evidence])
    prose = MARKER_RE.sub(" ", answer)
    numbers = [n for n in numbers_in(prose)]
    unsupported = [n.raw for n in numbers if not number_supported(n, figures)]
    return {
        "markers_checked": len(markers),
        "unknown_markers": unknown,
        "quotes_checked": len(quotes),
        "quotes_not_verbatim": unquoted,
        "numbers_checked": len(numbers),
        "numbers_unsupported": unsupported,
        "passed": not (unknown or unquoted or unsupported),
    }


def _model_events(model: Model, question: str, evidence: list[Evidence], history: list[Message]) -> Iterator[dict]:
    prompt = load_prompt("chat_answer")
    delimiter, fenced = fence("\n".join(f"[{e.marker}] {' '.join(e.text.split())[:700]}" for e in evidence))
    earlier = "\n".join(f"{m.role}: {m.content[:500]}" for m in history[-6:])
    content = prompt.render(
        data_rule=data_rule(delimiter),
        history=f"The conversation so far:\n{earlier}" if earlier else "",
        question=question,
        evidence=fenced,
    )
    parts: list[str] = []
    for piece in model.stream([Message(role="user", content=content)], max_tokens=700):
        parts.append(piece)
        yield {"type": "delta", "text": piece}
    answer = "".join(parts)
    used = sorted({int(m) for m in MARKER_RE.findall(answer)} & {e.marker for e in evidence})
    for e in (e for e in evidence if e.marker in used):
        yield {"type": "citation", "marker": e.marker, "record_id": e.record_id, "quote": e.quote}
    yield {
        "type": "done",
        "answer": answer,
        "citations": [
            {"marker": e.marker, "record_id": e.record_id, "quote": e.quote} for e in evidence if e.marker in used
        ],
        "verification": check_answer(answer, evidence),
        "prompt": {"name": prompt.name, "version": prompt.version},
    }


def _extractive_events(evidence: list[Evidence]) -> Iterator[dict]:
    if not evidence:
        answer = "No records in this project match the question."
    else:
        lines = [f"[{e.marker}] “{e.quote}” ({e.source or e.record_id})" for e in evidence]
        answer = EXTRACTIVE_LEAD + "\n\n" + "\n".join(lines)
    yield from _chunks(answer)
    for e in evidence:
        yield {"type": "citation", "marker": e.marker, "record_id": e.record_id, "quote": e.quote}
    yield {
        "type": "done",
        "answer": answer,
        "citations": [{"marker": e.marker, "record_id": e.record_id, "quote": e.quote} for e in evidence],
        "verification": check_answer(answer, evidence),
    }


def chat_events(
    store: Store,
    project: str,
    question: str,
    model: Model,
    history: list[Message] | None = None,
    conversation_id: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The events of one answer. The first is meta, the last is done; a consumer may stop early, and then
    nothing more is generated."""
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
    evidence = gather(store, project, question)
    yield meta | {"route": "answer", "evidence": [{"marker": e.marker, "record_id": e.record_id} for e in evidence]}
    if model.can_generate and evidence:
        yield from _model_events(model, question, evidence, history or [])
    else:
        yield from _extractive_events(evidence)


def answer_once(events: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """Run an answer to the end; the done event, with the meta event under "meta"."""
    meta: dict[str, Any] = {}
    for event in events:
        if event["type"] == "meta":
            meta = event
        elif event["type"] == "done":
            return event | {"meta": meta}
    raise RuntimeError("an answer ended without a done event")
