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
from collections import Counter
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
from copilot.store.encoding import chunk_metadata
from copilot.threads import bounded, configure, numeric_threads

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
    """Turns batches into store writes: dedupe, compare with what is stored, write only what changed. It runs
    while the store waits (Chroma holds the GIL while it writes), so it handles plain tuples only."""

    def __init__(self, store: Store, writer: ProjectWriter, report: IngestReport) -> None:
        self.store = store
        self.writer = writer
        self.report = report
        self.dedupe = Deduper(store.settings.near_duplicate_ratio)
        self.seen_ids: dict[str, str] = {}
        self.stored = 0  # records whose writes the store acknowledged
        self.counts: Counter[str] = Counter()  # into the report at the end: a pydantic setattr per record adds up

    def finish(self) -> None:
        for name, n in self.counts.items():
            setattr(self.report, name, getattr(self.report, name) + n)

    def write(self, batch: Batch) -> None:
        offsets: list[int] = []
        pos = 0
        for it in batch.items:
            offsets.append(pos)
            pos += len(it.chunks)
        kept = self._deduplicated(batch)
        if not self.writer.was_empty:
            items = [batch.items[i] for i in kept]
            self.dedupe.prefetch((it.fingerprint for it in items), (it.customer_id for it in items), self.writer)
        existing = self.writer.existing([batch.items[i].id for i in kept])
        new: list[tuple[str, str, dict[str, Any], int]] = []
        changed: list[tuple[str, str, dict[str, Any], int]] = []
        stale: list[str] = []
        for i in kept:
            it = batch.items[i]
            old = existing.get(it.id)
            unchanged = old is not None and old.get("content_hash") == it.content_hash
            if old is not None and unchanged and old.get("fingerprint") == it.fingerprint:
                # Unchanged: a rerun rewrites nothing, not even its near-duplicate link.
                self.dedupe.keep(it.id, it.fingerprint, it.customer_id, it.compare, old.get("near_dup_of"))
                self.counts["records_unchanged"] += 1
                continue
            if self.dedupe.duplicate_of(it.id, it.fingerprint) is not None:
                self.counts["duplicates"] += 1
                continue
            near = self.dedupe.near_duplicate_of(it.id, it.customer_id, it.compare)
            self.counts["near_duplicates"] += near is not None
            meta = it.meta if near is None else {**it.meta, "near_dup_of": near}
            target = new if old is None else changed
            if old is None:
                self.counts["records_added"] += 1
            else:
                self.counts["records_updated"] += 1
                stale += [it.chunk_id(n) for n in range(len(it.chunks), int(old.get("chunks", 1)))]
            for n, c in enumerate(it.chunks):
                cm = chunk_metadata(meta, it.id, c.position, c.total, c.start, c.end, c.section)
                target.append((it.chunk_id(c.position), c.text, cm, offsets[i] + n))
        self.writer.delete(stale)
        for rows, upsert in ((new, False), (changed, True)):
            if rows:
                vectors = batch.vectors[[r[3] for r in rows]] if batch.vectors is not None else None
                self.writer.write(
                    [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], vectors, upsert=upsert
                )
                self.counts["chunks_stored"] += len(rows)
                self.stored += len({r[2].get("record_id", r[0]) for r in rows})

    def _deduplicated(self, batch: Batch) -> list[int]:
        """Indexes of records to consider; the same key twice in one run is either a repeat or a collision."""
        kept: list[int] = []
        for i, it in enumerate(batch.items):
            known = self.seen_ids.get(it.id)
            if known is not None:
                if known == it.content_hash:
                    self.counts["duplicates"] += 1
                    continue
                self.report.warnings.append(
                    SkippedRow(locator=it.locator, reason="id key repeats an earlier row; kept under a content id")
                )
                it = batch.items[i] = it._replace(id=record_id(it.source, "content:" + it.fingerprint + it.locator))
            self.seen_ids[it.id] = it.content_hash
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
            out.finish()
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


def _produce(q: Any, job: ReadJob, threads: int) -> None:
    # One core for reading, one for the store: the reader's pools (tokenizers, BLAS) stay at the stated size.
    configure(threads)
    try:
        with bounded(threads):
            _forward(read_events(job), q)
        q.put(("end", None))
    except BaseException:  # the parent re-raises it with the traceback
        q.put(("fatal", traceback.format_exc()))


def _forward(events: Iterable[Event], q: Any) -> None:
    """Put the reader's events on `q`, which holds a few. A progress message is sent only when the queue is empty:
    otherwise the store is still writing, and messages that wait for room would hold the reader back from the next
    batch. The last one held back is sent at the end, so the final count always arrives."""
    late: Event | None = None
    for event in events:
        if event[0] != "progress":
            q.put(event)
        elif q.empty():
            q.put(event)
            late = None
        else:
            late = event
    if late is not None:
        q.put(late)


def _events_from_process(job: ReadJob) -> Iterator[Event]:
    ctx = mp.get_context("spawn")  # never fork a process that holds Chroma's threads
    q = ctx.Queue(maxsize=4)
    threads = numeric_threads()
    proc = ctx.Process(target=_produce, args=(q, job, threads), daemon=True, name="copilot-reader")
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
