"""A model's answer, verified before anyone reads it (or, when the client asked for it live, verified at the end).

Verified (the default): the model writes, the answer is scrubbed of prompt scaffolding and checked
(copilot.chat.verify); a failing answer gets one repair round with the reasons, and if that fails too the
extractive answer is delivered with a note saying why. Live: the text streams as the model writes it (scrubbed
line by line), and the verdict comes at the end; a failing answer is then withdrawn and replaced by the
extractive one. Either way the delivered answer is one that passed.

Both are generators that yield while the model writes (None for progress when verified, lines when live), so a
reader that leaves closes them and the model stops.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from copilot.chat.evidence import Evidence
from copilot.chat.verify import FENCE_RE, SCAFFOLD_RE, ChatCheck, check_chat_answer, scrub
from copilot.drafts.verify import quote_supported
from copilot.llm.base import Message, Model, TextStream, Usage
from copilot.prompts import data_rule, fence, load_prompt

ANSWER_TOKENS = 700
EVIDENCE_CHARS = 700
HISTORY_TURNS = 6
HISTORY_CHARS = 500
CLIENT_CHARS = 2000
WORDS_HELD = 40  # live text waits for this many characters, then goes out up to the last space
EXTRACTIVE_LEAD = (
    "No language model is configured, so this answer is the evidence itself: the records that match your "
    "question best, quoted verbatim."
)


@dataclass
class Ask:
    question: str
    evidence: list[Evidence]
    history: list[Message] = field(default_factory=list)
    system: str = ""  # instructions from the client (an OpenAI-style system message)
    temperature: float | None = None
    max_tokens: int = ANSWER_TOKENS
    stop: list[str] | None = None


@dataclass
class Outcome:
    answer: str
    by_model: bool
    check: ChatCheck
    model_failures: list[str] = field(default_factory=list)
    attempts: int = 0
    usage: Usage | None = None
    note: str | None = None
    retracted: bool = False  # live only: what streamed was withdrawn, `answer` replaces it


def extractive(evidence: list[Evidence], lead: str = EXTRACTIVE_LEAD) -> tuple[str, ChatCheck]:
    """The evidence itself as the answer, and its check. Checked by structure, not by reading the text back: a
    customer's own quote marks or a web address inside a quote would confuse a textual check of what is, by
    construction, each record's own sentence under its own marker."""
    check = ChatCheck(markers_checked=len(evidence), quotes_checked=len(evidence))
    if not evidence:
        return "No records in this project match the question.", check
    for e in evidence:
        if not quote_supported(e.quote, e.text):
            check.failures.append(f"the quote shown for [{e.marker}] is not word for word in its record")
    lines = [f"[{e.marker}] “{e.quote}” ({e.source or e.record_id})" for e in evidence]
    return lead + "\n\n" + "\n".join(lines), check


def render(ask: Ask) -> list[Message]:
    """The prompt: evidence and the conversation so far (which quotes customers) inside one fresh fence."""
    prompt = load_prompt("chat_answer")
    lines = [f"[{e.marker}] {' '.join(e.text.split())[:EVIDENCE_CHARS]}" for e in ask.evidence]
    delimiter, evidence = fence("\n".join(lines))
    earlier = "\n".join(f"{m.role}: {m.content[:HISTORY_CHARS]}" for m in ask.history[-HISTORY_TURNS:])
    history = ""
    if earlier:
        history = "The conversation so far:\n" + fence(earlier, "conversation so far", delimiter)[1] + "\n"
    client = ""
    if ask.system.strip():
        client = (
            "The person's chat client adds these instructions; follow them where they do not conflict with the "
            f"rules here:\n{ask.system.strip()[:CLIENT_CHARS]}\n"
        )
    content = prompt.render(
        data_rule=data_rule(delimiter),
        client_instructions=client,
        history=history,
        question=ask.question,
        evidence=evidence,
    )
    return [Message(role="user", content=content)]


def _repair(messages: list[Message], failures: list[str]) -> list[Message]:
    # The failed reply is not sent back: it may hold customer text outside the fence. The reasons name markers
    # and numbers only.
    note = (
        "\n\nA previous answer to this failed verification:\n- "
        + "\n- ".join(failures)
        + "\nWrite a new answer that avoids these problems."
    )
    return [Message(role="user", content=messages[0].content + note)]


