"""Background jobs in the service database: submitted, claimed by one worker, with progress and a result.

A job never disappears silently. A worker marks what it runs with its process id; when a server starts and finds
a running job whose process is gone, it queues the job again (work is idempotent: ingest keeps record ids), and
after a second interruption it marks the job failed with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from copilot.errors import CopilotError, ErrorCode
from copilot.service_db import connect

Status = Literal["queued", "running", "done", "failed"]
MAX_ATTEMPTS = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, project TEXT NOT NULL, status TEXT NOT NULL, params TEXT NOT NULL,
    stage TEXT NOT NULL DEFAULT '', done INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    owner INTEGER, error TEXT, summary TEXT, created REAL NOT NULL, updated REAL NOT NULL
);
"""
COLUMNS = "id, kind, project, status, params, stage, done, attempts, owner, error, summary, created, updated"


class Job(BaseModel):
    id: str
    kind: str
    project: str
    status: Status
    params: dict[str, Any]
    stage: str
    done: int
    attempts: int
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


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Jobs:
    def __init__(self, db: Path, results: Path) -> None:
        self.db = db
        self.results = results

    def _row(self, row: tuple[Any, ...]) -> Job:
        d = dict(zip(COLUMNS.split(", "), row, strict=True))
        d["params"] = json.loads(d["params"])
        d["summary"] = json.loads(d["summary"]) if d["summary"] else None
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

    def claim(self) -> Job | None:
        with connect(self.db, SCHEMA) as c:
            row = c.execute(
                f"UPDATE jobs SET status = 'running', owner = ?, attempts = attempts + 1, updated = ? "
                f"WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created LIMIT 1) "
                f"RETURNING {COLUMNS}",
                (os.getpid(), time.time()),
            ).fetchone()
        return self._row(row) if row else None

    def progress(self, job_id: str, stage: str, done: int) -> None:
        with connect(self.db, SCHEMA) as c:
            c.execute(
                "UPDATE jobs SET stage = ?, done = ?, updated = ? WHERE id = ?", (stage, done, time.time(), job_id)
            )

    def finish(self, job_id: str, summary: dict[str, Any]) -> None:
        with connect(self.db, SCHEMA) as c:
            c.execute(
                "UPDATE jobs SET status = 'done', stage = 'done', summary = ?, updated = ? WHERE id = ?",
                (json.dumps(summary), time.time(), job_id),
            )

    def fail(self, job_id: str, error: str) -> None:
        with connect(self.db, SCHEMA) as c:
            c.execute(
                "UPDATE jobs SET status = 'failed', error = ?, updated = ? WHERE id = ?", (error, time.time(), job_id)
            )

    def recover(self) -> list[str]:
        """Jobs left running by a process that is gone: queued again, or failed after MAX_ATTEMPTS."""
        notes = []
        with connect(self.db, SCHEMA) as c:
            rows = c.execute("SELECT id, owner, attempts FROM jobs WHERE status = 'running'").fetchall()
            for job_id, owner, attempts in rows:
                if _alive(owner) and owner != os.getpid():
                    continue
                if attempts >= MAX_ATTEMPTS:
                    error = f"interrupted {attempts} times (the server stopped while it ran); not retried again"
                    c.execute(
                        "UPDATE jobs SET status = 'failed', error = ?, updated = ? WHERE id = ?",
                        (error, time.time(), job_id),
                    )
                    notes.append(f"{job_id}: failed")
                else:
                    c.execute(
                        "UPDATE jobs SET status = 'queued', owner = NULL, updated = ? WHERE id = ?",
                        (time.time(), job_id),
                    )
                    notes.append(f"{job_id}: queued again")
        return notes

    def result_dir(self, job_id: str) -> Path:
        return self.results / job_id


Handler = Callable[[Job, Callable[[str, int], None], Path], dict[str, Any]]


class Worker(threading.Thread):
    """Runs queued jobs one at a time in this process; the handler for a kind writes into the job's folder."""

    def __init__(self, jobs: Jobs, handlers: dict[str, Handler], poll_s: float = 0.3) -> None:
        super().__init__(name="copilot-jobs", daemon=True)
        self.jobs, self.handlers, self.poll_s = jobs, handlers, poll_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            job = self.jobs.claim()
            if job is None:
                self.stopping.wait(self.poll_s)
                continue
            out = self.jobs.result_dir(job.id)
            out.mkdir(parents=True, exist_ok=True)
            try:

                def progress(stage: str, n: int, j: str = job.id) -> None:
                    self.jobs.progress(j, stage, n)

                summary = self.handlers[job.kind](job, progress, out)
                self.jobs.finish(job.id, summary)
                for folder in {Path(f).parent for f in job.params.get("files", [])}:  # uploads are done with
                    shutil.rmtree(folder, ignore_errors=True)
            except CopilotError as exc:
                self.jobs.fail(job.id, f"{exc.code}: {exc.detail}")
            except Exception as exc:  # noqa: BLE001 - a job must end failed with a reason, never vanish
                self.jobs.fail(job.id, f"internal error: {type(exc).__name__}")

    def stop(self) -> None:
        self.stopping.set()
