"""PII redaction recall on the planted set (evals/pii/planted.jsonl), by type, and its speed against a
plain pass over the same texts (a lower-casing), measured in the same run.

    python bench/pii_recall.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from copilot.ingest.redact import redact  # noqa: E402

PLANTED = Path(__file__).resolve().parent.parent / "evals" / "pii" / "planted.jsonl"


def main() -> None:
    items = [json.loads(line) for line in PLANTED.read_text(encoding="utf-8").splitlines()]
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false_positives = 0
    negatives = 0
    for item in items:
        out = redact(item["text"])
        if not item["pii"]:
            negatives += 1
            false_positives += out != item["text"]
        for pii in item["pii"]:
            total[pii["type"]] += 1
            found[pii["type"]] += pii["value"] not in out
    print(f"PII redaction on {len(items)} planted texts ({sum(total.values())} PII items)")
    for kind in sorted(total):
        print(f"  {kind:<6} recall {found[kind] / total[kind]:.3f}  ({found[kind]}/{total[kind]})")
    print(f"  all    recall {sum(found.values()) / sum(total.values()):.3f}")
    print(f"  false positives on {negatives} PII-free texts: {false_positives}")
    texts = [i["text"] for i in items] * 200
    t = time.perf_counter()
    for x in texts:
        x.lower()
    base = time.perf_counter() - t
    t = time.perf_counter()
    for x in texts:
        redact(x)
    ours = time.perf_counter() - t
    print(f"  speed: {len(texts) / ours:,.0f} texts/s; {ours / base:.0f}x the cost of lower-casing them")


if __name__ == "__main__":
    main()
