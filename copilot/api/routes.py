"""REST endpoints over the same functions the CLI calls: ingest, search, themes, records, drafts, survey reports
and jobs. One router per resource, each with its prefix and tag."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from copilot.analysis.export import export as run_export
from copilot.analysis.schema import ThemesReport
from copilot.analysis.themes import analyze
from copilot.api.deps import AppState, Filters
from copilot.api.state import State, guarded
from copilot.drafts import registry
from copilot.drafts.build import draft_document, inputs_for
from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.mapping import MappingOptions, mapping_from_options
from copilot.ingest.pipeline import ingest
from copilot.llm.registry import get_model
from copilot.models import IngestReport, RecordPublic, SearchResponse
from copilot.store.chroma import check_project
from copilot.store.filters import SearchFilter
from copilot.store.search import search

Provider = Literal["extractive", "openai", "local", "fake"]
projects = APIRouter(prefix="/v1/projects", tags=["projects"], dependencies=[Depends(guarded)])
drafts = APIRouter(prefix="/v1/projects", tags=["drafts"], dependencies=[Depends(guarded)])
reports = APIRouter(prefix="/v1/projects", tags=["survey reports"], dependencies=[Depends(guarded)])
jobs = APIRouter(prefix="/v1/jobs", tags=["jobs"], dependencies=[Depends(guarded)])


class JobPublic(BaseModel):
    id: str
    kind: str
    project: str
    status: Literal["queued", "running", "done", "failed"]
    progress: dict[str, Any]
    attempts: int
    error: str | None
    summary: dict[str, Any] | None
    result_url: str | None


class JobAccepted(BaseModel):
    job: JobPublic


async def _save_uploads(s: State, files: list[UploadFile]) -> tuple[list[Path], int]:
    """Uploads into a folder of their own, each in a subfolder so two files with one name never overwrite each
    other; names keep only their last path part, so they cannot escape the folder."""
    folder = s.settings.data_dir / "uploads" / uuid.uuid4().hex[:16]
    paths, size = [], 0
    for n, upload in enumerate(files):
        name = Path(upload.filename or "").name
        if not name or name.startswith("."):
            raise CopilotError(ErrorCode.bad_input, f"an uploaded file needs a name (got {upload.filename!r})")
        path = folder / str(n) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
        paths.append(path)
    return paths, size


@projects.post("/{project}/ingest", response_model=IngestReport | JobAccepted, responses={202: {"model": JobAccepted}})
async def ingest_files(
    project: str,
    files: Annotated[list[UploadFile], File()],
    s: AppState,
    text_col: Annotated[list[str] | None, Form(description="Free-text columns (as --text-col).")] = None,
    id_col: Annotated[str | None, Form()] = None,
    customer_col: Annotated[str | None, Form()] = None,
    date_col: Annotated[str | None, Form()] = None,
    segment_col: Annotated[str | None, Form()] = None,
    plan_col: Annotated[str | None, Form()] = None,
    mapping: Annotated[str | None, Form(description="A YAML column mapping, as the --mapping file holds.")] = None,
    kind: Annotated[str | None, Form(description="survey, ticket, review, nps, interview, note, ...")] = None,
) -> Any:
    """Small uploads are ingested before the reply (the ingest report); large ones return a job to follow."""
    check_project(project)
    options = MappingOptions(
        text_col=text_col or [],
        id_col=id_col,
        customer_col=customer_col,
        date_col=date_col,
        segment_col=segment_col,
        plan_col=plan_col,
    )
    explicit = mapping_from_options(options, mapping, "mapping")
    paths, size = await _save_uploads(s, files)
    if size <= s.settings.sync_ingest_mb * 1_000_000:
        try:
            return await run_in_threadpool(ingest, s.store, paths, project, mapping=explicit, kind=kind)
        finally:
            shutil.rmtree(paths[0].parent.parent, ignore_errors=True)
    params = {"files": [str(p) for p in paths], "mapping": explicit.model_dump(), "kind": kind}
    job = s.jobs.submit("ingest", project, params)
    return JSONResponse({"job": job.public()}, status_code=202)


@projects.delete("/{project}", status_code=204)
def delete_project(project: str, s: AppState) -> Response:
    """Delete a project: its records and its themes."""
    s.store.delete_project(project)
    return Response(status_code=204)


@projects.get("/{project}/search", response_model=SearchResponse)
def search_project(
    project: str,
    s: AppState,
    filters: Filters,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    mode: Literal["hybrid", "semantic", "keyword"] = "hybrid",
    diverse: bool = False,
) -> SearchResponse:
    return SearchResponse(results=search(s.store, project, q, k=k, filters=filters, mode=mode, diverse=diverse))


@projects.get("/{project}/themes", response_model=ThemesReport, responses={409: {"description": "no themes yet"}})
def themes(project: str, s: AppState, filters: Filters) -> ThemesReport:
    """The project's themes with their statistics. Reading never discovers: with no themes yet this answers 409
    `no_themes`; POST to the same path starts discovery."""
    return analyze(s.store, project, filters=filters)


@projects.post("/{project}/themes", status_code=202, response_model=JobAccepted)
def discover(project: str, s: AppState) -> Any:
    """Discover (or rediscover) the project's themes, as a job; GET the themes when it is done."""
    s.store.require(project)
    return {"job": s.jobs.submit("discover", project, {}).public()}


