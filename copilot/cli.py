"""`copilot`: the command line. Each command parses, calls one function below, and renders the result."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from copilot.errors import CopilotError
from copilot.models import DraftKind, SearchFilter

app = typer.Typer(no_args_is_help=True, add_completion=False, help="PM Copilot: evidence-backed product drafts.")
records_app = typer.Typer(no_args_is_help=True, help="Look at single records.")
app.add_typer(records_app, name="records")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

ProjectOpt = Annotated[str, typer.Option("--project", "-p", help="Project (one collection per project).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]
SourceOpt = Annotated[list[str] | None, typer.Option(help="Only records from this source file.")]
KindOpt = Annotated[list[str] | None, typer.Option(help="Only this kind (survey, ticket, review, ...).")]
SegmentOpt = Annotated[list[str] | None, typer.Option(help="Only this segment.")]
PlanOpt = Annotated[list[str] | None, typer.Option(help="Only this plan.")]
RoleOpt = Annotated[list[str] | None, typer.Option(help="Only this role.")]
SinceOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From this date.")]
UntilOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Up to this date.")]


def _filters(
    source: list[str] | None = None,
    kind: list[str] | None = None,
    segment: list[str] | None = None,
    plan: list[str] | None = None,
    role: list[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    feedback_only: bool = False,
) -> SearchFilter:
    return SearchFilter(
        source=source,
        kind=kind,
        segment=segment,
        plan=plan,
        role=role,
        date_from=since.date() if since else None,
        date_to=until.date() if until else None,
        feedback_only=feedback_only,
    )


def _emit_json(model: BaseModel | dict[str, Any]) -> None:
    text = model.model_dump_json(indent=2) if isinstance(model, BaseModel) else json.dumps(model, indent=2, default=str)
    sys.stdout.write(text + "\n")


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    try:
        yield
    except CopilotError as exc:
        if as_json:
            _emit_json(exc.to_dict())
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(1) from None


def _store():  # noqa: ANN202
    from copilot.store import open_store

    return open_store()


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(name: str, rows: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=None)
            bar.update(tasks[name], completed=rows)

        yield update


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
    mapping: Annotated[Path | None, typer.Option(help="YAML column mapping (see README).")] = None,
    kind: Annotated[
        str | None, typer.Option(help="survey, ticket, review, nps, interview, note, feedback, research")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any row or file was skipped.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read feedback and research files into a project: parse, map columns, redact PII, dedupe, embed, store."""
    from copilot.ingest.mapping import ColumnMapping, load_mapping
    from copilot.ingest.pipeline import ingest as run_ingest
    from copilot.store.chroma import check_project

    with _errors(as_json):
        check_project(project)
        explicit = load_mapping(mapping) if mapping else ColumnMapping()
        flags = {"id": id_col, "customer_id": customer_col, "date": date_col, "segment": segment_col, "plan": plan_col}
        for role, col in flags.items():
            if col:
                setattr(explicit, role, col)
        if text_col:
            explicit.text = list(text_col)
        with _progress(not as_json and err.is_terminal) as progress:
            report = run_ingest(_store(), paths, project, mapping=explicit, kind=kind, progress=progress)
    if as_json:
        _emit_json(report)
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
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    project: ProjectOpt,
    k: Annotated[int, typer.Option("-k", "--limit", min=1, max=200, help="How many results.")] = 10,
    source: SourceOpt = None,
    kind: KindOpt = None,
    segment: SegmentOpt = None,
    plan: PlanOpt = None,
    role: RoleOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    feedback_only: Annotated[bool, typer.Option(help="Leave out market research.")] = False,
    mode: Annotated[str, typer.Option(help="hybrid, semantic or keyword.")] = "hybrid",
    diverse: Annotated[bool, typer.Option(help="Prefer results unlike each other (MMR).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Hybrid search (semantic + keyword) over a project, with metadata filters."""
    from copilot.models import SearchResponse
    from copilot.store.search import search as run_search

    with _errors(as_json):
        if mode not in ("hybrid", "semantic", "keyword"):
            raise CopilotError("bad_input", f"--mode must be hybrid, semantic or keyword, not {mode!r}")
        filters = _filters(source, kind, segment, plan, role, since, until, feedback_only)
        results = run_search(_store(), project, query, k=k, filters=filters, mode=mode, diverse=diverse)  # type: ignore[arg-type]
    if as_json:
        _emit_json(SearchResponse(results=results))
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
def themes(
    project: ProjectOpt,
    source: SourceOpt = None,
    kind: KindOpt = None,
    segment: SegmentOpt = None,
    plan: PlanOpt = None,
    role: RoleOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    rediscover: Annotated[bool, typer.Option(help="Rebuild the themes from all current feedback.")] = False,
    taxonomy: Annotated[Path | None, typer.Option(help="Apply a taxonomy file (labels, merges, splits).")] = None,
    save: Annotated[Path | None, typer.Option(help="Write the themes as an editable taxonomy YAML file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """What customers talk about: themes with mentions, reach, share, segments, trend, sentiment and quotes."""
    from copilot.analysis.taxonomy import Taxonomy, dump
    from copilot.analysis.themes import analyze

    with _errors(as_json):
        filters = _filters(source, kind, segment, plan, role, since, until)
        tax = Taxonomy.load(taxonomy) if taxonomy else None
        report = analyze(_store(), project, filters=filters, rediscover=rediscover, taxonomy=tax)
        if save:
            dump(report, save)
    if as_json:
        _emit_json(report)
        return
    from copilot.analysis.render import print_themes

    print_themes(out, report)
    for w in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    if save:
        out.print(f"Taxonomy written to {save}; edit it and apply it with --taxonomy {save}", highlight=False)


@app.command()
def draft(
    kind: Annotated[DraftKind, typer.Argument(help="Which document to draft.")],
    project: ProjectOpt,
    segment: SegmentOpt = None,
    plan: PlanOpt = None,
    topic: Annotated[
        str | None, typer.Option(help="For a PRD: what it is about (default: the top pain point).")
    ] = None,
    provider: Annotated[str | None, typer.Option(help="extractive (default), openai, local, or fake.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write FILE.md, FILE.json, or (PRD) FILE.csv.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a document from the evidence, verified before it is shown: every quote and number is checked."""
    from copilot.config import get_settings
    from copilot.drafts import prd
    from copilot.drafts.build import build_draft, draft_markdown
    from copilot.llm.registry import get_model

    with _errors(as_json):
        model = get_model(get_settings(), provider)
        filters = SearchFilter(segment=segment, plan=plan)
        result: Any = build_draft(_store(), project, kind, model, topic=topic, filters=filters)
        markdown = draft_markdown(result)
        if out_file:
            suffix = out_file.suffix.lower()
            if suffix == ".csv" and kind is not DraftKind.prd:
                raise CopilotError("bad_input", "--out FILE.csv is for PRD user stories (Jira and Linear import)")
            text = (
                result.model_dump_json(indent=2)
                if suffix == ".json"
                else prd.stories_csv(result)
                if suffix == ".csv"
                else markdown
            )
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(text, encoding="utf-8")
    if as_json:
        _emit_json(result)
    elif out_file:
        v = result.verification
        out.print(
            f"Wrote {out_file} ({v.items_checked - v.items_dropped} items; {v.quotes_checked} quotes and "
            f"{v.numbers_checked} numbers verified, {v.items_dropped} items dropped)",
            highlight=False,
        )
    else:
        out.print(markdown, highlight=False, markup=False)


@app.command()
def stats(project: ProjectOpt, as_json: JsonOpt = False) -> None:
    """Counts of records by source, kind, segment and plan."""
    with _errors(as_json):
        result = _store().stats(project)
    if as_json:
        _emit_json(result)
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
    with _errors(as_json):
        store = _store()
        if delete:
            store.delete_project(delete)
        names = store.projects()
    if as_json:
        _emit_json({"projects": names, **({"deleted": delete} if delete else {})})
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
    with _errors(as_json):
        record = _store().get_record(project, record_id)
    if as_json:
        _emit_json(record)
        return
    out.print(f"[bold]{record.id}[/bold]", highlight=False)
    for key, value in sorted(record.metadata.items()):
        if key not in ("content_hash", "fingerprint"):
            out.print(f"  {key}: {value}", highlight=False)
    out.print()
    out.print(record.text, highlight=False, markup=False)


if __name__ == "__main__":
    app()


from copilot import cli_services  # noqa: E402,F401 - registers serve, eval and summarize
