"""The saved theme model, and discovery.

Discovery clusters the informative segments of all feedback (clustering.py: topics that roll up subtopics,
each topic scored for stability) and names each topic once per polarity side: what customers complain about or
ask for (`pain`), what they praise (`praise`), and what they only mention (`neutral`). A theme is one topic on
one side, so a theme never mixes praise with complaints. The model saves the micro-cluster centres with the
topic and subtopic each belongs to; reading assigns every segment to its nearest centre, so new records join
existing themes and ids do not move until a rediscovery, which keeps the id of every topic that mostly holds
the same segments as before.
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
from copilot.analysis import labels
from copilot.analysis.clustering import UNCLUSTERED, ClusterParams, assign, cluster
from copilot.analysis.feedback import FeedbackSet
from copilot.analysis.polarity import POLARITIES
from copilot.store.chroma import Store

_SLUG_RE = re.compile(r"[^a-z0-9]+")
SIDES = ("pain", "praise", "neutral")
SIDE_OF_POLARITY = {"complaint": "pain", "request": "pain", "praise": "praise", "neutral": "neutral"}
_SIDE_CODE = np.array([SIDES.index(SIDE_OF_POLARITY[p]) for p in POLARITIES], dtype=np.int8)
UNSTABLE_BELOW = 0.5
MIN_LABEL_SEGMENTS = 3


def sides_of(seg_polarity: np.ndarray) -> np.ndarray:
    """Side index (into SIDES) per segment."""
    return _SIDE_CODE[seg_polarity.astype(int)] if len(seg_polarity) else np.zeros(0, dtype=np.int8)


def theme_id(topic: str, side: str) -> str:
    return f"{topic}.{side}"


@dataclass
class ThemeModel:
    centers: np.ndarray
    micro_topic: list[str]  # "" where the micro-cluster belongs to no topic
    micro_subtopic: list[str]
    topics: dict[str, dict[str, Any]]  # id -> {"keywords", "labels": {side: label}, "stability"}
    subtopics: dict[str, dict[str, Any]]  # id -> {"keywords", "labels": {side: label}, "topic"}
    discovered: dict[str, Any] = field(default_factory=dict)
    naming_notes: list[str] = field(default_factory=list)  # names a model proposed and the check refused

    def describe(self) -> str:
        return json.dumps(
            {"version": 2, "topics": self.topics, "subtopics": self.subtopics, "discovered": self.discovered}
        )

    @classmethod
    def from_store(cls, store: Store, project: str) -> ThemeModel | None:
        saved = store.load_theme_model(project)
        if saved is None:
            return None
        centers, metas, description = saved
        d = json.loads(description)
        if d.get("version") != 2:
            return None  # a model from before polarity sides: rediscover
        return cls(
            centers,
            [str(m.get("topic", "")) for m in metas],
            [str(m.get("subtopic", "")) for m in metas],
            d["topics"],
            d["subtopics"],
            d.get("discovered", {}),
        )

    def save(self, store: Store, project: str) -> None:
        metas = [
            {"kind": "micro", "topic": t, "subtopic": s}
            for t, s in zip(self.micro_topic, self.micro_subtopic, strict=True)
        ]
        store.save_theme_model(project, self.centers, metas, self.describe())

    def assign(self, vectors: np.ndarray, min_similarity: float) -> tuple[list[str], list[str]]:
        """Topic and subtopic id per segment ("" when unclustered)."""
        micro = assign(vectors, self.centers, min_similarity)
        topics = ["" if m == UNCLUSTERED else self.micro_topic[m] for m in micro]
        subs = ["" if m == UNCLUSTERED else self.micro_subtopic[m] for m in micro]
        return topics, subs

    def label(self, topic_or_sub: str, side: str) -> str:
        entry = self.topics.get(topic_or_sub) or self.subtopics.get(topic_or_sub) or {}
        names: dict[str, str] = entry.get("labels", {})
        return names.get(side) or next(iter(names.values()), "") or kw.label(entry.get("keywords", []))


def _slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")[:24] or "theme"


def _short_hash(items: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(sorted(items)).encode(), digest_size=3).hexdigest()


@dataclass
class _Groups:
    """Segment indexes (into the feedback set) per group number, and each segment's side."""

    members: dict[int, np.ndarray]
    side: np.ndarray


