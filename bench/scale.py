"""The scale run (`make bench-scale`, not in CI): short feedback records at 100,000 and at 1,000,000, each
stage in its own process with the peak resident memory of its process tree polled, every figure printed beside
its 100,000-record figure with the growth and the goal, and what breaks first named.

    python bench/scale.py [--sizes 100000,1000000] [--stages ingest,search,themes,survey] [--server]

Stages: ingest (`copilot.ingest.pipeline.ingest`, goal peak RSS < 2 GB), search (the product's hybrid search as
it is, 200 queries with a segment filter, goal p95 < 25 ms), themes (`discover_themes` from cold, goal
< 10 minutes), survey (`copilot survey-report` of the same dump, goal < 30 minutes and < 2 GB). `--server`
runs everything against a `chroma run` server on 127.0.0.1 that the run starts (its memory is reported apart:
it is the process a deployment moves to another machine). Figures are kept in bench/.work/scale/results.json as
each stage ends, so a run that stops resumes with the stages it has not done (`--fresh` forgets them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import WORK, _pieces, write_csv  # noqa: E402

OUT = WORK / "scale"
RESULTS = OUT / "results.json"
QUERIES = 200
GB = 2**30
GOALS: dict[str, tuple[str, float, str]] = {  # stage figure -> (label, limit, unit)
    "ingest.peak_rss": ("ingest peak RSS", 2 * GB, "bytes"),
    "search.hybrid_p95_ms": ("hybrid + filter p95", 25.0, "ms"),
    "themes.seconds": ("theme discovery", 600.0, "s"),
    "survey.seconds": ("survey report time", 1800.0, "s"),
    "survey.peak_rss": ("survey report peak RSS", 2 * GB, "bytes"),
}


# ---- the stages, each run in a child process: `python bench/scale.py --stage NAME N` ------------------------


def _stage_ingest(n: int) -> dict[str, Any]:
    from copilot.ingest.pipeline import ingest
    from copilot.store import open_store

    t = time.perf_counter()
    report = ingest(open_store(), [write_csv(n)], "scale")
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "records_per_s": report.records_added / seconds, "added": report.records_added}


def _pct(xs: list[float], p: int) -> float:
    return statistics.quantiles(xs, n=100)[p - 1]


def _stage_search(n: int) -> dict[str, Any]:
    from copilot.store import open_store
    from copilot.store.filters import SearchFilter, where
    from copilot.store.search import keyword_index, search

    store = open_store()
    rng = random.Random(3)
    queries = [" ".join(rng.choice(_pieces()).split()[:8]) for _ in range(QUERIES)]
    filters = [SearchFilter(segment=[rng.choice(["SMB", "Mid-Market", "Enterprise"])]) for _ in range(QUERIES)]
    t = time.perf_counter()
    keyword_index(store, "scale")
    build_s = time.perf_counter() - t

    def timed(fn: Any, count: int = QUERIES) -> list[float]:
        for q, f in zip(queries[:10], filters[:10], strict=True):
            fn(q, f)
        out = []
        for q, f in zip(queries[:count], filters[:count], strict=True):
            t0 = time.perf_counter()
            fn(q, f)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    # Chroma's filtered query is the baseline, and it takes seconds a query at 1,000,000: 40 of them say enough.
    plain = timed(lambda q, f: store.query("scale", store.embedder.embed([q]), 50, where=where(f)), 40)
    bare = timed(lambda q, f: store.query("scale", store.embedder.embed([q]), 50))
    hybrid = timed(lambda q, f: search(store, "scale", q, k=10, filters=f))
    return {
        "keyword_build_s": build_s,
        "chroma_filtered_p95_ms": _pct(plain, 95),
        "chroma_unfiltered_p95_ms": _pct(bare, 95),
        "hybrid_p50_ms": _pct(hybrid, 50),
        "hybrid_p95_ms": _pct(hybrid, 95),
    }


def _stage_themes(n: int) -> dict[str, Any]:
    from copilot.analysis.themes import discover_themes
    from copilot.store import open_store

    store = open_store()
    shutil.rmtree(store.settings.cache_dir / "analysis", ignore_errors=True)  # from cold: embeddings included
    t = time.perf_counter()
    model = discover_themes(store, "scale")
    return {"seconds": time.perf_counter() - t, "topics": len(model.topics)}


STAGES = {"ingest": _stage_ingest, "search": _stage_search, "themes": _stage_themes}


# ---- the parent: runs each stage in a child, polls its memory, keeps the figures ----------------------------


_WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
]


def _spelled(n: int) -> str:
    return f"{_WORDS[n % 16]}-{_WORDS[n // 16 % 16]}-{_WORDS[n // 256 % 16]}"


def write_survey_csv(n: int) -> Path:
    """The synthetic dump with its distinguishing '(team 30, week 21)' spelled in words: with digits, the themes
    are named after the numbers, and a narrative holding numbers that are not statistics fails verification
    (the survey report then stops; reported, not worked around in the product)."""
    import csv
    import re

    from bench.synthetic import HEADER, rows

    path = OUT / f"survey-{n}.csv"
    if not path.exists():
        suffix = re.compile(r"\(team (\d+), week (\d+)\)$")
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            for row in rows(n):
                row[-1] = suffix.sub(lambda m: f"(team {_spelled(int(m[1]))}, {_spelled(int(m[2]))} week)", row[-1])
                w.writerow(row)
        tmp.rename(path)
    return path


def _watch(cmd: list[str], env: dict[str, str], server_pid: int | None) -> tuple[int, float, int, int, str]:
    """(exit code, seconds, peak RSS of the process tree, peak RSS of the Chroma server, stdout)."""
    import psutil

    started = time.perf_counter()
    log = OUT / "stage.log"
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        root = psutil.Process(proc.pid)
        server = psutil.Process(server_pid) if server_pid else None
        peak = server_peak = 0
        while proc.poll() is None:
            try:
                peak = max(peak, sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
                if server is not None:
                    server_peak = max(server_peak, server.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.25)
        stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        stdout += log.read_text()[-3000:]
    return proc.returncode, time.perf_counter() - started, peak, server_peak, stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(path: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    exe = str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the Chroma server did not start")


def _run(stage: str, n: int, server: bool, results: dict[str, Any]) -> None:
    key = f"{stage}@{n}{'+server' if server else ''}"
    if key in results:
        return
    data = OUT / f"data-{n}{'-server' if server else ''}"
    env = {**os.environ, "COPILOT_DATA_DIR": str(data)}
    server_proc = None
    if stage == "ingest":
        shutil.rmtree(data, ignore_errors=True)
    if server:
        server_proc, env["COPILOT_CHROMA_URL"] = _start_server(data / "server-chroma")
    try:
        if stage == "survey":
            dump = write_survey_csv(n)
            cmd = [str(Path(sys.executable).parent / "copilot"), "survey-report", str(dump), "--by", "segment"]
            cmd += ["--out", str(OUT / f"report-{n}.html")]
            env["COPILOT_DATA_DIR"] = str(OUT / f"survey-{n}")
            shutil.rmtree(env["COPILOT_DATA_DIR"], ignore_errors=True)
        else:
            cmd = [sys.executable, __file__, "--stage", stage, str(n)]
        print(f"  running {key} ...", flush=True)
        code, seconds, peak, server_peak, stdout = _watch(cmd, env, server_proc.pid if server_proc else None)
    finally:
        if server_proc is not None:
            server_proc.terminate()
            server_proc.wait(timeout=30)
    if code:
        print(f"  {key} failed (exit {code}): {stdout[-2000:]}")
        results[key] = {"failed": stdout[-500:], "seconds": seconds, "peak_rss": peak}
    else:
        figures = json.loads(stdout.strip().splitlines()[-1]) if stage != "survey" else {}
        results[key] = {"seconds": seconds, **figures, "peak_rss": peak, "server_rss": server_peak}
    RESULTS.write_text(json.dumps(results, indent=1))


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 2**20:,.0f} MB"
    return f"{value:,.1f} {unit}"


def report(results: dict[str, Any], sizes: list[int], server: bool) -> None:
    small, big = sizes[0], sizes[-1]
    tag = "+server" if server else ""
    print(f"\nscale run: {small:,} and {big:,} short records, {os.cpu_count()} cores, this machine, this run")
    rows = [
        ("ingest.records_per_s", "ingest rate", "records/s", None),
        ("ingest.peak_rss", "ingest peak RSS (our processes)", "bytes", "ingest.peak_rss"),
        ("search.keyword_build_s", "keyword index build", "s", None),
        ("search.chroma_filtered_p95_ms", "Chroma query + filter p95", "ms", None),
        ("search.hybrid_p95_ms", "hybrid + filter p95", "ms", "search.hybrid_p95_ms"),
        ("search.peak_rss", "search process peak RSS", "bytes", None),
        ("themes.seconds", "theme discovery, cold", "s", "themes.seconds"),
        ("themes.peak_rss", "theme discovery peak RSS", "bytes", None),
        ("survey.seconds", "survey report, end to end", "s", "survey.seconds"),
        ("survey.peak_rss", "survey report peak RSS", "bytes", "survey.peak_rss"),
    ]
    if server:
        rows.insert(2, ("ingest.server_rss", "  Chroma server peak RSS", "bytes", None))
    worst: tuple[float, str] = (0.0, "")
    for figure, label, unit, goal in rows:
        stage, field = figure.split(".")
        t = "" if stage == "survey" else tag  # the survey report runs embedded: it is one command on one machine
        a = results.get(f"{stage}@{small}{t}", {})
        b = results.get(f"{stage}@{big}{t}", {})
        if field not in a and field not in b:
            if "failed" in b:
                print(f"  {label:<34} failed at {big:,}: {b['failed'][-200:]!r}")
                worst = (float("inf"), f"{label} (failed)")
            continue
        va, vb = a.get(field), b.get(field)
        growth = f"x{vb / va:5.1f}" if va and vb else "     "
        line = f"  {label:<34} {_fmt(va, unit) if va is not None else '-':>14}  {_fmt(vb, unit) if vb else '-':>14}"
        line += f"  {growth}"
        if "failed" in a or "failed" in b:  # the figure is up to the failure: a time or peak so far, not a result
            line += f"  (up to a failure at {small if 'failed' in a else big:,})"
        if goal:
            _, limit, _ = GOALS[goal]
            share = (vb or va or 0) / limit
            line += f"   goal < {_fmt(limit, unit)}: {share:.2f} of it{'  OVER' if share > 1 else ''}"
            worst = max(worst, (share, label))
        print(line)
    if worst[1]:
        print(f"  closest to (or past) its limit at {big:,}: {worst[1]} ({worst[0]:.2f} of its goal)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--stages", default="ingest,search,themes,survey")
    ap.add_argument("--server", action="store_true")
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {} if args.fresh or not RESULTS.exists() else json.loads(RESULTS.read_text())
    for n in sizes:
        for stage in args.stages.split(","):
            _run(stage, n, args.server and stage != "survey", results)
    report(results, sizes, args.server)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--stage":
        print(json.dumps(STAGES[sys.argv[2]](int(sys.argv[3]))))
    else:
        main()
