"""What the service's background jobs do: ingest large uploads, discover themes, and make a survey report (the
pipeline of `copilot survey-report`). The two that write records run in a child process (job_process)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from copilot.analysis.themes import discover_themes
from copilot.api.job_process import run_in_child
from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.pipeline import ingest
from copilot.jobs import Handler, Job
from copilot.store.chroma import Store
from copilot.store.search import keyword_index
from copilot.survey.cost import CostEstimate
from copilot.survey.pipeline import Options, survey_report
from copilot.survey.render import write


class _JobHooks:
    def __init__(self, progress: Callable[[str, int], None], cost_allowed: bool) -> None:
        self.progress, self.cost_allowed = progress, cost_allowed

    def stage(self, name: str, total: int | None) -> None:
        self.progress(name, 0)

    def advance(self, name: str, completed: int) -> None:
        self.progress(name, completed)

    def confirm(self, estimate: CostEstimate) -> bool:
        if not self.cost_allowed and (estimate.cost_usd or 0) > 0:
            raise CopilotError(ErrorCode.cost_limit, f"{estimate.describe()}; send max_cost to allow paid calls")
        return True


def handlers(store: Store, settings: Settings) -> dict[str, Handler]:
    # The child's own interpreter lock is nobody else's: it writes whole batches.
    child = settings.model_copy(update={"store_write_slice": None})

    def run_ingest(job: Job, progress: Callable[[str, int], None], out: Path) -> dict[str, Any]:
        return run_in_child(partial(_ingest, child, job, out), progress)

    def run_discover(job: Job, progress: Callable[[str, int], None], out: Path) -> dict[str, Any]:
        progress("themes", 0)
        model = discover_themes(store, job.project)
        (out / "result.json").write_text(model.describe(), encoding="utf-8")
        return {"topics": len(model.topics), "subtopics": len(model.subtopics), **model.discovered}

    def run_survey_report(job: Job, progress: Callable[[str, int], None], out: Path) -> dict[str, Any]:
        return run_in_child(partial(_survey_report, child, job, out), progress)

    # "batch" is the old name of survey_report: jobs queued before the rename still run.
    return {
        "ingest": run_ingest,
        "discover": run_discover,
        "survey_report": run_survey_report,
        "batch": run_survey_report,
    }


def _ingest(settings: Settings, job: Job, out: Path, progress: Callable[[str, int], None]) -> dict[str, Any]:
    from copilot.store import open_store

    mapping = ColumnMapping.model_validate(job.params["mapping"]) if job.params.get("mapping") else None
    files = [Path(f) for f in job.params["files"]]
    store = open_store(settings)
    report = ingest(store, files, job.project, mapping=mapping, kind=job.params.get("kind"), progress=progress)
    if report.records_added or report.records_updated:
        # The keyword index of the new generation, built here and kept on disk: otherwise the first search after
        # a large ingest builds it inside a request (30,000 records: several seconds, past a client's timeout).
        progress("indexing", 0)
        keyword_index(store, job.project)
    (out / "result.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return {
        "records_added": report.records_added,
        "records_updated": report.records_updated,
        "skipped": len(report.skipped),
    }


def _survey_report(settings: Settings, job: Job, out: Path, progress: Callable[[str, int], None]) -> dict[str, Any]:
    """The same pipeline as `copilot survey-report`; paid model calls only within the job's max_cost."""
    opts = Options(
        file=Path(job.params["files"][0]),
        project=job.project,
        provider=job.params.get("provider"),
        by=job.params.get("by"),
        max_cost=job.params.get("max_cost"),
        resume=True,
    )
    report = survey_report(settings, opts, _JobHooks(progress, opts.max_cost is not None))
    paths = write(report, out / "result.html")
    return {
        "rows_read": report.rows_read,
        "skipped": len(report.skipped),
        "records": report.records,
        "themes": sum(len(s.themes) for s in report.sections),
        "model_calls": report.model_calls,
        "cost_usd": report.provenance.cost_usd,
        "files": [p.name for p in paths],
    }
