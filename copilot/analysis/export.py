"""Every feedback record with its themes, polarity and metadata, for a spreadsheet (CSV, XLSX) or a program
(JSONL): PMs pivot it, and it makes every count of a theme checkable record by record. `themes_table` is the
themes and subthemes with their statistics, one row each.

A record's primary theme is the one holding most of its text; `themes` lists every theme it touches.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel

from copilot.analysis.clustering import ClusterParams
from copilot.analysis.feedback import load_feedback
from copilot.analysis.polarity import POLARITIES
from copilot.analysis.schema import ThemesReport
from copilot.analysis.theme_model import SIDES, theme_id
from copilot.analysis.themes import analyze, assign_segments, load_model
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter

Format = Literal["csv", "xlsx", "jsonl"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "jsonl")


class ExportRow(BaseModel):
    id: str
    text: str
    date: str | None
    metadata: dict[str, Any]
    theme_id: str | None
    theme: str | None
    subtheme_id: str | None
    subtheme: str | None
    themes: list[str]
    polarity: str


def records(store: Store, project: str, filters: SearchFilter | None = None) -> Iterator[ExportRow]:
    """Each feedback record the filter keeps, with its primary theme and subtheme and every theme it touches."""
    model = load_model(store, project)
    fs = load_feedback(store, project)
    a = assign_segments(fs, model, ClusterParams(), filters or SearchFilter(), None)
    chars: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sub_chars: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    mood: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i, topic in enumerate(a.topic):
        r = int(fs.seg_record[i])
        start, end = fs.seg_span[i]
        width = int(end - start)
        mood[r][POLARITIES[int(fs.seg_polarity[i])]] += width
        if topic:
            side = SIDES[int(a.side[i])]
            chars[r][theme_id(topic, side)] += width
            if a.sub[i]:
                sub_chars[r][theme_id(a.sub[i], side)] += width
    for r in range(len(fs)):
        if not a.keep[r]:
            continue
        meta = {k: v for k, v in fs.metas[r].items() if k not in ("record_id", "content_hash", "fingerprint")}
        touched = sorted(chars[r], key=lambda t: (-chars[r][t], t))
        primary = touched[0] if touched else None
        subs = sorted(sub_chars[r], key=lambda t: (-sub_chars[r][t], t))
        sub = next((s for s in subs if primary and s.endswith("." + primary.rsplit(".", 1)[1])), None)
        polarity = max(mood[r], key=lambda p: (mood[r][p], p)) if mood[r] else "neutral"
        yield ExportRow(
            id=fs.ids[r],
            text=fs.texts[r],
            date=meta.pop("date", None),
            metadata=meta,
            theme_id=primary,
            theme=a.names.get(primary) if primary else None,
            subtheme_id=sub,
            subtheme=a.names.get(sub) if sub else None,
            themes=touched,
            polarity=polarity,
        )


_THEME_COLUMNS = (
    "level", "id", "parent", "label", "side", "mentions", "reach", "share", "share_low", "share_high", "trend",
    "complaint_share", "detractor_share", "share_of_detractors", "nps_impact", "stability", "keywords",
)  # fmt: skip


def themes_table(report: ThemesReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for t in report.themes:
        for level, item, parent in [("theme", t, None), *(("subtheme", s, t.id) for s in t.subthemes)]:
            s = item.stats
            rows.append(
                {
                    "level": level,
                    "id": item.id,
                    "parent": parent,
                    "label": item.label,
                    "side": item.side,
                    "mentions": s.mentions,
                    "reach": s.reach,
                    "share": s.share,
                    "share_low": s.share_ci[0],
                    "share_high": s.share_ci[1],
                    "trend": s.trend,
                    "complaint_share": s.complaint_share,
                    "detractor_share": s.detractor_share,
                    "share_of_detractors": s.share_of_detractors,
                    "nps_impact": s.nps_impact,
                    "stability": t.stability,
                    "keywords": ", ".join(item.keywords[:8]),
                }
            )
    return rows


def _flat(row: ExportRow, meta_keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "text": row.text,
        "date": row.date,
        "theme_id": row.theme_id,
        "theme": row.theme,
        "subtheme_id": row.subtheme_id,
        "subtheme": row.subtheme,
        "themes": "; ".join(row.themes),
        "polarity": row.polarity,
    }
    return out | {k: row.metadata.get(k) for k in meta_keys}


def render(rows: list[ExportRow] | list[dict[str, Any]], fmt: str) -> bytes:
    """The rows as CSV, XLSX or JSONL bytes (records become flat columns in CSV and XLSX)."""
    if fmt not in FORMATS:
        raise CopilotError(ErrorCode.bad_input, f"--format must be csv, xlsx or jsonl, not {fmt!r}")
    dicts = [r.model_dump() if isinstance(r, ExportRow) else r for r in rows]
    if fmt == "jsonl":
        return "".join(json.dumps(d, ensure_ascii=False, default=str) + "\n" for d in dicts).encode("utf-8")
    if rows and isinstance(rows[0], ExportRow):
        meta_keys = sorted({k for r in rows if isinstance(r, ExportRow) for k in r.metadata})
        dicts = [_flat(r, meta_keys) for r in rows if isinstance(r, ExportRow)]
    columns = list(dicts[0]) if dicts else ["id"]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: spreadsheet_cell(v) for k, v in d.items()} for d in dicts)
        return buf.getvalue().encode("utf-8")
    return _xlsx(columns, dicts)


def _xlsx(columns: list[str], dicts: list[dict[str, Any]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("export")
    ws.append(columns)
    for d in dicts:
        ws.append([spreadsheet_cell(d.get(c)) for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def spreadsheet_cell(value: Any) -> Any:
    """Cells as a spreadsheet shows them; text that a spreadsheet would run as a formula (OWASP's CSV injection
    starts: = + - @, tab, carriage return) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(store: Store, project: str, fmt: str, *, themes: bool = False, filters: SearchFilter | None = None) -> bytes:
    if themes:
        return render(themes_table(analyze(store, project, filters=filters)), fmt)
    return render(list(records(store, project, filters)), fmt)
