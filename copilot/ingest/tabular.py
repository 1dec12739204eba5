"""Streaming readers for tabular feedback: CSV/TSV (encoding and delimiter detected), XLSX, JSON, JSONL.

Every reader yields `Row` (a locator such as 'survey.csv:57' and the values by column) or `BadRow` (the
locator and why it cannot be read), so one malformed row never stops the rows after it.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.csvrows import CsvRecords
from copilot.ingest.csvrows import Record as CsvRecord
from copilot.ingest.textfile import check_not_binary, choose_decoding

TABULAR_SUFFIXES = {".csv", ".tsv", ".tab", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson"}
_SAMPLE_BYTES = 1 << 20
_SUBHEADER_WORDS = {"response", "open-ended response", "open ended response", "other (please specify)"}


@dataclass
class Row:
    locator: str
    values: dict[str, Any]


@dataclass
class BadRow:
    locator: str
    reason: str


@dataclass
class Table:
    """A stream of rows with the columns known up front (JSON sources add any new keys they meet)."""

    name: str
    columns: list[str]
    rows: Iterator[Row | BadRow]
    notes: list[str] = field(default_factory=list)  # warnings about the whole table (a guessed encoding)


def _detect_delimiter(first_line: str, suffix: str) -> str:
    if suffix in {".tsv", ".tab"}:
        return "\t"
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _unique_headers(raw: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, h in enumerate(raw):
        name = str(h).strip() if h is not None and str(h).strip() else f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _is_subheader(cells: list[Any]) -> bool:
    filled = [str(c).strip().lower() for c in cells if c is not None and str(c).strip()]
    return bool(filled) and sum(c in _SUBHEADER_WORDS for c in filled) / len(filled) >= 0.5


def _merge_subheader(header: list[Any], sub: list[Any]) -> list[Any]:
    """SurveyMonkey-style exports put the question in row 1 and 'Response' / option names in row 2."""
    merged: list[Any] = []
    last = ""
    for i, h in enumerate(header):
        s = str(sub[i]).strip() if i < len(sub) and sub[i] is not None else ""
        if h is not None and str(h).strip():
            last = str(h).strip()
            merged.append(last if s.lower() in _SUBHEADER_WORDS or not s else f"{last} - {s}")
        else:
            merged.append(f"{last} - {s}" if last and s else h)
    return merged


def _is_qualtrics_import_row(cells: list[Any]) -> bool:
    filled = [str(c) for c in cells if c]
    return bool(filled) and sum(c.startswith('{"ImportId"') for c in filled) / len(filled) >= 0.5


def read_csv(path: Path, name: str, cell_limit: int = 1_000_000) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE_BYTES)
    if not sample.strip():
        raise CopilotError(ErrorCode.bad_input, f"{name}: the file is empty")
    check_not_binary(sample, name)
    decoding = choose_decoding(sample, name, full=len(sample) < _SAMPLE_BYTES)
    text_sample = sample.decode(decoding.encoding, errors="replace")
    delimiter = _detect_delimiter(text_sample.lstrip("\ufeff").split("\n", 1)[0], path.suffix.lower())
    # Lines are decoded one by one where the encoding allows it; a file with lone CRs needs the text layer.
    text_mode = not decoding.per_line or (b"\r" in sample and b"\n" not in sample)
    fh: IO[Any] = (
        path.open("r", encoding=decoding.encoding, errors="replace", newline="") if text_mode else path.open("rb")
    )
    records = CsvRecords(fh, decoding, delimiter, cell_limit)
    try:
        header_rec = next(records)
    except StopIteration:
        fh.close()
        raise CopilotError(ErrorCode.bad_input, f"{name}: cannot read a header row") from None
    if header_rec.cells is None:
        fh.close()
        raise CopilotError(ErrorCode.bad_input, f"{name}: cannot read a header row ({header_rec.problem})")
    header_raw: list[Any] = header_rec.cells
    pending: list[CsvRecord] = []
    for _ in range(2):  # look at up to two more header-ish rows
        nxt = next(records, None)
        if nxt is None:
            break
        if nxt.cells is None or nxt.problem:
            pending.append(nxt)
            break
        if _is_subheader(nxt.cells):
            header_raw = _merge_subheader(header_raw, nxt.cells)
        elif _is_qualtrics_import_row(nxt.cells):
            continue  # Qualtrics' import-id row carries no data
        elif pending == [] and len(nxt.cells) == len(header_raw) and _is_qualtrics_question_row(header_raw, nxt.cells):
            header_raw = nxt.cells
        else:
            pending.append(nxt)
            break
    columns = _unique_headers(header_raw)
    records.columns = len(columns)

    def rows() -> Iterator[Row | BadRow]:
        try:
            for rec in _chain_records(pending, records):
                if rec.cells is None or rec.problem:
                    yield BadRow(f"{name}:{rec.line}", rec.problem or "malformed CSV")
                elif rec.cells and any(c.strip() for c in rec.cells):
                    yield _csv_row(name, rec.line, rec.cells, columns)
        finally:
            fh.close()

    return Table(name=name, columns=columns, rows=rows(), notes=[decoding.guess] if decoding.guess else [])


def _chain_records(first: list[CsvRecord], rest: Iterator[CsvRecord]) -> Iterator[CsvRecord]:
    yield from first
    yield from rest


def _is_qualtrics_question_row(header: list[str], row: list[str]) -> bool:
    ids = sum(bool(h) and (h.startswith("Q") and h[1:].split("_")[0].isdigit()) for h in header)
    return (
        ids >= 2
        and ids >= len(header) // 3
        and sum(len(c) > len(h) for c, h in zip(row, header, strict=False)) > ids // 2
    )


def _csv_row(name: str, line: int, cells: list[str], columns: list[str]) -> Row | BadRow:
    if len(cells) > len(columns) and not any(c.strip() for c in cells[len(columns) :]):
        cells = cells[: len(columns)]
    if len(cells) != len(columns):
        return BadRow(f"{name}:{line}", f"expected {len(columns)} fields, found {len(cells)} (check quoting)")
    return Row(f"{name}:{line}", dict(zip(columns, cells, strict=True)))


def read_xlsx(path: Path, name: str) -> list[Table]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{name}: not a readable XLSX workbook ({exc})") from exc
    tables: list[Table] = []
    multi = len(wb.worksheets) > 1
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        label = f"{name}[{ws.title}]" if multi else name
        it = ws.iter_rows(values_only=True)
        header: list[Any] | None = None
        header_row = 0
        for i, cells in enumerate(it, start=1):
            if any(c is not None and str(c).strip() for c in cells):
                header, header_row = list(cells), i
                break
        if header is None:
            continue
        while header and (header[-1] is None or not str(header[-1]).strip()):
            header.pop()
        columns = _unique_headers(header)
        tables.append(Table(name=label, columns=columns, rows=_xlsx_rows(label, it, header_row, columns)))
    return tables


def _xlsx_rows(
    label: str, it: Iterator[tuple[Any, ...]], header_row: int, columns: list[str]
) -> Iterator[Row | BadRow]:
    for i, cells in enumerate(it, start=header_row + 1):
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        values = list(cells[: len(columns)]) + [None] * max(0, len(columns) - len(cells))
        if len(cells) > len(columns) and any(c is not None and str(c).strip() for c in cells[len(columns) :]):
            yield BadRow(f"{label}:{i}", f"values beyond the last named column ({len(columns)} columns)")
            continue
        yield Row(f"{label}:{i}", dict(zip(columns, values, strict=True)))


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    """Nested objects as dotted keys, in order and without recursion: a deep object costs a loop, not the stack."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [("", iter(obj.items()))]
    while stack:
        prefix, items = stack[-1]
        for k, v in items:
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                stack.append((key + ".", iter(v.items())))
                break
            if isinstance(v, list):
                out[key] = ", ".join(str(x) for x in v if x is not None and not isinstance(x, dict | list))
            else:
                out[key] = v
        else:
            stack.pop()
    return out