def _add(a: Usage | None, b: Usage | None) -> Usage | None:
    return b if a is None else a if b is None else a + b


def _progress(stream: TextStream, parts: list[str]) -> Generator[None, None, Usage | None]:
    """Collect a model stream into `parts`, yielding after each piece; closed early, it closes the stream."""
    try:
        while True:
            try:
                parts.append(next(stream))
            except StopIteration as end:
                return end.value if isinstance(end.value, Usage) else None
            yield None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _stream(model: Model, ask: Ask, messages: list[Message]) -> TextStream:
    # Sampling options only when the client set them, so a model that takes none (a test double) still works.
    options: dict[str, Any] = {"max_tokens": ask.max_tokens}
    if ask.temperature is not None:
        options["temperature"] = ask.temperature
    if ask.stop:
        options["stop"] = ask.stop
    return model.stream(messages, **options)


def _attempt(model: Model, ask: Ask, messages: list[Message]) -> Generator[None, None, tuple[str, Usage | None]]:
    parts: list[str] = []
    stream = _stream(model, ask, messages)
    usage = yield from _progress(stream, parts)
    return scrub("".join(parts)), usage


def _fallback(ask: Ask, failures: list[str], attempts: int, usage: Usage | None, retracted: bool) -> Outcome:
    why = "; ".join(failures[:3])
    note = (
        f"The model's answer did not pass verification ({why}), so this answer is the evidence itself: the "
        "records that match your question best, quoted verbatim."
    )
    answer, check = extractive(ask.evidence, note)
    return Outcome(answer, False, check, failures, attempts, usage, note, retracted)


def verified(model: Model, ask: Ask) -> Generator[None, None, Outcome]:
    """Ask, check, repair once, else the extractive answer with a note. Yields while the model writes."""
    messages = render(ask)
    answer, usage = yield from _attempt(model, ask, messages)
    check = check_chat_answer(answer, ask.evidence)
    if check.passed:
        return Outcome(answer, True, check, [], 1, usage)
    first = check.failures
    answer, more = yield from _attempt(model, ask, _repair(messages, first))
    usage = _add(usage, more)
    check = check_chat_answer(answer, ask.evidence)
    if check.passed:
        return Outcome(answer, True, check, first, 2, usage)
    return _fallback(ask, check.failures, 2, usage, retracted=False)


class _Lines:
    """Live text released in whole words (a line at a time where lines are short), with fence delimiters and
    echoed prompt lines taken out, so a delimiter or a link split across two pieces is caught before any of it
    is sent."""

    def __init__(self) -> None:
        self.held = ""

    def feed(self, piece: str) -> Iterator[str]:
        self.held += piece
        cut = self.held.rfind("\n") + 1
        if not cut and len(self.held) >= WORDS_HELD:
            cut = _last_free_space(self.held) + 1
        if cut:
            text, self.held = self.held[:cut], self.held[cut:]
            if clean := _clean(text):
                yield clean

    def flush(self) -> Iterator[str]:
        if clean := _clean(self.held):
            yield clean
        self.held = ""


def _last_free_space(text: str) -> int:
    """The last space outside any [...] or (...): a link or image is never split between two pieces."""
    depth, at = 0, -1
    for i, c in enumerate(text):
        depth += (c in "[(") - (c in ")]")
        if c == " " and depth <= 0:
            at = i
    return at


def _clean(text: str) -> str:
    return FENCE_RE.sub("", SCAFFOLD_RE.sub("", text))


def live(model: Model, ask: Ask) -> Generator[str, None, Outcome]:
    """The answer as it is written, then the verdict; a failing answer is withdrawn for the extractive one."""
    parts: list[str] = []
    lines = _Lines()
    stream = _stream(model, ask, render(ask))
    usage: Usage | None = None
    try:
        while True:
            try:
                piece = next(stream)
            except StopIteration as end:
                usage = end.value if isinstance(end.value, Usage) else None
                break
            parts.append(piece)
            yield from lines.feed(piece)
        yield from lines.flush()
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    answer = scrub("".join(parts))
    check = check_chat_answer(answer, ask.evidence)
    if check.passed:
        return Outcome(answer, True, check, [], 1, usage)
    return _fallback(ask, check.failures, 1, usage, retracted=True)
