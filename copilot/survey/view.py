"""What the HTML and the Markdown report both show beyond the model's own fields, worded once: themes grouped by
side, the one-line notes that say what evidence is missing, the month, lift and NPS tables, and the method.

Every string here is plain text that may hold customer words (a segment value, an example answer, the --by
column's name): each renderer escapes it whole, Jinja in HTML and markdown_text in Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass

from copilot.analysis import lowinfo, stats
from copilot.analysis import nps as nps_rules
from copilot.analysis.schema import NpsSegment, NpsSummary
from copilot.survey import charts, figures
from copilot.survey.schema import SurveyNps, SurveyReport, SurveySection, SurveyTheme

METHOD = (
    "responses are embedded offline (wordllama), grouped into themes by graph communities of micro-clusters, "
    "and counted by code; shares have Wilson 95% intervals, trends a Cochran-Armitage test, sentiment VADER"
)
SPARSE = (
    "a month with fewer responses than the larger of 10 and a fifth of the median month's, or with none, is too "
    "few for a share: the chart greys it out and does not plot it, and the month table says so"
)
TREND_THEMES = 5
SMALL_VALUES = 8  # named one by one in the line on values too small to compare; the rest are counted
_GROUPS = {
    "pain": ("Pain points", "complaints and requests"),
    "praise": ("Praise", "what respondents value"),
    "neutral": ("Neither pain nor praise", "neutral mentions, neither complaint, request nor praise"),
}

Table = tuple[list[str], list[list[str]]]  # a header and its rows, as plain text


@dataclass(frozen=True)
class Group:
    side: str
    heading: str
    line: str
    themes: list[tuple[int, SurveyTheme]]  # numbered as in the section's table


def signed(x: float) -> str:
    return f"{x:+.1f}"


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def groups(section: SurveySection) -> list[Group]:
    numbered = list(enumerate(section.themes, 1))
    out = []
    for side, (heading, what) in _GROUPS.items():
        mine = [(i, t) for i, t in numbered if t.stats.side == side]
        if mine:
            count = f"{len(mine)} theme{'s' if len(mine) > 1 else ''}"
            out.append(Group(side, heading, f"{count}: {what}.", mine))
    return out


def no_themes(section: SurveySection) -> str | None:
    if section.themes:
        return None
    return f"No themes: too few of the {section.records:,} responses share a topic to make one."


def low_information(section: SurveySection) -> str | None:
    if not section.low_information:
        return None
    examples = " or ".join(f"“{e}”" for e in section.low_information_examples[:2])
    such = f" (such as {examples})" if examples else ""
    return (
        f"{section.low_information:,} responses ({pct(section.low_information_share)}) say too little to place "
        f"in a theme{such}; they are not counted as a theme."
    )


def trend_themes(section: SurveySection) -> list[SurveyTheme]:
    """The largest themes by reach, whatever their side: the ones whose trend a PM asks about first."""
    return sorted(section.themes, key=lambda t: -t.stats.reach)[:TREND_THEMES]


def trend_note(section: SurveySection) -> str | None:
    """Why the section has no trend chart, in one line; None when it has one (or has no themes at all)."""
    shown = trend_themes(section)
    if not shown:
        return None
    months = {m.month for t in shown for m in t.monthly}
    if not months:
        return "No trend: the responses carry no dates."
    readable = charts.readable_months(shown)
    if readable >= 2:
        return None
    have = "has" if readable == 1 else "have"
    return (
        f"No trend: only {readable} of {len(months)} months {have} {charts.sparse_floor(shown)} or more "
        "responses, too few to draw one."
    )


def trend_caption(section: SurveySection) -> str:
    shown = trend_themes(section)
    caption = "Share of each month's responses for the largest themes."
    if len(charts.calendar(shown)) > charts.readable_months(shown):  # a sparse month, or one nobody answered in
        caption += (
            f" Grey months had fewer than {charts.sparse_floor(shown)} responses, too few for a share: they are not "
            "plotted."
        )
    return caption


def month_line(section: SurveySection) -> str:
    floor = charts.sparse_floor(trend_themes(section))
    return (
        f"Share of each month's responses, for the largest themes; a month with fewer than {floor} responses is "
        "too few for a share."
    )


def month_table(section: SurveySection) -> Table | None:
    """Each month's share for the trend themes; a run of sparse months is one row that says so."""
    shown = trend_themes(section)
    if not shown or trend_note(section):
        return None
    floor = charts.sparse_floor(shown)
    point = {m.month: m for t in shown for m in t.monthly}
    share = {(t.id, m.month): m.share for t in shown for m in t.monthly}
    rows: list[list[str]] = []
    run: list[tuple[str, int]] = []

    def close_run() -> None:
        if run:
            label = run[0][0] if len(run) == 1 else f"{run[0][0]} to {run[-1][0]} ({len(run)} months)"
            total = f"{run[0][1]:,}" if len(run) == 1 else f"{sum(n for _, n in run):,} in all"
            rows.append([label, total] + [f"too few (under {floor})"] * len(shown))
            run.clear()

    for month in charts.calendar(shown):
        n = point[month].records if month in point else 0
        if month not in point or point[month].sparse:
            run.append((month, n))
            continue
        close_run()
        rows.append([month, f"{n:,}"] + [pct(share.get((t.id, month), 0.0)) for t in shown])
    close_run()
    return ["Month", "Responses", *(t.title for t in shown)], rows


