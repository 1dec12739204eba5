"""Distinctive key phrases per theme (class-based TF-IDF, as BERTopic does), and a label made from them."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import Stemmer
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

_WORD_RE = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]")
_MASK_RE = re.compile(r"^x{2,}$")  # what an export put in place of redacted words ("XXXX")
_STOP = ENGLISH_STOP_WORDS | {
    "ve",
    "ll",
    "don't",
    "doesn't",
    "can't",
    "i'm",
    "it's",
    "just",
    "really",
    "honestly",
    "tbh",
    "overall",
    "mostly",
    "like",
    "thanks",
    "need",
    "want",
    "way",
}
_stemmer = Stemmer.Stemmer("english")


def _terms(doc: str) -> list[str]:
    words = [w for w in _WORD_RE.findall(doc.lower()) if w not in _STOP and len(w) > 2 and not _MASK_RE.match(w)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def keywords(docs_by_group: Sequence[Sequence[str]], top: int = 8) -> list[list[str]]:
    """Top terms per group: frequent in the group, rare in the others. Stemmed variants are folded into the
    most common surface form, so 'export', 'exports' and 'exporting' show once."""
    if not docs_by_group:
        return []
    flat = [d for docs in docs_by_group for d in docs]
    owner = np.repeat(np.arange(len(docs_by_group)), [len(docs) for docs in docs_by_group])
    cv = CountVectorizer(analyzer=_terms, min_df=1)
    try:
        per_doc = cv.fit_transform(flat).astype(np.float64)  # terms per text: no bigram spans two texts
    except ValueError:  # no terms at all
        return [[] for _ in docs_by_group]
    groups = sparse.csr_matrix(
        (np.ones(len(flat)), (owner, np.arange(len(flat)))), shape=(len(docs_by_group), len(flat))
    )
    tf = groups @ per_doc
    terms = cv.get_feature_names_out()
    words_per_group = np.asarray(tf.sum(axis=1)).ravel()
    avg = words_per_group.mean() if len(words_per_group) else 1.0
    idf = np.log(1 + avg / np.maximum(np.asarray(tf.sum(axis=0)).ravel(), 1))
    weights = tf.multiply(1 / np.maximum(words_per_group, 1)[:, None]).multiply(idf).tocsr()
    out: list[list[str]] = []
    for g in range(tf.shape[0]):
        row = weights.getrow(g)
        order = row.indices[np.argsort(-row.data)]
        picked: list[str] = []
        seen: set[str] = set()
        for idx in order:
            term = terms[idx]
            parts = set(_stemmer.stemWords(term.split()))
            if parts & seen:  # a variant of, or a phrase around, a term already picked
                continue
            seen.update(parts)
            picked.append(term)
            if len(picked) == top:
                break
        out.append(picked)
    return out


def label(terms: Sequence[str]) -> str:
    """A readable label from the top three key terms; a model or a person may rename it later."""
    if not terms:
        return "(no key terms)"
    return " / ".join(list(terms)[:3])
