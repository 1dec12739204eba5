"""Who the personas are: respondents grouped by a column the user names, by their role when the data has one, or
by behaviour (the themes they raise) when it has neither. Every group is a set of records, so every figure of a
persona is recounted from its members."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from copilot.analysis import stats
from copilot.analysis.nps import respondent
from copilot.analysis.schema import ThemesReport
from copilot.errors import CopilotError, ErrorCode

MIN_SHARE = 0.05  # of respondents: a smaller group is an anecdote, not a persona
MIN_RESPONDENTS = 5
BEHAVIOUR_K = range(3, 9)
SEED = 7
SILHOUETTE_SAMPLE = 3000


@dataclass
class Group:
    records: list[int]  # indices into the population
    column: str | None = None  # the column the group shares a value of; None for a behaviour group
    value: str | None = None


@dataclass
class Population:
    """The analysed records, each with the themes it is in."""

    ids: list[str]
    metas: list[dict[str, Any]]
    themes: list[set[str]]

    def respondents(self, records: Sequence[int]) -> int:
        return len({respondent(self.metas[i], self.ids[i]) for i in records})


def population(report: ThemesReport, metas_by_id: dict[str, dict[str, Any]]) -> Population:
    ids = sorted(
        {r for t in report.themes for r in t.record_ids}
        | set(report.unclustered.record_ids)
        | set(report.low_information.record_ids)
    )
    index = {rid: i for i, rid in enumerate(ids)}
    themes: list[set[str]] = [set() for _ in ids]
    for t in report.themes:
        for rid in t.record_ids:
            themes[index[rid]].add(t.id)
    return Population(ids, [metas_by_id.get(r, {}) for r in ids], themes)


def columns(pop: Population) -> dict[str, Counter[str]]:
    """The categorical columns of the data, as theme statistics see them."""
    return stats.Population(pop.metas).counts


def by_column(pop: Population, column: str) -> list[Group]:
    found = columns(pop)
    if column not in found:
        have = ", ".join(sorted(found)) or "none"
        raise CopilotError(
            ErrorCode.bad_input, f"no column {column!r} to group respondents by; categorical columns: {have}"
        )
    members: dict[str, list[int]] = {}
    for i, meta in enumerate(pop.metas):
        if meta.get(column) not in (None, ""):
            members.setdefault(str(meta[column]), []).append(i)
    groups = [Group(idx, column, value) for value, idx in members.items()]
    return _large_enough(pop, groups)


def by_behaviour(pop: Population) -> list[Group]:
    """K-means over which themes each respondent raises (k by silhouette): people who raise the same things."""
    people: dict[str, list[int]] = {}
    for i, meta in enumerate(pop.metas):
        if pop.themes[i]:
            people.setdefault(respondent(meta, pop.ids[i]), []).append(i)
    names = sorted({t for s in pop.themes for t in s})
    if len(people) < MIN_RESPONDENTS * BEHAVIOUR_K.start or not names:
        return []
    col = {t: j for j, t in enumerate(names)}
    x = np.zeros((len(people), len(names)), dtype=np.float32)
    for row, idx in enumerate(people.values()):
        for i in idx:
            for t in pop.themes[i]:
                x[row, col[t]] = 1.0
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = _best_kmeans(x)
    groups: dict[int, list[int]] = {}
    for label, idx in zip(labels, people.values(), strict=True):
        groups.setdefault(int(label), []).extend(idx)
    return _large_enough(pop, [Group(sorted(idx)) for _, idx in sorted(groups.items())])


def _best_kmeans(x: np.ndarray) -> np.ndarray:
    best: tuple[float, np.ndarray] | None = None
    distinct = len(np.unique(x, axis=0))
    for k in BEHAVIOUR_K:
        if k >= distinct:
            break
        labels = KMeans(k, n_init=3, random_state=SEED).fit_predict(x)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(x, labels, sample_size=min(len(x), SILHOUETTE_SAMPLE), random_state=SEED))
        if best is None or score > best[0]:
            best = (score, labels)
    return best[1] if best is not None else np.zeros(len(x), dtype=int)


def _large_enough(pop: Population, groups: list[Group]) -> list[Group]:
    total = pop.respondents([i for g in groups for i in g.records]) or 1
    kept = [
        g
        for g in groups
        if pop.respondents(g.records) >= MIN_RESPONDENTS and pop.respondents(g.records) / total >= MIN_SHARE
    ]
    return sorted(kept, key=lambda g: (-pop.respondents(g.records), g.value or ""))


def choose(pop: Population, by: str | None) -> tuple[list[Group], str]:
    """The groups and the rule that made them, in words for the draft."""
    if by:
        return by_column(pop, by), f"one persona per {by} value shared by at least {MIN_SHARE:.0%} of respondents"
    if "role" in columns(pop):
        groups = by_column(pop, "role")
        if len(groups) >= 2:
            return groups, f"one persona per role shared by at least {MIN_SHARE:.0%} of respondents"
    groups = by_behaviour(pop)
    if not groups:
        raise CopilotError(
            ErrorCode.no_evidence,
            "too few respondents raise themes to group them by behaviour; name a column with --by",
        )
    return groups, (
        "respondents grouped by the themes they raise (k-means, k chosen by silhouette), each group at least "
        f"{MIN_SHARE:.0%} of respondents"
    )
