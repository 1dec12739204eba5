"""Deterministic synthetic feedback for benchmarks: short, varied texts built from the corpus's phrases."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
PLANS = ["Starter", "Team", "Business", "Enterprise"]
HEADER = ["id", "customer_id", "segment", "plan", "date", "feedback"]


def _pieces() -> list[str]:
    ph = yaml.safe_load((ROOT / "corpus" / "phrases.yaml").read_text(encoding="utf-8"))
    out: list[str] = []
    for p in ph["pain_points"].values():
        out += p["complaints"] + p["requests"] + p["details"]
    for s in ph["strengths"].values():
        out += s["praise"]
    return [x.replace("{n}", "20") for x in out]


def rows(n: int, seed: int = 7) -> Iterator[list[str]]:
    rng = random.Random(seed)
    pieces = _pieces()
    start = dt.date(2026, 1, 1)
    for i in range(n):
        text = rng.choice(pieces)
        if rng.random() < 0.5:
            text += " " + rng.choice(pieces)
        # A number makes each text distinct, as real feedback is.
        text += f" (team {rng.randrange(1, 500)}, week {rng.randrange(1, 53)})"
        yield [
            f"F{i:06d}",
            f"C{rng.randrange(n // 2):06d}",
            rng.choice(SEGMENTS),
            rng.choice(PLANS),
            (start + dt.timedelta(days=rng.randrange(300))).isoformat(),
            text,
        ]


def write_csv(n: int) -> Path:
    path = WORK / f"feedback-{n}.csv"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(rows(n))
        tmp.rename(path)
    return path
