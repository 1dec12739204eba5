"""`ingest`: files and folders in, records in the project's collection out, and a report of everything.

Rows stream through in batches (never the whole file in memory). Each batch is deduplicated, compared with
what is stored (unchanged records are not embedded again), chunked, embedded and written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from copilot.config import Settings
from copilot.errors import CopilotError
from copilot.ingest.chunking import chunk_record
from copilot.ingest.dedupe import Deduper
from copilot.ingest.documents import DOCUMENT_SUFFIXES, read_document
from copilot.ingest.identity import record_id
from copilot.ingest.mapping import ColumnMapping, resolve_mapping
from copilot.ingest.records import RecordBuilder, front_matter_values, infer_kind
from copilot.ingest.tabular import TABULAR_SUFFIXES, BadRow, Row, Table, cell_text, read_tables
from copilot.models import FEEDBACK_KINDS, IngestReport, Record, SkippedRow
from copilot.store.chroma import ProjectWriter, Store

SUPPORTED = TABULAR_SUFFIXES | DOCUMENT_SUFFIXES
_SAMPLE_ROWS = 200
Progress = Callable[[str, int], None]


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Files to read with their source names, and notes on files passed over while walking folders."""
    found: list[tuple[Path, str]] = []
    passed_over: list[str] = []
    for path in paths:
        if not path.exists():
            raise CopilotError("not_found", f"no such file or folder: {path}")
        if path.is_file():
            found.append((path, path.name))
            continue
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            rel = f.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if f.suffix.lower() in SUPPORTED:
                found.append((f, rel.as_posix()))
            else:
                passed_over.append(f"{rel.as_posix()}: not a supported format ({f.suffix or 'no extension'})")
    return found, passed_over


_EPOCH = dt.date(1970, 1, 1)


def record_metadata(record: Record) -> dict[str, Any]:
    """A record's metadata flattened for the store (Chroma keeps str, int, float and bool only)."""
    meta = record.meta.model_dump(exclude_none=True, exclude={"extra", "date"})
    if record.meta.date is not None:
        meta["date"] = record.meta.date.isoformat()
        meta["day"] = (record.meta.date - _EPOCH).days
    meta.update(record.meta.extra)
    meta["feedback"] = record.meta.kind in FEEDBACK_KINDS
    meta["content_hash"] = record.content_hash
    meta["fingerprint"] = record.fingerprint
    if record.near_dup_of:
        meta["near_dup_of"] = record.near_dup_of
    return meta


class _Run:
    def __init__(self, settings: Settings, writer: ProjectWriter, report: IngestReport, progress: Progress | None):
        self.settings = settings
        self.writer = writer
        self.report = report
        self.progress = progress
        self.dedupe = Deduper(settings.near_duplicate_ratio)
        self.seen_ids: dict[str, str] = {}
        self.pii: Counter[str] = Counter()
        self.batch: list[Record] = []

    def add(self, record: Record) -> None:
        known = self.seen_ids.get(record.id)
        if known is not None:
            if known == record.content_hash:
                self.report.duplicates += 1
                return
            # The same key on a different row: keep both, the later one under a content-based id.
            self.report.warnings.append(SkippedRow(
                locator=record.meta.locator, reason="id key repeats an earlier row; kept under a content id"))
            record.id = record_id(record.meta.source, "content:" + record.fingerprint + record.meta.locator)
        self.seen_ids[record.id] = record.content_hash
        self.batch.append(record)
        if len(self.batch) >= self.settings.ingest_batch:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        if not self.writer.was_empty:
            self.dedupe.prefetch(batch, self.writer)
        kept: list[Record] = []
        for rec in batch:
            if self.dedupe.duplicate_of(rec) is not None:
                self.report.duplicates += 1
                continue
            rec.near_dup_of = self.dedupe.near_duplicate_of(rec)
            if rec.near_dup_of:
                self.report.near_duplicates += 1
            kept.append(rec)
        existing = self.writer.existing([r.id for r in kept])
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        stale: list[str] = []
        for rec in kept:
            meta = record_metadata(rec)
            old = existing.get(rec.id)
            if old is not None and old.get("content_hash") == rec.content_hash and old.get("near_dup_of") == meta.get(
                "near_dup_of"
            ):
                self.report.records_unchanged += 1
                continue
            chunks = chunk_record(rec.id, rec.text, self.settings.chunk_tokens)
            if old is None:
                self.report.records_added += 1
            else:
                self.report.records_updated += 1
                stale += [f"{rec.id}:{i}" for i in range(len(chunks), int(old.get("chunks", 1)))]
            for c in chunks:
                cm = {**meta, "record_id": rec.id, "chunk": c.index, "chunks": c.count, "start": c.start, "end": c.end}
                if c.section:
                    cm["section"] = c.section
                ids.append(c.id)
                texts.append(c.text)
                metas.append(cm)
        self.writer.delete(stale)
        self.writer.write(ids, texts, metas)
        self.report.chunks_stored += len(ids)


