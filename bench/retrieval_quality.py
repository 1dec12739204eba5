"""Retrieval quality on real feedback: MRR, P@10 and R@20 of each ranker (keyword, dense, hybrid) on the real sets
of evals/real, the same numbers as `copilot eval --suite retrieval`, with the queries split as the fusion was tuned
(even positions: tuning, odd: held out), and the fusion this one replaced (plain RRF, k = 60, equal weights, over
chunks) measured in the same run as the baseline.

    python bench/retrieval_quality.py

Keeps its projects in bench/.work/retrieval (ingested on the first run, under a minute).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import WORK  # noqa: E402

if TYPE_CHECKING:
    from copilot.evals.real_retrieval import Query
    from copilot.store.chroma import Store

SPLITS = {"all": None, "tuning": 0, "held-out": 1}


def main() -> None:
    os.environ["COPILOT_DATA_DIR"] = str(WORK / "retrieval")
    from copilot.evals import real_retrieval as rr
    from copilot.evals.real import available
    from copilot.ingest.mapping import ColumnMapping
    from copilot.ingest.pipeline import ingest
    from copilot.store import open_store

    store = open_store()
    for real in available():  # as copilot/evals/real.py ingests them, so record ids are the eval's
        ingest(store, [real.file], real.project, mapping=ColumnMapping(text=["text"], id="id"))
    rankers = {name: rr.ranked_by(store, mode) for name, mode in rr.RANKERS.items()}
    rankers["hybrid before (RRF 60)"] = lambda q: before(store, q)
    print("set        split     queries  ranker                   MRR    P@10   R@20")
    for name in rr.SETS:
        queries = rr.real_queries(name)
        if not queries:
            print(f"{name}: slice missing, skipped")
            continue
        rr.check(store, name, queries)
        for split, parity in SPLITS.items():
            part = [q for i, q in enumerate(queries) if parity is None or i % 2 == parity]
            got = {ranker: rr.scores(part, fn) for ranker, fn in rankers.items()}
            for ranker, (mrr, p10, r20) in got.items():
                print(f"{name:10} {split:9} {len(part):7}  {ranker:22} {mrr:6.3f} {p10:6.3f} {r20:6.3f}")
            best = [max(got["keyword"][i], got["dense"][i]) for i in (0, 1)]
            ratio = [got["hybrid"][i] / best[i] if best[i] else float("nan") for i in (0, 1)]
            base = [got["hybrid"][i] / got["hybrid before (RRF 60)"][i] for i in (0, 1)]
            print(
                f"{'':31}hybrid / best single ranker: MRR {ratio[0]:.3f}, P@10 {ratio[1]:.3f};"
                f" hybrid / before: MRR {base[0]:.3f}, P@10 {base[1]:.3f}"
            )


def before(store: Store, q: Query) -> list[str]:
    """The fusion search.py used until issue 15, for comparison: RRF with k = 60 over chunks, then records."""
    from copilot.store.encoding import record_of
    from copilot.store.search import keyword_index, semantic

    index = keyword_index(store, q.project)
    filters = index.columns.resolve(q.filters)
    mask = index.mask(filters)
    ids, _ = semantic(store, q.project, store.embedder.embed([q.text]), 60, filters, index, mask)
    hits = [c for c, _ in index.search(q.text, 60, mask)]
    fused: dict[str, float] = {}
    for ranking in (ids, hits):
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (60 + rank + 1)
    order = sorted(fused, key=lambda c: fused[c], reverse=True)
    chunks = store.get_chunks(q.project, order)
    records = [record_of(chunks[c][1], c) for c in order if c in chunks]
    return list(dict.fromkeys(records))[:20]


if __name__ == "__main__":
    main()
