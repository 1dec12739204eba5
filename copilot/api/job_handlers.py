"""What the service's background jobs do: ingest large uploads, and summarise a survey dump (the pipeline of
`copilot summarize`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from copilot.config import Settings
from copilot.errors import CopilotError
from copilot.ingest.pipeline import ingest
from copilot.jobs import Handler, Job
from copilot.store.chroma import Store
from copilot.summarize.cost import CostEstimate
from copilot.summarize.pipeline import Options, summarize
from copilot.summarize.render import write


class _JobHooks:
    def __init__(self, progress: Callable[[str, int], None], cost_allowed: bool) -> None:
        self.progress, self.cost_allowed = progress, cost_allowed

    def stage(self, name: str, total: int | None) -> None:
        self.progress(name, 0)

    def advance(self, name: str, completed: int) -> None:
        self.progress(name, completed)

    def confirm(self, estimate: CostEstimate) -> bool:
        if not self.cost_allowed and (estimate.cost_usd or 0) > 0:
            raise CopilotError("cost_limit", f"{estimate.describe()}; send max_cost to allow paid calls")
        return True


def handlers(store: Store, settings: Settings) -> dict[str, Handler]:
    def run_ingest(job: Job, progress: Callable[[str, int], None], out: Path) -> dict[str, Any]:
        report = ingest(store, [Path(f) for f in job.params["files"]], job.project, progress=progress)
        (out / "result.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
        return {
            "records_added": report.records_added,
            "records_updated": report.records_updated,
            "skipped": len(report.skipped),
        }

    def run_batch(job: Job, progress: Callable[[str, int], None], out: Path) -> dict[str, Any]:
        """The same pipeline as `copilot summarize`; paid model calls only within the job's max_cost."""
        opts = Options(
            file=Path(job.params["files"][0]),
            project=job.project,
            provider=job.params.get("provider"),
            by=job.params.get("by"),
            max_cost=job.params.get("max_cost"),
            resume=True,
        )
        report = summarize(settings, opts, _JobHooks(progress, opts.max_cost is not None))
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

    return {"ingest": run_ingest, "batch": run_batch}