def _names(
    fs: FeedbackSet,
    groups: _Groups,
    background: labels.Background,
    parents: dict[int, dict[str, Any]] | None = None,
    parent_of: dict[int, int] | None = None,
) -> dict[int, dict[str, Any]]:
    """Keywords of each group, and a label per side that has enough segments, largest group first, each unlike
    the labels already given beside it: topics unlike each other; subtopics (`parent_of` their topic, whose names
    are `parents`) unlike their topic and their siblings."""
    nums = sorted(groups.members)
    texts_of = [[fs.segment_text(int(i)) for i in groups.members[g]] for g in nums]
    words = dict(zip(nums, kw.keywords(texts_of), strict=True))
    taken: dict[tuple[int, str], set[str]] = {}
    out: dict[int, dict[str, Any]] = {}
    for g in sorted(nums, key=lambda g: (-len(groups.members[g]), g)):
        idx = groups.members[g]
        parent = parent_of.get(g, -1) if parent_of else -1
        names: dict[str, str] = {}
        for s, side in enumerate(SIDES):
            own = idx[groups.side[idx] == s]
            if len(own) < MIN_LABEL_SEGMENTS:
                continue
            used = taken.setdefault((parent, side), set())
            if parents and parent in parents and side in parents[parent]["labels"]:
                used.add(labels.name_key(parents[parent]["labels"][side]))
            own_texts = [fs.segment_text(int(i)) for i in own]
            names[side] = labels.label(own_texts, fs.vectors[own], background, frozenset(used))
            used.add(labels.name_key(names[side]))
        out[g] = {"keywords": words[g], "labels": names}
    return {g: out[g] for g in nums}


def _topic_ids(
    fs: FeedbackSet, seg_topic: np.ndarray, names: dict[int, dict[str, Any]], old: list[str] | None
) -> dict[int, str]:
    ids: dict[int, str] = {}
    used: set[str] = set()
    for t in sorted(names):
        members = np.flatnonzero(seg_topic == t)
        reuse = None
        if old is not None:
            top, count = Counter(old[i] for i in members).most_common(1)[0]
            if top and top not in used and count >= 0.5 * len(members):
                reuse = top
        texts = [fs.segment_text(int(i)) for i in members]  # content, not record ids: the same in any project
        first = names[t]["keywords"][0] if names[t]["keywords"] else "topic"
        ids[t] = reuse or f"{_slug(first)}-{_short_hash(texts)}"
        used.add(ids[t])
    return ids


def canonical_order(fs: FeedbackSet, segments: np.ndarray) -> np.ndarray:
    """The segments in an order set by their content alone (text, then the record's words and metadata), not by
    record ids, which depend on file names: the same feedback gives the same themes in any project."""
    keys = [
        (
            fs.segment_text(int(i)),
            fs.texts[fs.seg_record[i]],
            json.dumps(fs.metas[fs.seg_record[i]], sort_keys=True, default=str),
        )
        for i in segments
    ]
    return segments[sorted(range(len(segments)), key=lambda j: keys[j])]


def discover(fs: FeedbackSet, previous: ThemeModel | None, params: ClusterParams) -> ThemeModel:
    informative = canonical_order(fs, np.flatnonzero(~fs.seg_low))
    result = cluster(fs.vectors[informative], params)
    seg_topic = np.full(len(fs.seg_record), UNCLUSTERED)
    seg_sub = np.full(len(fs.seg_record), UNCLUSTERED)
    seg_topic[informative] = result.text_topics()
    seg_sub[informative] = result.text_subtopics()
    side = sides_of(fs.seg_polarity)
    background = labels.Background([fs.segment_text(int(i)) for i in informative])
    topic_groups = _Groups({int(t): np.flatnonzero(seg_topic == t) for t in set(seg_topic.tolist()) - {-1}}, side)
    sub_groups = _Groups({int(s): np.flatnonzero(seg_sub == s) for s in set(seg_sub.tolist()) - {-1}}, side)
    topic_names = _names(fs, topic_groups, background)
    parent_of = {s: int(Counter(seg_topic[seg_sub == s].tolist()).most_common(1)[0][0]) for s in sub_groups.members}
    sub_names = _names(fs, sub_groups, background, topic_names, parent_of)
    old = previous.assign(fs.vectors, params.min_similarity)[0] if previous is not None else None
    ids = _topic_ids(fs, seg_topic, topic_names, old)
    topics = {ids[t]: topic_names[t] | {"stability": result.stability.get(t, 0.0)} for t in sorted(topic_names)}
    sub_ids: dict[int, str] = {}
    subtopics: dict[str, dict[str, Any]] = {}
    for s in sorted(sub_names):
        t = parent_of[s]
        words = sub_names[s]["keywords"]
        base = f"{ids[t]}/{_slug(words[0] if words else 'sub')}"
        sid, n = base, 2
        while sid in subtopics:
            sid, n = f"{base}-{n}", n + 1
        sub_ids[s] = sid
        subtopics[sid] = sub_names[s] | {"topic": ids[t]}
    discovered = {
        "at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "records": len(fs),
        "segments": len(fs.seg_record),
        "informative_segments": len(informative),
        "embedding": fs.embedding,
        "micro_clusters": len(result.centers),
        "min_similarity": params.min_similarity,
        **result.levels,
    }
    return ThemeModel(
        result.centers,
        [ids.get(int(t), "") for t in result.topic],
        [sub_ids.get(int(s), "") for s in result.subtopic],
        topics,
        subtopics,
        discovered,
    )
