"""Theme discovery without being told how many themes there are.

Three levels, so 100,000 texts cluster in seconds:
1. micro-clusters: k-means cuts the embeddings into a few hundred tight groups (the atoms that are saved, and
   that new records are assigned to);
2. themes: communities of micro-clusters in their nearest-neighbour graph (Louvain, best modularity of several
   seeds), the level of a pain point as a PM names it;
3. subthemes: inside each theme, micro-clusters merged by size-weighted Ward while the merged group stays within
   a radius (RMS cosine distance to its centre), the level of a specific complaint.
scikit-learn's Ward cannot weight micro-clusters by how many texts they hold, so that step is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

UNCLUSTERED = -1
_SAMPLE = 50_000


@dataclass(frozen=True)
class ClusterParams:
    micro_per_text: float = 1 / 15  # about 15 texts per micro-cluster ...
    micro_max: int = 400  # ... and at most this many
    neighbours: int = 5  # edges per micro-cluster in the graph
    resolution: float = 1.5  # Louvain resolution: higher gives more, smaller themes
    seeds: int = 5  # Louvain runs; the best modularity wins
    radius: float = 0.8  # subthemes: RMS distance to their centre (tuned on banking77: 96 groups for 77 intents)
    min_similarity: float = 0.35  # less cosine-similar than this to its micro-cluster: unclustered
    min_theme_similarity: float = 0.3  # a micro-cluster this unlike its theme's centre leaves it (off-topic talk)
    min_size_share: float = 0.002  # themes smaller than this share of texts are dissolved ...
    min_size: int = 5  # ... or smaller than this many texts
    seed: int = 0


@dataclass
class Clustering:
    """Micro-cluster centres with the theme and subtheme each belongs to (-1: dissolved as too small)."""

    centers: np.ndarray
    theme: np.ndarray
    subtheme: np.ndarray
    labels: np.ndarray  # micro-cluster per input text, -1 for unclustered

    def text_themes(self) -> np.ndarray:
        return self._per_text(self.theme)

    def text_subthemes(self) -> np.ndarray:
        return self._per_text(self.subtheme)

    def _per_text(self, groups: np.ndarray) -> np.ndarray:
        if len(groups) == 0:  # too little text to cluster: everything is unclustered
            return np.full(len(self.labels), UNCLUSTERED)
        return np.where(self.labels >= 0, groups[np.maximum(self.labels, 0)], UNCLUSTERED)


def micro_clusters(x: np.ndarray, p: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
    k = min(len(x), int(min(p.micro_max, max(2, round(len(x) * p.micro_per_text)))))
    if len(x) > _SAMPLE:
        # A few hundred centres are well placed by a large sample; every text is then assigned to its nearest.
        rng = np.random.default_rng(p.seed)
        sample = x[rng.choice(len(x), _SAMPLE, replace=False)]
        km = MiniBatchKMeans(n_clusters=k, random_state=p.seed, batch_size=8192, n_init=3, max_iter=100).fit(sample)
        labels = km.predict(x)
    else:
        km = KMeans(n_clusters=k, random_state=p.seed, n_init=1)
        labels = km.fit_predict(x)
    centers = km.cluster_centers_ / np.maximum(np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True), 1e-12)
    return labels, centers.astype(np.float32)


def communities(centers: np.ndarray, sizes: np.ndarray, p: ClusterParams) -> np.ndarray:
    """Louvain communities of the micro-clusters' k-nearest-neighbour graph, weighted by similarity."""
    sim = centers @ centers.T
    np.fill_diagonal(sim, -1.0)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(centers)))
    for i in range(len(centers)):
        if sizes[i] == 0:
            continue
        for j in np.argsort(-sim[i])[: p.neighbours]:
            if sim[i, j] > 0 and sizes[j] > 0:
                graph.add_edge(i, int(j), weight=float(sim[i, j]))
    best, best_q = None, -np.inf
    for s in range(p.seeds):
        parts = nx.community.louvain_communities(graph, weight="weight", resolution=p.resolution, seed=p.seed + s)
        q = nx.community.modularity(graph, parts, weight="weight", resolution=p.resolution)
        if q > best_q:
            best, best_q = parts, q
    out = np.zeros(len(centers), dtype=int)
    for c, nodes in enumerate(sorted(best or [], key=lambda n: min(n))):
        out[list(nodes)] = c
    return out


