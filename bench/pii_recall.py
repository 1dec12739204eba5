"""PII redaction: recall and false positives by type, and what redaction costs at ingest.

Two planted sets are scored:
- evals/pii/independent.jsonl: 370 texts, 12 types, with spans, written independently of the detector
  (evals/pii/make_independent.py). A gold item counts as caught when at least 80% of its non-space characters
  were replaced, whatever placeholder replaced them; a false positive is a replaced span that overlaps no gold
  item. Spans are recovered from redact()'s output, so this measures exactly what is stored.
- evals/pii/planted.jsonl: the project's older set (5 types), scored as "the value is gone".

The cost is normalise + redact per 1,000 records, as ingest runs them, on short synthetic feedback, real CFPB
complaint narratives, real banking77 queries and the PII-dense independent set. The real texts carry no PII
(the CFPB already masked it as XXXX), so what is redacted there is counted too: each one is a false positive
on real text.

    python bench/pii_recall.py
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copilot.ingest.normalize import normalize_text  # noqa: E402
from copilot.ingest.redact import PLACEHOLDERS, redact  # noqa: E402

INDEPENDENT = ROOT / "evals" / "pii" / "independent.jsonl"
PLANTED = ROOT / "evals" / "pii" / "planted.jsonl"
TYPES = (
    "email",
    "phone",
    "card",
    "iban",
    "ip",
    "name",
    "address",
    "postcode",
    "national_id",
    "date_of_birth",
    "passport",
    "secret",
)
_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


@dataclass
class Score:
    caught: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)  # by the placeholder that replaced them
    negatives: int = 0
    negatives_hit: int = 0
    missed: dict[str, list[str]] = field(default_factory=dict)
    wrongly_redacted: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.caught[kind] / self.total[kind] if self.total[kind] else 1.0


def redacted_spans(original: str, redacted: str) -> list[tuple[int, int, str]]:
    """Where redact() replaced text: align the literal pieces of its output with the original."""
    pieces = _PLACEHOLDER_RE.split(redacted)
    if len(pieces) == 1:
        return []
    m = re.fullmatch("(.+?)".join(re.escape(p) for p in pieces), original, re.S)
    if m is None:
        raise AssertionError(f"redaction changed more than the PII: {original!r} -> {redacted!r}")
    labels = _PLACEHOLDER_RE.findall(redacted)
    return [(m.start(i + 1), m.end(i + 1), labels[i]) for i in range(len(labels))]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_independent(items: list[dict]) -> Score:
    s = Score()
    for item in items:
        text = item["text"]
        spans = redacted_spans(text, redact(text))
        covered = [False] * len(text)
        for start, end, _ in spans:
            covered[start:end] = [True] * (end - start)
        for pii in item["pii"]:
            kind = pii["type"]
            s.total[kind] += 1
            chars = [i for i in range(pii["start"], pii["end"]) if not text[i].isspace()]
            if sum(covered[i] for i in chars) >= 0.8 * len(chars):
                s.caught[kind] += 1
            else:
                s.missed.setdefault(kind, []).append(pii["value"])
        stray = [(a, b, lab) for a, b, lab in spans if not any(a < p["end"] and p["start"] < b for p in item["pii"])]
        for a, b, lab in stray:
            s.false_positives[lab] += 1
            s.wrongly_redacted.append(f"{lab} <- {text[a:b]!r}")
        if not item["pii"]:
            s.negatives += 1
            s.negatives_hit += bool(stray)
    return s


def score_planted(items: list[dict]) -> tuple[Counter[str], Counter[str], int, int]:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    negatives = false_positives = 0
    for item in items:
        out = redact(item["text"])
        if not item["pii"]:
            negatives += 1
            false_positives += out != item["text"]
        for pii in item["pii"]:
            total[pii["type"]] += 1
            found[pii["type"]] += pii["value"] not in out
    return found, total, negatives, false_positives


def _texts() -> dict[str, list[str]]:
    from bench.synthetic import rows

    def column(name: str) -> list[str]:
        with (ROOT / "evals" / "real" / name).open(encoding="utf-8", newline="") as fh:
            return [row["text"] for row in csv.DictReader(fh)]

    independent = [i["text"] for i in load(INDEPENDENT)]
    return {
        "synthetic feedback": [r[-1] for r in rows(1000)],
        "CFPB narratives (real)": column("cfpb.csv"),
        "banking77 queries (real)": column("banking77.csv"),
        "independent PII set": (independent * 3)[:1000],
    }


def cost() -> None:
    print("Ingest cost, normalise + redact, ms per 1,000 records (best of 3); redactions on real text")
    for name, texts in _texts().items():
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            out = [redact(normalize_text(x)) for x in texts]
            best = min(best, time.perf_counter() - t)
        found = Counter(lab for x in out for lab in _PLACEHOLDER_RE.findall(x))
        chars = sum(map(len, texts)) / len(texts)
        print(f"  {name:<26} {best / len(texts) * 1e6:8.1f} ms  ({len(texts):,} texts, {chars:,.0f} chars avg)", end="")
        print(f"  redacted: {dict(found) or 'nothing'}" if "real" in name else "")


def main() -> None:
    items = load(INDEPENDENT)
    s = score_independent(items)
    print(f"Independent set: {len(items)} texts, {sum(s.total.values())} PII items, {s.negatives} negatives")
    for kind in TYPES:
        print(f"  {kind:<14} recall {s.recall(kind):.3f}  ({s.caught[kind]}/{s.total[kind]})")
    print(f"  all            recall {sum(s.caught.values()) / sum(s.total.values()):.3f}")
    print(f"  false-positive spans {sum(s.false_positives.values())} {dict(s.false_positives)}")
    print(f"  negatives with a false positive: {s.negatives_hit}/{s.negatives}")
    if "-v" in sys.argv:
        for kind, values in s.missed.items():
            print(f"  missed {kind}: {values}")
        print("  wrongly redacted:", *s.wrongly_redacted, sep="\n    ")
    found, total, negatives, false_positives = score_planted(load(PLANTED))
    print(f"Planted set: {sum(total.values())} PII items")
    for kind in sorted(total):
        print(f"  {kind:<6} recall {found[kind] / total[kind]:.3f}  ({found[kind]}/{total[kind]})")
    print(f"  false positives on {negatives} PII-free texts: {false_positives}")
    cost()


if __name__ == "__main__":
    main()
