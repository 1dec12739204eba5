"""What every `copilot` command shares: the app, the consoles, the project and JSON options, error handling, and
the filter options, generated from store/filters.py so that every filtering command takes the same filters."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from copilot.errors import CopilotError, ErrorCode
from copilot.store.filters import FILTER_FIELDS, FilterField, SearchFilter

if TYPE_CHECKING:
    from copilot.store.chroma import Store

app = typer.Typer(no_args_is_help=True, add_completion=False, help="PM Copilot: evidence-backed product drafts.")
records_app = typer.Typer(no_args_is_help=True, help="Look at single records.")
app.add_typer(records_app, name="records")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

ProjectOpt = Annotated[str, typer.Option("--project", "-p", help="Project (one collection per project).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]
ProviderOpt = Annotated[str | None, typer.Option(help="extractive (default), openai, local, or fake.")]


def emit_json(model: BaseModel | dict[str, Any]) -> None:
    text = model.model_dump_json(indent=2) if isinstance(model, BaseModel) else json.dumps(model, indent=2, default=str)
    sys.stdout.write(text + "\n")


@contextmanager
def errors(as_json: bool) -> Iterator[None]:
    """A CopilotError becomes its message on stderr (and the error document with --json) and exit code 1."""
    try:
        yield
    except CopilotError as exc:
        if as_json:
            emit_json(exc.to_dict())
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(1) from None


def open_store() -> Store:
    from copilot.store import open_store as _open

    return _open()


@contextmanager
def progress(enabled: bool, unit: str = "rows") -> Iterator[Callable[[str, int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} " + unit),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(name: str, n: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=None)
            bar.update(tasks[name], completed=n)

        yield update


@contextmanager
def spinner(enabled: bool, what: str) -> Iterator[None]:
    """A spinner on stderr for a long step, when a person is watching."""
    if not enabled:
        yield
        return
    with err.status(what, spinner="dots"):
        yield


def _annotation(f: FilterField) -> tuple[Any, Any]:
    if f.kind == "date":
        return Annotated[dt.datetime | None, typer.Option(f.option, formats=["%Y-%m-%d"], help=f.help)], None
    if f.kind == "flag":
        return Annotated[bool, typer.Option(f.option, help=f.help)], False
    return Annotated[list[str] | None, typer.Option(f.option, help=f.help)], None


def make_filter(values: dict[str, Any]) -> SearchFilter:
    """A SearchFilter from option values; a bad value (an unknown NPS band) names the option."""
    clean = {k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in values.items()}
    try:
        return SearchFilter(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-")
        raise CopilotError(ErrorCode.bad_filter, f"{option}: {first['msg']}") from exc


def with_filters(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command every filter option; the command receives them as one `filters: SearchFilter`."""
    sig = inspect.signature(fn, eval_str=True)
    kept = [p for p in sig.parameters.values() if p.name != "filters"]
    added = [
        inspect.Parameter(f.field, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for f in FILTER_FIELDS
        for annotation, default in [_annotation(f)]
    ]

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> Any:
        values = {f.field: kwargs.pop(f.field, None) for f in FILTER_FIELDS}
        as_json = bool(kwargs.get("as_json"))
        with errors(as_json):
            kwargs["filters"] = make_filter(values)
        return fn(*args, **kwargs)

    command.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
    return command
