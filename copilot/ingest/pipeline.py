"""`ingest`: files and folders in, records in the project's collection out, and a report of everything.

Reading (parse, map, normalise, redact, chunk, and embedding with the local model) runs in a separate process
for large inputs, because embedded Chroma holds the GIL while it writes; this process deduplicates, compares
with what is stored (unchanged records are not written again) and writes. Rows stream in batches, so memory
stays flat whatever the file size.
"""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
import queue as queue_mod
import stat
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.dedupe import Deduper
from copilot.ingest.documents import DOCUMENT_SUFFIXES
from copilot.ingest.identity import record_id
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.reader import Batch, Event, Notes, ReadJob, read_events
from copilot.ingest.tabular import TABULAR_SUFFIXES
from copilot.models import IngestReport, SkippedRow
from copilot.store.chroma import ProjectWriter, Store
from copilot.store.encoding import chunk_metadata, encode

SUPPORTED = TABULAR_SUFFIXES | DOCUMENT_SUFFIXES
_STORE_FAILURES = {ErrorCode.store_failed, ErrorCode.store_unreachable, ErrorCode.disk_full}
Progress = Callable[[str, int], None]


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[SkippedRow]]:
    """Files to read with their source names, and the entries passed over while walking folders, each with why."""
    found: list[tuple[Path, str]] = []
    passed_over: list[SkippedRow] = []
    for path in paths:
        if not path.exists():
            raise CopilotError(ErrorCode.not_found, f"no such file or folder: {path}")
        if path.is_file():
            found.append((path, path.name))
            continue
        for f in _walk(path):
            rel = f.relative_to(path).as_posix()
            why = _passed_over_because(f)
            if why:
                passed_over.append(SkippedRow(locator=rel, reason=why))
            elif f.suffix.lower() in SUPPORTED:
                found.append((f, rel))
            else:
                passed_over.append(
                    SkippedRow(locator=rel, reason=f"not a supported format ({f.suffix or 'no extension'})")
                )
    return found, passed_over


def _walk(root: Path) -> list[Path]:
    """Every entry under `root` but hidden ones, links to folders included (they are not followed)."""
    entries: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        entries += [base / d for d in dirs if (base / d).is_symlink()]
        entries += [base / f for f in files if not f.startswith(".")]
    return sorted(entries)


def _passed_over_because(f: Path) -> str | None:
    if f.is_symlink():
        try:
            target = f.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link loop; nothing to read"
            return f"a broken symbolic link (its target {os.readlink(f)} does not exist)"
        if stat.S_ISDIR(target.st_mode):
            return "a symbolic link to a folder, not followed (pass the folder itself to read it)"
    if not f.is_file():
        return "not a regular file"
    return None


