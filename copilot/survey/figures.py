"""The report's figures beyond each theme's own: segment cells with their significance, NPS over every
respondent of the file (overall and by segment), and the drivers of detraction. The counting is analysis's
(copilot.analysis.nps and stats); this module chooses what a survey report shows and says why something is not
shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from scipy.stats import false_discovery_control, fisher_exact

from copilot.analysis import nps
from copilot.analysis.schema import NpsSegment, NpsSummary, ThemePublic, ThemesReport
from copilot.survey.schema import SegmentCell, SurveyDriver, SurveyTheme

SIDES = ("pain", "praise", "neutral")  # the order a section lists its themes in
STANDARD_COLUMNS = ("segment", "plan", "role", "company_size")  # NPS by segment when no --by column is named
MIN_RESPONDENTS = 10
DRIVERS_PER_QUESTION = 5
MIN_DRIVER_SHARE = 0.01  # raised by fewer of the detractors than this, a theme drives nothing a PM can act on
ALPHA = 0.05
SIGNIFICANCE = (
    "a lift is significant when Fisher's exact test (two-sided) of the theme's share among responses with that "
    "value against its share among responses with any other value gives a Benjamini-Hochberg adjusted p (q, "
    "across the cells of the question's heatmap) below 0.05; other lifts are marked not significant (n.s.); "
    f"values with fewer than {MIN_RESPONDENTS} responses are neither tested nor shown"
)


class Respondents(BaseModel):
    """What the report counts over every respondent of the file, once, while the responses are loaded."""

    nps: NpsSummary | None = None
    nps_by_segment: list[NpsSegment] = Field(default_factory=list)
    nps_left_out: int = 0
    by_values: int | None = Field(None, description="Distinct values of the --by column; None without --by.")


def respondents(metas: Sequence[dict[str, Any]], ids: Sequence[str], by_key: str | None) -> Respondents:
    summary = nps.summary(nps.scores(metas, ids).values())
    by_values = len({str(m[by_key]) for m in metas if m.get(by_key) not in (None, "")}) if by_key else None
    if summary is None:
        return Respondents(by_values=by_values)
    columns = [by_key] if by_key else list(STANDARD_COLUMNS)
    rows = nps.by_segment(metas, ids, columns, MIN_RESPONDENTS)
    rows.sort(key=lambda s: (columns.index(s.column), -s.summary.respondents, s.value))
    scored = {(c, str(m[c])) for m in metas if _scored(m) for c in columns if m.get(c) not in (None, "")}
    return Respondents(nps=summary, nps_by_segment=rows, nps_left_out=len(scored) - len(rows), by_values=by_values)


def _scored(meta: dict[str, Any]) -> bool:
    return isinstance(meta.get("nps"), int | float)


def cells(theme: ThemePublic, key: str) -> list[SegmentCell]:
    """The theme in each value of the --by column, most common value first, each with its test's p against the
    other values (significance comes once every theme's cells are known: see mark_significant)."""
    splits = theme.segments.get(key, [])
    mentions, records = sum(s.mentions for s in splits), sum(s.records for s in splits)
    out = []
    for s in splits:
        rest_mentions, rest_records = mentions - s.mentions, records - s.records
        table = [[s.mentions, s.records - s.mentions], [rest_mentions, rest_records - rest_mentions]]
        p = float(fisher_exact(table).pvalue) if rest_records else 1.0
        out.append(
            SegmentCell(
                value=s.value,
                mentions=s.mentions,
                records=s.records,
                share=s.share,
                share_ci=s.share_ci,
                lift=s.lift,
                p_value=round(p, 6),
            )
        )
    return out


def mark_significant(themes: list[SurveyTheme]) -> None:
    """Benjamini-Hochberg over all the cells of one heatmap, in place: with 150 cells tested at 0.05, seven or
    eight would pass by chance, and a PM would read each of them as a finding. A value with fewer than
    MIN_RESPONDENTS responses is not tested (nor shown): three of three is a tiny p and still says little."""
    tested = [c for t in themes for c in t.by_segment if c.records >= MIN_RESPONDENTS]
    if not tested:
        return
    q = false_discovery_control([c.p_value for c in tested])
    for c, qi in zip(tested, q, strict=True):
        c.q_value = round(float(qi), 6)
        c.significant = c.q_value < ALPHA


def distinct_titles(themes: list[SurveyTheme]) -> list[SurveyTheme]:
    """Two themes under one title (often a topic's pain side and its neutral side) read as one row shown twice: each
    such title names its side, and a number when the side does not tell them apart either."""
    seen = Counter(t.title.casefold() for t in themes)
    sided = [f"{t.title} ({t.stats.side})" if seen[t.title.casefold()] > 1 else t.title for t in themes]
    again, counted = Counter(title.casefold() for title in sided), Counter[str]()
    out = []
    for t, title in zip(themes, sided, strict=True):
        if again[key := title.casefold()] > 1:
            counted[key] += 1
            title = f"{title} {counted[key]}"
        out.append(t if title == t.title else t.model_copy(update={"title": title}))
    return out


def ordered(themes: list[SurveyTheme]) -> list[SurveyTheme]:
    """Pain first, then praise, then neutral themes, by reach within each: a PM reads the sides apart."""
    return sorted(themes, key=lambda t: (SIDES.index(t.stats.side), -t.stats.reach, t.id))


def drivers(question: str | None, report: ThemesReport, titles: dict[str, str]) -> list[SurveyDriver]:
    """The question's pain themes by their share of its detractors, under the titles the report gives them."""
    by_id = {t.id: t for t in report.themes}
    out = []
    for d in report.drivers:
        theme = by_id.get(d.theme_id)
        # a theme whose respondents score no lower than everyone else does not drive detraction, however many
        # detractors raise it: listing it would tell a PM to fix what does not cost NPS
        if theme is None or theme.nps is None or d.share_of_detractors < MIN_DRIVER_SHARE or d.impact >= 0:
            continue
        out.append(
            SurveyDriver(
                theme_id=d.theme_id,
                title=titles.get(d.theme_id) or d.label[:1].upper() + d.label[1:],
                question=question,
                share_of_detractors=d.share_of_detractors,
                respondents=theme.nps.respondents,
                nps=theme.nps.nps,
                impact=d.impact,
            )
        )
    return out[:DRIVERS_PER_QUESTION]


def by_note(by: str | None, by_values: int | None, themes: list[SurveyTheme]) -> str | None:
    """One line on why the report compares nothing by the --by column, or None when it does (or was not asked)."""
    if by is None:
        return None
    if not by_values:
        return (
            f"No comparison by {by}: no response has a value in a column of that name; name the column as the "
            "file's header spells it."
        )
    if themes and not any(t.by_segment for t in themes):
        return f"No comparison by {by}: it has {by_values} different values, too many to compare side by side."
    return None
