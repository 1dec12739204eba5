"""Check the query sets against their slices and print a BM25-alone / WordLlama-alone baseline.

    python evals/real/validate.py

Checks: every set is a YAML list of {query: str, relevant: [ids], source: label|judged, note?, dataset?}; every id
exists in its slice; no query has an empty or duplicated relevant list; judged queries name their dataset and
all their relevant ids are in that query's judged pool (judged_pools.json). Then, per set, the number of queries,
mean relevant per query and MRR / P@10 / R@20 for each ranker alone over the whole slice (rankings cut at 100;
R@20 is capped recall as in copilot/evals/retrieval.py: hits in the top 20 over min(20, relevant); plain recall
is printed too). Exits 1 if a check fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))
from pool_candidates import Rankers, load_model, load_slice  # noqa: E402

SETS = [
    ("retrieval_banking77.yaml", "banking77"),
    ("retrieval_cfpb.yaml", "cfpb"),
    ("retrieval_judged.yaml", None),
]
KEYS = {"query", "relevant", "source", "note", "dataset"}
DEPTH = 100


def check(name: str, default: str | None, ids: dict[str, set[str]], pools: dict) -> list[dict]:
    items = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    assert isinstance(items, list) and items, f"{name}: not a non-empty list"
    for q in items:
        where = f"{name}: {q.get('query')!r}"
        assert set(q) <= KEYS and {"query", "relevant", "source"} <= set(q), f"{where}: keys {sorted(q)}"
        assert isinstance(q["query"], str) and q["query"].strip(), where
        assert q["source"] in ("label", "judged"), f"{where}: source {q['source']}"
        ds = q.get("dataset", default)
        assert ds in ids, f"{where}: dataset {ds}"
        q["dataset"] = ds
        rel = q["relevant"]
        assert isinstance(rel, list) and rel, f"{where}: empty relevant"
        assert len(rel) == len(set(rel)), f"{where}: duplicate ids"
        missing = [r for r in rel if r not in ids[ds]]
        assert not missing, f"{where}: ids not in {ds}: {missing[:5]}"
        if q["source"] == "judged":
            pool = pools[(q["query"], ds)]
            outside = set(rel) - pool
            assert not outside, f"{where}: relevant outside its pool: {sorted(outside)[:5]}"
    return items


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float, float, float]:
    rr = next((1 / (i + 1) for i, r in enumerate(ranked) if r in relevant), 0.0)
    p10 = len(relevant & set(ranked[:10])) / 10
    hits20 = len(relevant & set(ranked[:20]))
    return rr, p10, hits20 / min(20, len(relevant)), hits20 / len(relevant)


def main() -> None:
    slices = {name: load_slice(name) for name in ("banking77", "cfpb")}
    ids = {name: {r["id"] for r in rows} for name, rows in slices.items()}
    pools = {
        (p["query"], p["dataset"]): {c["id"] for c in p["candidates"]}
        for p in json.loads((HERE / "judged_pools.json").read_text(encoding="utf-8"))
    }
    sets = {name: check(name, ds, ids, pools) for name, ds in SETS}
    print("all checks passed\n")
    model = load_model()
    rankers = {name: Rankers([r["text"] for r in rows], model) for name, rows in slices.items()}
    order = {name: [r["id"] for r in rows] for name, rows in slices.items()}
    header = f"{'set':34} {'queries':>7} {'rel/q':>6}  {'ranker':9} {'MRR':>6} {'P@10':>6} {'R@20':>6} {'recall@20':>9}"
    print(header)
    print("-" * len(header))
    groups = []
    for name, items in sets.items():
        if name == "retrieval_judged.yaml":
            for ds in ("banking77", "cfpb"):
                groups.append((f"{name} [{ds}]", [q for q in items if q["dataset"] == ds]))
        groups.append((name, items))
    for label, items in groups:
        mean_rel = sum(len(q["relevant"]) for q in items) / len(items)
        for ranker in ("bm25", "wordllama"):
            rows = []
            for q in items:
                rk = rankers[q["dataset"]]
                idx = rk.bm25_rank(q["query"], DEPTH) if ranker == "bm25" else rk.dense_rank(q["query"], DEPTH)
                rows.append(metrics([order[q["dataset"]][i] for i in idx], set(q["relevant"])))
            avg = [sum(col) / len(rows) for col in zip(*rows)]
            print(
                f"{label:34} {len(items):7d} {mean_rel:6.1f}  {ranker:9} {avg[0]:6.3f} {avg[1]:6.3f} {avg[2]:6.3f} {avg[3]:9.3f}"
            )


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
