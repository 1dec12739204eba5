"""Words by model, through one path for every draft and the survey report.

Code builds each item first and verifies it (its quotes verbatim, its numbers computed). A `Request` then says
what a model may reword: the prompt and its values, the item code built (the fallback), the evidence it may cite
and the figures it may use. `Narrator.narrate` asks, verifies the reply the same way, gives one repair round with
the failures fed back (from a per-call or a run-wide `RepairBudget`), and when the reply still fails keeps the
verified item that code built, with a warning: nothing good is lost, and nothing unverified gets out. With no
model the item code built is verified and returned as it is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from copilot.drafts.schema import EXTRACTIVE_NOTE, Provenance, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item
from copilot.llm.base import Message, Model, ModelError, Usage
from copilot.prompts import data_rule, fence, load_prompt
from copilot.tokens import count_tokens

EVIDENCE_TOKENS = 1500  # per request: leaves room for instructions, statistics and the reply in a 4k context
LINE_CHARS = 600
R = TypeVar("R", bound=BaseModel)


def engine_note(model: Model) -> str | None:
    """The note every draft made without a model carries; none when a model wrote the words."""
    return None if model.can_generate else EXTRACTIVE_NOTE


def merge_citations(*groups: list[Citation]) -> list[Citation]:
    return list({(c.record_id, c.quote): c for group in groups for c in group}.values())


def pack_evidence(ids: Iterable[str], texts: Mapping[str, str], budget: int = EVIDENCE_TOKENS) -> tuple[str, list[str]]:
    """Evidence lines ('[record id] text') in the order given, as many as fit the token budget."""
    lines: list[str] = []
    used: list[str] = []
    for rid in dict.fromkeys(ids):
        if rid not in texts:
            continue
        line = f"[{rid}] {' '.join(texts[rid].split())[:LINE_CHARS]}"
        cost = count_tokens(line)
        if cost > budget:
            break
        budget -= cost
        lines.append(line)
        used.append(rid)
    return "\n".join(lines), used


@dataclass
class Request(Generic[R]):
    """One item a model may reword. `draft` is the verified item code built; `prose` says what of a reply is
    checked (its words and its citations); `key` names the request in a resumable run."""

    prompt: str
    values: dict[str, str]
    draft: R
    evidence_ids: list[str]
    figures: list[float]
    prose: Callable[[R], tuple[str, list[Citation]]]
    label: str
    key: str | None = None


@dataclass
class Narrated(Generic[R]):
    item: R
    by_model: bool
    evidence_ids: list[str] = field(default_factory=list)


class RepairBudget:
    """Repair rounds. Per call (the default): every call may take one. Shared (`RepairBudget(shared=N)`): at most
    N for the whole run, so a run's calls stay at most items + N; a round not used is given back. Thread-safe."""

    def __init__(self, shared: int | None = None) -> None:
        self.left = shared
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left is None:
                return True
            if self.left > 0:
                self.left -= 1
                return True
            return False

    def give_back(self) -> None:
        with self._lock:
            if self.left is not None:
                self.left += 1


def fenced_inputs(draft: BaseModel | None, evidence: str) -> dict[str, str]:
    """The data inputs of a prompt, fenced with one delimiter for this request: the evidence, and the draft
    that code built (which holds verbatim customer quotes, so it is data too)."""
    delimiter, fenced_evidence = fence(evidence)
    values = {"data_rule": data_rule(delimiter), "evidence": fenced_evidence}
    if draft is not None:
        values["draft"] = fence(draft.model_dump_json(indent=1), "draft", delimiter)[1]
    return values


