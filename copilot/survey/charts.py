"""The report's charts, drawn with matplotlib as inline SVG: sharp on screen and in print, no network to open."""

from __future__ import annotations

import functools
import io
import logging
import re
import textwrap
from collections.abc import Callable
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")  # no display: charts are files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from copilot.analysis import stats  # noqa: E402
from copilot.survey import figures  # noqa: E402
from copilot.survey.schema import SurveyTheme  # noqa: E402

log = logging.getLogger(__name__)
P = ParamSpec("P")
INK, ACCENT, NEG, POS, GRID = "#1f2933", "#2f6fdf", "#d64545", "#3a9d5d", "#d9dee4"
MUTED, FAINT = "#8a96a3", "#eef0f3"  # what is shown but not to be read as a finding: sparse months, n.s. lifts
SIDE_COLOURS = {"pain": NEG, "praise": POS, "neutral": MUTED}
MAX_MONTH_LABELS = 12
plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "svg.fonttype": "none",
        # Labels are customer text (theme words, --by values): a '$' must print as a '$', not start mathtext.
        "text.parse_math": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _optional(draw: Callable[P, str | None]) -> Callable[P, str | None]:
    """A chart that cannot be drawn is left out, with a warning: one odd cell must never cost the whole report."""

    @functools.wraps(draw)
    def run(*args: P.args, **kwargs: P.kwargs) -> str | None:
        try:
            return draw(*args, **kwargs)
        except Exception as exc:  # matplotlib raises many types (ValueError, RuntimeError, ParseException...)
            plt.close("all")
            log.warning("chart %s left out of the report: %s", draw.__name__, exc)
            return None

    return run


def _label(text: str, width: int = 34) -> str:
    """At most two lines; a cut label ends in an ellipsis, so 'Credit reporting, credit repair...' and 'Credit
    reporting' never look like the same value."""
    lines = textwrap.wrap(text, width)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return "\n".join(lines)


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Title": title, "Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # inline: no XML prolog inside HTML


@_optional
def reach_chart(themes: list[SurveyTheme]) -> str | None:
    """Themes ranked by reach: bars of their share of responses with the 95% interval."""
    themes = themes[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(themes) + 0.9))
    y = np.arange(len(themes))
    share = np.array([t.stats.share for t in themes]) * 100
    lo = share - np.array([t.stats.share_ci[0] for t in themes]) * 100
    hi = np.array([t.stats.share_ci[1] for t in themes]) * 100 - share
    sides = [t.stats.side for t in themes]
    ax.barh(y, share, color=[SIDE_COLOURS[s] for s in sides], height=0.6)
    ax.errorbar(share, y, xerr=[lo, hi], fmt="none", ecolor=INK, elinewidth=0.8, capsize=2)
    for yi, t, s in zip(y, themes, share, strict=True):
        ax.text(
            float(s + hi[yi] + 0.3), float(yi), f"{t.stats.reach:,} respondents", va="center", fontsize=8, color=INK
        )
    ax.set_yticks(y, [_label(t.title) for t in themes])
    ax.set_xlabel("share of responses (%), with 95% interval")
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    shown = [s for s in SIDE_COLOURS if s in sides]
    below = 0.75 / (0.42 * len(themes))  # under the x label: 0.75 inch, as a fraction of the axes' height
    ax.legend(
        handles=[Patch(color=SIDE_COLOURS[s], label=s) for s in shown],
        loc="upper center",
        bbox_to_anchor=(0.5, -below),
        ncol=3,
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, "Themes by reach")


@_optional
def sentiment_chart(themes: list[SurveyTheme]) -> str | None:
    """Share of negative responses per theme, and mean sentiment as a marker on a second scale."""
    themes = themes[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(themes) + 0.9))
    y = np.arange(len(themes))
    neg = np.array([t.stats.negative_share for t in themes]) * 100
    ax.barh(y, neg, color=NEG, height=0.6, label="negative responses (%)")
    ax.barh(y, 100 - neg, left=neg, color=POS, alpha=0.35, height=0.6, label="other responses (%)")
    ax.set_yticks(y, [_label(t.title) for t in themes])
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the theme's responses (%)")
    means = ax.twiny()
    means.plot([t.stats.sentiment_mean for t in themes], y, "o", color=INK, markersize=4, label="mean sentiment")
    means.set_xlim(-1, 1)
    means.set_xlabel("mean sentiment (VADER, -1 to 1)")
    handles = ax.get_legend_handles_labels()[0] + means.get_legend_handles_labels()[0]
    below = 0.75 / (0.42 * len(themes))  # under the x label: 0.75 inch, as a fraction of the axes' height
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -below), ncol=3, frameon=False, fontsize=8)
    return _svg(fig, "Sentiment by theme")


def sparse_floor(themes: list[SurveyTheme]) -> int:
    """Responses a month needs for its share to be drawn: the analysis's rule, over the section's months."""
    months = {m.month: m.records for t in themes for m in t.monthly}
    return stats.sparse_floor(list(months.values()))