def ingest(
    store: Store,
    paths: list[Path],
    project: str,
    *,
    mapping: ColumnMapping | None = None,
    kind: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    started = time.perf_counter()
    files, passed_over = discover(paths)
    if not files:
        raise CopilotError("bad_input", "no readable files found in " + ", ".join(str(p) for p in paths))
    report = IngestReport(project=project)
    report.warnings += [SkippedRow(locator=n.split(":", 1)[0], reason=n.split(": ", 1)[1]) for n in passed_over]
    with store.writer(project) as writer:
        run = _Run(store.settings, writer, report, progress)
        for path, name in files:
            report.files.append(name)
            try:
                if path.suffix.lower() in TABULAR_SUFFIXES:
                    for table in read_tables(path, name):
                        _ingest_table(run, table, mapping, kind)
                else:
                    _ingest_document(run, path, name, kind)
            except CopilotError as exc:
                report.skipped.append(SkippedRow(locator=name, reason=exc.detail))
            except (OSError, UnicodeError, ValueError) as exc:
                report.skipped.append(SkippedRow(locator=name, reason=f"cannot read: {exc}"))
        run.flush()
    report.pii_redacted = dict(run.pii)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _ingest_table(run: _Run, table: Table, explicit: ColumnMapping | None, kind: str | None) -> None:
    rows: Iterator[Row | BadRow] = table.rows
    head = list(islice(rows, _SAMPLE_ROWS))
    sample = [r.values for r in head if isinstance(r, Row)]
    mapping = resolve_mapping(table.name, table.columns, sample, explicit)
    key_column = mapping.id or _unique_column(mapping.customer_id, sample)
    builder = RecordBuilder(table.name.split("[", 1)[0], infer_kind(table.name, mapping, kind or mapping.kind,
                            document=False), mapping, key_column, run.pii)
    n = 0
    for row in _chain(head, rows):
        n += 1
        run.report.rows_read += 1
        if isinstance(row, BadRow):
            run.report.skipped.append(SkippedRow(locator=row.locator, reason=row.reason))
            continue
        result = builder.from_row(row.locator, row.values)
        run.report.blank_answers += result.blank_answers
        run.report.warnings += [SkippedRow(locator=w.split(": ", 1)[0], reason=w.split(": ", 1)[1])
                                for w in result.warnings]
        if result.skip_reason:
            run.report.skipped.append(SkippedRow(locator=row.locator, reason=result.skip_reason))
        for rec in result.records:
            run.add(rec)
        if run.progress and n % 500 == 0:
            run.progress(table.name, n)
    if run.progress:
        run.progress(table.name, n)


def _ingest_document(run: _Run, path: Path, name: str, kind: str | None) -> None:
    doc = read_document(path, name)
    run.report.rows_read += 1
    mapping, values = front_matter_values(doc.front_matter)
    doc_kind = infer_kind(name, None, kind or _str(doc.front_matter.get("kind")), document=True)
    builder = RecordBuilder(name, doc_kind, mapping, None, run.pii)
    run.report.warnings += [SkippedRow(locator=name, reason=w.split(": ", 1)[1]) for w in doc.warnings]
    record = builder.from_document(doc, values)
    if record is None:
        run.report.skipped.append(SkippedRow(locator=name, reason="empty text"))
        return
    run.add(record)
    if run.progress:
        run.progress(name, 1)


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


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
