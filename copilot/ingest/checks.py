"""Whether a column's values are what its header says (a date, an NPS score, revenue), and how it writes dates.

A column whose header names a role but whose values mostly do not parse stays a plain text column, and the
report says so with the column and the count: silently demoting it hid a broken date or NPS column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from copilot.ingest.values import (
    DEFAULT_ORDER,
    BadValue,
    date_order,
    is_blank,
    parse_date,
    parse_money,
    parse_nps,
    parse_rating,
)

VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "nps": parse_nps,
    "rating": parse_rating,
    "mrr": parse_money,
    "arr": parse_money,
    "date": parse_date,
}
_WHAT = {
    "nps": "NPS scores (whole numbers 0 to 10)",
    "rating": "ratings from 0 to 10",
    "mrr": "amounts of money",
    "arr": "amounts of money",
    "date": "dates",
}
_FIT = 0.8


@dataclass
class Fit:
    ok: bool
    bad: int = 0
    filled: int = 0
    example: str = ""


def values_fit(role: str, values: Sequence[Any]) -> Fit:
    """Whether at least 80% of the filled values parse as `role` (roles without a parser always fit)."""
    check = VALIDATORS.get(role)
    filled = [v for v in values if not is_blank(v)]
    if check is None or not filled:
        return Fit(True)
    bad = []
    for v in filled:
        try:
            check(v)
        except BadValue:
            bad.append(v)
    return Fit((len(filled) - len(bad)) / len(filled) >= _FIT, len(bad), len(filled), str(bad[0])[:40] if bad else "")


_ARTICLE = {"nps": "an NPS", "rating": "a rating", "mrr": "an MRR", "arr": "an ARR", "date": "a date"}


def demotion_note(table: str, column: str, role: str, fit: Fit) -> str:
    return (
        f"{table}: column {column!r} is named like {_ARTICLE[role]} column, but {fit.bad} of {fit.filled} sampled "
        f"values are not {_WHAT[role]} (e.g. {fit.example!r}); it is kept as a plain text column and the rows are "
        f"kept. Name it in a mapping file to read it as {role} anyway"
    )


def choose_date_format(table: str, column: str, values: Sequence[Any], notes: list[str]) -> str | None:
    """Day-first or month-first for a column of dd/dd/yyyy dates, from its values; a stated default, with a note,
    when every value fits both."""
    order, against = date_order([v for v in values if isinstance(v, str)])
    if order == "ambiguous":
        notes.append(
            f"{table}: column {column!r} could be day-first or month-first (every sampled date fits both); read as "
            f"{DEFAULT_ORDER}. Pass --date-format day-first (or date_format in the mapping) if that is wrong"
        )
        return DEFAULT_ORDER
    if against:
        notes.append(
            f"{table}: column {column!r} is read as {order}, but {against} sampled dates fit only the other order; "
            "those are left out with a warning each"
        )
    return order