def weighted_ward(centers: np.ndarray, sizes: np.ndarray, sse: np.ndarray, radius: float) -> np.ndarray:
    """Merge groups (centre, size, within squared error) by least increase in error, never making a group whose
    RMS radius exceeds `radius`. Returns a dense group number per input."""
    n = len(centers)
    if n == 1:
        return np.zeros(1, dtype=int)
    sizes = np.maximum(sizes.astype(np.float64), 1.0)
    sse = sse.astype(np.float64).copy()
    sq = (centers.astype(np.float64) ** 2).sum(axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * centers @ centers.T, 0.0)
    cost = (sizes[:, None] * sizes[None, :]) / (sizes[:, None] + sizes[None, :]) * dist2
    np.fill_diagonal(cost, np.inf)
    limit = radius**2
    active = np.ones(n, dtype=bool)
    group = np.arange(n)

    def allowed(i: int) -> np.ndarray:
        ok = (sse[i] + sse + cost[i]) / (sizes[i] + sizes) <= limit
        ok &= active
        ok[i] = False
        return np.where(ok, cost[i], np.inf)

    blocked = np.stack([allowed(i) for i in range(n)])
    while True:
        i, j = divmod(int(np.argmin(blocked)), n)
        if not np.isfinite(blocked[i, j]):
            break
        ni, nj = sizes[i], sizes[j]
        new_cost = ((ni + sizes) * cost[i] + (nj + sizes) * cost[j] - sizes * cost[i, j]) / (ni + nj + sizes)
        sse[i] += sse[j] + cost[i, j]
        sizes[i] = ni + nj
        cost[i, :] = cost[:, i] = new_cost
        cost[i, i] = np.inf
        cost[j, :] = cost[:, j] = np.inf
        active[j] = False
        group[group == j] = i
        blocked[j, :] = blocked[:, j] = np.inf
        row = allowed(i)
        blocked[i, :] = blocked[:, i] = row
    return np.unique(group, return_inverse=True)[1]


def _drop_strays(centers: np.ndarray, sizes: np.ndarray, theme: np.ndarray, min_similarity: float) -> np.ndarray:
    """Graph communities take in every node with an edge; answers like 'n/a' or 'all good' should stay out."""
    out = theme.copy()
    for t in set(theme.tolist()):
        members = np.flatnonzero(theme == t)
        centre = (centers[members] * sizes[members, None]).sum(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        out[members[centers[members] @ centre < min_similarity]] = UNCLUSTERED
    return out


def cluster(x: np.ndarray, params: ClusterParams | None = None) -> Clustering:
    """Discover themes and subthemes among unit vectors `x`."""
    p = params or ClusterParams()
    if len(x) < max(p.min_size * 2, 10):
        empty = np.zeros(0, dtype=int)
        return Clustering(np.zeros((0, x.shape[1]), np.float32), empty, empty, np.full(len(x), UNCLUSTERED))
    labels, centers = micro_clusters(x, p)
    k = len(centers)
    sim = (x * centers[labels]).sum(axis=1)
    labels = np.where(sim >= p.min_similarity, labels, UNCLUSTERED)
    sizes = np.bincount(labels[labels >= 0], minlength=k).astype(np.float64)
    theme = communities(centers, sizes, p)
    theme = _drop_strays(centers, sizes, theme, p.min_theme_similarity)
    floor = max(p.min_size, int(np.ceil(p.min_size_share * len(x))))
    theme_sizes = np.bincount(np.maximum(theme, 0), weights=np.where(theme >= 0, sizes, 0))
    theme = np.where((theme >= 0) & (theme_sizes[np.maximum(theme, 0)] >= floor), theme, UNCLUSTERED)
    theme[sizes == 0] = UNCLUSTERED
    sse = np.zeros(k)
    valid = labels >= 0
    np.add.at(sse, labels[valid], ((x[valid] - centers[labels[valid]]) ** 2).sum(axis=1))
    subtheme = np.full(k, UNCLUSTERED)
    next_id = 0
    for t in sorted(set(theme.tolist()) - {UNCLUSTERED}):
        members = np.flatnonzero(theme == t)
        groups = weighted_ward(centers[members], sizes[members], sse[members], p.radius)
        subtheme[members] = groups + next_id
        next_id += int(groups.max()) + 1
    return Clustering(centers, theme, subtheme, labels)


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
