"""Data commands: ingest, search, stats, projects and records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.cli.common import (
    JsonOpt,
    ProjectOpt,
    app,
    emit_json,
    err,
    errors,
    open_store,
    out,
    progress,
    records_app,
    with_filters,
)
from copilot.errors import CopilotError, ErrorCode
from copilot.store.filters import SearchFilter


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are walked).")],
    project: ProjectOpt,
    text_col: Annotated[list[str] | None, typer.Option("--text-col", help="Free-text column (repeatable).")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a row's own id (ticket id, response id).")] = None,
    customer_col: Annotated[str | None, typer.Option(help="Column identifying the customer or respondent.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Date column.")] = None,
    segment_col: Annotated[str | None, typer.Option(help="Segment column.")] = None,
    plan_col: Annotated[str | None, typer.Option(help="Plan column.")] = None,
    date_format: Annotated[
        str | None, typer.Option(help="How dates like 03/04/2024 are written: day-first, month-first or %d/%m/%Y.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML column mapping (see README).")] = None,
    kind: Annotated[
        str | None, typer.Option(help="survey, ticket, review, nps, interview, note, feedback, research")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any row or file was skipped.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read feedback and research files into a project: parse, map columns, redact PII, dedupe, embed, store."""
    from copilot.ingest.mapping import MappingOptions, mapping_from_options
    from copilot.ingest.pipeline import ingest as run_ingest
    from copilot.store.chroma import check_project

    with errors(as_json):
        check_project(project)
        options = MappingOptions(
            text_col=text_col or [],
            id_col=id_col,
            customer_col=customer_col,
            date_col=date_col,
            segment_col=segment_col,
            plan_col=plan_col,
            date_format=date_format,
        )
        text = mapping.read_text(encoding="utf-8") if mapping else None
        explicit = mapping_from_options(options, text, mapping or "mapping")
        with progress(not as_json and err.is_terminal) as bar:
            report = run_ingest(open_store(), paths, project, mapping=explicit, kind=kind, progress=bar)
    if as_json:
        emit_json(report)
    else:
        _print_report(report)
    whole_files_failed = any(":" not in s.locator and "[" not in s.locator for s in report.skipped)
    if (strict and report.skipped) or whole_files_failed:
        raise typer.Exit(1)


def _print_report(report: Any) -> None:
    t = Table(title=f"Ingested into project {report.project!r} in {report.seconds:.1f}s", show_header=False)
    for label, value in [
        ("files", len(report.files)),
        ("rows read", report.rows_read),
        ("records added", report.records_added),
        ("records updated", report.records_updated),
        ("records unchanged", report.records_unchanged),
        ("duplicates merged", report.duplicates),
        ("near-duplicates flagged", report.near_duplicates),
        ("blank answers", report.blank_answers),
        ("chunks stored", report.chunks_stored),
        ("PII redacted", ", ".join(f"{k} {v}" for k, v in sorted(report.pii_redacted.items())) or "none"),
        ("rows skipped", len(report.skipped)),
        ("warnings", len(report.warnings)),
    ]:
        t.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    out.print(t)
    for title, items in (("skipped", report.skipped), ("warnings", report.warnings)):
        for s in items[:50]:
            out.print(f"  {title[:-1] if title == 'warnings' else 'skipped'} {s.locator}: {s.reason}", highlight=False)
        if len(items) > 50:
            out.print(f"  ... and {len(items) - 50} more {title} (use --json for all)")


@app.command()
@with_filters
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    project: ProjectOpt,
    filters: SearchFilter,
    k: Annotated[int, typer.Option("-k", "--limit", min=1, max=200, help="How many results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, semantic or keyword.")] = "hybrid",
    diverse: Annotated[bool, typer.Option(help="Prefer results unlike each other (MMR).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Hybrid search (semantic + keyword) over a project, with metadata filters."""
    from copilot.models import SearchResponse
    from copilot.store.search import search as run_search

    with errors(as_json):
        if mode not in ("hybrid", "semantic", "keyword"):
            raise CopilotError(ErrorCode.bad_input, f"--mode must be hybrid, semantic or keyword, not {mode!r}")
        results = run_search(open_store(), project, query, k=k, filters=filters, mode=mode, diverse=diverse)  # type: ignore[arg-type]
    if as_json:
        emit_json(SearchResponse(results=results))
        return
    if not results:
        out.print("No results.")
    for n, r in enumerate(results, 1):
        m = r.metadata
        where = " · ".join(str(m[x]) for x in ("kind", "source", "segment", "plan", "date") if m.get(x))
        out.print(f"[bold]{n}. {r.id}[/bold]  score {r.score:.4f}  [dim]{where}[/dim]", highlight=False)
        snippet = r.text.strip().replace("\n", " ")
        out.print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}", highlight=False)


@app.command()
def stats(project: ProjectOpt, as_json: JsonOpt = False) -> None:
    """Counts of records by source, kind, segment and plan."""
    with errors(as_json):
        result = open_store().stats(project)
    if as_json:
        emit_json(result)
        return
    out.print(
        f"Project {project!r}: {result.records:,} records in {result.chunks:,} chunks ({result.embedding_model})",
        highlight=False,
    )
    for title, counts in (
        ("source", result.by_source),
        ("kind", result.by_kind),
        ("segment", result.by_segment),
        ("plan", result.by_plan),
    ):
        t = Table(title=f"by {title}")
        t.add_column(title)
        t.add_column("records", justify="right")
        for key, n in counts.items():
            t.add_row(key, f"{n:,}")
        out.print(t)


@app.command()
def projects(
    delete: Annotated[str | None, typer.Option(help="Delete this project: its records and its themes.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the projects in the store, or delete one."""
    with errors(as_json):
        store = open_store()
        if delete:
            store.delete_project(delete)
        names = store.projects()
    if as_json:
        emit_json({"projects": names, **({"deleted": delete} if delete else {})})
    elif delete:
        out.print(f"Deleted project {delete!r}.", highlight=False)
    else:
        out.print("\n".join(names) if names else "No projects yet; run `copilot ingest PATH --project NAME`.")


@records_app.command("get")
def records_get(
    record_id: Annotated[str, typer.Argument(help="A record id from search results.")],
    project: ProjectOpt,
    as_json: JsonOpt = False,
) -> None:
    """One record with its full text and metadata."""
    with errors(as_json):
        record = open_store().get_record(project, record_id)
    if as_json:
        emit_json(record)
        return
    out.print(f"[bold]{record.id}[/bold]", highlight=False)
    for key, value in sorted(record.metadata.items()):
        if key not in ("content_hash", "fingerprint"):
            out.print(f"  {key}: {value}", highlight=False)
    out.print()
    out.print(record.text, highlight=False, markup=False)
