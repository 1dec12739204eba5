"""Analysis commands: themes (discovered explicitly, then read) and drafts (generated from the kinds registry)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from copilot.cli.common import (
    JsonOpt,
    ProjectOpt,
    ProviderOpt,
    app,
    emit_json,
    err,
    errors,
    open_store,
    out,
    spinner,
    with_filters,
)
from copilot.errors import CopilotError, ErrorCode
from copilot.store.filters import SearchFilter


@app.command()
@with_filters
def themes(
    project: ProjectOpt,
    filters: SearchFilter,
    rediscover: Annotated[bool, typer.Option(help="Rebuild the themes from all current feedback.")] = False,
    taxonomy: Annotated[Path | None, typer.Option(help="Apply a taxonomy file (labels, merges, splits).")] = None,
    save: Annotated[Path | None, typer.Option(help="Write the themes as an editable taxonomy YAML file.")] = None,
    provider: Annotated[
        str | None, typer.Option(help="When discovering: a model (openai, local) names the themes, checked.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What customers talk about: themes with mentions, reach, share, segments, trend, sentiment and quotes.
    Discovers the themes first when the project has none (or with --rediscover), and says so."""
    from copilot.analysis.taxonomy import Taxonomy, dump
    from copilot.analysis.themes import analyze, discover_themes, has_themes

    with errors(as_json):
        store = open_store()
        store.require(project)
        tax = Taxonomy.load(taxonomy) if taxonomy else None
        if rediscover or not has_themes(store, project):
            why = "rediscovering themes" if rediscover else "no themes yet: discovering them"
            namer = None
            if provider:
                from copilot.config import get_settings
                from copilot.llm.registry import get_model

                namer = get_model(get_settings(), provider)
            with spinner(err.is_terminal, f"{why} in {project!r} ..."):
                model = discover_themes(store, project, namer=namer)
            for note in model.naming_notes:
                err.print(f"[yellow]name refused:[/yellow] {note}", highlight=False)
            err.print(
                f"{why[0].upper() + why[1:]}: found {len(model.topics)} topics in "
                f"{model.discovered.get('records', 0):,} feedback records; saved with the project "
                "(new records join them; --rediscover rebuilds them).",
                highlight=False,
            )
        report = analyze(store, project, filters=filters, taxonomy=tax)
        if save:
            dump(report, save)
    if as_json:
        emit_json(report)
        return
    from copilot.analysis.render import print_themes

    print_themes(out, report)
    for w in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    if save:
        out.print(f"Taxonomy written to {save}; edit it and apply it with --taxonomy {save}", highlight=False)


class DraftCommand(TyperCommand):
    """Lists the registered draft kinds in the help, loading them only when help is shown."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from copilot.drafts import registry

        lines = [f"{k.name}: {k.summary}" for k in registry.kinds()]
        self.epilog = "Kinds: " + " \u2022 ".join(lines)
        super().format_help(ctx, formatter)


@app.command(cls=DraftCommand)
@with_filters
def draft(
    document: Annotated[str, typer.Argument(metavar="KIND", help="Which document to draft (kinds listed below).")],
    project: ProjectOpt,
    filters: SearchFilter,
    topic: Annotated[str | None, typer.Option(help="What the draft is about (kinds that take a topic).")] = None,
    by: Annotated[str | None, typer.Option(help="A column to group respondents by (kinds that take one).")] = None,
    provider: ProviderOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write FILE.md, FILE.json, or a kind's export.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a document from the evidence, verified before it is shown: every quote and number is checked."""
    from copilot.config import get_settings
    from copilot.drafts.build import draft_document, inputs_for
    from copilot.drafts.registry import get
    from copilot.llm.registry import get_model

    with errors(as_json):
        spec = get(document)
        inputs = inputs_for(spec, topic=topic, by=by)
        model = get_model(get_settings(), provider)
        with spinner(err.is_terminal and not as_json, f"drafting {spec.title} from {project!r} ..."):
            result: Any = draft_document(open_store(), project, spec.name, model, filters=filters, inputs=inputs)
        markdown = spec.markdown(result)
        if out_file:
            _write(out_file, spec, result, markdown)
    if as_json:
        emit_json(result)
    elif out_file:
        v = result.verification
        out.print(
            f"Wrote {out_file} ({v.items_checked - v.items_dropped} items; {v.quotes_checked} quotes and "
            f"{v.numbers_checked} numbers verified, {v.items_dropped} items dropped)",
            highlight=False,
        )
    else:
        out.print(markdown, highlight=False, markup=False)


def _write(path: Path, spec: Any, doc: Any, markdown: str) -> None:
    suffix = path.suffix.lower()
    writers = {".md": lambda d: markdown, ".json": lambda d: d.model_dump_json(indent=2), **spec.exports}
    if suffix not in writers:
        raise CopilotError(
            ErrorCode.bad_input, f"--out {path}: a {spec.name} is written as {', '.join(sorted(writers))}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(writers[suffix](doc), encoding="utf-8")


@app.command()
@with_filters
def export(
    project: ProjectOpt,
    filters: SearchFilter,
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or jsonl.")] = "csv",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The file to write (default: standard output).")
    ] = None,
    themes_table: Annotated[bool, typer.Option("--themes", help="The themes and subthemes table instead.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every feedback record with its themes, polarity and metadata (or, with --themes, the themes table)."""
    from copilot.analysis.export import export as run_export

    with errors(as_json):
        if fmt == "xlsx" and out_file is None:
            raise CopilotError(ErrorCode.bad_input, "--format xlsx needs --out FILE.xlsx")
        data = run_export(open_store(), project, fmt, themes=themes_table, filters=filters)
        if out_file is not None:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_bytes(data)
    if out_file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    elif as_json:
        emit_json({"written": str(out_file), "bytes": len(data), "format": fmt})
    else:
        err.print(f"Wrote {out_file} ({len(data):,} bytes)", highlight=False)
