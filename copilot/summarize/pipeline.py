"""`copilot summarize`: a survey dump to a report, in resumable stages.

Stages: ingest (streamed, malformed rows reported and skipped), themes for each open-ended question, one
narrative per theme and one executive summary (model calls grow with themes, never with rows; they run
concurrently under a limit, after a cost estimate), then the report. Each finished stage and each narrative is
saved in the run's state file, so `--resume` continues where an interrupted run stopped.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from copilot.analysis.feedback import load_feedback
from copilot.analysis.schema import ThemePublic, ThemesReport
from copilot.analysis.themes import analyze
from copilot.config import Settings
from copilot.drafts.narrate import ask_verified, fenced_inputs, pack_evidence
from copilot.drafts.pain_points import SURVEY, extractive_text, theme_stats
from copilot.drafts.schema import Provenance, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item, figures_of
from copilot.errors import CopilotError
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.pipeline import ingest
from copilot.ingest.records import metadata_key
from copilot.llm.base import Message, T, Usage
from copilot.llm.recording import RecordingModel
from copilot.llm.registry import get_model
from copilot.models import IngestReport, SearchFilter
from copilot.prompts import load_prompt
from copilot.store import open_store
from copilot.store.chroma import Store
from copilot.summarize.cost import CostEstimate, estimate
from copilot.summarize.schema import (
    ExecutiveSummaryText,
    SegmentCell,
    SummaryReport,
    SummarySection,
    SummaryTheme,
)

THEMES_PER_SECTION = 12
MIN_MENTIONS = 3


class Options(BaseModel):
    file: Path
    project: str | None = None
    text_cols: list[str] = Field(default_factory=list)
    by: str | None = None
    provider: str | None = None
    max_cost: float | None = None
    resume: bool = False
    concurrency: int = 4


class Hooks(Protocol):
    def stage(self, name: str, total: int | None) -> None: ...
    def advance(self, name: str, completed: int) -> None: ...
    def confirm(self, estimate: CostEstimate) -> bool: ...


class State(BaseModel):
    """What a run has finished, saved after each step."""

    run_id: str
    project: str
    provider: str | None = None
    ingest: IngestReport | None = None
    sections: dict[str, ThemesReport] | None = None
    narratives: dict[str, dict[str, Any]] = Field(default_factory=dict)
    executive: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    usage: Usage = Field(default_factory=Usage)
    calls: int = 0
    repairs_left: int = 1  # the run's repair budget: calls stay at most themes + 2


def run_id(opts: Options) -> str:
    digest = hashlib.sha256()
    with opts.file.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    digest.update(json.dumps([sorted(opts.text_cols), opts.by]).encode())
    return digest.hexdigest()[:16]


class Run:
    def __init__(self, settings: Settings, opts: Options, hooks: Hooks) -> None:
        if not opts.file.is_file():
            raise CopilotError("bad_input", f"{opts.file}: no such file")
        self.settings, self.opts, self.hooks = settings, opts, hooks
        self.id = run_id(opts)
        self.dir = settings.data_dir / "summaries" / self.id
        self.state_file = self.dir / "state.json"
        self.lock = threading.Lock()
        if opts.resume and self.state_file.exists():
            self.state = State.model_validate_json(self.state_file.read_text(encoding="utf-8"))
        else:
            self.state = State(run_id=self.id, project=opts.project or f"summary-{self.id[:10]}")
        self.model = RecordingModel(get_model(settings, opts.provider))
        self.calls_before = self.state.calls
        if self.state.provider != self.model.provider:  # another provider: its narratives do not carry over
            self.state.narratives, self.state.executive, self.state.provider = {}, None, self.model.provider
        self.store: Store = open_store(settings)

    def save(self) -> None:
        with self.lock:
            self.state.calls = self.calls_before + self.model.calls
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(self.state.model_dump_json(), encoding="utf-8")
            tmp.replace(self.state_file)

    # Stage 1
    def ingest(self) -> IngestReport:
        if self.state.ingest is None:
            self.hooks.stage("ingest", _rows_estimate(self.opts.file))
            mapping = ColumnMapping(text=self.opts.text_cols) if self.opts.text_cols else None
            self.state.ingest = ingest(
                self.store,
                [self.opts.file],
                self.state.project,
                mapping=mapping,
                progress=lambda name, rows: self.hooks.advance("ingest", rows),
            )
            if not (
                self.state.ingest.records_added
                + self.state.ingest.records_updated
                + self.state.ingest.records_unchanged
            ):
                reasons = "; ".join(s.reason for s in self.state.ingest.skipped[:3])
                raise CopilotError("bad_input", f"{self.opts.file}: no usable responses ({reasons})")
            self.save()
        return self.state.ingest

    # Stage 2
    def themes(self) -> dict[str, ThemesReport]:
        if self.state.sections is None:
            self.hooks.stage("themes", None)
            fs = load_feedback(self.store, self.state.project)
            questions = sorted({str(m["question"]) for m in fs.metas if m.get("question")})
            del fs  # analyze loads its own copy: two at once would double the peak memory
            sections = {}
            for q in questions or [""]:
                filters = SearchFilter(question=[q]) if q else None
                sections[q] = analyze(self.store, self.state.project, filters=filters)
            self.state.sections = sections
            self.save()
        return self.state.sections

    def kept(self, report: ThemesReport) -> list[ThemePublic]:
        live = [t for t in report.themes if t.mentions >= MIN_MENTIONS]
        return sorted(live, key=lambda t: (-t.reach, t.id))[:THEMES_PER_SECTION]

    # Stage 3
    def narratives(self, sections: dict[str, ThemesReport], texts: dict[str, str]) -> None:
        tasks = [(q, t) for q, r in sections.items() for t in self.kept(r)]
        pending = [(q, t) for q, t in tasks if _key(q, t) not in self.state.narratives]
        if not self.model.can_generate:
            return
        messages = {_key(q, t): self._theme_messages(q, t, texts) for q, t in pending}  # estimated as sent
        prompts = [message.content for message, _ in messages.values()]
        if self.state.executive is None:
            prompts.append(prompts[0] if prompts else "")
        cost = estimate(self.model.provider, self.model.model, [p for p in prompts if p])
        if self.opts.max_cost is not None and (cost.cost_usd is None or cost.cost_usd > self.opts.max_cost):
            raise CopilotError(
                "cost_limit", f"stopped before any model call: {cost.describe()}, over --max-cost ${self.opts.max_cost}"
            )
        if pending and not self.hooks.confirm(cost):
            raise CopilotError("cancelled", "no model calls made; rerun with --yes, or without a provider")
        self.hooks.stage("narratives", len(pending))
        with ThreadPoolExecutor(max_workers=self.opts.concurrency) as pool:
            futures: list[Future[None]] = [
                pool.submit(self._narrate, q, t, texts, *messages[_key(q, t)]) for q, t in pending
            ]
            try:
                for n, future in enumerate(futures, 1):
                    future.result()
                    self.hooks.advance("narratives", n)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
            finally:
                self.save()

    def texts(self, sections: dict[str, ThemesReport]) -> dict[str, str]:
        """The records the report quotes and narrates from, fetched once for every stage that needs them."""
        themes = [t for r in sections.values() for t in self.kept(r)]
        ids = sorted({q.record_id for t in themes for q in t.quotes} | {r for t in themes for r in t.record_ids[:30]})
        return {rid: r.text for rid, r in self.store.get_records(self.state.project, ids).items()}

    def _theme_messages(self, question: str, theme: ThemePublic, texts: dict[str, str]) -> tuple[Message, list[str]]:
        stats = theme_stats(theme)
        title, text = extractive_text(theme.label, stats, SURVEY)
        draft = ThemeNarrative(
            title=title,
            description=text,
            citations=[Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes[:3]],
        )
        evidence, used = pack_evidence([q.record_id for q in theme.quotes] + theme.record_ids, texts)
        content = load_prompt("summary_theme").render(
            question=question or "(one open-ended question)",
            label=theme.label,
            statistics=json.dumps(stats.model_dump(), indent=1),
            **fenced_inputs(draft, evidence),
        )
        return Message(role="user", content=content), used

    def _reserve_repair(self) -> bool:
        with self.lock:
            if self.state.repairs_left > 0:
                self.state.repairs_left -= 1
                return True
            return False

    def _ask(
        self,
        message: Message,
        schema: type[T],
        check: Callable[[T], list[str]],
        verification: Verification,
        usage: list[Usage],
    ) -> tuple[T | None, list[str]]:
        """One verified call; it may take the run's single repair round, and gives it back when unused."""
        repair = self._reserve_repair()
        attempts = [0]
        reply, failures = ask_verified(
            self.model,
            [message],
            schema,
            check,
            verification,
            usage,
            repair=repair,
            on_attempt=lambda: attempts.__setitem__(0, attempts[0] + 1),
        )
        if repair and attempts[0] < 2:
            with self.lock:
                self.state.repairs_left += 1
        return reply, failures

    def _narrate(
        self, question: str, theme: ThemePublic, texts: dict[str, str], message: Message, used: list[str]
    ) -> None:
        with self.lock:
            over = self.opts.max_cost is not None and self.state.usage.cost_usd >= self.opts.max_cost
        if over:
            with self.lock:
                self.state.warnings.append(f"{theme.label}: not sent to the model, --max-cost reached")
            return
        allowed = {rid: texts[rid] for rid in used}
        verification, usage = Verification(), []
        figures = figures_of(theme_stats(theme))
        reply, failures = self._ask(
            message,
            ThemeNarrative,
            lambda n: check_item(f"{n.title} {n.description}", n.citations, allowed, figures, verification),
            verification,
            usage,
        )
        with self.lock:
            self.state.usage = sum(usage, self.state.usage)
            v = self.state.verification
            v.items_checked += verification.items_checked
            v.quotes_checked += verification.quotes_checked
            v.numbers_checked += verification.numbers_checked
            if reply is None:
                v.items_dropped += 1
                note = (
                    f"{theme.label}: the model's narrative failed verification, so the extractive one stands "
                    f"({'; '.join(failures)[:200]})"
                )
                v.failures.append(note)
                self.state.warnings.append(note)
            else:
                self.state.narratives[_key(question, theme)] = reply.model_dump() | {"worded_by": "model"}
        self.save()

    # Stage 4 and the report
    def report(self, sections: dict[str, ThemesReport], texts: dict[str, str], started: float) -> SummaryReport:
        key = metadata_key(self.opts.by) if self.opts.by else None
        out_sections = []
        for q, r in sections.items():
            themes = [self._theme(q, t, key, texts) for t in self.kept(r)]
            out_sections.append(
                SummarySection(
                    question=q or None,
                    records=r.records,
                    themes=themes,
                    unclustered=r.unclustered.mentions,
                    unclustered_share=r.unclustered.share,
                )
            )
        executive = self._executive(out_sections, texts)
        prompts = (
            {
                "summary_theme": load_prompt("summary_theme").version,
                "summary_executive": load_prompt("summary_executive").version,
            }
            if self.model.can_generate
            else {}
        )
        ingest_report = self.state.ingest
        assert ingest_report is not None
        return SummaryReport(
            title=f"What {self.opts.file.name} says",
            source_file=self.opts.file.name,
            project=self.state.project,
            rows_read=ingest_report.rows_read,
            records=sum(s.records for s in out_sections),
            skipped=ingest_report.skipped,
            by=self.opts.by,
            executive_summary=executive,
            sections=out_sections,
            warnings=self.state.warnings,
            verification=self.state.verification,
            provenance=Provenance(
                provider=self.model.provider,
                model=self.model.model,
                prompt="summary_theme" if self.model.can_generate else None,
                prompt_version=prompts.get("summary_theme"),
                evidence_ids=sorted({c.record_id for s in out_sections for t in s.themes for c in t.quotes}),
                tokens={"prompt": self.state.usage.prompt_tokens, "completion": self.state.usage.completion_tokens},
                cost_usd=self.state.usage.cost_usd,
            ),
            prompts=prompts,
            model_calls=self.calls_before + self.model.calls,
            seconds=round(time.perf_counter() - started, 1),
        )

    def _theme(self, question: str, theme: ThemePublic, key: str | None, texts: dict[str, str]) -> SummaryTheme:
        stats = theme_stats(theme)
        title, text = extractive_text(theme.label, stats, SURVEY)
        quotes = [Citation(record_id=q.record_id, quote=q.text) for q in theme.quotes[:3]]
        worded = self.state.narratives.get(_key(question, theme))
        citations = quotes
        if worded:
            title, text = worded["title"], worded["description"]
            citations = [Citation.model_validate(c) for c in worded["citations"]]
        else:  # the extractive text is checked like any other
            failures = check_item(f"{title} {text}", quotes, texts, figures_of(stats), self.state.verification)
            if failures:
                raise CopilotError("verification", f"{theme.label}: {'; '.join(failures)}")
        cells = (
            [
                SegmentCell(value=s.value, mentions=s.mentions, share=s.share, lift=s.lift)
                for s in theme.segments.get(key, [])
            ]
            if key
            else []
        )
        return SummaryTheme(
            id=theme.id,
            label=theme.label,
            title=title,
            narrative=text,
            worded_by="model" if worded else "extractive",
            mentions=theme.mentions,
            reach=theme.reach,
            share=theme.share,
            share_ci=theme.share_ci,
            sentiment_mean=theme.sentiment.mean,
            negative_share=theme.sentiment.negative_share,
            complaint_share=theme.severity.complaint_share,
            trend=theme.trend.direction,
            monthly=theme.trend.monthly,
            by_segment=cells,
            quotes=list({(c.record_id, c.quote): c for c in quotes + citations}.values()),
        )

    def _executive(self, sections: list[SummarySection], texts: dict[str, str]) -> ExecutiveSummaryText:
        ranked = sorted((t for s in sections for t in s.themes), key=lambda t: -t.reach)
        labels: set[str] = set()
        themes = [t for t in ranked if not (t.label in labels or labels.add(t.label))]  # once, if in two sections
        top = themes[:3]
        listing = "; ".join(f"{t.label} ({t.reach} respondents, {t.share * 100:.1f}%)" for t in top)
        growing = [t.label for t in themes if t.trend == "growing"][:3]
        if not top:  # nothing to claim, so nothing to cite
            responses = sum(s.records for s in sections)
            return ExecutiveSummaryText(
                text=f"No themes were found: too few of the {responses} responses share a topic.", citations=[]
            )
        text = f"The themes raised by the most respondents are {listing}."
        if growing:
            text += f" Growing over the period: {', '.join(growing)}."
        draft = ExecutiveSummaryText(text=text, citations=[t.quotes[0] for t in top if t.quotes])
        figures = figures_of([t.model_dump(exclude={"quotes", "narrative", "title"}) for t in themes])
        if self.state.executive:
            return ExecutiveSummaryText.model_validate(self.state.executive)
        if self.model.can_generate and top:
            lines = "\n".join(
                f"- {t.label}: mentions {t.mentions}, reach {t.reach}, share {t.share}, "
                f"trend {t.trend}, complaint share {t.complaint_share}"
                for t in themes[:12]
            )
            evidence, used = pack_evidence([c.record_id for t in themes for c in t.quotes], texts)
            content = load_prompt("summary_executive").render(themes=lines, **fenced_inputs(draft, evidence))
            usage: list[Usage] = []
            allowed = {rid: texts[rid] for rid in used}
            reply, failures = self._ask(
                Message(role="user", content=content),
                ExecutiveSummaryText,
                lambda x: check_item(x.text, x.citations, allowed, figures, self.state.verification),
                self.state.verification,
                usage,
            )
            self.state.usage = sum(usage, self.state.usage)
            if reply is not None:
                self.state.executive = reply.model_dump()
                self.save()
                return reply
            self.state.warnings.append(f"executive summary: the extractive one stands ({'; '.join(failures)[:200]})")
        failures = check_item(draft.text, draft.citations, texts, figures, self.state.verification)
        if failures:
            raise CopilotError("verification", f"executive summary: {'; '.join(failures)}")
        return draft


def _key(question: str, theme: ThemePublic) -> str:
    return f"{question}\x1f{theme.id}"


def _rows_estimate(path: Path) -> int | None:
    """Lines in a text file (for the progress bar's ETA); None for a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    with path.open("rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def summarize(settings: Settings, opts: Options, hooks: Hooks) -> SummaryReport:
    started = time.perf_counter()
    run = Run(settings, opts, hooks)
    run.ingest()
    sections = run.themes()
    texts = run.texts(sections)
    run.narratives(sections, texts)
    report = run.report(sections, texts, started)
    run.save()
    return report
