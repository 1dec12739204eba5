"""The report's charts, drawn with matplotlib as inline SVG: sharp on screen and in print, no network to open."""

from __future__ import annotations

import functools
import io
import logging
import textwrap
from collections.abc import Callable
from typing import ParamSpec

import matplotlib

matplotlib.use("Agg")  # no display: charts are files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from copilot.survey.schema import SurveyTheme  # noqa: E402

log = logging.getLogger(__name__)
P = ParamSpec("P")
INK, ACCENT, NEG, POS, GRID = "#1f2933", "#2f6fdf", "#d64545", "#3a9d5d", "#d9dee4"
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
    return "\n".join(textwrap.wrap(text, width)[:2])


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
    ax.barh(y, share, color=ACCENT, height=0.6)
    ax.errorbar(share, y, xerr=[lo, hi], fmt="none", ecolor=INK, elinewidth=0.8, capsize=2)
    for yi, t, s in zip(y, themes, share, strict=True):
        ax.text(
            float(s + hi[yi] + 0.3), float(yi), f"{t.stats.reach:,} respondents", va="center", fontsize=8, color=INK
        )
    ax.set_yticks(y, [_label(t.label) for t in themes])
    ax.set_xlabel("share of responses (%), with 95% interval")
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
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
    ax.set_yticks(y, [_label(t.label) for t in themes])
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


@_optional
def trend_chart(themes: list[SurveyTheme], top: int = 5) -> str | None:
    """Monthly share of the largest themes; None when the responses carry no dates."""
    shown = [t for t in themes[:top] if len(t.monthly) >= 2]
    if not shown:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    for t in shown:
        ax.plot(
            [m.month for m in t.monthly],
            [m.share * 100 for m in t.monthly],
            marker="o",
            markersize=3,
            linewidth=1.4,
            label=f"{_label(t.label, 40)} ({t.stats.trend})",
        )
    ax.set_ylabel("share of the month's responses (%)")
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.tick_params(axis="x", rotation=45)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    return _svg(fig, "Trend over time")


@_optional
def segment_heatmap(themes: list[SurveyTheme], by: str) -> str | None:
    """Lift of each theme in each value of the --by column: above 1, the theme is over-represented there."""
    values = sorted({c.value for t in themes for c in t.by_segment})
    if not values:
        return None
    grid = np.full((len(themes), len(values)), np.nan)
    for i, t in enumerate(themes):
        for c in t.by_segment:
            grid[i, values.index(c.value)] = c.lift
    fig, ax = plt.subplots(figsize=(1.1 * len(values) + 3.6, 0.42 * len(themes) + 1.2))
    image = ax.imshow(np.log2(np.clip(grid, 0.25, 4)), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_xticks(range(len(values)), [_label(v, 14) for v in values], rotation=30, ha="right")
    ax.set_yticks(range(len(themes)), [_label(t.label) for t in themes])
    for i in range(len(themes)):
        for j in range(len(values)):
            if not np.isnan(grid[i, j]):
                dark = abs(np.log2(np.clip(grid[i, j], 0.25, 4))) > 1.1
                ax.text(
                    j, i, f"{grid[i, j]:.1f}×", ha="center", va="center", fontsize=7.5, color="white" if dark else INK
                )
    bar = fig.colorbar(image, ax=ax, ticks=[-2, -1, 0, 1, 2], shrink=0.8)
    bar.ax.set_yticklabels(["¼×", "½×", "1×", "2×", "4×"])
    bar.set_label("lift against all responses")
    ax.set_title(f"Themes by {by}", fontsize=9, color=INK)
    return _svg(fig, f"Themes by {by}")
