"""Search latency at 100,000 records: p50 and p95 over 200 queries, hybrid with a metadata filter, against a
plain filtered Chroma query (semantic only) measured in the same run.

    python bench/search_latency.py [N]

Reuses the project that bench/ingest_throughput.py leaves behind, or ingests one.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import WORK, _pieces, write_csv  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
QUERIES = 200


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    data = WORK / "ours"
    os.environ["COPILOT_DATA_DIR"] = str(data)
    from copilot.store import open_store
    from copilot.store.filters import SearchFilter, where
    from copilot.store.search import keyword_index, search

    store = open_store()
    if "bench" not in store.projects() or store.count("bench") < N:
        from copilot.ingest.pipeline import ingest

        print(f"ingesting {N:,} records first ...")
        ingest(store, [write_csv(N)], "bench")
    rng = random.Random(3)
    queries = [" ".join(rng.choice(_pieces()).split()[:8]) for _ in range(QUERIES)]
    filters = [SearchFilter(segment=[rng.choice(["SMB", "Mid-Market", "Enterprise"])]) for _ in range(QUERIES)]

    t = time.perf_counter()
    keyword_index(store, "bench")
    build_s = time.perf_counter() - t

    def timed(fn) -> list[float]:  # noqa: ANN001
        for q, f in zip(queries[:10], filters[:10], strict=True):  # warm up
            fn(q, f)
        out = []
        for q, f in zip(queries, filters, strict=True):
            t0 = time.perf_counter()
            fn(q, f)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    def plain(q: str, f: SearchFilter) -> None:
        store.query("bench", store.embedder.embed([q]), 50, where=where(f))

    def unfiltered(q: str, f: SearchFilter) -> None:
        store.query("bench", store.embedder.embed([q]), 50)

    base = timed(plain)
    bare = timed(unfiltered)
    hybrid = timed(lambda q, f: search(store, "bench", q, k=10, filters=f))
    keyword = timed(lambda q, f: search(store, "bench", q, k=10, filters=f, mode="keyword"))
    diverse = timed(lambda q, f: search(store, "bench", q, k=10, filters=f, diverse=True))
    print(
        f"search over {store.count('bench'):,} records, {QUERIES} queries, filter on segment "
        "(all figures from this run)"
    )
    print(f"  keyword index build (once per change, then cached): {build_s:.1f}s")
    for name, xs in (
        ("Chroma query + where (baseline)", base),
        ("Chroma query, no filter", bare),
        ("hybrid + filter", hybrid),
        ("keyword + filter", keyword),
        ("hybrid + filter + MMR", diverse),
    ):
        print(f"  {name:<32} p50 {pct(xs, 50):6.1f} ms   p95 {pct(xs, 95):6.1f} ms")
    print(f"  hybrid p95 / baseline p95: {pct(hybrid, 95) / pct(base, 95):.2f}   (goal: hybrid p95 < 25 ms)")


if __name__ == "__main__":
    main()
