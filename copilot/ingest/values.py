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


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    if not s:
        raise BadValue("empty")
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        parsed = date_parser.parse(s, fuzzy=False)
    except (ValueError, OverflowError) as exc:
        raise BadValue(f"not a date: {s[:40]!r}") from exc
    if not 1970 <= parsed.year <= 2100:
        raise BadValue(f"date out of range: {s[:40]!r}")
    return parsed.date()


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