_TOO_DEEP = "nested too deeply to read (thousands of levels of JSON arrays or objects)"


def _json_table(name: str, items: Iterator[tuple[str, Any]], max_keys: int, sample_size: int = 500) -> Table:
    """Columns from the first `sample_size` objects; later objects may add keys (kept as extra metadata)."""

    def row(locator: str, obj: Any) -> Row | BadRow:
        if isinstance(obj, BadRow):
            return obj
        if not isinstance(obj, dict):
            return BadRow(locator, f"expected a JSON object, found {type(obj).__name__}")
        flat = _flatten(obj)
        if len(flat) > max_keys:  # one wide object must not make the whole table too wide
            return BadRow(locator, f"{len(flat):,} fields; the limit is {max_keys:,} (COPILOT_MAX_COLUMNS)")
        return Row(locator, flat)

    buffered: list[Row | BadRow] = []
    columns: dict[str, None] = {}
    for locator, obj in items:
        buffered.append(row(locator, obj))
        if isinstance(buffered[-1], Row):
            columns.update(dict.fromkeys(buffered[-1].values))
        if len(buffered) >= sample_size:
            break

    def rows() -> Iterator[Row | BadRow]:
        yield from buffered
        for locator, obj in items:
            yield row(locator, obj)

    return Table(name=name, columns=list(columns), rows=rows())


def read_jsonl(path: Path, name: str, max_keys: int = 2000) -> Table:
    def items() -> Iterator[tuple[str, Any]]:
        with path.open("rb") as fh:
            for n, raw in enumerate(fh, start=1):
                where = f"{name}:{n}"
                try:
                    line = raw.decode("utf-8-sig" if n == 1 else "utf-8").strip()
                except UnicodeDecodeError as exc:
                    yield where, BadRow(where, f"bytes that are not valid UTF-8 (0x{raw[exc.start]:02x}); row skipped")
                    continue
                if not line:
                    continue
                try:
                    yield where, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield where, BadRow(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
                except RecursionError:
                    yield where, BadRow(where, _TOO_DEEP)

    return _json_table(name, items(), max_keys)


def read_json(path: Path, name: str, max_keys: int = 2000) -> Table:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{name}: not valid JSON ({exc})") from exc
    except RecursionError:
        raise CopilotError(ErrorCode.bad_input, f"{name}: {_TOO_DEEP}") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v[:50])]
        if len(lists) != 1:
            raise CopilotError(
                ErrorCode.bad_input,
                f"{name}: expected a JSON array of objects, or an object holding exactly one such array",
            )
        data = lists[0]
    if not isinstance(data, list):
        raise CopilotError(
            ErrorCode.bad_input, f"{name}: expected a JSON array of objects, found {type(data).__name__}"
        )
    return _json_table(name, ((f"{name}[{i}]", obj) for i, obj in enumerate(data)), max_keys)


def read_tables(path: Path, name: str, cell_limit: int = 1_000_000, max_columns: int = 2000) -> list[Table]:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".tab"}:
        return [read_csv(path, name, cell_limit)]
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, name)
    if suffix in {".jsonl", ".ndjson"}:
        return [read_jsonl(path, name, max_columns)]
    if suffix == ".json":
        return [read_json(path, name, max_columns)]
    raise CopilotError(ErrorCode.bad_input, f"{name}: not a table format")


def cell_text(value: Any) -> str:
    """A cell as text, the way a person reading the sheet would see it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
