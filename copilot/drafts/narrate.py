"""Words by model: a model rewrites a draft item that code already built and verified, from fenced evidence.

Every model call of the drafting engine goes through `ask_verified`: the reply is checked (quotes verbatim in
the cited records, numbers among the computed figures), failures are fed back once, and a reply that still fails
is refused. `Narrator` adds what every draft needs around it: one evidence pack within a token budget, one
delimiter per request, token and cost accounting, and the prompt name and version for provenance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from copilot.drafts.schema import EXTRACTIVE_NOTE, Provenance, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item
from copilot.llm.base import Message, Model, ModelError, T, Usage
from copilot.prompts import Prompt, data_rule, fence, load_prompt
from copilot.tokens import count_tokens

EVIDENCE_TOKENS = 1500  # per item: leaves room for instructions, statistics and the reply in a 4k context
LINE_CHARS = 600


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


def ask_verified(
    model: Model,
    messages: list[Message],
    schema: type[T],
    check: Callable[[T], list[str]],
    report: Verification,
    usage: list[Usage],
    repair: bool = True,
    on_attempt: Callable[[], None] | None = None,
) -> tuple[T | None, list[str]]:
    """Ask for `schema`, verify the reply, and (unless `repair` is False) give one repair round with the
    failures fed back. Returns the verified reply, or None with the last failures."""
    failures: list[str] = []
    for attempt in range(2 if repair else 1):
        if on_attempt is not None:
            on_attempt()
        try:
            reply, completion = model.generate_json(messages, schema)
            usage.append(completion.usage)
            failures = check(reply)
        except ModelError as exc:  # an unparseable reply is a failed check too
            reply, failures = None, [exc.detail]
            report.items_checked += 1
        if reply is not None and not failures:
            return reply, []
        if attempt == 0:
            messages = [
                *messages,
                Message(role="assistant", content=reply.model_dump_json() if reply else "(invalid)"),
                Message(
                    role="user",
                    content="Your reply failed verification:\n- "
                    + "\n- ".join(failures)
                    + "\nFix these and reply again with JSON only. Quote records word for word and "
                    "use only numbers from the statistics.",
                ),
            ]
    return None, failures


def fenced_inputs(draft: BaseModel | None, evidence: str) -> dict[str, str]:
    """The data inputs of a prompt, fenced with one delimiter for this request: the evidence, and the draft
    that code built (which holds verbatim customer quotes, so it is data too)."""
    delimiter, fenced_evidence = fence(evidence)
    values = {"data_rule": data_rule(delimiter), "evidence": fenced_evidence}
    if draft is not None:
        values["draft"] = fence(draft.model_dump_json(indent=1), "draft", delimiter)[1]
    return values


class Narrator:
    """Rewrites draft items with a model, within one draft: counts usage and keeps what provenance needs."""

    def __init__(self, model: Model, verification: Verification, warnings: list[str], prompt: str = "draft_item"):
        self.model = model
        self.verification = verification
        self.warnings = warnings
        self.usage: list[Usage] = []
        self.prompt: Prompt | None = load_prompt(prompt) if model.can_generate else None
        self.evidence_ids: set[str] = set()

    def ask(
        self,
        prompt: Prompt,
        schema: type[T],
        values: dict[str, Any],
        draft: BaseModel | None,
        evidence_ids: Iterable[str],
        texts: Mapping[str, str],
        check_text: Callable[[T], tuple[str, list[Citation]]],
        figures: list[float],
    ) -> tuple[T | None, list[str]]:
        """One verified call of `prompt`; citations must name records of the evidence pack it was given."""
        evidence, used = pack_evidence(evidence_ids, texts)
        content = prompt.render(**values, **fenced_inputs(draft, evidence))
        allowed = {rid: texts[rid] for rid in used}

        def check(reply: T) -> list[str]:
            prose, citations = check_text(reply)
            return check_item(prose, citations, allowed, figures, self.verification)

        reply, failures = ask_verified(
            self.model, [Message(role="user", content=content)], schema, check, self.verification, self.usage
        )
        if reply is not None:
            self.evidence_ids.update(used)
        return reply, failures

    def rewrite(
        self,
        artifact: str,
        section: str,
        draft: ThemeNarrative,
        facts: Any,
        texts: Mapping[str, str],
        figures: list[float],
    ) -> ThemeNarrative:
        """The model's wording of a verified item, or the item itself: with no model, or when the model's
        wording fails verification twice (then dropped and listed in warnings, so nothing good is lost)."""
        if self.prompt is None:
            return draft
        cited = [c.record_id for c in draft.citations]
        values = {"artifact": artifact, "section": section, "facts": json.dumps(facts, indent=1, default=str)}
        reply, failures = self.ask(
            self.prompt,
            ThemeNarrative,
            values,
            draft,
            [*cited, *texts],
            texts,
            lambda n: (f"{n.title} {n.description}", n.citations),
            figures,
        )
        if reply is not None:
            return reply
        self.verification.items_dropped += 1
        note = f"{section}: {draft.title}: the model's wording failed verification twice, so the extractive " \
               f"wording stands ({'; '.join(failures)[:300]})"
        self.verification.failures.append(note)
        self.warnings.append(note)
        return draft

    def provenance(self, evidence_ids: Iterable[str], prompt: Prompt | None = None) -> Provenance:
        total = sum(self.usage, Usage())
        used = prompt or self.prompt
        return Provenance(
            provider=self.model.provider,
            model=self.model.model,
            prompt=used.name if used else None,
            prompt_version=used.version if used else None,
            evidence_ids=sorted(set(evidence_ids) | self.evidence_ids),
            tokens={"prompt": total.prompt_tokens, "completion": total.completion_tokens},
            cost_usd=total.cost_usd,
            token_budget=EVIDENCE_TOKENS if used else None,
        )
