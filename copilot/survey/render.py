"""The survey report as one self-contained HTML file (charts inline, no network needed), Markdown and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from copilot.errors import CopilotError, ErrorCode
from copilot.survey import charts, view
from copilot.survey.markdown import markdown
from copilot.survey.schema import SurveyReport, SurveySection

__all__ = ["html", "markdown", "write"]

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=jinja2.StrictUndefined
)


def _section(report: SurveyReport, s: SurveySection) -> dict[str, Any]:
    """A question's charts and notes; a chart that cannot be drawn is None and its slot stays empty."""
    themes = bool(s.themes)
    return {
        "section": s,
        "groups": view.groups(s),
        "notes": [n for n in (view.low_information(s), view.no_themes(s)) if n],
        "reach": charts.reach_chart(s.themes) if themes else None,
        "sentiment": charts.sentiment_chart(s.themes) if themes else None,
        "trend": charts.trend_chart(view.trend_themes(s)) if themes else None,
        "trend_note": view.trend_note(s),
        "heatmap": charts.segment_heatmap(s.themes, report.by) if report.by and themes else None,
    }


def html(report: SurveyReport) -> str:
    engine = (
        "the extractive engine (no language model)"
        if report.provenance.provider == "extractive"
        else (f"{report.provenance.provider}/{report.provenance.model}, checked against the data")
    )
    return _env.get_template("report.html.j2").render(
        r=report,
        sections=[_section(report, s) for s in report.sections],
        engine=engine,
        view=view,
        method=view.method(report),
    )


def write(report: SurveyReport, out: Path) -> list[Path]:
    """The report in the format `out` names, plus the other two beside it: report.html, report.md, report.json."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".md", ".json"):
        raise CopilotError(ErrorCode.bad_input, f"--out {out}: write .html, .md or .json")
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = {".html": out.with_suffix(".html"), ".md": out.with_suffix(".md"), ".json": out.with_suffix(".json")}
    paths[".html"].write_text(html(report), encoding="utf-8")
    paths[".md"].write_text(markdown(report), encoding="utf-8")
    paths[".json"].write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return [paths[suffix]] + [p for k, p in paths.items() if k != suffix]
