"""`copilot eval`: ingest the sample corpus and the safety cases into an eval store, run the suites on each
provider, judge every metric against evals/thresholds.yaml, and write a Markdown and a JSON report."""

from __future__ import annotations

import json
import time
from pathlib import Path

from copilot.analysis.themes import analyze
from copilot.config import Settings
from copilot.drafts import readiness, registry
from copilot.drafts.build import draft_document
from copilot.drafts.kind import DraftInputs, DraftKind, EvalContext
from copilot.errors import CopilotError
from copilot.evals import cases, draft_quality, real, retrieval, safety, theme_quality
from copilot.evals.judge import judge_support
from copilot.evals.report import apply_baseline, judge, load_thresholds, markdown
from copilot.evals.schema import EvalReport, Metric
from copilot.ingest.pipeline import ingest
from copilot.llm.recording import RecordingModel
from copilot.llm.registry import get_model
from copilot.slack.feedback import Feedback
from copilot.store import open_store
from copilot.store.chroma import Store

SUITES = ("retrieval", "themes", "drafts", "safety")
PROJECT = "eval"
INPUTS = (cases.CORPUS_DIR / "data", cases.EVALS_DIR / "safety" / "injected_tickets.jsonl")


def _case_name(case: cases.DraftCase, seen: set[str]) -> str:
    name = case.artifact
    while name in seen:
        name = f"{name}+"
    seen.add(name)
    return name


def _common(doc: dict, name: str, provider: str, seconds: float) -> list[Metric]:
    p = doc["provenance"]
    return [
        Metric(
            suite="drafts",
            name=f"drafts.{name}.items_dropped",
            provider=provider,
            value=doc["verification"]["items_dropped"],
            detail="; ".join(doc["warnings"])[:300],
        ),
        Metric(suite="drafts", name=f"drafts.{name}.seconds", provider=provider, value=round(seconds, 2)),
        Metric(
            suite="drafts",
            name=f"drafts.{name}.tokens",
            provider=provider,
            value=p["tokens"]["prompt"] + p["tokens"]["completion"],
            detail=f"prompt {p['tokens']['prompt']}, completion {p['tokens']['completion']}",
        ),
        Metric(suite="drafts", name=f"drafts.{name}.cost_usd", provider=provider, value=p["cost_usd"]),
    ]


def _readiness(markdown: str, name: str, provider: str) -> list[Metric]:
    return [
        Metric(
            suite="drafts",
            name=f"drafts.{name}.{check}",
            provider=provider,
            value=len(found),
            detail="; ".join(f.where for f in found[:5]),
        )
        for check, found in readiness.rendered_checks(markdown).items()
    ]


def _draft_metrics(
    context: EvalContext, kind: DraftKind, doc: dict, name: str, provider: str, model: RecordingModel
) -> list[Metric]:
    metrics = draft_quality.fidelity(context.store, context.project, doc, name, provider)
    if kind.metrics is not None:
        metrics += [
            Metric(suite="drafts", name=f"drafts.{name}.{s.name}", provider=provider, value=s.value, detail=s.detail)
            for s in kind.metrics(context, doc)
        ]
    if model.can_generate:
        claimed = [i for i in draft_quality.items(doc) if i["citations"]]
        metrics.append(
            judge_support(
                model,
                [draft_quality.prose(i) for i in claimed],
                [" ".join(c["quote"] for c in i["citations"]) for i in claimed],
                name,
            )
        )
    return metrics


def _drafts(
    context: EvalContext, model: RecordingModel, provider: str, draft_cases: list[cases.DraftCase], prefix: str = ""
) -> tuple[list[Metric], list[str]]:
    """Every case built on the context's project and scored; `prefix` names the real set the project holds."""
    metrics: list[Metric] = []
    outputs: list[str] = []
    seen: set[str] = set()
    for case in draft_cases:
        name = prefix + _case_name(case, seen)
        kind = registry.get(case.artifact)
        started = time.perf_counter()
        try:
            draft = draft_document(
                context.store, context.project, kind.name, model, inputs=DraftInputs(case.topic, case.by)
            )
        except CopilotError as exc:
            metrics.append(
                Metric(suite="drafts", name=f"drafts.{name}.built", provider=provider, value=0, detail=exc.detail[:300])
            )
            continue
        seconds = time.perf_counter() - started
        doc = draft.model_dump(mode="json")
        text = kind.markdown(draft)
        outputs += [json.dumps(doc), text]
        metrics.append(Metric(suite="drafts", name=f"drafts.{name}.built", provider=provider, value=1))
        metrics += _draft_metrics(context, kind, doc, name, provider, model)
        metrics += _readiness(text, name, provider)
        metrics += _common(doc, name, provider, seconds)
    return metrics, outputs


