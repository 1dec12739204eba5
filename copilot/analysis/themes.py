"""Themes of a project's feedback with their statistics. Reading never writes: discovery is its own step.

`discover_themes` clusters the feedback and saves the theme model with the project; `analyze` assigns every
segment (new ones included) to the saved model and computes the statistics, and raises `no_themes` when there is
no model yet, so a read can never change what another reader sees. A theme is one topic on one polarity side
(theme_model.py); its subthemes are its topic's subtopics on the same side, with every statistic at both levels.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from copilot.analysis import lowinfo, nps, quotes, sentiment, stats
from copilot.analysis.clustering import ClusterParams
from copilot.analysis.feedback import FeedbackSet, load_feedback
from copilot.analysis.labels import RULE as LABEL_RULE
from copilot.analysis.names import name_themes
from copilot.analysis.polarity import POLARITIES
from copilot.analysis.polarity import RULES as POLARITY_RULES
from copilot.analysis.schema import (
    BucketPublic,
    LowInformationPublic,
    Polarity,
    PolarityMix,
    Quote,
    SubthemePublic,
    ThemeFigures,
    ThemePublic,
    ThemesReport,
)
from copilot.analysis.taxonomy import Taxonomy
from copilot.analysis.theme_model import SIDES, UNSTABLE_BELOW, ThemeModel, discover, sides_of, theme_id
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Model
from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter

MIN_THEME_SHARE = 0.002  # a topic's side smaller than this share of the records (or than 3) is not a theme


def discover_themes(
    store: Store,
    project: str,
    params: ClusterParams | None = None,
    namer: Model | None = None,
    *,
    keep_ids: bool = True,
) -> ThemeModel:
    """Cluster all current feedback and save the theme model (ids of topics that stay are kept, unless not
    `keep_ids`: then ids are what this feedback alone gives). With a model (`namer`), each theme is also named by
    it, and a name that fails its check keeps the extractive label."""
    params = params or ClusterParams()
    fs = load_feedback(store, project)
    previous = ThemeModel.from_store(store, project) if keep_ids else None
    # Ids are carried over by assigning the text to the old centres: only possible in the same embedding space.
    model = discover(fs, previous if is_current(previous, store) else None, params)
    if namer is not None:
        model.discovered["naming"] = namer.provider
        notes = name_themes(namer, model, fs)
        model.discovered["names_refused"] = len(notes)
        model.naming_notes = notes
    model.save(store, project)  # even with no themes (too little text): discovery ran, and reads say so
    return model


def has_themes(store: Store, project: str) -> bool:
    return is_current(ThemeModel.from_store(store, project), store)


def is_current(model: ThemeModel | None, store: Store) -> bool:
    """A saved theme model the project can read: made with the embedding its records are stored with."""
    return model is not None and model.discovered.get("embedding") == load_embedding_name(store)


def load_embedding_name(store: Store) -> str:
    from copilot.analysis.embedding import analysis_embedder

    return analysis_embedder(store.settings).name


def load_model(store: Store, project: str) -> ThemeModel:
    model = ThemeModel.from_store(store, project)
    if model is None:
        raise CopilotError(
            ErrorCode.no_themes,
            f"project {project!r} has no themes yet: discover them with `copilot themes --project {project}` "
            f"(or POST /v1/projects/{project}/themes)",
        )
    wanted = load_embedding_name(store)
    if model.discovered.get("embedding") != wanted:
        raise CopilotError(
            ErrorCode.no_themes,
            f"the themes of project {project!r} were found with {model.discovered.get('embedding')}, not "
            f"{wanted}: rediscover them with `copilot themes --project {project} --rediscover`",
        )
    return model


@dataclass
class Assigned:
    """Per segment: its topic, subtopic and side; the names to show; and which records the filter keeps."""

    topic: list[str]
    sub: list[str]
    side: np.ndarray
    names: dict[str, str]
    keywords: dict[str, list[str]]
    keep: np.ndarray
    warnings: list[str]


def assign_segments(
    fs: FeedbackSet, model: ThemeModel, params: ClusterParams, filters: SearchFilter, taxonomy: Taxonomy | None
) -> Assigned:
    topic, sub = model.assign(fs.vectors, params.min_similarity)
    topic = ["" if low else t for t, low in zip(topic, fs.seg_low, strict=True)]
    sub = ["" if low else s for s, low in zip(sub, fs.seg_low, strict=True)]
    names = {theme_id(t, side): model.label(t, side) for t in model.topics for side in SIDES}
    names |= {theme_id(s, side): model.label(s, side) for s in model.subtopics for side in SIDES}
    keywords = {k: v.get("keywords", []) for k, v in (model.topics | model.subtopics).items()}
    warnings: list[str] = []
    if taxonomy is not None:
        topic, renamed, warnings = taxonomy.apply(topic, sub, model)
        for tid, label in renamed.items():
            names |= {theme_id(tid, side): label for side in SIDES}
    mask = fs.columns.mask(fs.columns.resolve(filters))
    keep = np.ones(len(fs), dtype=bool) if mask is None else mask
    return Assigned(topic, sub, sides_of(fs.seg_polarity), names, keywords, keep, warnings)


@dataclass
class _Context:
    fs: FeedbackSet
    population: stats.Population
    pop_dates: Counter[str]  # records per month
    scores: dict[str, int]  # NPS by respondent, over the analysed records
    complaint_records: np.ndarray  # records holding a complaint segment
    quotes_per_theme: int


def _figures(c: _Context, key: str, side: str, segs: list[int], label: str, words: list[str]) -> dict[str, Any]:
    fs = c.fs
    recs = sorted(set(fs.seg_record[segs].tolist()))
    metas = [fs.metas[r] for r in recs]
    ids = [fs.ids[r] for r in recs]
    share = round(len(recs) / max(c.population.size, 1), 4)
    share_ci = stats.wilson(len(recs), c.population.size)
    reach = stats.reach(metas, ids)
    segments = stats.segment_splits(metas, c.population)
    trend = stats.trend([m.get("date") for m in metas], c.pop_dates)
    mood = sentiment.summarize([float(fs.sentiment[r]) for r in recs])
    severity = stats.severity([fs.texts[r] for r in recs], metas, [bool(c.complaint_records[r]) for r in recs])
    revenue = stats.revenue(metas)
    impact = nps.impact({nps.respondent(m, i) for m, i in zip(metas, ids, strict=True)}, c.scores)
    counts = np.bincount(fs.seg_polarity[segs].astype(int), minlength=len(POLARITIES))
    return {
        "id": key,
        "side": side,
        "label": label,
        "keywords": words,
        "record_ids": ids,
        "mentions": len(recs),
        "reach": reach,
        "share": share,
        "share_ci": share_ci,
        "segments": segments,
        "trend": trend,
        "sentiment": mood,
        "severity": severity,
        "revenue": revenue,
        "polarity": PolarityMix(**dict(zip(POLARITIES, (int(x) for x in counts), strict=True))),
        "nps": impact,
        "quotes": _quotes(fs, segs, c.quotes_per_theme),
        "stats": stats.digest(
            side, len(recs), reach, share, share_ci, segments, trend, mood, severity, revenue, impact
        ),
    }


def _quotes(fs: FeedbackSet, segs: list[int], k: int) -> list[Quote]:
    """Representative verbatim segments of these, each tagged with what it does (complaint, request, ...)."""
    if not segs or k <= 0:
        return []
    centre = fs.vectors[segs].mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    return quotes.representative(
        fs.vectors[segs],
        centre,
        [fs.segment_text(i) for i in segs],
        [fs.ids[fs.seg_record[i]] for i in segs],
        k=k,
        polarity=[cast(Polarity, POLARITIES[int(fs.seg_polarity[i])]) for i in segs],
    )


def _requests(fs: FeedbackSet, segs: list[int], limit: int = 5) -> list[Quote]:
    """The asks of a pain theme: its request sentences, central and unlike each other."""
    asks = [i for i in segs if POLARITIES[int(fs.seg_polarity[i])] == "request"][:400]
    return _quotes(fs, asks, limit)


def _counter_evidence(c: _Context, praise_segs: list[int], limit: int = 3) -> list[Quote]:
    """Praise on the same topic, from promoters and high ratings first: what a PM weighs against the pain."""
    fs = c.fs
    out: list[Quote] = []
    for warmth in (2, 1, 0):  # promoters, then high ratings, then the rest
        tier = [i for i in praise_segs if _warmth(fs.metas[fs.seg_record[i]]) == warmth][:200]
        if not tier or len(out) >= limit:
            continue
        picked = _quotes(fs, tier, limit - len(out))
        out += [q for q in picked if q.record_id not in {o.record_id for o in out}]
    return out[:limit]


def _warmth(meta: dict[str, Any]) -> int:
    score = meta.get("nps")
    if isinstance(score, int | float):
        return 2 if score >= 9 else 0
    rating = meta.get("rating")
    return 1 if isinstance(rating, int | float) and rating >= (8 if rating > 5 else 4) else 0


def _group(a: Assigned, fs: FeedbackSet) -> tuple[dict[tuple[str, str], list[int]], dict[tuple[str, str], list[int]]]:
    """Kept segments per (topic, side) and per (subtopic, side)."""
    by_topic: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_sub: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, t in enumerate(a.topic):
        if t and a.keep[fs.seg_record[i]]:
            side = SIDES[int(a.side[i])]
            by_topic[(t, side)].append(i)
            if a.sub[i]:
                by_sub[(a.sub[i], side)].append(i)
    return by_topic, by_sub


def _themes(
    c: _Context,
    model: ThemeModel,
    a: Assigned,
    by_topic: dict[tuple[str, str], list[int]],
    by_sub: dict[tuple[str, str], list[int]],
) -> list[ThemePublic]:
    floor = max(3, int(np.ceil(MIN_THEME_SHARE * c.population.size)))
    out: list[ThemePublic] = []
    for (topic, side), segs in sorted(by_topic.items()):
        if len(set(c.fs.seg_record[segs].tolist())) < floor:
            continue
        key = theme_id(topic, side)
        subs = [
            SubthemePublic(
                theme_id=key,
                **_figures(c, theme_id(s, side), side, ss, a.names[theme_id(s, side)], a.keywords.get(s, [])),
            )
            for (s, sub_side), ss in sorted(by_sub.items())
            if sub_side == side and model.subtopics.get(s, {}).get("topic") == topic and len(ss) >= 2
        ]
        subs.sort(key=lambda sub: (-sub.mentions, sub.id))  # by the records that raise it, as a draft lists them
        stability = float(model.topics.get(topic, {}).get("stability", 0.0))
        figures = _figures(c, key, side, segs, a.names[key], a.keywords.get(topic, []))
        praise = by_topic.get((topic, "praise"), []) if side == "pain" else []
        out.append(
            ThemePublic(
                **figures,
                topic_id=topic,
                pain=side == "pain",
                stability=stability,
                unstable=stability < UNSTABLE_BELOW,
                counter_evidence=_counter_evidence(c, praise),
                requests=_requests(c.fs, segs) if side == "pain" else [],
                subthemes=subs,
            )
        )
    stats.adjust_trends([t.trend for t in out])
    stats.adjust_trends([s.trend for t in out for s in t.subthemes])
    everything: list[ThemeFigures] = [*out, *(s for t in out for s in t.subthemes)]
    for shown in everything:
        shown.stats.trend = shown.trend.direction
    out.sort(key=lambda t: (-t.mentions, t.id))
    return out


def _buckets(
    fs: FeedbackSet, population: np.ndarray, themes: Sequence[ThemeFigures], a: Assigned
) -> tuple[BucketPublic, LowInformationPublic]:
    in_theme = {r for t in themes for r in t.record_ids}
    informative = np.zeros(len(fs), dtype=bool)
    informative[fs.seg_record[~fs.seg_low]] = True
    low = [r for r in population if not informative[r]]
    loose = [r for r in population if informative[r] and fs.ids[r] not in in_theme]
    n = max(len(population), 1)
    examples = [Quote(record_id=fs.ids[r], text=fs.texts[r]) for r in low[:5] if fs.texts[r].strip()]
    return (
        BucketPublic(record_ids=[fs.ids[r] for r in loose], mentions=len(loose), share=round(len(loose) / n, 4)),
        LowInformationPublic(
            record_ids=[fs.ids[r] for r in low], mentions=len(low), share=round(len(low) / n, 4), examples=examples
        ),
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
    a = assign_segments(fs, model, params, filters or SearchFilter(), taxonomy)
    population = np.flatnonzero(a.keep)
    pop_metas = [fs.metas[r] for r in population]
    pop_ids = [fs.ids[r] for r in population]
    complaint = np.zeros(len(fs), dtype=bool)
    complaint[fs.seg_record[fs.seg_polarity == POLARITIES.index("complaint")]] = True
    scores = nps.scores(pop_metas, pop_ids)
    c = _Context(
        fs,
        stats.Population(pop_metas),
        stats.month_counts([m.get("date") for m in pop_metas]),
        scores,
        complaint,
        quotes_per_theme,
    )
    by_topic, by_sub = _group(a, fs)
    themes = _themes(c, model, a, by_topic, by_sub)
    unclustered, low = _buckets(fs, population, themes, a)
    return ThemesReport(
        project=project,
        records=len(population),
        themes=themes,
        unclustered=unclustered,
        low_information=low,
        nps=nps.summary(scores.values()),
        nps_by_segment=nps.by_segment(pop_metas, pop_ids, ["segment", "plan", "role", "company_size"]),
        drivers=nps.drivers(themes),
        method=_method(model),
        warnings=a.warnings,
    )


def _method(model: ThemeModel) -> dict[str, str | int | float]:
    return {
        **{k: v for k, v in model.discovered.items() if isinstance(v, str | int | float)},
        "trend_test": stats.TREND_TEST,
        "share_interval": "95% Wilson score interval",
        "reach": "distinct customer ids; a record without one counts as its own customer",
        "segments": "sentences and clauses; a record is in every theme one of its segments is in",
        "polarity": POLARITY_RULES,
        "pain_rule": stats.PAIN_RULE,
        "labels": LABEL_RULE,
        "low_information": lowinfo.RULE,
        "stability": f"per topic, mean best Jaccard overlap on 90% resamples; below {UNSTABLE_BELOW} is unstable",
        "nps": nps.METHOD,
    }
