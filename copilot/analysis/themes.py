"""Themes of a project's feedback with their statistics. Reading never writes: discovery is its own step.

`discover_themes` clusters the feedback and saves the theme model with the project; `analyze` assigns every
record (new ones included) to the saved model and computes the statistics, and raises `no_themes` when there is
no model yet, so a read can never change what another reader sees.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from copilot.analysis import quotes, sentiment, stats
from copilot.analysis.clustering import ClusterParams
from copilot.analysis.feedback import ANALYSIS_EMBEDDING, FeedbackSet, load_feedback
from copilot.analysis.schema import SubthemePublic, ThemePublic, ThemesReport, UnclusteredPublic
from copilot.analysis.taxonomy import Taxonomy
from copilot.analysis.theme_model import ThemeModel, discover
from copilot.errors import CopilotError, ErrorCode
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter


def discover_themes(store: Store, project: str, params: ClusterParams | None = None) -> ThemeModel:
    """Cluster all current feedback and save the theme model (ids of themes that stay are kept)."""
    params = params or ClusterParams()
    fs = load_feedback(store, project)
    previous = ThemeModel.from_store(store, project)
    model = discover(fs, previous, params)
    model.save(store, project)  # even with no themes (too little text): discovery ran, and reads say so
    return model


def has_themes(store: Store, project: str) -> bool:
    model = ThemeModel.from_store(store, project)
    return model is not None and model.discovered.get("embedding") == ANALYSIS_EMBEDDING


def load_model(store: Store, project: str) -> ThemeModel:
    model = ThemeModel.from_store(store, project)
    if model is None:
        raise CopilotError(
            ErrorCode.no_themes,
            f"project {project!r} has no themes yet: discover them with `copilot themes --project {project}` "
            f"(or POST /v1/projects/{project}/themes)",
        )
    if model.discovered.get("embedding") != ANALYSIS_EMBEDDING:
        raise CopilotError(
            ErrorCode.no_themes,
            f"the themes of project {project!r} were found with {model.discovered.get('embedding')}, not "
            f"{ANALYSIS_EMBEDDING}: rediscover them with `copilot themes --project {project} --rediscover`",
        )
    return model


@dataclass
class _Assigned:
    """Theme and subtheme per segment, the theme names, and which records the filter keeps."""

    seg_theme: list[str]
    seg_sub: list[str]
    names: dict[str, dict]
    keep: np.ndarray
    warnings: list[str]


def _assign(
    fs: FeedbackSet, model: ThemeModel, params: ClusterParams, filters: SearchFilter, taxonomy: Taxonomy | None
) -> _Assigned:
    seg_theme, seg_sub = model.assign(fs.vectors, params.min_similarity)
    names = {tid: dict(t) for tid, t in model.themes.items()}
    warnings: list[str] = []
    if taxonomy is not None:
        seg_theme, names, warnings = taxonomy.apply(seg_theme, seg_sub, model, names)
    mask = fs.columns.mask(fs.columns.resolve(filters))
    keep = np.ones(len(fs), dtype=bool) if mask is None else mask
    return _Assigned(seg_theme, seg_sub, names, keep, warnings)


def _subthemes(fs: FeedbackSet, model: ThemeModel, segs: list[int], seg_sub: list[str]) -> list[SubthemePublic]:
    counts = Counter(seg_sub[i] for i in segs if seg_sub[i])
    return [
        SubthemePublic(
            id=sid,
            label=model.subthemes[sid]["label"],
            keywords=model.subthemes[sid]["keywords"],
            mentions=len({fs.seg_record[i] for i in segs if seg_sub[i] == sid}),
        )
        for sid, _ in counts.most_common()
        if sid in model.subthemes
    ]


def _theme(
    fs: FeedbackSet,
    model: ThemeModel,
    tid: str,
    segs: list[int],
    a: _Assigned,
    population: stats.Population,
    pop_dates: list[str | None],
    quotes_per_theme: int,
) -> ThemePublic:
    recs = sorted(set(fs.seg_record[segs].tolist()))
    metas = [fs.metas[r] for r in recs]
    ids = [fs.ids[r] for r in recs]
    scores = [float(fs.sentiment[r]) for r in recs]
    centre = fs.vectors[segs].mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    share = round(len(recs) / max(population.size, 1), 4)
    share_ci = stats.wilson(len(recs), population.size)
    reach = stats.reach(metas, ids)
    segments = stats.segment_splits(metas, population)
    trend = stats.trend([m.get("date") for m in metas], pop_dates)
    mood = sentiment.summarize(scores)
    severity = stats.severity([fs.texts[r] for r in recs], metas, scores)
    revenue = stats.revenue(metas)
    seg_records = [fs.ids[fs.seg_record[i]] for i in segs]
    return ThemePublic(
        id=tid,
        label=a.names[tid]["label"],
        keywords=a.names[tid].get("keywords", []),
        record_ids=ids,
        mentions=len(recs),
        reach=reach,
        share=share,
        share_ci=share_ci,
        segments=segments,
        trend=trend,
        sentiment=mood,
        severity=severity,
        revenue=revenue,
        quotes=quotes.representative(
            fs.vectors[segs], centre, [fs.segment_text(i) for i in segs], seg_records, k=quotes_per_theme
        ),
        subthemes=_subthemes(fs, model, segs, a.seg_sub),
        pain=stats.is_pain(severity, mood),
        stats=stats.digest(len(recs), reach, share, share_ci, segments, trend, mood, severity, revenue),
    )


def analyze(
    store: Store,
    project: str,
    *,
    filters: SearchFilter | None = None,
    taxonomy: Taxonomy | None = None,
    params: ClusterParams | None = None,
    quotes_per_theme: int = 5,
) -> ThemesReport:
    """Themes of a project's feedback with their statistics, from the saved theme model (never writes)."""
    params = params or ClusterParams()
    model = load_model(store, project)
    fs = load_feedback(store, project)
    a = _assign(fs, model, params, filters or SearchFilter(), taxonomy)
    population = np.flatnonzero(a.keep)
    by_theme: dict[str, list[int]] = defaultdict(list)  # segment indexes per theme, kept records only
    for i, tid in enumerate(a.seg_theme):
        if tid and a.keep[fs.seg_record[i]]:
            by_theme[tid].append(i)
    pop_metas = [fs.metas[r] for r in population]
    pop_counts = stats.Population(pop_metas)
    pop_dates = [m.get("date") for m in pop_metas]
    out = [_theme(fs, model, tid, segs, a, pop_counts, pop_dates, quotes_per_theme) for tid, segs in by_theme.items()]
    out.sort(key=lambda t: (-t.mentions, t.id))
    in_theme = {r for t in out for r in t.record_ids}
    loose = [fs.ids[r] for r in population if fs.ids[r] not in in_theme]
    return ThemesReport(
        project=project,
        records=len(population),
        themes=out,
        unclustered=UnclusteredPublic(
            record_ids=loose, mentions=len(loose), share=round(len(loose) / max(len(population), 1), 4)
        ),
        method={
            **{k: v for k, v in model.discovered.items() if isinstance(v, str | int | float)},
            "trend_test": stats.TREND_TEST,
            "share_interval": "95% Wilson score interval",
            "reach": "distinct customer ids; a record without one counts as its own customer",
            "segments": "sentences and clauses; a record is in every theme one of its segments is in",
            "pain_rule": stats.PAIN_RULE,
        },
        warnings=a.warnings,
    )
