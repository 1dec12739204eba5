"""Commands that run services and long jobs: eval, serve, survey-report and slack."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from copilot.cli.common import JsonOpt, ProviderOpt, app, emit_json, err, errors, out
from copilot.errors import CopilotError, ErrorCode


@app.command("eval")
def eval_(
    suite: Annotated[list[str] | None, typer.Option(help="all (default), retrieval, themes, drafts, safety.")] = None,
    provider: Annotated[str, typer.Option(help="Providers to draft with, comma-separated.")] = "extractive",
    baseline: Annotated[Path | None, typer.Option(help="An earlier eval-report.json: show the change.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where eval-report.md and .json go.")] = Path("eval-out"),
    thresholds: Annotated[Path | None, typer.Option(help="Bars (default: evals/thresholds.yaml).")] = None,
    feedback: Annotated[
        str | None, typer.Option(help="Also score retrieval on this project's Slack answers rated helpful.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure retrieval, themes, drafts and safety on the sample corpus; exit 1 when a metric is below its bar."""
    from copilot.config import get_settings
    from copilot.evals.runner import SUITES, run, write

    with errors(as_json):
        wanted = [s for s in (suite or ["all"]) for s in (SUITES if s == "all" else [s])]
        unknown = sorted(set(wanted) - set(SUITES))
        if unknown:
            raise CopilotError(ErrorCode.bad_input, f"unknown suite {unknown[0]!r}; choose all, {', '.join(SUITES)}")
        settings = get_settings()
        eval_settings = settings.model_copy(update={"data_dir": settings.data_dir / "eval"})
        providers = [p.strip() for p in provider.split(",") if p.strip()]
        report = run(
            eval_settings,
            suites=wanted,
            providers=providers,
            baseline=baseline,
            thresholds=thresholds,
            feedback=(settings, feedback) if feedback else None,
        )
        md, js = write(report, out_dir)
    if as_json:
        emit_json(report)
    else:
        table = Table("metric", "provider", "value", "bar", "status")
        for m in report.metrics:
            table.add_row(m.name, m.provider, "–" if m.value is None else f"{m.value:.4g}", str(m.bar or "–"), m.status)
        out.print(table)
        out.print(f"Report: {md} and {js}", highlight=False)
    for line in report.failures:
        err.print(f"[red]below the bar:[/red] {escape(line)}", highlight=False)
    if report.failures:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processes; more than one needs a Chroma server.")] = 1,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from copilot.config import get_settings

    with errors(False):
        settings = get_settings()
        if host not in ("127.0.0.1", "localhost", "::1") and not settings.api_key_list:
            raise CopilotError(
                ErrorCode.config, f"listening on {host} needs COPILOT_API_KEYS (comma-separated bearer tokens)"
            )
        if workers > 1 and not settings.chroma_url:
            raise CopilotError(
                ErrorCode.config,
                "several workers need a Chroma server (COPILOT_CHROMA_URL): the embedded store is one process's",
            )
    uvicorn.run(
        "copilot.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )


class _Bars:
    """Progress bars with ETA for each stage, on stderr; and the cost confirmation."""

    def __init__(self, progress: Progress, assume_yes: bool) -> None:
        self.progress, self.assume_yes = progress, assume_yes
        self.tasks: dict[str, Any] = {}

    def stage(self, name: str, total: int | None) -> None:
        self.tasks[name] = self.progress.add_task(name, total=total)

    def advance(self, name: str, completed: int) -> None:
        self.progress.update(self.tasks[name], completed=completed)

    def confirm(self, estimate: Any) -> bool:
        err.print(f"Before any model call: {estimate.describe()}.", highlight=False)
        if self.assume_yes:
            return True
        if not sys.stdin.isatty():
            err.print("Not a terminal, so not asking: pass --yes to go ahead.", highlight=False)
            return False
        self.progress.stop()
        answer = typer.confirm("Go ahead?", default=False, err=True)
        self.progress.start()
        return answer


def survey_report(
    file: Annotated[
        Path, typer.Argument(help="A survey dump: CSV (SurveyMonkey, Typeform, Google Forms, Qualtrics) or XLSX.")
    ],
    project: Annotated[
        str | None,
        typer.Option(help="Keep the responses in this project (default: one of its own, named after the file)."),
    ] = None,
    text_col: Annotated[
        list[str] | None, typer.Option("--text-col", help="An open-ended question column (repeat for several).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Compare themes across this column (a heatmap).")] = None,
    out_file: Annotated[Path, typer.Option("--out", help="report.html, .md or .json (all three are written).")] = Path(
        "report.html"
    ),
    provider: ProviderOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Make paid model calls without asking.")] = False,
    max_cost: Annotated[float | None, typer.Option(help="Stop before spending more than this (USD).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run of the same file.")] = False,
    concurrency: Annotated[int | None, typer.Option(min=1, max=16, help="Model calls at once.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A survey report from a survey dump, one a PM can forward: themes, statistics, charts and verbatim quotes."""
    from copilot.config import get_settings
    from copilot.survey.pipeline import Options
    from copilot.survey.pipeline import survey_report as run
    from copilot.survey.render import write

    opts = Options(
        file=file,
        project=project,
        text_cols=text_col or [],
        by=by,
        provider=provider,
        max_cost=max_cost,
        resume=resume,
        concurrency=concurrency,
    )
    columns = (
        TextColumn("{task.description:>10}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(elapsed_when_finished=True),
    )
    with errors(as_json), Progress(*columns, console=err, transient=True, disable=as_json) as progress:
        report = run(get_settings(), opts, _Bars(progress, yes))
        paths = write(report, out_file)
    if as_json:
        emit_json(report)
        return
    themes = sum(len(s.themes) for s in report.sections)
    out.print(
        f"{report.records:,} responses, {len(report.sections)} question(s), {themes} themes; "
        f"{len(report.skipped)} rows skipped; {report.model_calls} model calls "
        f"(${report.provenance.cost_usd:.4f}); {report.seconds} s.",
        highlight=False,
    )
    for row in report.skipped[:10]:
        err.print(f"[yellow]skipped[/yellow] {escape(row.locator)}: {escape(row.reason)}", highlight=False)
    out.print("Report: " + ", ".join(str(p) for p in paths), highlight=False)


app.command("survey-report")(survey_report)
app.command("summarize", hidden=True, help="Old name of survey-report.")(survey_report)


@app.command()
def slack() -> None:
    """Run the Slack bot over Socket Mode (COPILOT_SLACK_APP_TOKEN and COPILOT_SLACK_BOT_TOKEN); without an app
    token, mount it in `copilot serve` through the Events API instead (COPILOT_SLACK_SIGNING_SECRET)."""
    from copilot.config import get_settings

    with errors(False):
        settings = get_settings()
        if not (settings.slack_app_token and settings.slack_bot_token):
            raise CopilotError(
                ErrorCode.config,
                "Socket Mode needs COPILOT_SLACK_APP_TOKEN (xapp-…) and COPILOT_SLACK_BOT_TOKEN (xoxb-…); for the "
                "Events API set COPILOT_SLACK_SIGNING_SECRET and run `copilot serve` (it serves /slack/events)",
            )
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from copilot.slack.bot import Bot
        from copilot.store import open_store

        bot = Bot(settings, open_store(settings))
        out.print("PM Copilot is listening on Slack (Socket Mode). Ctrl-C stops it.")
        SocketModeHandler(bot.app, settings.slack_app_token.get_secret_value()).start()
