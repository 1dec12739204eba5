"""Topic discovery without being told how many topics there are, in two nested levels.

1. Micro-clusters: k-means cuts the segment embeddings into a few hundred tight groups (the atoms that are
   saved, and that new records are assigned to).
2. Top-level topics: the communities of the micro-clusters' nearest-neighbour graph that maximise modularity
   (Louvain, best of several seeds), at the resolution whose partition is best separated (size-weighted
   silhouette) among those with at most 20 topics, so a PM reads a short list: the number of topics is the one
   the data's structure gives, not a number we chose.
3. Subtopics: inside each topic, size-weighted Ward (scikit-learn's Ward cannot weight micro-clusters by how
   many segments they hold, so the merge is written here) cut into groups of about two micro-clusters: the level
   of one specific complaint. A topic rolls up exactly its own subtopics.
4. Stability: the whole discovery is run again on resampled 90% subsets with other seeds, and each topic is
   scored by how well its segments stay together (best Jaccard overlap with a topic of the rerun).

Everything is deterministic for the same input: seeds are fixed and numeric threads are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus
from sklearn.metrics import adjusted_rand_score

from copilot.threads import bounded

UNCLUSTERED = -1
_SAMPLE = 50_000


@dataclass(frozen=True)
class ClusterParams:
    micro_per_text: float = 1 / 15  # about 15 segments per micro-cluster ...
    micro_max: int = 400  # ... and at most this many
    neighbours: int = 5  # edges per micro-cluster in the graph whose communities are the topics
    seeds: int = 5  # Louvain runs; the best modularity wins
    min_topics: int = 8  # a PM's short list: about 8 to 20 topics, when the data has that many ...
    micro_per_topic: int = 10  # ... micro-clusters per topic (smaller data: whatever separates best)
    max_topics: int = 20
    micro_per_subtopic: float = 2.0  # subtopics: about this many micro-clusters each
    min_similarity: float = 0.35  # less cosine-similar than this to its micro-cluster: unclustered
    min_topic_similarity: float = 0.3  # a micro-cluster this unlike its topic's centre leaves it (off-topic talk)
    min_size: int = 5  # topics smaller than this many segments are dissolved
    resamples: int = 2  # reruns on resampled data, for each topic's stability
    starts: int = 3  # k-means runs from other seeds, the best kept (1 above 20,000 segments without a sample)
    resample_share: float = 0.9
    seed: int = 0
    resolutions: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)  # Louvain resolutions the level is chosen among


@dataclass
class Clustering:
    """Micro-cluster centres with the topic and subtopic each belongs to (-1: dissolved or unused)."""

    centers: np.ndarray
    topic: np.ndarray
    subtopic: np.ndarray
    labels: np.ndarray  # micro-cluster per input segment, -1 for unclustered
    stability: dict[int, float] = field(default_factory=dict)  # per topic, 0 to 1
    levels: dict[str, float] = field(default_factory=dict)  # how the levels were chosen, for the method note

    def text_topics(self) -> np.ndarray:
        return self._per_text(self.topic)

    def text_subtopics(self) -> np.ndarray:
        return self._per_text(self.subtopic)

    def _per_text(self, groups: np.ndarray) -> np.ndarray:
        if len(groups) == 0:  # too little text to cluster: everything is unclustered
            return np.full(len(self.labels), UNCLUSTERED)
        return np.where(self.labels >= 0, groups[np.maximum(self.labels, 0)], UNCLUSTERED)


def micro_clusters(x: np.ndarray, p: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
    # At least a dozen micro-clusters (when there is text for them), so a small set's topics are not merged by
    # one unlucky starting point; k-means is started several times and the best kept, for the same reason.
    k = int(min(p.micro_max, max(round(len(x) * p.micro_per_text), min(12, len(x) // 5), 2)))
    k = min(k, len(x))
    if len(x) > _SAMPLE:
        # A few hundred centres are well placed by a large sample; every text is then assigned to its nearest.
        # k-means++ over the whole sample cost 38 of 80 s at 100,000 records: it is seeded on a small one, as below.
        rng = np.random.default_rng(p.seed)
        sample = x[rng.choice(len(x), _SAMPLE, replace=False)]
        km: KMeans | MiniBatchKMeans = _best_minibatch(sample, k, p.seed, p.starts)
        labels = km.predict(x)
    else:
        km = _best_of(x, k, p.seed, p.starts if len(x) <= 20_000 else 1)
        labels = km.labels_
    centers = km.cluster_centers_ / np.maximum(np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True), 1e-12)
    return labels, centers.astype(np.float32)


_SEED_SAMPLE = 4000


def _best_of(x: np.ndarray, k: int, seed: int, runs: int) -> KMeans:
    """k-means started from k-means++ seeds drawn on a sample (sklearn's k-means++ over every point costs most of
    the time at a few hundred centres), the run with the least inertia kept."""
    best: KMeans | None = None
    rng = np.random.default_rng(seed)
    for r in range(runs):
        pool = x if len(x) <= _SEED_SAMPLE else x[rng.choice(len(x), _SEED_SAMPLE, replace=False)]
        start, _ = kmeans_plusplus(pool, k, random_state=seed + r)
        km = KMeans(n_clusters=k, init=start, n_init=1, random_state=seed + r).fit(x)
        if best is None or km.inertia_ < best.inertia_:
            best = km
    assert best is not None
    return best


def _best_minibatch(x: np.ndarray, k: int, seed: int, runs: int) -> MiniBatchKMeans:
    """Mini-batch k-means from k-means++ seeds drawn on a small sample, the run with the least inertia kept."""
    best: MiniBatchKMeans | None = None
    rng = np.random.default_rng(seed)
    for r in range(runs):
        start, _ = kmeans_plusplus(x[rng.choice(len(x), _SEED_SAMPLE, replace=False)], k, random_state=seed + r)
        km = MiniBatchKMeans(
            n_clusters=k, init=start, n_init=1, random_state=seed + r, batch_size=8192, max_iter=100
        ).fit(x)
        if best is None or km.inertia_ < best.inertia_:
            best = km
    assert best is not None
    return best


def ward_tree(centers: np.ndarray, sizes: np.ndarray) -> list[tuple[int, int, int]]:
    """The merges of size-weighted Ward over `centers`, in order: (a, b, new), where nodes from len(centers) up
    are the merged groups."""
    n = len(centers)
    c = centers.astype(np.float64).copy()
    w = np.maximum(sizes.astype(np.float64), 1e-9)
    sq = (c**2).sum(axis=1)
    cost = (
        (w[:, None] * w[None, :]) / (w[:, None] + w[None, :]) * np.maximum(sq[:, None] + sq[None, :] - 2 * c @ c.T, 0)
    )
    np.fill_diagonal(cost, np.inf)
    node = list(range(n))
    active = np.ones(n, dtype=bool)
    merges: list[tuple[int, int, int]] = []
    for new in range(n, 2 * n - 1):
        i, j = divmod(int(np.argmin(cost)), n)
        weight = w[i] + w[j]
        merged = (c[i] * w[i] + c[j] * w[j]) / weight
        merges.append((node[i], node[j], new))
        c[i], w[i], node[i] = merged, weight, new
        active[j] = False
        row = weight * w / (weight + w) * np.maximum(((c - merged) ** 2).sum(axis=1), 0)
        row[~active] = np.inf
        row[i] = np.inf
        cost[i, :] = cost[:, i] = row
        cost[j, :] = cost[:, j] = np.inf
    return merges


def cut(merges: list[tuple[int, int, int]], n: int, k: int) -> np.ndarray:
    """Group number (0..k-1, in order of first appearance) of each of the n leaves when the tree is cut into k."""
    parent = list(range(2 * n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b, new in merges[: max(0, n - k)]:
        parent[root(a)] = new
        parent[root(b)] = new
    roots = [root(i) for i in range(n)]
    order = {r: g for g, r in enumerate(dict.fromkeys(roots))}
    return np.array([order[r] for r in roots], dtype=int)


def weighted_silhouette(centers: np.ndarray, sizes: np.ndarray, groups: np.ndarray) -> float:
    """The silhouette of the micro-clusters (cosine distance), each weighted by the segments it holds."""
    k = int(groups.max()) + 1
    if k < 2:
        return -1.0
    dist = 1.0 - centers @ centers.T
    onehot = np.zeros((len(centers), k))
    onehot[np.arange(len(centers)), groups] = sizes
    totals = onehot.sum(axis=0)
    mean_to = (dist @ onehot) / np.maximum(totals, 1e-9)  # weighted mean distance from each point to each group
    own = groups
    self_weight = sizes
    a = (mean_to[np.arange(len(centers)), own] * totals[own]) / np.maximum(totals[own] - self_weight, 1e-9)
    mean_to[np.arange(len(centers)), own] = np.inf
    b = mean_to.min(axis=1)
    s = np.where(totals[own] > self_weight, (b - a) / np.maximum(np.maximum(a, b), 1e-9), 0.0)
    return float((s * sizes).sum() / max(sizes.sum(), 1e-9))


def _graph(centers: np.ndarray, p: ClusterParams) -> nx.Graph:
    """Each micro-cluster joined to its nearest neighbours, weighted by cosine similarity."""
    sim = centers @ centers.T
    np.fill_diagonal(sim, -1.0)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(centers)))
    for i in range(len(centers)):
        for j in np.argsort(-sim[i])[: p.neighbours]:
            if sim[i, j] > 0:
                graph.add_edge(i, int(j), weight=float(sim[i, j]))
    return graph


def _louvain(graph: nx.Graph, n: int, resolution: float, p: ClusterParams) -> np.ndarray:
    best, best_q = None, -np.inf
    for s in range(p.seeds):
        parts = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=p.seed + s)
        q = nx.community.modularity(graph, parts, weight="weight", resolution=resolution)
        if q > best_q:
            best, best_q = parts, q
    out = np.zeros(n, dtype=int)
    for c, nodes in enumerate(sorted(best or [], key=lambda n: min(n))):
        out[list(nodes)] = c
    return out


def communities(centers: np.ndarray, sizes: np.ndarray, p: ClusterParams) -> tuple[np.ndarray, float]:
    """Louvain communities of the micro-clusters' k-nearest-neighbour graph (weighted by similarity), at the
    resolution whose partition into at most `max_topics` is best separated; and that resolution."""
    graph = _graph(centers, p)
    scored: list[tuple[float, float, np.ndarray]] = []
    fewer: list[tuple[float, float, np.ndarray]] = []
    least = p.min_topics if len(centers) >= p.min_topics * p.micro_per_topic else 1
    for resolution in p.resolutions:
        groups = _louvain(graph, len(centers), resolution, p)
        n = int(groups.max()) + 1
        if n <= p.max_topics:
            score = (weighted_silhouette(centers, sizes, groups), -resolution, groups)
            (scored if n >= least else fewer).append(score)
    scored = scored or fewer
    if not scored:  # even the coarsest resolution gives too many: merge the smallest, most similar first
        coarsest = p.resolutions[0]
        return _at_most(_louvain(graph, len(centers), coarsest, p), centers, sizes, p.max_topics), coarsest
    best = max(scored, key=lambda x: (x[0], x[1]))
    return best[2], -best[1]


def _at_most(groups: np.ndarray, centers: np.ndarray, sizes: np.ndarray, limit: int) -> np.ndarray:
    """Merge the smallest group into its most similar one until at most `limit` remain."""
    groups = groups.copy()
    while len(set(groups.tolist())) > limit:
        ids = sorted(set(groups.tolist()))
        weight = {g: sizes[groups == g].sum() for g in ids}
        centre = {g: (centers[groups == g] * sizes[groups == g, None]).sum(axis=0) for g in ids}
        small = min(ids, key=lambda g: (weight[g], g))
        others = [g for g in ids if g != small]
        target = max(
            others, key=lambda g: float(centre[small] @ centre[g]) / max(float(np.linalg.norm(centre[g])), 1e-12)
        )
        groups[groups == small] = target
    return np.unique(groups, return_inverse=True)[1]


def _levels(centers: np.ndarray, sizes: np.ndarray, p: ClusterParams) -> tuple[np.ndarray, np.ndarray, dict]:
    top, resolution = communities(centers, sizes, p)
    sub = np.zeros(len(centers), dtype=int)
    next_id = 0
    for t in range(int(top.max()) + 1):
        members = np.flatnonzero(top == t)
        k = max(1, int(round(len(members) / p.micro_per_subtopic)))
        groups = cut(ward_tree(centers[members], sizes[members]), len(members), k) if len(members) > 1 else [0]
        sub[members] = np.asarray(groups) + next_id
        next_id = int(sub[members].max()) + 1
    levels = {
        "top_level_topics": int(top.max()) + 1,
        "louvain_resolution": resolution,
        "top_level_silhouette": round(weighted_silhouette(centers, sizes, top), 4),
        "subtopics": next_id,
    }
    return top, sub, levels


def _drop_strays(centers: np.ndarray, sizes: np.ndarray, topic: np.ndarray, min_similarity: float) -> np.ndarray:
    """Merged groups take in every node; answers like 'n/a' or 'all good' should stay out of a topic."""
    out = topic.copy()
    for t in set(topic.tolist()) - {UNCLUSTERED}:
        members = np.flatnonzero(topic == t)
        centre = (centers[members] * sizes[members, None]).sum(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        out[members[centers[members] @ centre < min_similarity]] = UNCLUSTERED
    return out


def _partition(x: np.ndarray, p: ClusterParams) -> Clustering:
    labels, centers = micro_clusters(x, p)
    sim = (x * centers[labels]).sum(axis=1)
    labels = np.where(sim >= p.min_similarity, labels, UNCLUSTERED)
    sizes = np.bincount(labels[labels >= 0], minlength=len(centers)).astype(np.float64)
    live = np.flatnonzero(sizes > 0)
    topic = np.full(len(centers), UNCLUSTERED)
    subtopic = np.full(len(centers), UNCLUSTERED)
    if len(live) < 2:
        return Clustering(centers, topic, subtopic, labels)
    top, sub, levels = _levels(centers[live], sizes[live], p)
    topic[live], subtopic[live] = top, sub
    topic = _drop_strays(centers, sizes, topic, p.min_topic_similarity)
    topic_sizes = np.bincount(np.maximum(topic, 0), weights=np.where(topic >= 0, sizes, 0))
    topic = np.where((topic >= 0) & (topic_sizes[np.maximum(topic, 0)] >= p.min_size), topic, UNCLUSTERED)
    subtopic = np.where(topic >= 0, subtopic, UNCLUSTERED)
    return Clustering(centers, topic, subtopic, labels, levels=levels)


def _stability(x: np.ndarray, full: np.ndarray, p: ClusterParams) -> tuple[dict[int, float], dict[str, float]]:
    """Per topic: the mean, over reruns on resampled data, of its best Jaccard overlap with a topic of the rerun
    (counted on the segments both runs saw). And over all topics: the adjusted Rand index between the runs on the
    segments both put in a topic, and the share of segments in topics the runs share (a topic and its best match
    overlap by Jaccard 0.5 or more; on those the runs agree by construction)."""
    topics = sorted(set(full.tolist()) - {UNCLUSTERED})
    scores: dict[int, list[float]] = {t: [] for t in topics}
    agreement: list[float] = []
    shared_share: list[float] = []
    rng = np.random.default_rng(p.seed + 1000)
    for _ in range(p.resamples):
        idx = np.sort(rng.choice(len(x), int(len(x) * p.resample_share), replace=False))
        rerun = _partition(x[idx], p).text_topics()
        mine = full[idx]
        keep = np.zeros(len(idx), dtype=bool)
        for t in topics:
            members = mine == t
            if not members.any():
                continue
            overlap = np.bincount(rerun[members & (rerun >= 0)], minlength=max(int(rerun.max()) + 1, 1))
            best = int(np.argmax(overlap)) if overlap.any() else -1
            union = int(members.sum() + (rerun == best).sum() - overlap[best]) if best >= 0 else 1
            jaccard = float(overlap[best]) / max(union, 1) if best >= 0 else 0.0
            scores[t].append(jaccard)
            if jaccard >= 0.5:
                keep |= members & (rerun == best)
        both = (mine >= 0) & (rerun >= 0)
        if both.sum() > 1:
            agreement.append(float(adjusted_rand_score(mine[both], rerun[both])))
        shared_share.append(float(keep.mean()) if len(keep) else 0.0)
    summary = {
        "resample_ari": round(float(np.mean(agreement)), 3) if agreement else 0.0,
        "resample_shared_share": round(float(np.mean(shared_share)), 3) if shared_share else 0.0,
    }
    return {t: round(float(np.mean(s)), 3) if s else 0.0 for t, s in scores.items()}, summary


def cluster(x: np.ndarray, params: ClusterParams | None = None) -> Clustering:
    """Discover topics and subtopics among unit vectors `x`."""
    p = params or ClusterParams()
    if len(x) < max(p.min_size * 2, 10):
        empty = np.zeros(0, dtype=int)
        return Clustering(np.zeros((0, x.shape[1]), np.float32), empty, empty, np.full(len(x), UNCLUSTERED))
    with bounded():  # the stated number (copilot/threads.py): 2 threads spun against a busy neighbour
        result = _partition(x, p)
        if p.resamples and len(x) >= 50:
            # Reruns at the level this run chose: stability is of the themes shown, not of the choice of level.
            level = result.levels.get("louvain_resolution")
            rerun = replace(p, resolutions=(float(level),)) if level is not None else p
            if len(x) > _SAMPLE:
                # A large set's sample is placed as well by one k-means start as by three (100,000 records:
                # resample ARI 0.587 with three, 0.612 with one; the reruns took 13.1 s, now 5.7 s). A small set's
                # reruns keep three: one start's bad luck showed on CFPB (shared share 0.369 -> 0.317).
                rerun = replace(rerun, starts=1)
            result.stability, summary = _stability(x, result.text_topics(), rerun)
            result.levels |= summary
    return result


def assign(x: np.ndarray, centers: np.ndarray, min_similarity: float) -> np.ndarray:
    """The nearest micro-cluster per row of `x`, or UNCLUSTERED when none is similar enough."""
    if len(centers) == 0:
        return np.full(len(x), UNCLUSTERED)
    out = np.empty(len(x), dtype=int)
    for i in range(0, len(x), 8192):
        sim = x[i : i + 8192] @ centers.T
        best = sim.argmax(axis=1)
        out[i : i + 8192] = np.where(sim[np.arange(len(best)), best] >= min_similarity, best, UNCLUSTERED)
    return out
