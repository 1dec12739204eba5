"""What an eval run produces: metrics with their bars and status, and the report that holds them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["pass", "fail", "unmeasured", "info"]


class Bar(BaseModel):
    """The bar of one metric: at least `min`, at most `max`, or both."""

    min: float | None = None
    max: float | None = None

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min - 1e-9) and (self.max is None or value <= self.max + 1e-9)

    def __str__(self) -> str:
        parts = [f">= {self.min:g}" if self.min is not None else "", f"<= {self.max:g}" if self.max is not None else ""]
        return " and ".join(p for p in parts if p)


class Metric(BaseModel):
    suite: str
    name: str = Field(description="Dotted name, the key of its bar in evals/thresholds.yaml.")
    provider: str
    value: float | None = Field(description="None when the metric could not be measured.")
    detail: str = ""
    bar: Bar | None = None
    status: Status = "info"
    baseline: float | None = None

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.baseline is None else self.value - self.baseline


class EvalReport(BaseModel):
    suites: list[str]
    providers: list[str]
    corpus: str
    seconds: float
    metrics: list[Metric]
    failures: list[str] = Field(default_factory=list, description="One line per metric below its bar.")

    @property
    def passed(self) -> bool:
        return not self.failures
