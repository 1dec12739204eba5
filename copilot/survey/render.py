"""The survey report as one self-contained HTML file (charts inline, no network needed), Markdown and JSON."""

from __future__ import annotations

from pathlib import Path

import jinja2

from copilot.drafts.render import markdown_text
from copilot.errors import CopilotError, ErrorCode
from copilot.survey import charts
from copilot.survey.schema import SurveyReport

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=jinja2.StrictUndefined
)
METHOD = (
    "responses are embedded offline (wordllama), grouped into themes by graph communities of micro-clusters, "
    "and counted by code; shares have Wilson 95% intervals, trends a Cochran-Armitage test, sentiment VADER"
)


def html(report: SurveyReport) -> str:
    sections = [
        {
            "section": s,
            "reach": charts.reach_chart(s.themes) if s.themes else "",
            "sentiment": charts.sentiment_chart(s.themes) if s.themes else "",
            "trend": charts.trend_chart(s.themes),
            "heatmap": charts.segment_heatmap(s.themes, report.by) if report.by else None,
        }
        for s in report.sections
    ]
    engine = (
        "the extractive engine (no language model)"
        if report.provenance.provider == "extractive"
        else (f"{report.provenance.provider}/{report.provenance.model}, checked against the data")
    )
    return _env.get_template("report.html.j2").render(r=report, sections=sections, engine=engine, method=METHOD)


def markdown(report: SurveyReport) -> str:
    """The report in Markdown. Everything that came from the file or a model goes through markdown_text: a
    viewer must show a customer's '<svg onload=...>' or '![x](https://...)' as text, never run or fetch it."""
    md = markdown_text
    lines = [
        f"# {md(report.title)}",
        "",
        f"{report.records:,} responses from {md(report.source_file)} ({report.rows_read:,} rows read, "
        f"{len(report.skipped)} skipped). Provider: {md(report.provenance.provider)}.",
        "",
        "## Executive summary",
        "",
        md(report.executive_summary.text),
        "",
    ]
    lines += [f"> “{md(c.quote)}” ({c.record_id})" for c in report.executive_summary.citations] + [""]
    for s in report.sections:
        lines += [
            f"## {md(s.question or 'What respondents say')}",
            "",
            f"{s.records:,} responses; {s.unclustered_share * 100:.1f}% fit no theme.",
            "",
            "| # | Theme | Respondents | Share (95% interval) | Trend | Complaints |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {i} | {md(t.title)} | {t.stats.reach:,} | {t.stats.share * 100:.1f}% ({t.stats.share_ci[0] * 100:.1f}–"
            f"{t.stats.share_ci[1] * 100:.1f}%) | {t.stats.trend} | {t.stats.complaint_share * 100:.1f}% |"
            for i, t in enumerate(s.themes, 1)
        ]
        for i, t in enumerate(s.themes, 1):
            lines += ["", f"### {i}. {md(t.title)}", "", md(t.narrative), ""]
            lines += [f"> “{md(c.quote)}” ({c.record_id})" for c in t.quotes]
            if t.by_segment:
                cells = ", ".join(f"{md(c.value)} {c.lift:.1f}×" for c in t.by_segment)
                lines += ["", f"By {md(report.by or '')}: {cells}"]
        lines.append("")
    if report.skipped:
        skipped = [f"- {md(row.locator)}: {md(row.reason)}" for row in report.skipped[:200]]
        lines += ["## Skipped rows", ""] + skipped + [""]
    v = report.verification
    lines += [
        "## Method and provenance",
        "",
        METHOD + ".",
        "",
        f"Provider {md(report.provenance.provider)}/{md(report.provenance.model)}; {report.model_calls} model calls; "
        f"cost ${report.provenance.cost_usd:.4f}. Verification: {v.items_checked} items, {v.quotes_checked} "
        f"quotes, {v.numbers_checked} numbers checked.",
    ]
    lines += [f"- warning: {md(w)}" for w in report.warnings]
    return "\n".join(lines) + "\n"


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
