"""The reading half of ingest: files in, batches of clean records (and everything set aside) out.

It touches no store, so it can run in a separate process: embedded Chroma holds the GIL while it writes, and
a second process is the only way to parse, redact and embed the next batch while the store writes this one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.chunking import chunk_record
from copilot.ingest.documents import read_document
from copilot.ingest.mapping import ColumnMapping, resolve_mapping
from copilot.ingest.records import RecordBuilder, front_matter_values, infer_kind
from copilot.ingest.tabular import TABULAR_SUFFIXES, BadRow, Row, Table, cell_text, read_tables
from copilot.models import Chunk, Record, SkippedRow

_SAMPLE_ROWS = 200


@dataclass
class Batch:
    """Records ready for the store, with their chunks (and vectors, when the reader embedded them)."""

    records: list[Record]
    chunks: list[list[Chunk]]
    vectors: Any = None  # np.ndarray aligned with the flattened chunks, or None


@dataclass
class Notes:
    """What happened while reading, apart from the records themselves."""

    rows_read: int = 0
    blank_answers: int = 0
    pii: Counter[str] = field(default_factory=Counter)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[SkippedRow] = field(default_factory=list)


@dataclass
class ReadJob:
    files: list[tuple[Path, str]]
    mapping: ColumnMapping | None
    kind: str | None
    batch_size: int
    chunk_tokens: int
    embed: bool = False
    max_columns: int = 2000
    max_cell_chars: int = 1_000_000


Event = tuple[str, Any]  # ("file", name) | ("batch", Batch) | ("progress", (name, rows)) | ("notes", Notes)


def read_events(job: ReadJob) -> Iterator[Event]:
    notes = Notes()
    pending: list[Record] = []
    embedder = None
    if job.embed:
        from copilot.store.embeddings import WordLlamaEmbedder

        embedder = WordLlamaEmbedder()

    def batch() -> Batch:
        chunks = [chunk_record(r.id, r.text, job.chunk_tokens) for r in pending]
        vectors = embedder.embed([c.text for cs in chunks for c in cs]) if embedder else None
        return Batch(list(pending), chunks, vectors)

    for path, name in job.files:
        yield "file", name
        read = 0
        try:
            source: Iterator[tuple[str, Any]] = (
                _table_records(path, name, job, notes)
                if path.suffix.lower() in TABULAR_SUFFIXES
                else _document_records(path, name, job, notes)
            )
            for what, item in source:
                if what == "progress":
                    yield what, item
                    continue
                pending.append(item)
                read += 1
                if len(pending) >= job.batch_size:
                    yield "batch", batch()
                    pending.clear()
        except CopilotError as exc:
            notes.skipped.append(SkippedRow(locator=name, reason=_kept(exc.detail, read)))
        except Exception as exc:  # a corrupt file can make any parser raise anything; the other files go on
            reason = f"cannot read: {type(exc).__name__}: {str(exc)[:300]}"
            notes.skipped.append(SkippedRow(locator=name, reason=_kept(reason, read)))
    if pending:
        yield "batch", batch()
    yield "notes", notes


def _kept(reason: str, read: int) -> str:
    return f"{reason}; the {read} records read before it were kept" if read else reason


def _warn(notes: Notes, messages: list[str]) -> None:
    for m in messages:
        locator, _, reason = m.partition(": ")
        notes.warnings.append(SkippedRow(locator=locator, reason=reason))


def _table_records(path: Path, name: str, job: ReadJob, notes: Notes) -> Iterator[tuple[str, Any]]:
    for table in read_tables(path, name, job.max_cell_chars, job.max_columns):
        _warn(notes, table.notes)
        yield from _one_table(table, job, notes, hint=f"{path.parent.name}/{table.name}")


def _one_table(table: Table, job: ReadJob, notes: Notes, hint: str) -> Iterator[tuple[str, Any]]:
    if len(table.columns) > job.max_columns:
        raise CopilotError(
            ErrorCode.bad_input,
            f"{table.name}: {len(table.columns):,} columns; the limit is {job.max_columns:,} "
            "(COPILOT_MAX_COLUMNS): name the columns to keep in a smaller export",
        )
    rows: Iterator[Row | BadRow] = _within_limits(table.rows, job)
    head = list(islice(rows, _SAMPLE_ROWS))
    if not head:
        notes.warnings.append(SkippedRow(locator=table.name, reason="a header and no data rows; nothing to ingest"))
        return
    sample = [r.values for r in head if isinstance(r, Row)]
    bad = [r for r in head if isinstance(r, BadRow)]
    if bad and not sample:  # the file's shape is wrong, not its text: say so, with rows
        shown = "; ".join(f"{r.locator}: {r.reason}" for r in bad[:3])
        raise CopilotError(
            ErrorCode.bad_input, f"{table.name}: all of the first {len(head)} rows are malformed ({shown})"
        )
    mapping_notes: list[str] = []
    mapping = resolve_mapping(table.name, table.columns, sample, job.mapping, mapping_notes)
    _warn(notes, mapping_notes)
    key_column = mapping.id or _unique_column(mapping.customer_id, sample)
    kind = infer_kind(hint, mapping, job.kind or mapping.kind, document=False)
    builder = RecordBuilder(table.name.split("[", 1)[0], kind, mapping, key_column, notes.pii)
    n = 0
    for row in _chain(head, rows):
        n += 1
        notes.rows_read += 1
        if isinstance(row, BadRow):
            notes.skipped.append(SkippedRow(locator=row.locator, reason=row.reason))
            continue
        result = builder.from_row(row.locator, row.values)
        notes.blank_answers += result.blank_answers
        _warn(notes, result.warnings)
        if result.skip_reason:
            notes.skipped.append(SkippedRow(locator=row.locator, reason=result.skip_reason))
        for rec in result.records:
            yield "record", rec
        if n % 1000 == 0:
            yield "progress", (table.name, n)
    yield "progress", (table.name, n)


def _document_records(path: Path, name: str, job: ReadJob, notes: Notes) -> Iterator[tuple[str, Any]]:
    doc = read_document(path, name)
    notes.rows_read += 1
    mapping, values = front_matter_values(doc.front_matter)
    declared = doc.front_matter.get("kind")
    kind = infer_kind(
        f"{path.parent.name}/{name}", None, job.kind or (str(declared) if declared else None), document=True
    )
    builder = RecordBuilder(name, kind, mapping, None, notes.pii)
    _warn(notes, doc.warnings)
    warnings: list[str] = []
    record = builder.from_document(doc, values, warnings)
    _warn(notes, warnings)
    if record is None:
        notes.skipped.append(SkippedRow(locator=name, reason="empty text"))
        return
    yield "record", record
    yield "progress", (name, 1)


def _within_limits(rows: Iterator[Row | BadRow], job: ReadJob) -> Iterator[Row | BadRow]:
    """Rows too wide or with too long a cell for the store are bad rows, checked before anything is built."""
    for row in rows:
        if isinstance(row, Row):
            if len(row.values) > job.max_columns:
                yield BadRow(
                    row.locator, f"{len(row.values):,} fields; the limit is {job.max_columns:,} (COPILOT_MAX_COLUMNS)"
                )
                continue
            longest = max((len(v) for v in row.values.values() if isinstance(v, str)), default=0)
            if longest > job.max_cell_chars:
                yield BadRow(
                    row.locator,
                    f"a cell is longer than {job.max_cell_chars:,} characters (COPILOT_MAX_CELL_CHARS); row skipped",
                )
                continue
        yield row


def _unique_column(column: str | None, sample: list[dict[str, Any]]) -> str | None:
    """A customer column is the row key when every sampled row has its own value (one respondent, one row)."""
    if not column:
        return None
    values = [cell_text(r.get(column)).strip() for r in sample]
    filled = [v for v in values if v]
    return column if filled and len(filled) == len(values) and len(set(filled)) == len(filled) else None


def _chain(head: list[Row | BadRow], rest: Iterator[Row | BadRow]) -> Iterator[Row | BadRow]:
    yield from head
    yield from rest