@projects.get(
    "/{project}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}, "application/vnd.ms-excel": {}}}},
)
def export(
    project: str,
    s: AppState,
    filters: Filters,
    format: Annotated[Literal["csv", "xlsx", "jsonl"], Query()] = "csv",  # noqa: A002
    themes: bool = False,
) -> Response:
    """Every feedback record with its themes, polarity and metadata, as `copilot export` writes it; `themes=true`
    for the themes table."""
    data = run_export(s.store, project, format, themes=themes, filters=filters)
    media = {
        "csv": "text/csv; charset=utf-8",
        "jsonl": "application/x-ndjson",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[format]
    name = f"{project}-{'themes' if themes else 'records'}.{format}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@projects.get("/{project}/records/{record_id}", response_model=RecordPublic)
def record(project: str, record_id: str, s: AppState) -> RecordPublic:
    return s.store.get_record(project, record_id)


class DraftRequest(BaseModel):
    topic: str | None = Field(None, max_length=500, description="What the draft is about (kinds that take a topic).")
    by: str | None = Field(None, max_length=200, description="A column to group by (kinds that take one).")
    provider: Provider | None = None
    filters: SearchFilter = Field(default_factory=SearchFilter)


@drafts.post("/{project}/drafts/{kind}", responses={404: {"description": "unknown project or draft kind"}})
def draft(project: str, kind: str, request: Request, s: AppState, body: DraftRequest | None = None) -> Response:
    """The draft JSON with its verification and provenance, or Markdown with `Accept: text/markdown`. The kinds
    are those of `GET /v1/draft-kinds`."""
    body = body or DraftRequest()
    spec = registry.get(kind)
    inputs = inputs_for(spec, topic=body.topic, by=body.by)
    model = get_model(s.settings, body.provider)
    result = draft_document(s.store, project, spec.name, model, filters=body.filters, inputs=inputs)
    if "text/markdown" in request.headers.get("accept", ""):
        return Response(spec.markdown(result), media_type="text/markdown; charset=utf-8")
    return Response(result.model_dump_json(), media_type="application/json")


class DraftKindPublic(BaseModel):
    name: str
    title: str
    summary: str
    words: list[str]
    inputs: list[str]
    exports: list[str]


kinds = APIRouter(prefix="/v1", tags=["drafts"], dependencies=[Depends(guarded)])


@kinds.get("/draft-kinds", response_model=list[DraftKindPublic])
def draft_kinds() -> list[DraftKindPublic]:
    return [
        DraftKindPublic(
            name=k.name,
            title=k.title,
            summary=k.summary,
            words=list(k.words),
            inputs=sorted(k.inputs),
            exports=[".md", ".json", *k.exports],
        )
        for k in registry.kinds()
    ]


async def _survey_report(
    project: str,
    file: Annotated[UploadFile, File(description="A survey dump: CSV or XLSX.")],
    s: AppState,
    provider: Annotated[Provider | None, Form()] = None,
    by: Annotated[str | None, Form(description="Compare themes across this column.")] = None,
    max_cost: Annotated[float | None, Form(ge=0, description="Allow paid model calls up to this (USD).")] = None,
) -> Any:
    """A survey report from a survey dump, made in the background (as `copilot survey-report`): returns a job;
    its result is the report as HTML, Markdown or JSON."""
    check_project(project)
    paths, _ = await _save_uploads(s, [file])
    params = {"files": [str(p) for p in paths], "provider": provider, "by": by, "max_cost": max_cost}
    job = s.jobs.submit("survey_report", project, params)
    return {"job": job.public()}


reports.post("/{project}/survey-reports", status_code=202, response_model=JobAccepted)(_survey_report)
reports.post("/{project}/batch", status_code=202, response_model=JobAccepted, include_in_schema=False)(_survey_report)


@jobs.get("/{job_id}", response_model=JobPublic)
def job_status(job_id: str, s: AppState) -> dict[str, Any]:
    return s.jobs.get(job_id).public()


@jobs.get("/{job_id}/result")
def job_result(
    job_id: str, s: AppState, format: Annotated[Literal["json", "md", "html"], Query()] = "json"
) -> Response:  # noqa: A002
    job = s.jobs.get(job_id)
    if job.status != "done":
        raise CopilotError(ErrorCode.not_found, f"job {job_id} is {job.status}; its result is there when it is done")
    path = s.jobs.result_dir(job_id) / f"result.{format}"
    if not path.exists():
        raise CopilotError(ErrorCode.not_found, f"job {job_id} has no {format} result")
    media = {"json": "application/json", "md": "text/markdown", "html": "text/html"}[format]
    return FileResponse(path, media_type=media, filename=f"{job_id}.{format}")


ROUTERS = (projects, drafts, kinds, reports, jobs)