def calendar(themes: list[SurveyTheme]) -> list[str]:
    """Every month from the first response to the last, so a month nobody answered in is a gap on the axis
    instead of vanishing from it."""
    present = sorted({m.month for t in themes for m in t.monthly})
    if not present or not all(re.fullmatch(r"\d{4}-\d{2}", m) for m in present):
        return present
    (year, month), (last_year, last_month) = (map(int, present[0].split("-")), map(int, present[-1].split("-")))
    out = []
    while (year, month) <= (last_year, last_month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def readable_months(themes: list[SurveyTheme]) -> int:
    return len({m.month for t in themes for m in t.monthly if not m.sparse})


@_optional
def trend_chart(themes: list[SurveyTheme], top: int = 5) -> str | None:
    """Monthly share of the largest themes. A month with too few responses (one response makes a 100% spike) is a
    grey band, and the lines break there; None when fewer than two months have enough responses."""
    shown = themes[:top]
    if readable_months(shown) < 2:
        return None
    months = calendar(shown)
    x = np.arange(len(months))
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    readable = {m.month for t in shown for m in t.monthly if not m.sparse}
    sparse = [i for i, month in enumerate(months) if month not in readable]
    for start, end in _runs(sparse):
        ax.axvspan(start - 0.5, end + 0.5, color=FAINT, linewidth=0, zorder=0)
    for t in shown:
        y = np.full(len(months), np.nan)  # a NaN breaks the line: sparse months are not joined up
        for m in t.monthly:
            if not m.sparse:
                y[months.index(m.month)] = m.share * 100
        ax.plot(x, y, marker="o", markersize=3, linewidth=1.4, label=f"{_label(t.title, 40)} ({t.stats.trend})")
    ticks = _month_ticks(months)
    ax.set_xticks(ticks, [months[i] for i in ticks])
    ax.set_xlim(-0.5, len(months) - 0.5)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("share of the month's responses (%)")
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.tick_params(axis="x", rotation=45)
    handles = ax.get_legend_handles_labels()[0]
    if sparse:
        floor = sparse_floor(shown)
        handles.append(Patch(color=FAINT, label=f"fewer than {floor} responses that month:\nshare not plotted"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    return _svg(fig, "Trend over time")


def _month_ticks(months: list[str]) -> list[int]:
    """At most MAX_MONTH_LABELS labels, on calendar steps: every month, 2, 3 or 6 months, or Januaries."""
    if not all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months):
        return list(range(0, len(months), max(1, -(-len(months) // MAX_MONTH_LABELS))))
    since_zero = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in months]
    for step in (1, 2, 3, 6, 12, 24, 60, 120, 240):
        picked = [i for i, k in enumerate(since_zero) if k % step == 0]
        if len(picked) <= MAX_MONTH_LABELS:
            return picked if len(picked) >= 2 else [0, len(months) - 1]
    return [0, len(months) - 1]


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive indices as (first, last) runs: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def segment_values(themes: list[SurveyTheme], small: bool = False) -> list[tuple[str, int]]:
    """The --by values with their n (responses with that value), most common first: those with enough responses
    to compare, or (small) those left out for having too few."""
    n = {c.value: c.records for t in themes for c in t.by_segment}
    kept = [(v, k) for v, k in n.items() if (k < figures.MIN_RESPONDENTS) == small]
    return sorted(kept, key=lambda v: (-v[1], v[0]))


@_optional
def segment_heatmap(themes: list[SurveyTheme], by: str) -> str | None:
    """Lift of each theme in each value of the --by column (above 1, the theme is over-represented there), with the
    n of each column; a lift that is not significant is a grey cell, so only real differences carry colour."""
    values = segment_values(themes)
    if not values:
        return None
    index = {v: j for j, (v, _) in enumerate(values)}
    grid = np.full((len(themes), len(values)), np.nan)
    significant = np.zeros(grid.shape, dtype=bool)
    for i, t in enumerate(themes):
        for c in (c for c in t.by_segment if c.value in index):
            grid[i, index[c.value]] = c.lift
            significant[i, index[c.value]] = c.significant
    fig, ax = plt.subplots(figsize=(1.25 * len(values) + 3.6, 0.42 * len(themes) + 1.6))
    ax.imshow(np.zeros(grid.shape), cmap=ListedColormap([FAINT]), aspect="auto")
    coloured = np.ma.masked_where(~significant, np.log2(np.clip(np.nan_to_num(grid, nan=1.0), 0.25, 4)))
    image = ax.imshow(coloured, cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_xticks(range(len(values)), [f"{_label(v, 14)}\nn={n:,}" for v, n in values], rotation=30, ha="right")
    ax.set_yticks(range(len(themes)), [_label(t.title) for t in themes])
    for i in range(len(themes)):
        for j in range(len(values)):
            if not np.isnan(grid[i, j]):
                dark = significant[i, j] and abs(np.log2(np.clip(grid[i, j], 0.25, 4))) > 1.1
                colour = "white" if dark else (INK if significant[i, j] else MUTED)
                ax.text(j, i, f"{grid[i, j]:.1f}×", ha="center", va="center", fontsize=7.5, color=colour)
    bar = fig.colorbar(image, ax=ax, ticks=[-2, -1, 0, 1, 2], shrink=0.8)
    bar.ax.set_yticklabels(["¼×", "½×", "1×", "2×", "4×"])
    bar.set_label("lift against all responses")
    ax.set_title(f"Themes by {by}", fontsize=9, color=INK, pad=20)
    ax.legend(
        handles=[Patch(color=FAINT, label="grey: not significant (Fisher's exact test, adjusted q ≥ 0.05)")],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
        fontsize=8,
    )
    return _svg(fig, f"Themes by {by}")