class _Writer:
    """Turns batches into store writes: dedupe, compare with what is stored, write only what changed."""

    def __init__(self, store: Store, writer: ProjectWriter, report: IngestReport) -> None:
        self.store = store
        self.writer = writer
        self.report = report
        self.dedupe = Deduper(store.settings.near_duplicate_ratio)
        self.seen_ids: dict[str, str] = {}
        self.stored = 0  # records whose writes the store acknowledged

    def write(self, batch: Batch) -> None:
        offsets: list[int] = []
        pos = 0
        for cs in batch.chunks:
            offsets.append(pos)
            pos += len(cs)
        kept = self._deduplicated(batch)
        if not self.writer.was_empty:
            self.dedupe.prefetch([batch.records[i] for i in kept], self.writer)
        existing = self.writer.existing([batch.records[i].id for i in kept])
        new: list[tuple[str, str, dict[str, Any], int]] = []
        changed: list[tuple[str, str, dict[str, Any], int]] = []
        stale: list[str] = []
        for i in kept:
            rec = batch.records[i]
            old = existing.get(rec.id)
            if old is not None and all(old.get(k) == getattr(rec, k) for k in ("content_hash", "fingerprint")):
                # Unchanged: a rerun rewrites nothing, not even its near-duplicate link.
                self.dedupe.keep(rec, old.get("near_dup_of"))
                self.report.records_unchanged += 1
                continue
            if self.dedupe.duplicate_of(rec) is not None:
                self.report.duplicates += 1
                continue
            rec.near_dup_of = self.dedupe.near_duplicate_of(rec)
            self.report.near_duplicates += rec.near_dup_of is not None
            meta = encode(rec)
            target = new if old is None else changed
            if old is None:
                self.report.records_added += 1
            else:
                self.report.records_updated += 1
                stale += [f"{rec.id}:{n}" for n in range(len(batch.chunks[i]), int(old.get("chunks", 1)))]
            for n, c in enumerate(batch.chunks[i]):
                cm = chunk_metadata(meta, rec.id, c.index, c.count, c.start, c.end, c.section)
                target.append((c.id, c.text, cm, offsets[i] + n))
        self.writer.delete(stale)
        for rows, upsert in ((new, False), (changed, True)):
            if rows:
                vectors = batch.vectors[[r[3] for r in rows]] if batch.vectors is not None else None
                self.writer.write(
                    [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], vectors, upsert=upsert
                )
                self.report.chunks_stored += len(rows)
                self.stored += len({r[2].get("record_id", r[0]) for r in rows})

    def _deduplicated(self, batch: Batch) -> list[int]:
        """Indexes of records to consider; the same key twice in one run is either a repeat or a collision."""
        kept: list[int] = []
        for i, rec in enumerate(batch.records):
            known = self.seen_ids.get(rec.id)
            if known is not None:
                if known == rec.content_hash:
                    self.report.duplicates += 1
                    continue
                self.report.warnings.append(
                    SkippedRow(
                        locator=rec.meta.locator, reason="id key repeats an earlier row; kept under a content id"
                    )
                )
                rec.id = record_id(rec.meta.source, "content:" + rec.fingerprint + rec.meta.locator)
                for c in batch.chunks[i]:
                    c.record_id, c.id = rec.id, rec.id if c.index == 0 else f"{rec.id}:{c.index}"
            self.seen_ids[rec.id] = rec.content_hash
            kept.append(i)
        return kept


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
        raise CopilotError(ErrorCode.bad_input, "no readable files found in " + ", ".join(str(p) for p in paths))
    settings = store.settings
    report = IngestReport(project=project, warnings=passed_over)
    size = sum(p.stat().st_size for p, _ in files)
    separate = size >= settings.reader_process_min_bytes
    job = ReadJob(
        files=files,
        mapping=mapping,
        kind=kind,
        batch_size=settings.ingest_batch,
        chunk_tokens=settings.chunk_tokens,
        embed=separate and settings.embeddings == "wordllama",
        max_columns=settings.max_columns,
        max_cell_chars=settings.max_cell_chars,
    )
    out: _Writer | None = None
    try:
        with store.writer(project) as writer:
            out = _Writer(store, writer, report)
            for what, item in _events_from_process(job) if separate else read_events(job):
                if what == "file":
                    report.files.append(item)
                elif what == "batch":
                    out.write(item)
                elif what == "progress" and progress:
                    progress(*item)
                elif what == "notes":
                    _merge(report, item)
    except CopilotError as exc:
        if exc.code in _STORE_FAILURES:
            stored = out.stored if out is not None else 0
            raise CopilotError(exc.code, f"{exc.detail}. This run had stored {stored} records before that") from exc
        raise
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _merge(report: IngestReport, notes: Notes) -> None:
    report.rows_read = notes.rows_read
    report.blank_answers = notes.blank_answers
    report.pii_redacted = dict(sorted(notes.pii.items()))
    report.skipped += notes.skipped
    report.warnings += notes.warnings


def _produce(q: Any, job: ReadJob) -> None:
    try:
        for event in read_events(job):
            q.put(event)
        q.put(("end", None))
    except BaseException:  # the parent re-raises it with the traceback
        q.put(("fatal", traceback.format_exc()))


def _events_from_process(job: ReadJob) -> Iterator[Event]:
    ctx = mp.get_context("spawn")  # never fork a process that holds Chroma's threads
    q = ctx.Queue(maxsize=4)
    proc = ctx.Process(target=_produce, args=(q, job), daemon=True, name="copilot-reader")
    proc.start()
    try:
        while True:
            try:
                what, item = q.get(timeout=1.0)
            except queue_mod.Empty:
                if not proc.is_alive():
                    raise CopilotError(
                        ErrorCode.ingest_failed, f"the reader process died (exit code {proc.exitcode})"
                    ) from None
                continue
            if what == "end":
                return
            if what == "fatal":
                raise CopilotError(ErrorCode.ingest_failed, f"reading failed:\n{item}")
            yield what, item
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)
