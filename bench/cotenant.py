"""Theme discovery beside a busy neighbour: `discover_themes` on real texts (3,075 banking77 queries from
evals/real, and the 10,003 of ../shared/data/banking77-train when present), quiet and then with a CPU-bound
co-tenant process taking one of the cores, for each numeric thread count. The slowdown (loaded / quiet, both
measured in the same run and process) is the figure; the goal is at most 2x.

    python bench/cotenant.py [THREADS ...]     (default: the stated COPILOT_NUMERIC_THREADS, and 2 to compare)

Each thread count runs in its own process, since the pools read their sizes when their libraries load. Times
are medians of three runs after a warm-up that fills the embedding cache, so they are discovery itself.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import WORK  # noqa: E402

SETS = [
    ("banking77 eval set", ROOT / "evals" / "real" / "banking77.csv"),
    ("banking77-train", ROOT.parent / "shared" / "data" / "banking77-train" / "train.csv"),
]
RUNS = 3
SPIN = "while True: pass"


def _texts_csv(src: Path, dest: Path) -> Path:
    """The texts alone as a feedback CSV (labels left out: discovery must not see them)."""
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with src.open(encoding="utf-8") as fh, dest.open("w", encoding="utf-8", newline="") as out:
            w = csv.writer(out)
            w.writerow(["id", "feedback"])
            for i, row in enumerate(csv.DictReader(fh)):
                w.writerow([f"q{i:05d}", row["text"]])
    return dest


def child(data: str, csv_path: str) -> None:
    """In a fresh process: ingest once, warm the cache, then time discovery quiet and beside a spinning process."""
    from copilot.threads import configure

    threads = configure()  # before numpy, scikit-learn and tokenizers load: their pools read it then

    from copilot.analysis import theme_model
    from copilot.analysis.themes import discover_themes
    from copilot.store import open_store

    in_cluster = [0.0]  # the clustering step alone (k-means, BLAS): where the threads are
    real_cluster = theme_model.cluster

    def timed_cluster(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real_cluster(*args, **kwargs)
        finally:
            in_cluster[0] += time.perf_counter() - t0

    theme_model.cluster = timed_cluster
    store = open_store()
    if "cotenant" not in store.projects():
        from copilot.ingest.pipeline import ingest

        ingest(store, [Path(csv_path)], "cotenant")
    discover_themes(store, "cotenant")  # warm: embeddings and scores cached, as for any rediscovery

    def timed() -> tuple[float, float, float]:
        out, clustering, cpu = [], [], []
        for _ in range(RUNS):
            t, c, in_cluster[0] = time.perf_counter(), time.process_time(), 0.0
            discover_themes(store, "cotenant")
            out.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            clustering.append(in_cluster[0])
        return statistics.median(out), statistics.median(clustering), statistics.median(cpu)

    quiet, quiet_cluster, quiet_cpu = timed()
    spinner = subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)  # another process, not ours
    try:
        time.sleep(0.5)
        loaded, loaded_cluster, loaded_cpu = timed()
    finally:
        spinner.kill()
        spinner.wait()
    records = store.count("cotenant")
    figures = {"quiet": quiet, "loaded": loaded, "quiet_cluster": quiet_cluster, "loaded_cluster": loaded_cluster}
    figures |= {"quiet_cpu": quiet_cpu, "loaded_cpu": loaded_cpu}
    print(json.dumps({"threads": threads, "records": records, **figures, "data": data}))


def main() -> None:
    from copilot.config import get_settings

    stated = get_settings().numeric_threads
    counts = [int(a) for a in sys.argv[1:]] or sorted({stated, 2})
    load = os.getloadavg()[0]
    print(f"theme discovery quiet and beside one CPU-bound process, {os.cpu_count()} cores, this run")
    print(f"  (load average at start {load:.1f}; stated numeric threads: {stated})")
    for name, src in SETS:
        if not src.exists():
            print(f"  {name}: skipped, {src} not found")
            continue
        dump = _texts_csv(src, WORK / "cotenant" / f"{src.parent.name}-{src.stem}.csv")
        for threads in counts:
            data = WORK / "cotenant" / f"{dump.stem}-t{threads}"
            env = {**os.environ, "COPILOT_DATA_DIR": str(data), "COPILOT_NUMERIC_THREADS": str(threads)}
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_WAIT_POLICY"):
                env.pop(var, None)  # let each child state its own
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(data), str(dump)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                raise SystemExit(out.stderr[-3000:])
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = r["loaded"] / r["quiet"]
            mark = "ok" if ratio <= 2 else "over the goal"
            print(
                f"  {name:<20} {r['records']:>6,} texts  threads {threads}:  quiet {r['quiet']:6.2f}s   "
                f"loaded {r['loaded']:6.2f}s   slowdown {ratio:4.1f}x  (goal <= 2x: {mark})"
            )
            cq, cl = r["quiet_cluster"], r["loaded_cluster"]
            print(
                f"  {'':<20} {'':>6}        of which clustering:  quiet {cq:6.2f}s   loaded {cl:6.2f}s   "
                f"slowdown {cl / cq if cq else float('nan'):4.1f}x"
            )
            # Threads spinning against a busy neighbour burn CPU while they wait: it shows as more CPU seconds.
            print(
                f"  {'':<20} {'':>6}        CPU seconds (all threads): quiet {r['quiet_cpu']:6.2f}   "
                f"loaded {r['loaded_cpu']:6.2f}   ({r['loaded_cpu'] / r['quiet_cpu']:4.2f}x)"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
