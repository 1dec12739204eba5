"""The prioritisation matrix as CSV, for the spreadsheet where a PM estimates effort: the table's rows and figures,
Effort empty, the evidence's record ids and quotes after the figures, and no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from copilot.analysis.export import spreadsheet_cell

if TYPE_CHECKING:  # the kind module imports this one
    from copilot.drafts.kinds.priorities import Priorities

CSV_COLUMNS = [
    "Rank",
    "Theme",
    "Theme ID",
    "Reach",
    "Mentions",
    "Share",
    "Share 95% low",
    "Share 95% high",
    "Complaint share",
    "Churn intent",
    "Detractor share",
    "Share of detractors",
    "NPS impact",
    "Impact",
    "Stability",
    "Confidence",
    "Effort",
    "Score",
    "Evidence",
]


def csv_of(d: Priorities, quotes_per_row: int) -> str:
    """The matrix as CSV, one row per table row, Effort empty for the PM, quotes after the figures."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*CSV_COLUMNS, *(f"Quote {n}" for n in range(1, quotes_per_row + 1))])
    for r in d.rows:
        s = r.statistics
        figures = [s.get(k) for k in ("reach", "mentions", "share", "share_low", "share_high", "complaint_share")]
        nps = [s.get(k) for k in ("churn_intent", "detractor_share", "share_of_detractors", "nps_impact")]
        quotes = [spreadsheet_cell(" ".join(c.quote.split())) for c in r.citations[:quotes_per_row]]
        w.writerow(
            [
                r.rank,
                spreadsheet_cell(r.title),
                r.theme_id,
                *figures,
                *nps,
                r.impact,
                s.get("stability"),
                r.confidence,
                "",
                r.score,
                " ".join(c.record_id for c in r.citations),
                *quotes,
            ]
        )
    return buf.getvalue()