class Narrator:
    """Asks for, verifies and keeps model wording within one draft or run; counts usage for provenance."""

    def __init__(
        self,
        model: Model,
        verification: Verification,
        warnings: list[str],
        budget: RepairBudget | None = None,
        halt: Callable[[], str | None] | None = None,
    ) -> None:
        """`halt` is asked before each model call: a reason (such as a spent cost limit) skips the call."""
        self.model = model
        self.halt = halt
        self.verification = verification
        self.warnings = warnings
        self.budget = budget or RepairBudget()
        self.usage = Usage()
        self.prompts: dict[str, int] = {}
        self.evidence_ids: set[str] = set()
        self._lock = threading.Lock()

    def render(self, request: Request[Any], texts: Mapping[str, str]) -> tuple[Message, list[str]]:
        """The message a request sends, and the records its evidence pack holds."""
        prompt = load_prompt(request.prompt)
        evidence, used = pack_evidence(request.evidence_ids, texts)
        content = prompt.render(**request.values, **fenced_inputs(request.draft, evidence))
        return Message(role="user", content=content), used

    def narrate(self, request: Request[R], texts: Mapping[str, str]) -> Narrated[R] | None:
        """The model's verified wording, else the item code built (verified); None only if that fails too."""
        halted = self.halt() if self.halt is not None and self.model.can_generate else None
        if halted:
            self._warn(f"{request.label}: not sent to the model, {halted}", dropped=False)
        elif self.model.can_generate:
            reply, failures = self._ask(request, texts)
            if reply is not None:
                return reply
            self._warn(
                f"{request.label}: the model's wording failed verification, so the extractive wording stands "
                f"({'; '.join(failures)[:300]})"
            )
        prose, citations = request.prose(request.draft)
        local = Verification()
        failures = check_item(prose, citations, texts, request.figures, local)
        self._merge(local)
        if failures:  # the engine's own text failing is a bug: never hide it, never deliver it
            self._warn(f"{request.label}: dropped ({'; '.join(failures)[:300]})", dropped=True)
            return None
        return Narrated(request.draft, by_model=False, evidence_ids=[c.record_id for c in citations])

    def narrate_all(
        self,
        requests: list[Request[R]],
        texts: Mapping[str, str],
        *,
        concurrency: int = 1,
        on_done: Callable[[Request[R], Narrated[R] | None], None] | None = None,
    ) -> list[Narrated[R] | None]:
        """Every request, `concurrency` at a time, in order; `on_done` sees each as it finishes."""

        def one(request: Request[R]) -> Narrated[R] | None:
            result = self.narrate(request, texts)
            if on_done is not None:
                on_done(request, result)
            return result

        if concurrency <= 1 or len(requests) <= 1 or not self.model.can_generate:
            return [one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(one, requests))

    def _ask(self, request: Request[R], texts: Mapping[str, str]) -> tuple[Narrated[R] | None, list[str]]:
        message, used = self.render(request, texts)
        allowed = {rid: texts[rid] for rid in used}
        schema = type(request.draft)
        messages = [message]
        failures: list[str] = []
        repair = self.budget.take()
        local, usage = Verification(), Usage()
        attempts = 2 if repair else 1
        for attempt in range(attempts):
            reply: R | None = None
            try:
                reply, completion = self.model.generate_json(messages, schema)
                usage = usage + completion.usage
                prose, citations = request.prose(reply)
                failures = check_item(prose, citations, allowed, request.figures, local)
            except ModelError as exc:  # an unparseable reply is a failed check too
                failures = [exc.detail]
                local.items_checked += 1
            if reply is not None and not failures:
                if repair and attempt == 0:
                    self.budget.give_back()
                self._merge(local, usage, request.prompt, used)
                return Narrated(reply, by_model=True, evidence_ids=used), []
            messages = [*messages, *_repair_messages(reply, failures)]
        self._merge(local, usage, request.prompt)
        return None, failures

    def _merge(
        self, v: Verification, usage: Usage | None = None, prompt: str | None = None, used: list[str] | None = None
    ) -> None:
        with self._lock:
            t = self.verification
            t.items_checked += v.items_checked
            t.quotes_checked += v.quotes_checked
            t.numbers_checked += v.numbers_checked
            if usage is not None:
                self.usage = self.usage + usage
            if prompt is not None:
                self.prompts[prompt] = load_prompt(prompt).version
            if used:
                self.evidence_ids.update(used)

    def _warn(self, note: str, dropped: bool = True) -> None:
        with self._lock:
            if dropped:
                self.verification.items_dropped += 1
                self.verification.failures.append(note)
            self.warnings.append(note)

    def provenance(self, evidence_ids: Iterable[str]) -> Provenance:
        name, version = next(iter(self.prompts.items()), (None, None))
        return Provenance(
            provider=self.model.provider,
            model=self.model.model,
            prompt=name,
            prompt_version=version,
            prompts=dict(self.prompts),
            evidence_ids=sorted(set(evidence_ids) | self.evidence_ids),
            tokens={"prompt": self.usage.prompt_tokens, "completion": self.usage.completion_tokens},
            cost_usd=self.usage.cost_usd,
            token_budget=EVIDENCE_TOKENS if self.prompts else None,
        )


def _repair_messages(reply: BaseModel | None, failures: list[str]) -> list[Message]:
    return [
        Message(role="assistant", content=reply.model_dump_json() if reply else "(invalid)"),
        Message(
            role="user",
            content="Your reply failed verification:\n- "
            + "\n- ".join(failures)
            + "\nFix these and reply again with JSON only. Quote records word for word and "
            "use only numbers from the statistics.",
        ),
    ]


def rewrite_request(
    artifact: str, section: str, draft: ThemeNarrative, facts: Any, evidence_ids: Iterable[str], figures: list[float]
) -> Request[ThemeNarrative]:
    """A model's rewording of one item of a persona set, SWOT or PRD that code built and verified."""
    return Request(
        prompt="draft_item",
        values={"artifact": artifact, "section": section, "facts": json.dumps(facts, indent=1, default=str)},
        draft=draft,
        evidence_ids=[*(c.record_id for c in draft.citations), *evidence_ids],
        figures=figures,
        prose=lambda n: (f"{n.title} {n.description}", n.citations),
        label=f"{section}: {draft.title}",
    )
