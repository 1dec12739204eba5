"""Candidate pools for the hand-judged queries (pooling only: this script judges nothing).

For each query of a queries file (a YAML list of {query, dataset}; by default retrieval_judged.yaml here), the pool
is the union of
  - the top 30 by BM25 (bm25s, English stopwords, PyStemmer English stemming; records scoring 0 are left out),
  - the top 30 by WordLlama cosine (the bundled 256-d model, embed(norm=True), dot product),
  - the top 20 by TF-IDF cosine (scikit-learn TfidfVectorizer, English stopwords, sublinear tf; 0 scores left out),
over the query's slice (banking77.csv or cfpb.csv). Pools are written to judged_pools.json, in slice order, with
each candidate's rank under each ranker, so the judged set of every query can be audited.

    python evals/real/pool_candidates.py [--queries FILE] [--out FILE] [--show N [--chars C]]

--show N prints the pool of the N-th query (0-based) with the record texts, for a human judge to read; texts
longer than --chars are cut, and the cut part's sentences that share a stemmed word with the query are appended
so the judge still sees them (marked [...]).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
import wordllama
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from wordllama import WordLlama

HERE = Path(__file__).resolve().parent
SLICES = {"banking77": HERE / "banking77.csv", "cfpb": HERE / "cfpb.csv"}
K_BM25, K_DENSE, K_TFIDF = 30, 30, 20
logging.getLogger("bm25s").setLevel(logging.WARNING)
_stemmer = Stemmer.Stemmer("english")


def load_slice(name: str) -> list[dict[str, str]]:
    with SLICES[name].open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def tokenize(texts: list[str]):
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, show_progress=False)


class Rankers:
    """BM25, WordLlama and TF-IDF over one slice; each returns record indices best first."""

    def __init__(self, texts: list[str], model: WordLlama):
        self.n = len(texts)
        self.bm25 = bm25s.BM25()
        self.bm25.index(tokenize(texts), show_progress=False)
        self.model = model
        self.emb = np.asarray(model.embed(texts, norm=True), dtype=np.float32)
        self.tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.tfm = self.tfidf.fit_transform(texts)

    def bm25_rank(self, query: str, k: int) -> list[int]:
        docs, scores = self.bm25.retrieve(tokenize([query]), k=min(k, self.n), show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0]) if s > 0]

    def dense_rank(self, query: str, k: int) -> list[int]:
        q = np.asarray(self.model.embed([query], norm=True), dtype=np.float32)[0]
        sims = self.emb @ q
        return [int(i) for i in np.argsort(-sims, kind="stable")[:k]]

    def tfidf_rank(self, query: str, k: int) -> list[int]:
        sims = (self.tfm @ self.tfidf.transform([query]).T).toarray().ravel()
        order = np.argsort(-sims, kind="stable")[:k]
        return [int(i) for i in order if sims[i] > 0]


def load_model() -> WordLlama:
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def pools(queries: list[dict]) -> list[dict]:
    model = load_model()
    rows = {name: load_slice(name) for name in {q["dataset"] for q in queries}}
    rankers = {name: Rankers([r["text"] for r in rs], model) for name, rs in rows.items()}
    out = []
    for q in queries:
        rk, rs = rankers[q["dataset"]], rows[q["dataset"]]
        ranks: dict[int, dict[str, int]] = {}
        for name, idx in (
            ("bm25", rk.bm25_rank(q["query"], K_BM25)),
            ("wordllama", rk.dense_rank(q["query"], K_DENSE)),
            ("tfidf", rk.tfidf_rank(q["query"], K_TFIDF)),
        ):
            for r, i in enumerate(idx, 1):
                ranks.setdefault(i, {})[name] = r
        out.append(
            {
                "query": q["query"],
                "dataset": q["dataset"],
                "candidates": [{"id": rs[i]["id"], "ranks": ranks[i]} for i in sorted(ranks)],
            }
        )
    return out


def show(pool: dict, chars: int) -> None:
    rows = {r["id"]: r["text"] for r in load_slice(pool["dataset"])}
    qstems = set(_stemmer.stemWords(re.findall(r"[a-z']+", pool["query"].lower()))) - set(bm25s.stopwords.STOPWORDS_EN)
    print(f"## [{pool['dataset']}] {pool['query']}  ({len(pool['candidates'])} candidates)")
    for c in pool["candidates"]:
        text = " ".join(rows[c["id"]].split())
        if len(text) > chars:
            head, rest = text[:chars], text[chars:]
            hits = [
                s.strip()[:300]
                for s in re.split(r"(?<=[.!?])\s+", rest)
                if qstems & set(_stemmer.stemWords(re.findall(r"[a-z']+", s.lower())))
            ][:3]
            text = head + " [...] " + " [...] ".join(hits)
        print(f"{c['id']}: {text}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=Path, default=HERE / "retrieval_judged.yaml")
    ap.add_argument("--out", type=Path, default=HERE / "judged_pools.json")
    ap.add_argument("--show", type=int, nargs="*")
    ap.add_argument("--chars", type=int, default=800)
    args = ap.parse_args()
    queries = [{"query": q["query"], "dataset": q["dataset"]} for q in yaml.safe_load(args.queries.read_text())]
    result = pools(queries)
    if args.show is not None:
        for n in args.show:
            show(result[n], args.chars)
        return
    args.out.write_text("[\n" + ",\n".join(json.dumps(p) for p in result) + "\n]\n", encoding="utf-8")
    sizes = [len(p["candidates"]) for p in result]
    print(f"{len(result)} pools, {sum(sizes)} candidates, mean {sum(sizes) / len(sizes):.1f} per query -> {args.out}")


if __name__ == "__main__":
    main()