def _real_drafts(store: Store, model: RecordingModel, provider: str) -> list[Metric]:
    """The default case of every kind on each real set: no planted truth, so the kinds' truth metrics are absent
    and what is judged is fidelity, support and readiness."""
    defaults = [cases.DraftCase(artifact=k.name, **inputs) for k in registry.kinds() for inputs in k.eval_cases]
    metrics: list[Metric] = []
    for real_set in real.available():
        context = EvalContext(store, real_set.project, analyze(store, real_set.project), None)
        found, _ = _drafts(context, model, provider, defaults, prefix=f"{real_set.name}.")
        metrics += found
    return metrics


def prepare(settings: Settings) -> Store:
    """The eval store: the sample corpus and the safety cases, ingested (idempotently) into its own data dir."""
    store = open_store(settings)
    ingest(store, list(INPUTS), PROJECT)
    real.fresh_themes(store, PROJECT)
    real.prepare(store)
    return store


def run(
    settings: Settings,
    *,
    suites: list[str],
    providers: list[str],
    baseline: Path | None = None,
    thresholds: Path | None = None,
    feedback: tuple[Settings, str] | None = None,
) -> EvalReport:
    """`feedback`: the user's settings and a project whose helpful Slack answers become retrieval cases."""
    started = time.perf_counter()
    store = prepare(settings)
    truth = cases.truth()
    metrics: list[Metric] = []
    if "retrieval" in suites:
        metrics += retrieval.evaluate(store, PROJECT, cases.retrieval_cases(), truth)
        metrics += retrieval.per_ranker(store, PROJECT, cases.retrieval_cases(), truth)
    if "retrieval" in suites and feedback is not None:
        own, project = feedback
        rated = retrieval.feedback_cases(Feedback(own.service_db).rated(project))
        if rated:
            metrics += retrieval.evaluate(open_store(own), project, rated, truth, prefix="feedback")
    # Themes are analysed once: the themes suite and every provider's draft metrics read the same report.
    themes = analyze(store, PROJECT) if {"themes", "drafts", "safety"} & set(suites) else None
    if themes is not None and "themes" in suites:
        metrics += theme_quality.evaluate(themes, truth)
        metrics += real.evaluate(store)
    outputs: dict[str, list[str]] = {}
    prompts: dict[str, list[str]] = {}
    if themes is not None and ("drafts" in suites or "safety" in suites):
        for provider in providers:
            model = RecordingModel(get_model(settings, provider))
            found, outputs[provider] = _drafts(
                EvalContext(store, PROJECT, themes, truth), model, provider, cases.draft_cases()
            )
            if "drafts" in suites:
                metrics += found + _real_drafts(store, model, provider)
            prompts[provider] = model.prompts
    if "safety" in suites:
        metrics += safety.evaluate(store, PROJECT, cases.safety_cases(), outputs, prompts)
    failures = judge(metrics, load_thresholds(thresholds) if thresholds else load_thresholds())
    if baseline is not None:
        apply_baseline(metrics, baseline)
    return EvalReport(
        suites=[s for s in SUITES if s in suites],
        providers=providers,
        corpus="corpus/data + evals/safety/injected_tickets.jsonl; real: " + ", ".join(real.describe()["sets"]),
        seconds=round(time.perf_counter() - started, 1),
        metrics=metrics,
        failures=failures,
    )


def write(report: EvalReport, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "eval-report.md", out / "eval-report.json"
    md.write_text(markdown(report), encoding="utf-8")
    js.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return md, js
