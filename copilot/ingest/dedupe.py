"""Exact duplicates are merged; near-duplicates (same customer, nearly the same text) are flagged.

Merging exact duplicates keeps mention counts honest; flagging near-duplicates lets later analysis count
reach (distinct customers) apart from mentions without throwing away a customer's second wording.

A near-duplicate points at a record that is not itself a near-duplicate (a root), and a record already stored
unchanged keeps the link it has: comparing both ways on a rerun flipped links into mutual A-to-B, B-to-A pairs.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Protocol

from rapidfuzz import fuzz

from copilot.ingest.identity import comparable
from copilot.models import Record

_PER_CUSTOMER = 50  # recent texts remembered per customer; bounds memory on huge files


class Lookup(Protocol):
    def find(self, where: dict) -> list[tuple[str, str, dict]]: ...


class Deduper:
    def __init__(self, near_ratio: float) -> None:
        self.near_ratio = near_ratio
        self._fingerprints: dict[str, str] = {}
        # Per customer: (record id, comparable text, whether it is a root that others may point at).
        self._by_customer: dict[str, deque[tuple[str, str, bool]]] = defaultdict(lambda: deque(maxlen=_PER_CUSTOMER))

    def prefetch(self, records: list[Record], store: Lookup) -> None:
        """Load what the store already holds for this batch's fingerprints and customers (reruns, other files)."""
        fps = sorted({r.fingerprint for r in records} - self._fingerprints.keys())
        for i in range(0, len(fps), 500):
            for rid, _text, meta in store.find({"fingerprint": {"$in": fps[i : i + 500]}}):
                self._fingerprints.setdefault(str(meta["fingerprint"]), rid)
        customers = sorted({r.meta.customer_id for r in records if r.meta.customer_id})
        for i in range(0, len(customers), 500):
            found = store.find({"customer_id": {"$in": customers[i : i + 500]}})
            for rid, text, meta in found:
                self._remember(str(meta["customer_id"]), rid, comparable(text), "near_dup_of" not in meta)

    def _remember(self, customer: str, rid: str, text: str, root: bool) -> None:
        seen = self._by_customer[customer]
        if all(rid != s for s, _, _ in seen):
            seen.append((rid, text, root))

    def keep(self, record: Record, near_dup_of: str | None) -> None:
        """A record stored unchanged: others may duplicate it, and it keeps its own link."""
        self._fingerprints.setdefault(record.fingerprint, record.id)
        if record.meta.customer_id:
            self._remember(record.meta.customer_id, record.id, comparable(record.text), near_dup_of is None)

    def duplicate_of(self, record: Record) -> str | None:
        """The id this record exactly duplicates, or None (and remember it)."""
        first = self._fingerprints.setdefault(record.fingerprint, record.id)
        return first if first != record.id else None

    def near_duplicate_of(self, record: Record) -> str | None:
        cust = record.meta.customer_id
        if not cust:
            return None
        text = comparable(record.text)
        seen = self._by_customer[cust]
        match = next(
            (
                rid
                for rid, other, root in seen
                if root and rid != record.id and fuzz.ratio(text, other, score_cutoff=self.near_ratio)
            ),
            None,
        )
        self._remember(cust, record.id, text, match is None)
        return match
