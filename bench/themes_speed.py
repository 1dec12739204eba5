"""Theme analysis speed at 100,000 feedback records (discovery and statistics) and assigning 1,000 new records
to existing themes, against the time to read and embed the same records, measured in the same run.

    python bench/themes_speed.py [N]
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import WORK, rows, write_csv  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main() -> None:
    os.environ["COPILOT_DATA_DIR"] = str(WORK / "ours")
    from copilot.analysis import feedback
    from copilot.analysis.feedback import load_feedback
    from copilot.analysis.segments import split
    from copilot.analysis.themes import ThemeModel, analyze, discover_themes
    from copilot.store import open_store
    from copilot.store.embeddings import WordLlamaEmbedder

    store = open_store()
    if "bench" not in store.projects() or store.count("bench") < N:
        from copilot.ingest.pipeline import ingest

        print(f"ingesting {N:,} records first ...")
        ingest(store, [write_csv(N)], "bench")
    shutil.rmtree(store.settings.cache_dir / "analysis", ignore_errors=True)  # measure from cold

    t = time.perf_counter()
    records = list(store.records("bench"))
    embedder = WordLlamaEmbedder()
    embedder.embed([r.text for r in records])
    base_s = time.perf_counter() - t

    t = time.perf_counter()
    discover_themes(store, "bench")  # reads never discover: discovery is its own step
    report = analyze(store, "bench")
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    analyze(store, "bench")
    again_s = time.perf_counter() - t
    feedback._last = None  # as a new command would: the analysis is read from the cache on disk
    t = time.perf_counter()
    analyze(store, "bench")
    warm_s = time.perf_counter() - t

    model = ThemeModel.from_store(store, "bench")
    new = [r[-1] for r in rows(1000, seed=99)]
    t = time.perf_counter()
    segs = [text[a:b] for text in new for a, b in split(text)]
    themes, _ = model.assign(embedder.embed(segs), 0.35)
    assign_s = time.perf_counter() - t
    t = time.perf_counter()
    embedder.embed(new)
    embed_s = time.perf_counter() - t

    fs = load_feedback(store, "bench")
    print(f"themes over {report.records:,} feedback records ({len(fs.seg_record):,} segments), 2 cores, this run")
    print(f"  read + embed once (baseline)        {base_s:6.1f}s")
    print(f"  discover + statistics, cold cache   {cold_s:6.1f}s  ({cold_s / base_s:.1f}x baseline; goal < 60s)")
    print(f"  statistics again, same process      {again_s:6.1f}s")
    print(f"  statistics again, new command       {warm_s:6.1f}s  (analysis read from the cache on disk)")
    print(f"  themes found: {len(report.themes)}, unclustered {report.unclustered.share:.1%}")
    print(
        f"  assign 1,000 new records            {assign_s:6.2f}s  ({assign_s / embed_s:.1f}x embedding them; goal < 1s)"
        f"; {sum(1 for t in themes if t):,} of {len(segs):,} segments joined a theme"
    )


if __name__ == "__main__":
    main()
