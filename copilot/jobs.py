"""Background jobs in the service database: submitted, claimed by one worker under a lease, with progress and a
result.

A job never disappears silently, and never runs twice at once. A worker claims a job with a lease that it
renews while the job runs (`COPILOT_JOB_LEASE_S`); only the lease holder may report progress or finish it, so
two containers sharing a volume cannot both run it. A clean shutdown hands the job back to the queue. A worker
that died (a segfault in native code, an out-of-memory kill) lets its lease run out; whichever worker sees that
marks the job failed with the cause, and does not queue it again: a job that crashed its process would crash
the next one the same way, on every start.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import os
import shutil
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import BaseModel

from copilot.errors import CopilotError, ErrorCode
from copilot.service_db import connect

log = logging.getLogger("copilot.jobs")
Status = Literal["queued", "running", "done", "failed"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, project TEXT NOT NULL, status TEXT NOT NULL, params TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '', done INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT, error TEXT, summary TEXT, created REAL NOT NULL, updated REAL NOT NULL, lease_until REAL
);
"""
COLUMNS = "id, kind, project, status, params, stage, done, attempts, owner, error, summary, created, updated"
NO_FAULT = "no fault was reported: the process was killed (SIGKILL, out of memory) or its machine stopped"


class Job(BaseModel):
    id: str
    kind: str
    project: str
    status: Status
    params: dict[str, Any]
    stage: str
    done: int
    attempts: int
    owner: str | None = None
    error: str | None
    summary: dict[str, Any] | None
    created: float
    updated: float

    def public(self) -> dict[str, Any]:
        """What a client sees: status and progress, not the server's file paths."""
        return {
            "id": self.id,
            "kind": self.kind,
            "project": self.project,
            "status": self.status,
            "progress": {"stage": self.stage, "done": self.done},
            "attempts": self.attempts,
            "error": self.error,
            "summary": self.summary,
            "result_url": f"/v1/jobs/{self.id}/result" if self.status == "done" else None,
        }


class Jobs:
    def __init__(self, db: Path, results: Path, lease_s: float = 30.0) -> None:
        self.db, self.results, self.lease_s = db, results, lease_s
        self.faults = results / "_workers"  # a worker's fault report (faulthandler), read when its lease ran out
        with connect(self.db, SCHEMA) as c:  # databases from before leases: owner was a process id
            if "lease_until" not in {row[1] for row in c.execute("PRAGMA table_info(jobs)")}:
                with contextlib.suppress(sqlite3.OperationalError):  # another process added it first
                    c.execute("ALTER TABLE jobs ADD COLUMN lease_until REAL")

    def _row(self, row: tuple[Any, ...]) -> Job:
        d = dict(zip(COLUMNS.split(", "), row, strict=True))
        d["params"] = json.loads(d["params"])
        d["summary"] = json.loads(d["summary"]) if d["summary"] else None
        d["owner"] = None if d["owner"] is None else str(d["owner"])
        return Job.model_validate(d)

    def submit(self, kind: str, project: str, params: dict[str, Any]) -> Job:
        job_id = "job_" + uuid.uuid4().hex[:16]
        now = time.time()
        with connect(self.db, SCHEMA) as c:
            c.execute(
                "INSERT INTO jobs (id, kind, project, status, params, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job_id, kind, project, "queued", json.dumps(params), now, now),
            )
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        with connect(self.db, SCHEMA) as c:
            row = c.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise CopilotError(ErrorCode.not_found, f"no job {job_id!r}")
        return self._row(row)

    def claim(self, owner: str) -> Job | None:
        """The oldest queued job, now running under `owner`'s lease (one atomic UPDATE: one winner)."""
        now = time.time()
        with connect(self.db, SCHEMA) as c:
            row = c.execute(
                f"UPDATE jobs SET status = 'running', owner = ?, lease_until = ?, attempts = attempts + 1, "
                f"updated = ? WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created LIMIT 1) "
                f"RETURNING {COLUMNS}",
                (owner, now + self.lease_s, now),
            ).fetchone()
        return self._row(row) if row else None

    def _owned(self, job_id: str, owner: str, sets: str, *values: Any) -> bool:
        """Change a running job only while `owner` holds it: a worker whose lease was taken cannot write."""
        with connect(self.db, SCHEMA) as c:
            cur = c.execute(
                f"UPDATE jobs SET {sets}, updated = ? WHERE id = ? AND owner = ? AND status = 'running'",
                (*values, time.time(), job_id, owner),
            )
        return cur.rowcount == 1

    def renew(self, job_id: str, owner: str) -> bool:
        return self._owned(job_id, owner, "lease_until = ?", time.time() + self.lease_s)

    def progress(self, job_id: str, owner: str, stage: str, done: int) -> None:
        self._owned(job_id, owner, "stage = ?, done = ?", stage, done)

    def finish(self, job_id: str, owner: str, summary: dict[str, Any]) -> bool:
        return self._owned(job_id, owner, "status = 'done', stage = 'done', summary = ?", json.dumps(summary))

    def fail(self, job_id: str, owner: str, error: str) -> bool:
        return self._owned(job_id, owner, "status = 'failed', error = ?", error)

    def release(self, job_id: str, owner: str) -> bool:
        """A clean shutdown: the job goes back to the queue for the next worker (work is idempotent)."""
        return self._owned(job_id, owner, "status = 'queued', owner = NULL, lease_until = NULL")

    def expire(self, now: float | None = None) -> list[str]:
        """Running jobs whose worker stopped renewing its lease: failed, with the cause when the worker left a
        fault report. Called by every worker now and then, and at start."""
        now = time.time() if now is None else now
        notes = []
        with connect(self.db, SCHEMA) as c:
            rows = c.execute(
                "SELECT id, owner, stage FROM jobs WHERE status = 'running' AND COALESCE(lease_until, 0) < ?", (now,)
            ).fetchall()
            for job_id, owner, stage in rows:
                cause = self._fault(str(owner)) if owner else NO_FAULT
                error = (
                    f"the worker running this job stopped without finishing it ({cause}), during stage "
                    f"{stage or 'start'!r}. It was not run again, so that a crash is not repeated on every start; "
                    "submit the job again once the cause is fixed"
                )
                cur = c.execute(
                    "UPDATE jobs SET status = 'failed', error = ?, updated = ? WHERE id = ? AND status = 'running' "
                    "AND COALESCE(lease_until, 0) < ?",
                    (error, now, job_id, now),
                )
                if cur.rowcount:
                    notes.append(f"{job_id}: failed ({cause})")
        return notes

    def _fault(self, owner: str) -> str:
        path = self.faults / f"{owner}.log"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return NO_FAULT
        path.unlink(missing_ok=True)
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return first or NO_FAULT

    def result_dir(self, job_id: str) -> Path:
        return self.results / job_id


