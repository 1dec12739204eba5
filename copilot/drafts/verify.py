"""Verification: every quote appears verbatim in the record it cites, every number in the prose is a figure
from the statistics given to the model. This is what makes a draft trustworthy, so it is strict by design:
whitespace and quote-mark style are forgiven, wording and numbers are not."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

_QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_NUMBER_RE = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?%|\s?percent\b)?", re.I)
_DATE_RE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")


class Citation(BaseModel):
    record_id: str
    quote: str


class Verification(BaseModel):
    items_checked: int = 0
    items_dropped: int = 0
    quotes_checked: int = 0
    numbers_checked: int = 0
    failures: list[str] = Field(default_factory=list)


def _canonical(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTE_MARKS).split())


def quote_supported(quote: str, record_text: str) -> bool:
    q = _canonical(quote).strip(" \"'")
    return bool(q) and q in _canonical(record_text)


@dataclass(frozen=True)
class Number:
    raw: str
    value: float
    percent: bool
    decimals: int


def numbers_in(text: str) -> list[Number]:
    """Numbers written in prose, leaving out ISO dates (a month is not a statistic)."""
    text = _DATE_RE.sub(" ", text)
    out = []
    for m in _NUMBER_RE.finditer(text):
        raw = m.group(0)
        percent = raw.rstrip().endswith("%") or raw.lower().endswith("percent")
        digits = re.sub(r"[^\d.]", "", raw.split("%")[0].lower().replace("percent", ""))
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        out.append(Number(raw.strip(), float(digits), percent, decimals))
    return out


def figures_of(stats: Any) -> list[float]:
    """Every number in a statistics structure (nested dicts, lists, models), including those inside strings."""
    out: list[float] = []

    def walk(x: Any) -> None:
        if isinstance(x, BaseModel):
            walk(x.model_dump())
        elif isinstance(x, Mapping):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple | set):
            for v in x:
                walk(v)
        elif isinstance(x, bool):
            return
        elif isinstance(x, int | float):
            out.append(float(x))
        elif isinstance(x, str):
            out.extend(n.value / 100 if n.percent else n.value for n in numbers_in(x))

    walk(stats)
    return out


def number_supported(n: Number, figures: Iterable[float]) -> bool:
    """True when some figure, rounded the way the prose writes it, is this number. A percentage matches a share
    (0.0857 -> 8.6% or 9%) or a figure already in percent. Prose writes no sign ("NPS is 3.2 points lower"), so
    a figure matches by its size."""
    for f in figures:
        f = abs(f)
        candidates = [f * 100, f] if n.percent else [f]
        if any(round(c, n.decimals) == round(n.value, n.decimals) for c in candidates):
            return True
    return False


def check_item(
    text: str, citations: list[Citation], records: Mapping[str, str], figures: list[float], report: Verification
) -> list[str]:
    """Failures of one draft item (empty when it passes), counted into `report`."""
    failures: list[str] = []
    if not citations:
        failures.append("no citation")
    for c in citations:
        report.quotes_checked += 1
        if c.record_id not in records:
            failures.append(f"cites {c.record_id!r}, which is not in the evidence")
        elif not quote_supported(c.quote, records[c.record_id]):
            failures.append(f"quote not found verbatim in {c.record_id}: {c.quote[:80]!r}")
    for n in numbers_in(text):
        report.numbers_checked += 1
        if not number_supported(n, figures):
            failures.append(f"number {n.raw!r} is not in the statistics")
    report.items_checked += 1
    return failures


def citations_of(doc: Any) -> Iterator[dict[str, str]]:
    """Every citation in a draft's JSON, wherever it sits (items, quotes, counter-evidence, workarounds)."""
    if isinstance(doc, dict):
        if "record_id" in doc and "quote" in doc:
            yield doc
        else:
            for value in doc.values():
                yield from citations_of(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from citations_of(value)
