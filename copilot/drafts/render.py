"""What every draft's Markdown shares: quotes, percentages, and the closing block of verification and provenance."""

from __future__ import annotations

import re

from copilot.analysis.schema import ThemeStats
from copilot.drafts.schema import DraftDocument
from copilot.drafts.verify import Citation

# What customer text could open in Markdown: emphasis, code, links and images ([ ... ]), tables, strikethrough,
# math ($ on GitHub) and backslash escapes themselves. '<', '>' and '&' become entities instead, which every
# dialect honours (not all honour a backslash before '<'), so no raw HTML, autolink or entity survives.
# An underscore inside a word opens nothing (CommonMark), so 'survey_responses.csv' is left as it is.
_MD_SPECIAL_RE = re.compile(r"[\\`*\[\]|~$&<>]|(?<![^\W_])_|_(?![^\W_])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# At the start of a line these open a heading, a list, a setext underline or a numbered list.
_MD_BLOCK_START_RE = re.compile(r"[#+=-]|\d{1,9}[.)]")


def _md_escape(m: re.Match[str]) -> str:
    return _MD_ENTITIES.get(m.group(0), "\\" + m.group(0))


def markdown_text(text: str) -> str:
    """Customer text as one line of inert Markdown: it renders as the same words, and nothing in it becomes
    markup, a link, an image or HTML. Whitespace, newlines included, collapses to single spaces, so the text
    cannot start a new block either."""
    text = _MD_SPECIAL_RE.sub(_md_escape, " ".join(text.split()))
    if start := _MD_BLOCK_START_RE.match(text):
        text = text[: start.end() - 1] + "\\" + text[start.end() - 1 :]
    return text


def quote(c: Citation) -> str:
    return f"> “{markdown_text(c.quote)}” — `{c.record_id}`"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def stats_table(s: ThemeStats) -> list[str]:
    """A theme's figures as one Markdown table row, leaving out columns the data cannot fill (no dates, no NPS,
    no revenue) instead of printing n/a."""
    cells = [
        ("mentions", f"{s.mentions:,}"),
        ("reach", f"{s.reach:,}"),
        ("share (95% CI)", f"{pct(s.share)} ({pct(s.share_ci[0])}–{pct(s.share_ci[1])})"),
        ("trend", s.trend if s.trend != "unknown" else None),
        ("complaints", pct(s.complaint_share)),
        ("detractors among them", pct(s.detractor_share) if s.detractor_share is not None else None),
        ("share of all detractors", pct(s.share_of_detractors) if s.share_of_detractors is not None else None),
        ("MRR at stake", f"${s.mrr_at_stake:,.0f}" if s.customers_with_mrr else None),
    ]
    shown = [(h, v) for h, v in cells if v is not None]
    return [
        "| " + " | ".join(h for h, _ in shown) + " |",
        "| " + " | ".join("---" if h == "trend" else "---:" for h, _ in shown) + " |",
        "| " + " | ".join(v for _, v in shown if v is not None) + " |",
        "",
    ]


def footer(d: DraftDocument) -> list[str]:
    """Verification, warnings and provenance: the same closing block on every draft."""
    v, pv = d.verification, d.provenance
    lines = [
        "---",
        "",
        f"Verification: {v.items_checked} items checked, {v.items_dropped} dropped; "
        f"{v.quotes_checked} quotes and {v.numbers_checked} numbers checked against the records and statistics.",
        "",
    ]
    lines += [f"- warning: {w}" for w in d.warnings]
    tokens = pv.tokens["prompt"] + pv.tokens["completion"]
    prompts = ", ".join(f"{name} v{version}" for name, version in pv.prompts.items())
    lines += [
        f"Provenance: provider {pv.provider}, model {pv.model}"
        + (f", prompts {prompts}" if prompts else "")
        + f", {len(pv.evidence_ids)} evidence records"
        + (f", {tokens:,} tokens, ${pv.cost_usd:.4f}" if tokens else "")
        + ".",
        "",
    ]
    return lines


def head(title: str, d: DraftDocument) -> list[str]:
    lines = [f"# {title}", ""]
    if d.engine_note:
        lines += [f"_{d.engine_note}_", ""]
    return lines