Handler = Callable[[Job, Callable[[str, int], None], Path], dict[str, Any]]


class Worker(threading.Thread):
    """Runs queued jobs one at a time in this process under a lease it renews from a second thread; the
    handler for a kind writes into the job's folder."""

    def __init__(self, jobs: Jobs, handlers: dict[str, Handler], poll_s: float = 0.3) -> None:
        super().__init__(name="copilot-jobs", daemon=True)
        self.jobs, self.handlers, self.poll_s = jobs, handlers, poll_s
        host = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in socket.gethostname())
        self.owner = f"{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.current: str | None = None
        self._fault_file: TextIO | None = None
        self._beat = threading.Thread(target=self._heartbeat, name="copilot-jobs-lease", daemon=True)

    def run(self) -> None:
        self._report_faults()
        self._beat.start()
        next_expiry = 0.0
        while not self.stopping.is_set():
            if time.monotonic() >= next_expiry:
                for note in self.jobs.expire():
                    log.warning("job given up: %s", note)
                next_expiry = time.monotonic() + self.jobs.lease_s / 3
            job = self.jobs.claim(self.owner)
            if job is None:
                self.stopping.wait(self.poll_s)
                continue
            self.current = job.id
            if self.stopping.is_set():  # stop() came between the loop's check and the claim
                self.jobs.release(job.id, self.owner)
                self.current = None
                break
            try:
                self._run(job)
            finally:
                self.current = None

    def _run(self, job: Job) -> None:
        out = self.jobs.result_dir(job.id)
        out.mkdir(parents=True, exist_ok=True)

        def progress(stage: str, n: int) -> None:
            self.jobs.progress(job.id, self.owner, stage, n)

        try:
            summary = self.handlers[job.kind](job, progress, out)
            if self.jobs.finish(job.id, self.owner, summary):
                for folder in {Path(f).parent for f in job.params.get("files", [])}:  # uploads are done with
                    shutil.rmtree(folder, ignore_errors=True)
        except CopilotError as exc:
            self.jobs.fail(job.id, self.owner, f"{exc.code}: {exc.detail}")
        except Exception as exc:  # noqa: BLE001 - a job must end failed with a reason, never vanish
            log.error("job %s failed: %s", job.id, type(exc).__name__, exc_info=exc)
            self.jobs.fail(job.id, self.owner, f"internal error: {type(exc).__name__}")

    def _heartbeat(self) -> None:
        while not self.stopping.wait(self.jobs.lease_s / 3):
            job_id = self.current
            if job_id is not None and not self.jobs.renew(job_id, self.owner):
                log.warning("job %s: this worker lost its lease; its result will not be kept", job_id)

    def _report_faults(self) -> None:
        """A fatal signal (segfault, abort) writes its report where the next worker looks for this lease's
        cause. Left alone when the process already reports faults elsewhere (pytest, PYTHONFAULTHANDLER)."""
        if faulthandler.is_enabled():
            return
        self.jobs.faults.mkdir(parents=True, exist_ok=True)
        self._fault_file = (self.jobs.faults / f"{self.owner}.log").open("w")
        faulthandler.enable(file=self._fault_file, all_threads=True)

    def stop(self) -> None:
        """A clean stop: the running job goes back to the queue, and no fault report is left behind."""
        self.stopping.set()
        job_id = self.current
        if job_id is not None and self.jobs.release(job_id, self.owner):
            log.warning("job %s: queued again (the server is stopping)", job_id)
        if self._fault_file is not None:
            faulthandler.disable()
            self._fault_file.close()
            Path(self._fault_file.name).unlink(missing_ok=True)
            self._fault_file = None
