"""The saved theme model: micro-cluster centres with the theme and subtheme each belongs to, and discovery.

Discovery clusters the segments of all feedback records (see clustering.py) and saves the micro-cluster centres
with the theme and subtheme each belongs to. Reading assigns every segment to its nearest saved centre, so new
records join existing themes and theme ids do not move until a rediscovery. A rediscovery keeps the id of every
theme that mostly holds the same segments as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from copilot.analysis import keywords as kw
from copilot.analysis.clustering import UNCLUSTERED, ClusterParams, assign, cluster
from copilot.analysis.feedback import ANALYSIS_EMBEDDING, FeedbackSet
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
