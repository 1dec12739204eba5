"""Parsing metadata values as people type them: dates in many formats, money with symbols, scores."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil import parser as date_parser

_MONEY_RE = re.compile(r"[\s$€£¥,]|usd|eur|gbp", re.I)
_SUFFIX = {"k": 1e3, "m": 1e6}


class BadValue(ValueError):
    pass


DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
# When every sampled date fits both orders, this one is used and the report says so with the column's name.
DEFAULT_ORDER = MONTH_FIRST
_NUMERIC_DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[T ,].*)?$")
_ORDER_WORDS = {
    "day-first": DAY_FIRST,
    "dayfirst": DAY_FIRST,
    "dmy": DAY_FIRST,
    "dd/mm/yyyy": DAY_FIRST,
    "month-first": MONTH_FIRST,
    "monthfirst": MONTH_FIRST,
    "mdy": MONTH_FIRST,
    "mm/dd/yyyy": MONTH_FIRST,
}


def date_format_value(value: str) -> str:
    """A `--date-format` as the parser takes it: day-first, month-first, or a strptime pattern such as %d.%m.%Y."""
    v = value.strip()
    if "%" in v:
        return v
    order = _ORDER_WORDS.get(v.lower())
    if order is None:
        raise ValueError(f"date format {value!r}: use day-first, month-first or a pattern such as %d/%m/%Y")
    return order


def date_order(values: list[Any]) -> tuple[str | None, int]:
    """How a column writes its numeric dates, and how many values say otherwise: day-first or month-first (the
    order more values can only be read in), 'ambiguous' (every value fits both), or None (no dd/dd/yyyy dates)."""
    first_big = second_big = 0
    numeric = False
    for v in values:
        m = _NUMERIC_DATE_RE.match(v.strip()) if isinstance(v, str) else None
        if m:
            numeric = True
            first_big += int(m[1]) > 12
            second_big += int(m[2]) > 12
    if not numeric:
        return None, 0
    if not first_big and not second_big:
        return "ambiguous", 0
    if first_big >= second_big:
        return DAY_FIRST, second_big
    return MONTH_FIRST, first_big


def _numeric_date(s: str, m: re.Match[str], order: str) -> dt.date:
    a, b, y = int(m[1]), int(m[2]), int(m[3])
    day, month = (a, b) if order == DAY_FIRST else (b, a)
    year = y if len(m[3]) == 4 else (2000 + y if y < 70 else 1900 + y)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise BadValue(
            f"not a {order} date: {s[:40]!r} (set --date-format if the column is written otherwise)"
        ) from exc


def parse_date(value: Any, date_format: str | None = None) -> dt.date:
    """A date as people type it; `date_format` (day-first, month-first or a strptime pattern) settles dd/mm."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    if not s:
        raise BadValue("empty")
    if date_format and "%" in date_format:
        try:
            return _in_range(dt.datetime.strptime(s, date_format).date(), s)
        except ValueError:
            pass  # ISO timestamps and the like still parse below
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = _NUMERIC_DATE_RE.match(s)
    if m and date_format in (DAY_FIRST, MONTH_FIRST):
        return _in_range(_numeric_date(s, m, date_format), s)
    try:
        parsed = date_parser.parse(s, fuzzy=False, dayfirst=date_format == DAY_FIRST)
    except (ValueError, OverflowError) as exc:
        raise BadValue(f"not a date: {s[:40]!r}") from exc
    return _in_range(parsed.date(), s)


def _in_range(d: dt.date, s: str) -> dt.date:
    if not 1970 <= d.year <= 2100:
        raise BadValue(f"date out of range: {s[:40]!r}")
    return d


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise BadValue("not a number")
    if isinstance(value, int | float):
        return float(value)
    s = _MONEY_RE.sub("", str(value).strip().lower())
    mult = 1.0
    if s and s[-1] in _SUFFIX:
        s, mult = s[:-1], _SUFFIX[s[-1]]
    try:
        return float(s) * mult
    except ValueError as exc:
        raise BadValue(f"not a number: {str(value)[:40]!r}") from exc


def parse_money(value: Any) -> float:
    n = parse_number(value)
    if n < 0:
        raise BadValue(f"revenue cannot be negative, found {value!r}")
    return n


def parse_nps(value: Any) -> int:
    n = parse_number(value)
    if not (0 <= n <= 10 and float(n).is_integer()):
        raise BadValue(f"NPS must be a whole number from 0 to 10, found {value!r}")
    return int(n)


def parse_rating(value: Any) -> float:
    n = parse_number(value)
    if not 0 <= n <= 10:
        raise BadValue(f"rating out of range: {value!r}")
    return n


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
