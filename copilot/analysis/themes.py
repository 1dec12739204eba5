"""Themes: discovered once, saved with the project, applied to every record (new ones included) on each read.

Discovery clusters the segments of all feedback records (see clustering.py) and saves the micro-cluster centres
with the theme and subtheme each belongs to. Reading assigns every segment to its nearest saved centre, so new
records join existing themes and theme ids do not move until `rediscover`. A rediscovery keeps the id of every
theme that mostly holds the same segments as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from copilot.analysis import keywords as kw
from copilot.analysis import quotes, sentiment, stats
from copilot.analysis.clustering import UNCLUSTERED, ClusterParams, assign, cluster
from copilot.analysis.feedback import ANALYSIS_EMBEDDING, FeedbackSet, load_feedback
from copilot.analysis.schema import SubthemePublic, ThemePublic, ThemesReport, UnclusteredPublic
from copilot.analysis.taxonomy import Taxonomy
from copilot.models import SearchFilter
from copilot.store.chroma import Store

_SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass
class ThemeModel:
    centers: np.ndarray
    micro_theme: list[str]  # "" where the micro-cluster belongs to no theme
    micro_subtheme: list[str]
    themes: dict[str, dict[str, Any]]  # id -> {"label", "keywords"}
    subthemes: dict[str, dict[str, Any]]  # id -> {"label", "keywords", "theme"}
    discovered: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return json.dumps({"themes": self.themes, "subthemes": self.subthemes, "discovered": self.discovered})

    @classmethod
    def from_store(cls, store: Store, project: str) -> ThemeModel | None:
        saved = store.load_theme_model(project)
        if saved is None:
            return None
        centers, metas, description = saved
        d = json.loads(description)
        return cls(
            centers,
            [str(m.get("theme", "")) for m in metas],
            [str(m.get("subtheme", "")) for m in metas],
            d["themes"],
            d["subthemes"],
            d.get("discovered", {}),
        )

    def save(self, store: Store, project: str) -> None:
        metas = [
            {"kind": "micro", "theme": t, "subtheme": s}
            for t, s in zip(self.micro_theme, self.micro_subtheme, strict=True)
        ]
        store.save_theme_model(project, self.centers, metas, self.describe())

    def assign(self, vectors: np.ndarray, min_similarity: float) -> tuple[list[str], list[str]]:
        """Theme and subtheme id per segment ("" when unclustered)."""
        micro = assign(vectors, self.centers, min_similarity)
        themes = ["" if m == UNCLUSTERED else self.micro_theme[m] for m in micro]
        subs = ["" if m == UNCLUSTERED else self.micro_subtheme[m] for m in micro]
        return themes, subs


def _slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")[:24] or "theme"


def _short_hash(items: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(sorted(items)).encode(), digest_size=3).hexdigest()


def discover(fs: FeedbackSet, previous: ThemeModel | None, params: ClusterParams) -> ThemeModel:
    result = cluster(fs.vectors, params)
    seg_theme, seg_sub = result.text_themes(), result.text_subthemes()
    theme_nums = sorted(set(seg_theme.tolist()) - {UNCLUSTERED})
    sub_nums = sorted(set(seg_sub.tolist()) - {UNCLUSTERED})
    texts = [fs.segment_text(i) for i in range(len(seg_theme))]
    theme_kw = kw.keywords([[texts[i] for i in np.flatnonzero(seg_theme == t)] for t in theme_nums])
    sub_kw = kw.keywords([[texts[i] for i in np.flatnonzero(seg_sub == s)] for s in sub_nums])
    old = previous.assign(fs.vectors, params.min_similarity)[0] if previous is not None else None
    theme_ids: dict[int, str] = {}
    used: set[str] = set()
    for t, words in zip(theme_nums, theme_kw, strict=True):
        members = np.flatnonzero(seg_theme == t)
        reuse = None
        if old is not None:
            top, count = Counter(old[i] for i in members).most_common(1)[0]
            if top and top not in used and count >= 0.5 * len(members):
                reuse = top
        record_ids = sorted({fs.ids[fs.seg_record[i]] for i in members})
        theme_ids[t] = reuse or f"{_slug(words[0] if words else 'theme')}-{_short_hash(record_ids)}"
        used.add(theme_ids[t])
    themes = {
        theme_ids[t]: {"label": kw.label(words), "keywords": words}
        for t, words in zip(theme_nums, theme_kw, strict=True)
    }
    sub_ids: dict[int, str] = {}
    subthemes: dict[str, dict[str, Any]] = {}
    for s, words in zip(sub_nums, sub_kw, strict=True):
        t = int(Counter(seg_theme[seg_sub == s].tolist()).most_common(1)[0][0])
        base = f"{theme_ids[t]}/{_slug(words[0] if words else 'sub')}"
        sid, n = base, 2
        while sid in subthemes:
            sid, n = f"{base}-{n}", n + 1
        sub_ids[s] = sid
        subthemes[sid] = {"label": kw.label(words), "keywords": words, "theme": theme_ids[t]}
    micro_theme = [theme_ids.get(int(t), "") for t in result.theme]
    micro_sub = [sub_ids.get(int(s), "") for s in result.subtheme]
    discovered = {
        "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "records": len(fs),
        "segments": len(texts),
        "embedding": ANALYSIS_EMBEDDING,
        "micro_clusters": len(result.centers),
        "resolution": params.resolution,
        "radius": params.radius,
        "min_similarity": params.min_similarity,
    }
    return ThemeModel(result.centers, micro_theme, micro_sub, themes, subthemes, discovered)


def _record_mask(fs: FeedbackSet, f: SearchFilter) -> np.ndarray:
    keep = np.ones(len(fs), dtype=bool)
    for col in ("source", "kind", "segment", "plan", "role", "question"):
        wanted = getattr(f, col)
        if wanted:
            keep &= np.array([str(m.get(col, "")) in wanted for m in fs.metas])
    if f.date_from or f.date_to:
        lo = f.date_from.isoformat() if f.date_from else ""
        hi = f.date_to.isoformat() if f.date_to else "9999"
        keep &= np.array([bool(m.get("date")) and lo <= str(m["date"]) <= hi for m in fs.metas])
    return keep


def analyze(
    store: Store,
    project: str,
    *,
    filters: SearchFilter | None = None,
    rediscover: bool = False,
    taxonomy: Taxonomy | None = None,
    params: ClusterParams | None = None,
    quotes_per_theme: int = 5,
) -> ThemesReport:
    """Themes of a project's feedback with their statistics, discovering them first when needed."""
    params = params or ClusterParams()
    fs = load_feedback(store, project)
    model = ThemeModel.from_store(store, project)
    warnings: list[str] = []
    if model is None or rediscover or model.discovered.get("embedding") != ANALYSIS_EMBEDDING:
        model = discover(fs, model, params)
        if model.themes:  # nothing to keep from too little text; the next read tries again
            model.save(store, project)
    seg_theme, seg_sub = model.assign(fs.vectors, params.min_similarity)
    names = {tid: dict(t) for tid, t in model.themes.items()}
    if taxonomy is not None:
        seg_theme, names, warnings = taxonomy.apply(seg_theme, seg_sub, model, names)
    keep = _record_mask(fs, filters or SearchFilter())
    population = np.flatnonzero(keep)
    by_theme: dict[str, list[int]] = defaultdict(list)  # segment indexes per theme, kept records only
    for i, tid in enumerate(seg_theme):
        if tid and keep[fs.seg_record[i]]:
            by_theme[tid].append(i)
    pop_metas = [fs.metas[r] for r in population]
    pop_dates = [m.get("date") for m in pop_metas]
    pop_counts = stats.Population(pop_metas)
    out: list[ThemePublic] = []
    for tid, segs in by_theme.items():
        recs = sorted(set(fs.seg_record[segs].tolist()))
        metas = [fs.metas[r] for r in recs]
        ids = [fs.ids[r] for r in recs]
        centre = fs.vectors[segs].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        seg_records = [fs.ids[fs.seg_record[i]] for i in segs]
        sub_counts = Counter(seg_sub[i] for i in segs if seg_sub[i])
        subs = [
            SubthemePublic(
                id=sid,
                label=model.subthemes[sid]["label"],
                keywords=model.subthemes[sid]["keywords"],
                mentions=len({fs.seg_record[i] for i in segs if seg_sub[i] == sid}),
            )
            for sid, _ in sub_counts.most_common()
            if sid in model.subthemes
        ]
        out.append(
            ThemePublic(
                id=tid,
                label=names[tid]["label"],
                keywords=names[tid].get("keywords", []),
                record_ids=ids,
                mentions=len(recs),
                reach=stats.reach(metas, ids),
                share=round(len(recs) / max(len(population), 1), 4),
                share_ci=stats.wilson(len(recs), len(population)),
                segments=stats.segment_splits(metas, pop_counts),
                trend=stats.trend([m.get("date") for m in metas], pop_dates),
                sentiment=sentiment.summarize([float(fs.sentiment[r]) for r in recs]),
                severity=stats.severity([fs.texts[r] for r in recs], metas, [float(fs.sentiment[r]) for r in recs]),
                revenue=stats.revenue(metas),
                quotes=quotes.representative(
                    fs.vectors[segs], centre, [fs.segment_text(i) for i in segs], seg_records, k=quotes_per_theme
                ),
                subthemes=subs,
            )
        )
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
        },
        warnings=warnings,
    )
