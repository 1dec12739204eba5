"""The survey report in Markdown: the same content as the HTML report, tables for its charts.

Everything that came from the file or a model goes through markdown_text: a viewer must show a customer's
'<svg onload=...>' or '![x](https://...)' as text, never run or fetch it. The notes and tables of view.py may hold
customer words too, so they are escaped whole.
"""

from __future__ import annotations

from copilot.drafts.render import markdown_text as md
from copilot.survey import view
from copilot.survey.schema import SurveyNps, SurveyReport, SurveySection, SurveyTheme


def markdown(report: SurveyReport) -> str:
    lines = [
        f"# {md(report.title)}",
        "",
        f"{report.records:,} responses from {md(report.source_file)} ({report.rows_read:,} rows read, "
        f"{len(report.skipped)} skipped). Provider: {md(report.provenance.provider)}.",
        "",
    ]
    if report.by_note:
        lines += [md(report.by_note), ""]
    lines += ["## Executive summary", "", md(report.executive_summary.text), ""]
    lines += [f"> “{md(c.quote)}” ({c.record_id})" for c in report.executive_summary.citations] + [""]
    if report.nps:
        lines += _nps(report, report.nps)
    for s in report.sections:
        lines += _section(report, s)
    if report.skipped:
        skipped = [f"- {md(row.locator)}: {md(row.reason)}" for row in report.skipped[:200]]
        lines += ["## Skipped rows", ""] + skipped + [""]
    return "\n".join(lines + _method(report)) + "\n"


def _cell(text: str) -> str:
    """A table cell cannot open a block, so it needs only the inline escapes: a signed number keeps its leading
    '+' or '-' as it is. (A '.' in front stops markdown_text escaping the start, and acts as a non-word character
    before a leading '_', as the start of a line does.)"""
    return md("." + text)[1:]


def _table(table: view.Table) -> list[str]:
    header, rows = table
    return [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
        "",
    ]


def _nps(report: SurveyReport, n: SurveyNps) -> list[str]:
    lines = ["## Net Promoter Score", "", md(view.nps_line(n.summary)), ""]
    if segments := view.nps_segments_line(report, n):
        lines += [md(segments), ""]
    for table in view.nps_segments(report, n):
        lines += _table(table)
    lines += [md(view.drivers_line(n)), ""]
    for line, table in view.driver_tables(report, n):
        lines += ([md(line), ""] if line else []) + _table(table)
    return lines


def _section(report: SurveyReport, s: SurveySection) -> list[str]:
    lines = [
        f"## {md(s.question or 'What respondents say')}",
        "",
        f"{s.records:,} responses; {len(s.themes)} themes shown; {s.unclustered_share * 100:.1f}% of responses "
        f"({s.unclustered:,}) fit no theme.",
        "",
    ]
    for note in (view.low_information(s), view.no_themes(s)):
        if note:
            lines += [md(note), ""]
    if not s.themes:
        return lines
    nps = any(t.stats.nps_impact is not None for t in s.themes)
    header = ["#", "Theme", "Side", "Respondents", "Share (95% interval)", "Trend", "Complaints"]
    rows = [
        [
            str(i),
            t.title,
            t.stats.side,
            f"{t.stats.reach:,}",
            f"{view.pct(t.stats.share)} ({t.stats.share_ci[0] * 100:.1f}–{t.stats.share_ci[1] * 100:.1f}%)",
            t.stats.trend,
            view.pct(t.stats.complaint_share),
        ]
        + ([view.signed(t.stats.nps_impact) if t.stats.nps_impact is not None else "n/a"] if nps else [])
        for i, t in enumerate(s.themes, 1)
    ]
    lines += _table((header + (["NPS impact"] if nps else []), rows))
    if note := view.trend_note(s):
        lines += [md(note), ""]
    elif months := view.month_table(s):
        lines += [md(view.month_line(s)), ""]
        lines += _table(months)
    if report.by and (lifts := view.lift_table(s)):
        lines += [md(view.lift_line(report.by)), ""] + _table(lifts)
    if report.by and (small := view.small_values_line(s, report.by)):
        lines += [md(small), ""]
    for group in view.groups(s):
        lines += [f"### {group.heading}", "", md(group.line), ""]
        for i, t in group.themes:
            lines += _theme(i, t)
    return lines


def _theme(i: int, t: SurveyTheme) -> list[str]:
    lines = [f"#### {i}. {md(t.title)}", "", md(t.narrative), ""]
    if nps := view.theme_nps(t):
        lines += [md(nps) + ".", ""]
    return lines + [f"> “{md(c.quote)}” ({c.record_id})" for c in t.quotes] + [""]


def _method(report: SurveyReport) -> list[str]:
    v = report.verification
    lines = ["## Method and provenance", ""]
    lines += [f"- {name}: {md(text)}." for name, text in view.method(report)]
    lines += [
        "",
        f"Provider {md(report.provenance.provider)}/{md(report.provenance.model)}; {report.model_calls} model calls; "
        f"cost ${report.provenance.cost_usd:.4f}. Verification: {v.items_checked} items, {v.quotes_checked} "
        f"quotes, {v.numbers_checked} numbers checked.",
    ]
    return lines + [f"- warning: {md(w)}" for w in report.warnings]
