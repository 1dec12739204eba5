"""Theme discovery quality and speed on real data: banking77 (10,003 support queries, 77 intent labels),
ours against BERTopic on the same texts with the same embeddings, measured in the same run.

    python bench/themes_quality.py        (needs ../shared/data/banking77-train and `pip install -e .[bench]`)
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77-train" / "train.csv"


def main() -> None:
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from copilot.analysis.clustering import cluster
    from copilot.store.embeddings import WordLlamaEmbedder

    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts, labels = [r["text"] for r in rows], [r["category"] for r in rows]
    x = WordLlamaEmbedder().embed(texts)

    def score(name: str, pred: np.ndarray, seconds: float) -> None:
        pred = np.asarray(pred)
        k = len(set(pred[pred >= 0].tolist()))
        print(
            f"  {name:<34} k={k:>4}  unclustered {np.mean(pred < 0):5.1%}  ARI {adjusted_rand_score(labels, pred):.3f}"
            f"  NMI {normalized_mutual_info_score(labels, pred):.3f}  {seconds:6.1f}s"
        )

    t = time.perf_counter()
    ours = cluster(x)
    ours_s = time.perf_counter() - t

    try:
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from umap import UMAP
    except ImportError:
        print("BERTopic is not installed (pip install -e '.[bench]'); showing ours only")
        BERTopic = None  # noqa: N806
    print(f"banking77: {len(texts):,} texts, 77 labels, wordllama embeddings for both (2 cores, this run)")
    score("PM Copilot themes", ours.text_themes(), ours_s)
    score("PM Copilot subthemes", ours.text_subthemes(), ours_s)
    if BERTopic is not None:
        t = time.perf_counter()
        model = BERTopic(
            umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
            hdbscan_model=HDBSCAN(
                min_cluster_size=10, metric="euclidean", cluster_selection_method="eom", prediction_data=True
            ),
            calculate_probabilities=False,
            verbose=False,
        )
        topics, _ = model.fit_transform(texts, embeddings=x)
        bt_s = time.perf_counter() - t
        score("BERTopic (defaults)", np.asarray(topics), bt_s)
        print(f"  speed: PM Copilot is {bt_s / ours_s:.1f}x faster than BERTopic (goal: 5x)")


if __name__ == "__main__":
    main()
