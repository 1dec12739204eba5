"""CSV records with their line numbers, recovering from broken quoting instead of losing the rest of the file.

Python's csv module reads an unterminated quote to the end of the file, so one stray quote swallowed every row
after it. Here a bad record that spans several physical lines is reported at its first line, and reading starts
again at its second line: the next line that parses as a row is a row again. Lines are decoded one at a time, so
a line whose bytes are not valid UTF-8 is one bad row, not a reason to guess another encoding for the file.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from copilot.ingest.textfile import Decoding, decode_line


@dataclass
class Record:
    line: int  # the physical line the record starts on
    cells: list[str] | None  # None when the record cannot be read
    problem: str | None = None


class _Lines:
    """Physical lines, handed to csv.reader one by one, remembering those of the current record for a re-read."""

    def __init__(self, fh: IO[bytes] | IO[str], decoding: Decoding) -> None:
        self.fh = fh
        self.decoding = decoding
        self.numbered = 0
        self.taken: list[tuple[int, str, str | None]] = []
        self.back: deque[tuple[int, str, str | None]] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            item = self.back.popleft()
        else:
            raw = self.fh.readline()
            if not raw:
                raise StopIteration
            self.numbered += 1
            if isinstance(raw, bytes):
                text, problem = decode_line(raw, self.decoding, self.numbered == 1)
            else:
                text, problem = raw, None
            item = (self.numbered, text, problem)
        self.taken.append(item)
        return item[1]


def _reason(error: str | None, cells: list[str] | None, first: int, last: int, limit: int) -> str:
    if error and "field larger than field limit" in error:
        return f"a cell is longer than {limit:,} characters (COPILOT_MAX_CELL_CHARS); row skipped"
    if error and "unexpected end of data" in error:
        return "malformed CSV (a quote opened on this line is never closed); reading went on at the next line"
    what = error or f"{len(cells or [])} fields"
    if first == last:
        return f"malformed CSV ({what})"
    return f"malformed CSV ({what}, in a quoted field from line {first} to {last}); reading went on at line {first + 1}"


class CsvRecords:
    """Every record of a CSV file. Set `columns` once the header is known: a multi-line record with more fields
    than that is a quote gone wrong, and is read again line by line."""

    def __init__(self, fh: IO[bytes] | IO[str], decoding: Decoding, delimiter: str, cell_limit: int) -> None:
        self.columns = 0
        self.cell_limit = cell_limit
        self._lines = _Lines(fh, decoding)
        # csv refuses longer fields while it parses, so a 50 MB cell costs nothing before it is skipped.
        csv.field_size_limit(cell_limit)
        self._reader = csv.reader(self._lines, delimiter=delimiter, strict=True)

    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        lines = self._lines
        lines.taken = []
        error: str | None = None
        cells: list[str] | None
        try:
            cells = next(self._reader)
        except csv.Error as exc:
            cells, error = None, str(exc)
        taken = lines.taken
        first = taken[0][0] if taken else lines.numbered
        last = taken[-1][0] if taken else first
        too_many = cells is not None and self.columns > 0 and len(cells) > self.columns
        if len(taken) > 1 and (error or too_many):
            lines.back.extendleft(reversed(taken[1:]))  # read them again as rows of their own
            return Record(first, None, _reason(error, cells, first, last, self.cell_limit))
        if error:
            return Record(first, None, _reason(error, None, first, last, self.cell_limit))
        return Record(first, cells, next((p for _, _, p in taken if p), None))
