"""The survey report of a 100,000-row survey dump, end to end with the extractive engine: time, rows per
second and peak memory (main process and children, polled), against plain `copilot ingest` of the same file
measured in the same run.

    python bench/survey_report_rows.py [N]

Goal: under 3 minutes and under 2 GB on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import WORK, write_csv  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
EXE = str(Path(sys.executable).parent / "copilot")


def timed(args: list[str], data: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of a command and its children, from a fresh data dir."""
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "COPILOT_DATA_DIR": str(data)}
    started = time.perf_counter()
    proc = subprocess.Popen([EXE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = watched.memory_info().rss + sum(c.memory_info().rss for c in watched.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{args[0]} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return seconds, peak / 1e6


def main() -> None:
    dump = write_csv(N)
    out = WORK / "survey-report" / "report.html"
    ingest_s, ingest_mb = timed(["ingest", str(dump), "--project", "bench"], WORK / "survey-ingest")
    command = ["survey-report", str(dump), "--by", "segment", "--out", str(out)]
    total_s, peak_mb = timed(command, WORK / "survey-report-run")
    print(f"baseline, copilot ingest of the same file: {ingest_s:.1f} s, peak {ingest_mb:,.0f} MB")
    print(
        f"copilot survey-report, {N:,} rows end to end: {total_s:.1f} s ({N / total_s:,.0f} rows/s), "
        f"peak {peak_mb:,.0f} MB; {total_s / ingest_s:.2f}x the ingest time"
    )
    print(f"goal: under 180 s ({total_s / 180:.2f} of it) and under 2,000 MB ({peak_mb / 2000:.2f} of it)")
    print(f"report: {out} ({out.stat().st_size / 1e3:,.0f} kB)")


if __name__ == "__main__":
    main()
