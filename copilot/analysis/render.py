"""Themes as a readable terminal table (the JSON form is the report model itself)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from copilot.analysis.schema import ThemePublic, ThemesReport

_ARROWS = {"growing": "↑ growing", "fading": "↓ fading", "stable": "→ stable", "unknown": "? unknown"}


def _top_lift(theme: ThemePublic) -> str:
    best = None
    for column in ("segment", "plan", "role", "company_size"):
        for row in theme.segments.get(column, []):
            if row.mentions >= 10 and row.lift >= 1.2 and (best is None or row.lift > best.lift):
                best = row
    return f"{best.value} ×{best.lift:.1f}" if best else ""


def print_themes(console: Console, report: ThemesReport) -> None:
    table = Table(title=f"Themes in {report.project!r}: {report.records:,} feedback records")
    for col, justify in (
        ("theme", "left"),
        ("mentions", "right"),
        ("reach", "right"),
        ("share (95% CI)", "right"),
        ("trend", "left"),
        ("negative", "right"),
        ("over-indexes", "left"),
        ("MRR at stake", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=col != "theme", max_width=36 if col == "theme" else None)  # type: ignore[arg-type]
    for t in report.themes:
        table.add_row(
            f"[bold]{escape(t.label)}[/bold]",
            f"{t.mentions:,}",
            f"{t.reach:,}",
            f"{t.share:.1%} ({t.share_ci[0]:.1%}–{t.share_ci[1]:.1%})",
            _ARROWS[t.trend.direction],
            f"{t.sentiment.negative_share:.0%}",
            _top_lift(t),
            f"${t.revenue.mrr_at_stake:,.0f}" if t.revenue.customers_with_mrr else "",
        )
    u = report.unclustered
    table.add_row("[italic]unclustered[/italic]", f"{u.mentions:,}", "", f"{u.share:.1%}", "", "", "", "")
    console.print(table)
    for t in report.themes[:5]:
        console.print(f"[bold]{escape(t.label)}[/bold]", highlight=False)
        for q in t.quotes[:3]:
            console.print(f"  “{escape(' '.join(q.text.split()))}” [dim]({q.record_id})[/dim]", highlight=False)
    console.print(
        f"[dim]trend: {report.method.get('trend_test')}; share: {report.method.get('share_interval')}[/dim]",
        highlight=False,
    )