def lift_table(section: SurveySection) -> Table | None:
    values = charts.segment_values(section.themes)
    if not values:
        return None
    rows = []
    for t in section.themes:
        cells = {c.value: c for c in t.by_segment}
        rows.append(
            [t.title]
            + [
                "" if v not in cells else f"{cells[v].lift:.1f}×" + ("" if cells[v].significant else " n.s.")
                for v, _ in values
            ]
        )
    return ["Theme", *(f"{v} (n={n:,})" for v, n in values)], rows


def small_values_line(section: SurveySection, by: str) -> str | None:
    """The --by values too small to compare, in one line; None when every value is compared."""
    small = charts.segment_values(section.themes, small=True)
    if not small:
        return None
    shown = "; ".join(f"{v} (n={n:,})" for v, n in small[:SMALL_VALUES])
    more = f"; and {len(small) - SMALL_VALUES:,} more" if len(small) > SMALL_VALUES else ""
    values = f"{len(small)} value{'s' if len(small) > 1 else ''} of {by}"
    return f"Not compared: {values} with fewer than {figures.MIN_RESPONDENTS} responses each: {shown}{more}."


def lift_line(by: str, chart: bool = False) -> str:
    """What the lift table (Markdown) or the heatmap (HTML, which marks n.s. lifts grey) shows."""
    lead = f"Lift by {by}" if chart else f"By {by}, the lift of each theme"
    mark = "a grey cell is" if chart else "n.s. marks"
    return (
        f"{lead}: 2× means the theme is twice as common among responses with that value as overall; n is the "
        f"responses with that value; {mark} a lift that is not significant (Fisher's exact test against the other "
        "values, adjusted for the number of cells)."
    )


def theme_nps(t: SurveyTheme) -> str | None:
    s = t.stats
    if s.nps_impact is None:
        return None
    line = f"NPS impact {signed(s.nps_impact)} points"
    return line + (f"; raised by {pct(s.share_of_detractors)} of detractors" if s.share_of_detractors else "")


def nps_line(s: NpsSummary) -> str:
    return (
        f"NPS {signed(s.nps)} (95% interval {signed(s.nps_ci[0])} to {signed(s.nps_ci[1])}) from "
        f"{s.respondents:,} respondents: {s.promoters:,} promoters, {s.passives:,} passives and "
        f"{s.detractors:,} detractors."
    )


def _column(report: SurveyReport, column: str) -> str:
    return report.by if report.by else column.replace("_", " ")


def nps_segments(report: SurveyReport, n: SurveyNps) -> list[Table]:
    """One table per segment column, largest values first."""
    by_column: dict[str, list[NpsSegment]] = {}
    for s in n.by_segment:
        by_column.setdefault(s.column, []).append(s)
    out = []
    for column, segments in by_column.items():
        name = _column(report, column)
        rows = [[s.value, f"{s.summary.respondents:,}", signed(s.summary.nps), _interval(s.summary)] for s in segments]
        out.append(([name, "Respondents", "NPS", "95% interval"], rows))
    return out


def _interval(s: NpsSummary) -> str:
    return f"{signed(s.nps_ci[0])} to {signed(s.nps_ci[1])}"


def nps_segments_line(report: SurveyReport, n: SurveyNps) -> str | None:
    """What the NPS tables by segment hold; None when the report's first line already says the column is missing."""
    names = report.by or "segment, plan, role or company size"
    if not n.by_segment and report.by_note:
        return None
    if not n.by_segment:
        return f"No NPS by {names}: no value has {n.min_respondents} or more respondents with a score."
    left = f"; {n.left_out} with fewer are left out" if n.left_out else ""
    return f"NPS by {names}, for values with {n.min_respondents} or more respondents with a score{left}:"


def drivers_line(n: SurveyNps) -> str:
    if not n.drivers:
        return (
            f"What drives detraction: no pain theme is raised by {pct(figures.MIN_DRIVER_SHARE)} or more of the "
            "detractors and lowers NPS."
        )
    return (
        "What drives detraction: pain themes that lower NPS, by their share of the detractors who answered; NPS "
        "impact is overall NPS minus the NPS of everyone who does not raise the theme (-5.0: NPS is 5 points lower "
        "with them than without)."
    )


def driver_tables(report: SurveyReport, n: SurveyNps) -> list[tuple[str | None, Table]]:
    """One table per question (the question's line first when the survey asked more than one)."""
    header = ["Pain theme", "Share of detractors", "NPS among them", "NPS impact"]
    questions = list(dict.fromkeys(d.question for d in n.drivers))
    out = []
    for q in questions:
        rows = [
            [d.title, pct(d.share_of_detractors), signed(d.nps), signed(d.impact)] for d in n.drivers if d.question == q
        ]
        line = f"In answers to “{q}”:" if q is not None and len(report.sections) > 1 else None
        out.append((line, (header, rows)))
    return out


def method(report: SurveyReport) -> list[tuple[str, str]]:
    rows = [
        ("Themes", METHOD),
        ("Sides", stats.PAIN_RULE),
        ("Low information", lowinfo.RULE),
        ("Months", SPARSE),
    ]
    if report.by:
        rows.append(("Lifts", figures.SIGNIFICANCE))
    if report.nps:
        rows.append(("NPS", nps_rules.METHOD))
    return rows
