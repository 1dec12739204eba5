"""What every PII detector shares: a span type, cue words found despite a typo, and checksum helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from rapidfuzz.distance import OSA


class Span(NamedTuple):
    start: int
    end: int
    kind: str


Detector = Callable[[str], list[Span]]

_WORD_RE = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+)*\.?")


def has_cue(window: str, exact: re.Pattern[str], fuzzy: Iterable[str] = ()) -> bool:
    """Does `window` carry a cue word? `exact` is a pattern; each word in `fuzzy` also matches with one typo
    (an edit or a swap of two letters: 'passprot', 'brith'), since customers type fast."""
    if exact.search(window):
        return True
    targets = tuple(fuzzy)
    if not targets:
        return False
    for m in _WORD_RE.finditer(window.lower()):
        word = m.group(0)
        for target in targets:
            if abs(len(word) - len(target)) <= 1 and OSA.distance(word, target, score_cutoff=1) <= 1:
                return True
    return False


def valid(check: Callable[[str], object], value: str) -> bool:
    """A python-stdnum validate(): True when it accepts the value."""
    try:
        check(value)
    except ValueError:  # stdnum's ValidationError is a ValueError
        return False
    return True
