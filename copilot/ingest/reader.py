"""The reading half of ingest: files in, batches of clean records (and everything set aside) out.

It touches no store, so it can run in a separate process: embedded Chroma holds the GIL while it writes, and
a second process is the only way to parse, redact and embed the next batch while the store writes this one.

Batches travel as plain tuples (`Item`), with each record's store metadata already encoded: the writing process
pays for every byte it unpickles while the store waits, and unpickling pydantic records cost 37 µs a record
(0.8 s of a 20,000-record ingest) against about 2 µs for tuples. The first batch is small so the store starts
while the reader is still warming up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.chunking import chunk_record
from copilot.ingest.documents import read_document
from copilot.ingest.identity import comparable
from copilot.ingest.mapping import ColumnMapping, resolve_mapping
from copilot.ingest.records import RecordBuilder, front_matter_values, infer_kind
from copilot.ingest.tabular import TABULAR_SUFFIXES, BadRow, Row, Table, cell_text, read_tables
from copilot.models import Record, SkippedRow
from copilot.store.encoding import encode

_SAMPLE_ROWS = 200
FIRST_BATCH = 250  # records in the first batch: the store starts writing about a second sooner


class ChunkPart(NamedTuple):
    text: str
    position: int  # the chunk's index in its record
    total: int  # chunks in the record
    start: int
    end: int
    section: str | None


class Item(NamedTuple):
    """One record as the writer needs it: ids, its encoded store metadata (without `near_dup_of`), the text
    duplicates are compared on (empty without a customer) and its chunks."""

    id: str
    source: str
    locator: str
    customer_id: str | None
    fingerprint: str
    content_hash: str
    compare: str
    meta: dict[str, Any]
    chunks: tuple[ChunkPart, ...]

    def chunk_id(self, index: int) -> str:
        return self.id if index == 0 else f"{self.id}:{index}"


def to_item(record: Record, chunk_tokens: int) -> Item:
    chunks = tuple(
        ChunkPart(c.text, c.index, c.count, c.start, c.end, c.section)
        for c in chunk_record(record.id, record.text, chunk_tokens)
    )
    customer = record.meta.customer_id
    return Item(
        record.id,
        record.meta.source,
        record.meta.locator,
        customer,
        record.fingerprint,
        record.content_hash,
        comparable(record.text) if customer else "",
        encode(record),
        chunks,
    )


@dataclass
class Batch:
    """Records ready for the store (vectors aligned with their flattened chunks, when the reader embedded them)."""

    items: list[Item]
    vectors: Any = None  # np.ndarray or None


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
        items = [to_item(r, job.chunk_tokens) for r in pending]
        vectors = embedder.embed([c.text for it in items for c in it.chunks]) if embedder else None
        return Batch(items, vectors)

    size = min(FIRST_BATCH, job.batch_size)

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
                if len(pending) >= size:
                    yield "batch", batch()
                    pending.clear()
                    size = job.batch_size
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
