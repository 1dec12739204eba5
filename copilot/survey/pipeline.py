"""The survey report: a survey dump to a report a PM forwards, in resumable stages.

Stages: ingest (streamed, malformed rows reported and skipped), theme discovery and themes for each open-ended
question, one narrative per theme and one executive summary (through the same narration path as the pain-point
draft; model calls grow with themes, never with rows, and run concurrently under a limit after a cost estimate),
then the report. Each finished stage and each narrative is saved in the run's state file, so `--resume`
continues where an interrupted run stopped.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from copilot.analysis.feedback import load_feedback
from copilot.analysis.schema import ThemePublic, ThemesReport
from copilot.analysis.themes import analyze, discover_themes, has_themes
from copilot.config import Settings
from copilot.drafts.narrate import Narrated, Narrator, RepairBudget, Request
from copilot.drafts.schema import ExecutiveSummary, ThemeNarrative
from copilot.drafts.theme_narration import Told, executive_request, survey, theme_request
from copilot.drafts.verify import Citation, Verification
from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.pipeline import ingest
from copilot.ingest.records import metadata_key
from copilot.llm.base import Usage
from copilot.llm.recording import RecordingModel
from copilot.llm.registry import get_model
from copilot.models import IngestReport
from copilot.store import open_store
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.survey import figures
from copilot.survey.cost import CostEstimate, estimate
from copilot.survey.figures import Respondents
from copilot.survey.schema import SurveyNps, SurveyReport, SurveySection, SurveyTheme

THEMES_PER_SECTION = 12
MIN_MENTIONS = 3
QUOTES = 3


class Options(BaseModel):
    file: Path
    project: str | None = None
    text_cols: list[str] = Field(default_factory=list)
    by: str | None = None
    provider: str | None = None
    max_cost: float | None = None
    resume: bool = False
    concurrency: int | None = None  # model calls at once; by default 4, and 1 for an in-process model


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
    respondents: Respondents | None = None
    narratives: dict[str, dict[str, Any]] = Field(default_factory=dict)
    executive: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    usage: Usage = Field(default_factory=Usage)
    prompts: dict[str, int] = Field(default_factory=dict)
    calls: int = 0
    repairs_left: int = 1  # the run's repair budget: calls stay at most themes + 2


def run_id(opts: Options) -> str:
    digest = hashlib.sha256()
    with opts.file.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    digest.update(json.dumps([sorted(opts.text_cols), opts.by]).encode())
    return digest.hexdigest()[:16]


def _key(question: str, theme: ThemePublic) -> str:
    return f"{question}\x1f{theme.id}"


class Run:
    def __init__(self, settings: Settings, opts: Options, hooks: Hooks) -> None:
        if not opts.file.is_file():
            raise CopilotError(ErrorCode.bad_input, f"{opts.file}: no such file")
        self.settings, self.opts, self.hooks = settings, opts, hooks
        self.id = run_id(opts)
        self.dir = settings.data_dir / "survey-reports" / self.id
        self.state_file = self.dir / "state.json"
        self.lock = threading.Lock()
        if opts.resume and self.state_file.exists():
            self.state = State.model_validate_json(self.state_file.read_text(encoding="utf-8"))
        else:
            self.state = State(run_id=self.id, project=opts.project or f"survey-{self.id[:10]}")
        self.model = RecordingModel(get_model(settings, opts.provider))
        self.calls_before = self.state.calls
        if self.state.provider != self.model.provider:  # another provider: its narratives do not carry over
            self.state.narratives, self.state.executive, self.state.provider = {}, None, self.model.provider
        self.store: Store = open_store(settings)
        self.budget = RepairBudget(shared=self.state.repairs_left)
        self.narrator = Narrator(
            self.model, self.state.verification, self.state.warnings, self.budget, halt=self._over_cost
        )

    def save(self) -> None:
        with self.lock:
            self.state.calls = self.calls_before + self.model.calls
            self.state.repairs_left = self.budget.left or 0
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(self.state.model_dump_json(), encoding="utf-8")
            tmp.replace(self.state_file)

    def _over_cost(self) -> str | None:
        spent = self.state.usage.cost_usd + self.narrator.usage.cost_usd
        if self.opts.max_cost is not None and spent >= self.opts.max_cost:
            return "--max-cost reached"
        return None

    # Stage 1
    def ingest(self) -> IngestReport:
        if self.state.ingest is None:
            self.hooks.stage("ingest", _rows_estimate(self.opts.file))
            mapping = ColumnMapping(text=self.opts.text_cols) if self.opts.text_cols else None
            report = ingest(
                self.store,
                [self.opts.file],
                self.state.project,
                mapping=mapping,
                progress=lambda name, rows: self.hooks.advance("ingest", rows),
            )
            if not (report.records_added + report.records_updated + report.records_unchanged):
                reasons = "; ".join(s.reason for s in report.skipped[:3])
                raise CopilotError(ErrorCode.bad_input, f"{self.opts.file}: no usable responses ({reasons})")
            self.state.ingest = report
            self.save()
        return self.state.ingest

    # Stage 2
    def themes(self) -> dict[str, ThemesReport]:
        if self.state.sections is None or self.state.respondents is None:
            self.hooks.stage("themes", None)
            if not has_themes(self.store, self.state.project):
                discover_themes(self.store, self.state.project)
            fs = load_feedback(self.store, self.state.project)
            counts = Counter(str(m.get("question") or "") for m in fs.metas)
            by_key = metadata_key(self.opts.by) if self.opts.by else None
            self.state.respondents = figures.respondents(fs.metas, fs.ids, by_key)
            # analyze reads this same set (load_feedback keeps the last one): the dump is read once, not per question
            sections = {}
            for q in sorted(counts) if len(counts) > 1 or "" not in counts else [""]:
                filters = SearchFilter(question=[q]) if q else None
                sections[q] = analyze(self.store, self.state.project, filters=filters)
            self.state.sections = sections
            self.save()
        return self.state.sections

    def kept(self, report: ThemesReport) -> list[ThemePublic]:
        live = [t for t in report.themes if t.mentions >= MIN_MENTIONS]
        return sorted(live, key=lambda t: (-t.reach, t.id))[:THEMES_PER_SECTION]

    def texts(self, sections: dict[str, ThemesReport]) -> dict[str, str]:
        """The records the report quotes and narrates from, fetched once for every stage that needs them."""
        themes = [t for r in sections.values() for t in self.kept(r)]
        ids = sorted({q.record_id for t in themes for q in t.quotes} | {r for t in themes for r in t.record_ids[:30]})
        return {rid: r.text for rid, r in self.store.get_records(self.state.project, ids).items()}

    # Stage 3
    def narratives(self, sections: dict[str, ThemesReport], texts: dict[str, str]) -> None:
        requests = [
            theme_request(t, survey(q or None), QUOTES, key=_key(q, t))
            for q, r in sections.items()
            for t in self.kept(r)
        ]
        pending = [r for r in requests if r.key not in self.state.narratives]
        if self.model.can_generate and pending:
            self._check_cost(pending, texts)
        self.hooks.stage("narratives", len(pending))
        done = [0]

        def keep(request: Request[ThemeNarrative], result: Narrated[ThemeNarrative] | None) -> None:
            if result is not None and request.key is not None:
                with self.lock:
                    self.state.narratives[request.key] = result.item.model_dump() | {
                        "worded_by": "model" if result.by_model else "extractive"
                    }
                    done[0] += 1
                self.hooks.advance("narratives", done[0])
                self._fold_usage()
                self.save()

        concurrency = self.opts.concurrency or (1 if self.model.provider == "local" else 4)
        try:
            self.narrator.narrate_all(pending, texts, concurrency=concurrency, on_done=keep)
        finally:  # an interrupted run keeps count of the calls it made
            self._fold_usage()
            self.save()

    def _check_cost(self, pending: list[Request[ThemeNarrative]], texts: dict[str, str]) -> None:
        prompts = [self.narrator.render(r, texts)[0].content for r in pending]
        if self.state.executive is None:
            prompts.append(prompts[0])  # the summary's prompt is about the size of a theme's
        cost = estimate(self.model.provider, self.model.model, prompts)
        if self.opts.max_cost is not None and (cost.cost_usd is None or cost.cost_usd > self.opts.max_cost):
            raise CopilotError(
                ErrorCode.cost_limit,
                f"stopped before any model call: {cost.describe()}, over --max-cost ${self.opts.max_cost}",
            )
        if not self.hooks.confirm(cost):
            raise CopilotError(ErrorCode.cancelled, "no model calls made; rerun with --yes, or without a provider")

    def _fold_usage(self) -> None:
        """Move the narrator's usage into the saved state, so a resumed run counts what was already spent."""
        with self.lock:
            self.state.usage = self.state.usage + self.narrator.usage
            self.state.prompts |= self.narrator.prompts
            self.narrator.usage = Usage()

    # Stage 4 and the report
    def executive(self, sections: list[SurveySection], texts: dict[str, str]) -> ExecutiveSummary:
        if self.state.executive:
            return ExecutiveSummary.model_validate(self.state.executive)
        ranked = sorted((t for s in sections for t in s.themes), key=lambda t: -t.stats.reach)
        unique = list({t.label: t for t in reversed(ranked)}.values())[::-1]  # once, if in two sections
        if not unique:  # nothing to claim, so nothing to cite
            responses = sum(s.records for s in sections)
            return ExecutiveSummary(
                text=f"No themes were found: too few of the {responses} responses share a topic.", citations=[]
            )
        told = [Told(t.title, t.stats, t.quotes) for t in unique]
        audience = survey(sections[0].question if len(sections) == 1 else None)
        result = self.narrator.narrate(executive_request(told, audience), texts)
        self._fold_usage()
        if result is None:
            raise CopilotError(ErrorCode.verification, "the executive summary failed its own verification")
        self.state.executive = result.item.model_dump()
        self.save()
        return result.item

    def report(self, sections: dict[str, ThemesReport], texts: dict[str, str], started: float) -> SurveyReport:
        key = metadata_key(self.opts.by) if self.opts.by else None
        out_sections = [self._section(q, r, key) for q, r in sections.items()]
        respondents = self.state.respondents or Respondents()
        executive = self.executive(out_sections, texts)
        ingest_report = self.state.ingest
        assert ingest_report is not None
        provenance = self.narrator.provenance(c.record_id for s in out_sections for t in s.themes for c in t.quotes)
        provenance.prompts = dict(self.state.prompts)
        provenance.prompt, provenance.prompt_version = next(iter(self.state.prompts.items()), (None, None))
        provenance.tokens = {"prompt": self.state.usage.prompt_tokens, "completion": self.state.usage.completion_tokens}
        provenance.cost_usd = self.state.usage.cost_usd
        return SurveyReport(
            title=f"What {self.opts.file.name} says",
            source_file=self.opts.file.name,
            project=self.state.project,
            rows_read=ingest_report.rows_read,
            records=sum(s.records for s in out_sections),
            skipped=ingest_report.skipped,
            by=self.opts.by,
            by_note=figures.by_note(self.opts.by, respondents.by_values, [t for s in out_sections for t in s.themes]),
            executive_summary=executive,
            nps=self._nps(respondents, sections, out_sections),
            sections=out_sections,
            warnings=self.state.warnings,
            verification=self.state.verification,
            provenance=provenance,
            model_calls=self.calls_before + self.model.calls,
            seconds=round(time.perf_counter() - started, 1),
        )

    def _section(self, question: str, report: ThemesReport, key: str | None) -> SurveySection:
        low = report.low_information
        themes = figures.ordered([x for t in self.kept(report) if (x := self._theme(question, t, key))])
        themes = figures.distinct_titles(themes)
        figures.mark_significant(themes)
        return SurveySection(
            question=question or None,
            records=report.records,
            themes=themes,
            unclustered=report.unclustered.mentions,
            unclustered_share=report.unclustered.share,
            low_information=low.mentions,
            low_information_share=low.share,
            low_information_examples=list(dict.fromkeys(q.text for q in low.examples))[:3],
        )

    def _nps(
        self, respondents: Respondents, sections: dict[str, ThemesReport], shown: list[SurveySection]
    ) -> SurveyNps | None:
        if respondents.nps is None:
            return None
        drivers = [
            d
            for (q, r), s in zip(sections.items(), shown, strict=True)
            for d in figures.drivers(q or None, r, {t.id: t.title for t in s.themes})
        ]
        return SurveyNps(
            summary=respondents.nps,
            by_segment=respondents.nps_by_segment,
            min_respondents=figures.MIN_RESPONDENTS,
            left_out=respondents.nps_left_out,
            drivers=drivers,
        )

    def _theme(self, question: str, theme: ThemePublic, key: str | None) -> SurveyTheme | None:
        """The theme as the report shows it; None, with a warning, when even its extractive wording failed
        verification: nothing unverified gets out, and one theme must not cost the whole report."""
        worded = self.state.narratives.get(_key(question, theme))
        if worded is None:
            warning = f"{theme.label}: left out of the report, its wording failed verification"
            if warning not in self.state.warnings:
                self.state.warnings.append(warning)
            return None
        narrative = ThemeNarrative.model_validate(worded)
        quotes = theme_request(theme, survey(question or None), QUOTES).draft.citations
        cells = figures.cells(theme, key) if key else []
        return SurveyTheme(
            id=theme.id,
            label=theme.label,
            title=narrative.title,
            narrative=narrative.description,
            worded_by=str(worded.get("worded_by", "extractive")),
            stats=theme.stats,
            monthly=theme.trend.monthly,
            by_segment=cells,
            quotes=_distinct(quotes + narrative.citations),
        )


def _distinct(quotes: list[Citation]) -> list[Citation]:
    """Each saying once, first citation kept: the same words from two respondents read as a mistake in a report."""
    seen: dict[str, Citation] = {}
    for c in quotes:
        seen.setdefault(" ".join(c.quote.lower().split()), c)
    return list(seen.values())


def _rows_estimate(path: Path) -> int | None:
    """Lines in a text file (for the progress bar's ETA); None for a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    with path.open("rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def survey_report(settings: Settings, opts: Options, hooks: Hooks) -> SurveyReport:
    started = time.perf_counter()
    run = Run(settings, opts, hooks)
    run.ingest()
    sections = run.themes()
    texts = run.texts(sections)
    run.narratives(sections, texts)
    report = run.report(sections, texts, started)
    run.save()
    return report
