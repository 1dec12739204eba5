"""What every draft's Markdown shares: quotes, percentages, and the closing block of verification and provenance."""

from __future__ import annotations

from copilot.drafts.schema import DraftDocument
from copilot.drafts.verify import Citation


def quote(c: Citation) -> str:
    return f"> “{' '.join(c.quote.split())}” — `{c.record_id}`"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


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
