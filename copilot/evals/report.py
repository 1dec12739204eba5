"""Bars, baselines and the Markdown report. A metric below its bar fails the run, named with value and bar."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from copilot.errors import CopilotError, ErrorCode
from copilot.evals.schema import Bar, EvalReport, Metric

THRESHOLDS = Path(__file__).resolve().parents[2] / "evals" / "thresholds.yaml"


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, Bar]]:
    """{provider or 'default': {metric name: bar}}; a provider's own bar overrides the default."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return {
            provider: {name: Bar.model_validate(bar) for name, bar in (bars or {}).items()}
            for provider, bars in raw.items()
        }
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{path}: cannot read the eval thresholds ({exc})") from exc


def bar_for(name: str, bars: dict[str, Bar]) -> Bar | None:
    """A metric's own bar, else the most specific pattern that matches it (`drafts.*.quote_fidelity` gates every
    draft kind, new ones included)."""
    if name in bars:
        return bars[name]
    matching = [pattern for pattern in bars if "*" in pattern and fnmatch.fnmatchcase(name, pattern)]
    return bars[max(matching, key=lambda p: len(p.replace("*", "")))] if matching else None


def judge(metrics: list[Metric], thresholds: dict[str, dict[str, Bar]]) -> list[str]:
    """Set each metric's bar and status; returns one failure line per metric below its bar."""
    failures = []
    for m in metrics:
        m.bar = bar_for(m.name, thresholds.get(m.provider, {})) or bar_for(m.name, thresholds.get("default", {}))
        if m.value is None:
            m.status = "unmeasured"
        elif m.bar is None:
            m.status = "info"
        elif m.bar.holds(m.value):
            m.status = "pass"
        else:
            m.status = "fail"
            failures.append(f"{m.name} [{m.provider}] = {m.value:.4g}, bar {m.bar}")
    return failures


def apply_baseline(metrics: list[Metric], path: Path) -> None:
    try:
        old = EvalReport.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{path}: not an eval report JSON ({str(exc)[:200]})") from exc
    before = {(m.name, m.provider): m.value for m in old.metrics}
    for m in metrics:
        m.baseline = before.get((m.name, m.provider))


def _fmt(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 or float(x).is_integer() else f"{x:.3f}"


def markdown(report: EvalReport) -> str:
    lines = [
        "# Eval report",
        "",
        f"Providers: {', '.join(report.providers)}. Suites: {', '.join(report.suites)}. Corpus: {report.corpus}. "
        f"Wall time: {report.seconds:.0f} s.",
        "",
        f"**{'PASSED' if report.passed else 'FAILED'}**" + ("" if report.passed else ": " + "; ".join(report.failures)),
        "",
    ]
    with_baseline = any(m.baseline is not None for m in report.metrics)
    for suite in report.suites:
        rows = [m for m in report.metrics if m.suite == suite]
        if not rows:
            continue
        lines += [f"## {suite}", ""]
        head = "| Metric | Provider | Value | Bar | Status |" + (" Change |" if with_baseline else "") + " Detail |"
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for m in rows:
            change = ""
            if with_baseline:
                change = f" {m.change:+.3f} |" if m.change is not None else " new |"
            detail = m.detail.replace("|", "/")
            lines.append(
                f"| {m.name} | {m.provider} | {_fmt(m.value)} | {m.bar or '–'} | {m.status} |{change} {detail} |"
            )
        lines.append("")
    return "\n".join(lines)
