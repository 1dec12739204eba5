"""Exact duplicates are merged; near-duplicates (same customer, nearly the same text) are flagged.

Merging exact duplicates keeps mention counts honest; flagging near-duplicates lets later analysis count
reach (distinct customers) apart from mentions without throwing away a customer's second wording.

A near-duplicate points at a record that is not itself a near-duplicate (a root), and a record already stored
unchanged keeps the link it has: comparing both ways on a rerun flipped links into mutual A-to-B, B-to-A pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from rapidfuzz import fuzz

from copilot.ingest.identity import comparable

_PER_CUSTOMER = 50  # recent texts remembered per customer; bounds memory on huge files


class Lookup(Protocol):
    def find(self, where: dict) -> list[tuple[str, str, dict]]: ...


class Deduper:
    """Works on plain values (id, fingerprint, customer, the text as `comparable` gives it): it runs in the
    writing process while the store waits, so it builds nothing it does not need."""

    def __init__(self, near_ratio: float) -> None:
        self.near_ratio = near_ratio
        self._fingerprints: dict[str, str] = {}
        # Per customer, oldest first: (record id, comparable text, whether it is a root that others may point at).
        # A list, not a deque: most customers say one or two things, and an empty deque is 760 bytes (380 MB
        # for the 500,000 customers of a million rows).
        self._by_customer: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)

    def prefetch(self, fingerprints: Iterable[str], customers: Iterable[str | None], store: Lookup) -> None:
        """Load what the store already holds for this batch's fingerprints and customers (reruns, other files)."""
        fps = sorted(set(fingerprints) - self._fingerprints.keys())
        for i in range(0, len(fps), 500):
            for rid, _text, meta in store.find({"fingerprint": {"$in": fps[i : i + 500]}}):
                self._fingerprints.setdefault(str(meta["fingerprint"]), rid)
        wanted = sorted({c for c in customers if c})
        for i in range(0, len(wanted), 500):
            found = store.find({"customer_id": {"$in": wanted[i : i + 500]}})
            for rid, text, meta in found:
                self._remember(str(meta["customer_id"]), rid, comparable(text), "near_dup_of" not in meta)

    def _remember(self, customer: str, rid: str, text: str, root: bool) -> None:
        seen = self._by_customer[customer]
        if all(rid != s for s, _, _ in seen):
            seen.append((rid, text, root))
            if len(seen) > _PER_CUSTOMER:
                del seen[0]

    def keep(self, rid: str, fp: str, customer: str | None, text: str, near_dup_of: str | None) -> None:
        """A record stored unchanged: others may duplicate it, and it keeps its own link."""
        self._fingerprints.setdefault(fp, rid)
        if customer:
            self._remember(customer, rid, text, near_dup_of is None)

    def duplicate_of(self, rid: str, fp: str) -> str | None:
        """The id this record exactly duplicates, or None (and remember it)."""
        first = self._fingerprints.setdefault(fp, rid)
        return first if first != rid else None

    def near_duplicate_of(self, rid: str, customer: str | None, text: str) -> str | None:
        """The root this customer's record nearly repeats, or None; `text` as `comparable` gives it."""
        if not customer:
            return None
        seen = self._by_customer.get(customer, ())
        match = next(
            (
                other_id
                for other_id, other, root in seen
                if root and other_id != rid and fuzz.ratio(text, other, score_cutoff=self.near_ratio)
            ),
            None,
        )
        self._remember(customer, rid, text, match is None)
        return match
