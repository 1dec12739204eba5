"""Splits feedback into sentences and clauses, so one answer can express more than one pain point.

A regular expression rather than a sentence-splitting library: feedback is short and informal, and this runs
over every record on every analysis (100,000 records in about a second).
"""

from __future__ import annotations

import re

_SIGN_OFF_RE = re.compile(
    r"\n\s*(?:thanks|thank you|many thanks|cheers|best|regards|kind regards|best regards|thx)\b"
    r"[^\n]*(?:\n[^\n]{0,40})?\s*$",
    re.I,
)
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+|\n+|(?<=[.!?])(?=[A-Z])")
_CLAUSE_RE = re.compile(r"\s+(?=(?:Also|Plus|Oh and|On top of that|And also|But|However|Additionally)\b[,]?\s)")
_MIN_WORDS = 3


_PROSE_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+|\n\s*\n+|\n(?=\s*(?:#|[-*] |\d+\. ))")


def split(text: str, *, prose: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences and clauses of `text`, short fragments folded into a neighbour.
    `prose` is for documents, whose lines wrap mid-sentence: only blank lines, headings and list items break."""
    body = _SIGN_OFF_RE.sub("", text)
    spans: list[tuple[int, int]] = []
    for s_start, s_end in _pieces(body, 0, len(body), _PROSE_SENTENCE_RE if prose else _SENTENCE_RE):
        if prose and body.startswith("#", s_start) and "\n" in body[s_start:s_end]:
            cut = body.index("\n", s_start)  # a heading is a segment of its own, not part of the next sentence
            spans.append((s_start, cut))
            s_start = _strip(body, cut, s_end)[0]
        spans += _pieces(body, s_start, s_end, _CLAUSE_RE)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        short = len(body[start:end].split()) < _MIN_WORDS
        heading = prose and (body.startswith("#", start) or (bool(merged) and body.startswith("#", merged[-1][0])))
        if merged and not heading and (short or len(body[merged[-1][0] : merged[-1][1]].split()) < _MIN_WORDS):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))  # headings stand alone
    return merged or ([(0, len(text))] if text.strip() else [])


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            out.append(_strip(text, pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append(_strip(text, pos, end))
    return [(a, b) for a, b in out if b > a]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def shouted(text: str) -> bool:
    """Written in capitals throughout ("CREDIT REPORT REMOVED"): the case is a tone, and says nothing of the topic
    or of what the words name."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
