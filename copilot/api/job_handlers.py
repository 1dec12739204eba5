"""What the service's background jobs do: ingest large uploads, and summarise a survey dump."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copilot.config import Settings
from copilot.drafts.build import build_draft, draft_markdown
from copilot.ingest.pipeline import ingest
from copilot.jobs import Handler, Job
from copilot.llm.registry import get_model
from copilot.models import DraftKind
from copilot.store.chroma import Store


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
        report = ingest(store, [Path(f) for f in job.params["files"]], job.project, progress=progress)
        progress("drafting", report.records_added + report.records_updated + report.records_unchanged)
        draft = build_draft(store, job.project, DraftKind.pain_points, get_model(settings, job.params.get("provider")))
        (out / "result.json").write_text(
            json.dumps({"ingest": report.model_dump(mode="json"), "summary": draft.model_dump(mode="json")}, indent=2)
        )
        (out / "result.md").write_text(draft_markdown(draft), encoding="utf-8")
        return {"rows_read": report.rows_read, "skipped": len(report.skipped), "pain_points": len(draft.pain_points)}

    return {"ingest": run_ingest, "batch": run_batch}
