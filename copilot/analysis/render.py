"""Themes as a readable terminal table (the JSON form is the report model itself)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from copilot.analysis.schema import ThemePublic, ThemesReport

_ARROWS = {"growing": "↑ growing", "fading": "↓ fading", "stable": "→ stable", "unknown": "? unknown"}
_SIDES = {"pain": "complaints & requests", "praise": "praise", "neutral": "mentions"}
_COLUMNS = (
    ("theme", "left"),
    ("side", "left"),
    ("mentions", "right"),
    ("reach", "right"),
    ("share (95% CI)", "right"),
    ("trend", "left"),
    ("over-indexes", "left"),
    ("detractors", "right"),
    ("MRR at stake", "right"),
)


def _top_lift(theme: ThemePublic) -> str:
    best = None
    for column in ("segment", "plan", "role", "company_size"):
        for row in theme.segments.get(column, []):
            if row.mentions >= 10 and row.lift >= 1.2 and (best is None or row.lift > best.lift):
                best = row
    return f"{best.value} ×{best.lift:.1f}" if best else ""


def _row(t: ThemePublic) -> list[str]:
    flag = " [yellow](unstable)[/yellow]" if t.unstable else ""
    return [
        f"[bold]{escape(t.label)}[/bold]{flag}",
        _SIDES[t.side],
        f"{t.mentions:,}",
        f"{t.reach:,}",
        f"{t.share:.1%} ({t.share_ci[0]:.1%}–{t.share_ci[1]:.1%})",
        _ARROWS[t.trend.direction],
        _top_lift(t),
        f"{t.nps.share_of_detractors:.0%} of all" if t.nps else "",
        f"${t.revenue.mrr_at_stake:,.0f}" if t.revenue.customers_with_mrr else "",
    ]


def print_themes(console: Console, report: ThemesReport) -> None:
    table = Table(title=f"Themes in {report.project!r}: {report.records:,} feedback records")
    for col, justify in _COLUMNS:
        table.add_column(col, justify=justify, no_wrap=col != "theme", max_width=40 if col == "theme" else None)  # type: ignore[arg-type]
    for t in report.themes:
        table.add_row(*_row(t))
    for name, bucket in (("unclustered", report.unclustered), ("no information", report.low_information)):
        table.add_row(f"[italic]{name}[/italic]", "", f"{bucket.mentions:,}", "", f"{bucket.share:.1%}", "", "", "", "")
    console.print(table)
    if report.nps is not None:
        n = report.nps
        console.print(
            f"NPS {n.nps:+.0f} (95% CI {n.nps_ci[0]:+.0f} to {n.nps_ci[1]:+.0f}) over {n.respondents:,} respondents",
            highlight=False,
        )
        for d in report.drivers[:5]:
            console.print(
                f"  drives detraction: {escape(d.label)}: {d.share_of_detractors:.0%} of detractors, "
                f"impact {d.impact:+.1f} points",
                highlight=False,
            )
    for t in report.themes[:5]:
        console.print(f"[bold]{escape(t.label)}[/bold] ({_SIDES[t.side]})", highlight=False)
        for q in t.quotes[:3]:
            console.print(f"  “{escape(' '.join(q.text.split()))}” [dim]({q.record_id})[/dim]", highlight=False)
    console.print(
        f"[dim]trend: {report.method.get('trend_test')}; share: {report.method.get('share_interval')}[/dim]",
        highlight=False,
    )
