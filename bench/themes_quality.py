"""Theme discovery quality and speed on real data, ours against BERTopic on the same texts and embeddings and
against k-means told the true number of labels (an oracle no user has), all measured in the same run:

- banking77 (10,003 support queries of ../shared/data/banking77-train, 77 intents), when present;
- evals/real/banking77.csv (3,075 queries, 77 intents) and evals/real/cfpb.csv (1,464 complaints: products for
  top-level themes, issues for subthemes), always.

    python bench/themes_quality.py        (BERTopic needs `pip install -e .[bench]`; without it, ours only)
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS: list[tuple[str, Path, str, str, str]] = [  # name, file, text column, coarse label, fine label
    ("banking77-train", ROOT.parent / "shared" / "data" / "banking77-train" / "train.csv", "text", "", "category"),
    ("banking77 (eval set)", ROOT / "evals" / "real" / "banking77.csv", "text", "", "intent"),
    ("cfpb (eval set)", ROOT / "evals" / "real" / "cfpb.csv", "text", "product", "issue"),
]


def _score(name: str, truth: list[str], pred: np.ndarray, seconds: float) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    k = len(set(pred[pred >= 0].tolist()))
    print(
        f"  {name:<38} k={k:>4}  unclustered {np.mean(pred < 0):5.1%}  ARI {adjusted_rand_score(truth, pred):.3f}"
        f"  NMI {normalized_mutual_info_score(truth, pred):.3f}  {seconds:6.1f}s"
    )


def _timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    out = fn()
    return np.asarray(out), time.perf_counter() - t


def _bertopic(texts: list[str], x: np.ndarray) -> np.ndarray | None:
    try:
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from umap import UMAP
    except ImportError:
        return None
    model = BERTopic(
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
        hdbscan_model=HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom"),
        calculate_probabilities=False,
        verbose=False,
    )
    topics, _ = model.fit_transform(texts, embeddings=x)
    return np.asarray(topics)


def run(name: str, path: Path, text: str, coarse: str, fine: str) -> None:
    from sklearn.cluster import KMeans

    from copilot.analysis.clustering import cluster
    from copilot.store.embeddings import WordLlamaEmbedder

    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts, labels = [r[text] for r in rows], [r[fine] for r in rows]
    x = WordLlamaEmbedder().embed(texts)
    print(f"{name}: {len(texts):,} texts, {len(set(labels))} {fine}s; wordllama embeddings for all (this run)")
    t = time.perf_counter()
    ours = cluster(x)
    ours_s = time.perf_counter() - t
    _score(f"PM Copilot subthemes vs {fine}", labels, ours.text_subtopics(), ours_s)
    if coarse:
        _score(f"PM Copilot themes vs {coarse}", [r[coarse] for r in rows], ours.text_topics(), ours_s)
    else:
        _score(f"PM Copilot themes vs {fine}", labels, ours.text_topics(), ours_s)
    oracle, oracle_s = _timed(lambda: KMeans(len(set(labels)), n_init=3, random_state=0).fit_predict(x))
    _score(f"k-means told k={len(set(labels))} (oracle)", labels, oracle, oracle_s)
    t = time.perf_counter()
    topics = _bertopic(texts, x)
    bt_s = time.perf_counter() - t
    if topics is None:
        print("  BERTopic is not installed (pip install -e '.[bench]'): ours and the oracle only")
        return
    _score(f"BERTopic (defaults) vs {fine}", labels, topics, bt_s)
    print(f"  speed ratio: BERTopic time / ours = {bt_s / ours_s:.1f}x (goal: at least 5x)")


def main() -> None:
    for name, path, text, coarse, fine in SETS:
        if path.exists():
            run(name, path, text, coarse, fine)
        else:
            print(f"{name}: skipped, {path} not found")


if __name__ == "__main__":
    main()
