"""A model judge of citation support: pass or fail with a reason, asked several times to show its spread.

A case the judge could not answer (an error, an unparseable reply, a model that cannot judge) is unmeasured,
never failed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from copilot.evals.schema import Metric
from copilot.llm.base import Message, Model, ModelError
from copilot.prompts import data_rule, fence, load_prompt

RUNS = 3
MAX_ITEMS = 8  # per draft: bounds the cost of judging with a paid model


class Judgement(BaseModel):
    verdict: Literal["pass", "fail"]
    reason: str


def judge_support(model: Model, claims: list[str], evidence: list[str], name: str) -> Metric:
    prompt = load_prompt("citation_judge")
    rates: list[float] = []
    unmeasured = 0
    reasons: list[str] = []
    pairs = list(zip(claims, evidence, strict=True))[:MAX_ITEMS]
    for _ in range(RUNS):
        verdicts = []
        for claim, quotes in pairs:
            delimiter, fenced_claim = fence(claim, "claim")
            fenced_quotes = fence(quotes, "customer feedback", delimiter)[1]
            content = prompt.render(data_rule=data_rule(delimiter), claim=fenced_claim, evidence=fenced_quotes)
            try:
                j, _ = model.generate_json([Message(role="user", content=content)], Judgement, max_tokens=200)
            except ModelError:
                unmeasured += 1
                continue
            verdicts.append(j.verdict == "pass")
            if j.verdict == "fail":
                reasons.append(j.reason)
        if verdicts:
            rates.append(sum(verdicts) / len(verdicts))
    value = sum(rates) / len(rates) if rates else None
    spread = f"runs {min(rates):.2f} to {max(rates):.2f}" if rates else "no verdicts"
    detail = f"{len(pairs)} items x {RUNS} runs, {spread}, {unmeasured} unmeasured"
    if reasons:
        detail += f"; a failing reason: {reasons[0][:120]}"
    return Metric(
        suite="drafts",
        name=f"drafts.{name}.citation_support_judge",
        provider=model.provider,
        value=value,
        detail=detail,
    )
