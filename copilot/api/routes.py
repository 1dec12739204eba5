"""REST endpoints over the same functions the CLI calls: ingest, search, themes, records, drafts and jobs."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from copilot.analysis.schema import ThemesReport
from copilot.analysis.themes import analyze
from copilot.api.state import State, guarded, state
from copilot.drafts.build import build_draft, draft_markdown
from copilot.errors import CopilotError
from copilot.ingest.pipeline import ingest
from copilot.llm.registry import get_model
from copilot.models import DraftKind, IngestReport, RecordPublic, SearchFilter, SearchResponse
from copilot.store.chroma import check_project
from copilot.store.search import search

router = APIRouter(prefix="/v1", dependencies=[Depends(guarded)])
class JobAccepted(BaseModel):
    job: dict[str, Any]


async def _save_uploads(s: State, files: list[UploadFile]) -> tuple[list[Path], int]:
    """Uploads into a folder of their own; names keep only their last path part, so they cannot escape it."""
    folder = s.settings.data_dir / "uploads" / uuid.uuid4().hex[:16]
    folder.mkdir(parents=True, exist_ok=True)
    paths, size = [], 0
    for upload in files:
        name = Path(upload.filename or "").name
        if not name or name.startswith("."):
            raise CopilotError("bad_input", f"an uploaded file needs a name (got {upload.filename!r})")
        path = folder / name
        with path.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
        paths.append(path)
    return paths, size


@router.post(
    "/projects/{project}/ingest", response_model=IngestReport | JobAccepted, responses={202: {"model": JobAccepted}}
)
async def ingest_files(
    project: str, files: Annotated[list[UploadFile], File()], s: Annotated[State, Depends(state)]
) -> Any:
    """Small uploads are ingested before the reply (the ingest report); large ones return a job to follow."""
    check_project(project)
    paths, size = await _save_uploads(s, files)
    if size <= s.settings.sync_ingest_mb * 1_000_000:
        try:
            return await run_in_threadpool(ingest, s.store, paths, project)
        finally:
            shutil.rmtree(paths[0].parent, ignore_errors=True)
    job = s.jobs.submit("ingest", project, {"files": [str(p) for p in paths]})
    return JSONResponse({"job": job.public()}, status_code=202)


@router.post("/projects/{project}/batch", status_code=202, response_model=JobAccepted)
async def batch(
    project: str,
    file: Annotated[UploadFile, File(description="A survey dump: CSV or XLSX.")],
    s: Annotated[State, Depends(state)],
    provider: Annotated[Literal["extractive", "openai", "local", "fake"] | None, Form()] = None,
    by: Annotated[str | None, Form(description="Compare themes across this column.")] = None,
    max_cost: Annotated[float | None, Form(ge=0, description="Allow paid model calls up to this (USD).")] = None,
) -> Any:
    """A survey dump summarised in the background (as `copilot summarize`): returns a job; its result is the
    report as HTML, Markdown or JSON."""
    check_project(project)
    paths, _ = await _save_uploads(s, [file])
    params = {"files": [str(p) for p in paths], "provider": provider, "by": by, "max_cost": max_cost}
    job = s.jobs.submit("batch", project, params)
    return {"job": job.public()}


@router.get("/jobs/{job_id}")
def job_status(job_id: str, s: Annotated[State, Depends(state)]) -> dict[str, Any]:
    return s.jobs.get(job_id).public()


@router.get("/jobs/{job_id}/result")
def job_result(
    job_id: str, s: Annotated[State, Depends(state)], format: Annotated[Literal["json", "md", "html"], Query()] = "json"
) -> Response:  # noqa: A002
    job = s.jobs.get(job_id)
    if job.status != "done":
        raise CopilotError("not_found", f"job {job_id} is {job.status}; its result is there when it is done")
    path = s.jobs.result_dir(job_id) / f"result.{format}"
    if not path.exists():
        raise CopilotError("not_found", f"job {job_id} has no {format} result")
    media = {"json": "application/json", "md": "text/markdown", "html": "text/html"}[format]
    return FileResponse(path, media_type=media, filename=f"{job_id}.{format}")


@router.delete("/projects/{project}", status_code=204)
def delete_project(project: str, s: Annotated[State, Depends(state)]) -> Response:
    """Delete a project: its records and its themes."""
    s.store.delete_project(project)
    return Response(status_code=204)


@router.get("/projects/{project}/search", response_model=SearchResponse)
def search_project(
    project: str,
    s: Annotated[State, Depends(state)],
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    mode: Literal["hybrid", "semantic", "keyword"] = "hybrid",
    diverse: bool = False,
    source: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
    segment: Annotated[list[str] | None, Query()] = None,
    plan: Annotated[list[str] | None, Query()] = None,
    role: Annotated[list[str] | None, Query()] = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> SearchResponse:
    filters = SearchFilter(
        source=source, kind=kind, segment=segment, plan=plan, role=role, date_from=since, date_to=until
    )
    return SearchResponse(results=search(s.store, project, q, k=k, filters=filters, mode=mode, diverse=diverse))


@router.get("/projects/{project}/themes", response_model=ThemesReport)
def themes(
    project: str,
    s: Annotated[State, Depends(state)],
    segment: Annotated[list[str] | None, Query()] = None,
    plan: Annotated[list[str] | None, Query()] = None,
) -> ThemesReport:
    return analyze(s.store, project, filters=SearchFilter(segment=segment, plan=plan))


@router.get("/projects/{project}/records/{record_id}", response_model=RecordPublic)
def record(project: str, record_id: str, s: Annotated[State, Depends(state)]) -> RecordPublic:
    return s.store.get_record(project, record_id)


class DraftRequest(BaseModel):
    topic: str | None = Field(None, max_length=500, description="For a PRD: what it is about.")
    segment: list[str] | None = None
    plan: list[str] | None = None
    provider: Literal["extractive", "openai", "local", "fake"] | None = None


@router.post("/projects/{project}/drafts/{kind}")
def draft(
    project: str,
    kind: DraftKind,
    request: Request,
    s: Annotated[State, Depends(state)],
    body: DraftRequest | None = None,
) -> Response:
    """The draft JSON with its verification and provenance, or Markdown with `Accept: text/markdown`."""
    body = body or DraftRequest()
    model = get_model(s.settings, body.provider)
    result = build_draft(
        s.store, project, kind, model, topic=body.topic, filters=SearchFilter(segment=body.segment, plan=body.plan)
    )
    if "text/markdown" in request.headers.get("accept", ""):
        return Response(draft_markdown(result), media_type="text/markdown; charset=utf-8")
    return Response(result.model_dump_json(), media_type="application/json")
