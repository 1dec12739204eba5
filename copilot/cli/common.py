"""What every `copilot` command shares: the app, the consoles, the project and JSON options, error handling, and
the filter options, generated from store/filters.py so that every filtering command takes the same filters."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from copilot.errors import CopilotError, ErrorCode
from copilot.store.filters import FILTER_FIELDS, FilterField, SearchFilter

if TYPE_CHECKING:
    from copilot.store.chroma import Store

try:  # typer 0.2x carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer on click itself
    from click.exceptions import ClickException  # type: ignore[assignment]


class CopilotGroup(TyperGroup):
    """Every command's outer edge. With --json, whatever goes wrong (a usage error, a bad COPILOT_* setting, a bug)
    still prints exactly one JSON document; without it, a CopilotError raised outside a command's own handler is
    one line on stderr instead of a traceback."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv:
            try:
                return super().main(argv, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)
            except CopilotError as exc:
                err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
                sys.exit(1)
        code = 0
        try:
            rv = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
            code = rv if isinstance(rv, int) else 0
        except ClickException as exc:
            code = _fail(CopilotError(ErrorCode.usage, exc.format_message()), exc.exit_code)
        except typer.Abort:
            code = 1
        except CopilotError as exc:
            code = _fail(exc, 1)
        except Exception as exc:  # a bug: still one document, and the type and message to report it with
            emit_json({"error_code": ErrorCode.internal.value, "detail": f"{type(exc).__name__}: {exc}"})
            err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}", highlight=False)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


def _fail(exc: CopilotError, code: int) -> int:
    emit_json(exc.to_dict())
    err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
    return code


app = typer.Typer(
    cls=CopilotGroup, no_args_is_help=True, add_completion=False, help="PM Copilot: evidence-backed product drafts."
)
records_app = typer.Typer(no_args_is_help=True, help="Look at single records.")
app.add_typer(records_app, name="records")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

ProjectOpt = Annotated[str, typer.Option("--project", "-p", help="Project (one collection per project).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]
ProviderOpt = Annotated[str | None, typer.Option(help="extractive (default), openai, local, or fake.")]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("pm-copilot")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown"
        sys.stdout.write(f"pm-copilot {number}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """PM Copilot: evidence-backed product drafts."""


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
