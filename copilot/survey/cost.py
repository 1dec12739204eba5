"""What the model calls of a summary will cost, before any is made: tokens by tiktoken, prices per model."""

from __future__ import annotations

from pydantic import BaseModel

from copilot.llm.openai_chat import PRICES
from copilot.tokens import count_tokens

COMPLETION_TOKENS = 350  # a title, a narrative and two or three citations, as JSON


class CostEstimate(BaseModel):
    provider: str
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None: no price known for this model

    def describe(self) -> str:
        cost = f"about ${self.cost_usd:.4f}" if self.cost_usd is not None else "an unknown cost (no price listed)"
        return (
            f"{self.calls} model calls to {self.provider}/{self.model}: about {self.prompt_tokens:,} prompt and "
            f"{self.completion_tokens:,} completion tokens, {cost}"
        )


def estimate(provider: str, model: str, prompts: list[str]) -> CostEstimate:
    """The cost of sending these prompts, plus one repair round (the run's whole repair budget)."""
    sizes = [count_tokens(p) for p in prompts]
    calls = len(prompts) + (1 if prompts else 0)
    prompt_tokens = sum(sizes) + (max(sizes) + 2 * COMPLETION_TOKENS if sizes else 0)
    completion_tokens = calls * COMPLETION_TOKENS
    if provider in ("local", "fake"):
        cost: float | None = 0.0
    elif model in PRICES:
        price_in, price_out = PRICES[model]
        cost = round((prompt_tokens * price_in + completion_tokens * price_out) / 1e6, 6)
    else:
        cost = None
    return CostEstimate(
        provider=provider,
        model=model,
        calls=calls,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=cost,
    )
