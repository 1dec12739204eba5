"""How a record's metadata is kept in Chroma, and read back as users see it. The store owns this encoding.

Chroma keeps str, int, float and bool, and every key costs write time, so only what is read back is kept. Dates
are stored as a day number (`day`), because Chroma filters ranges on numbers only, and read back as ISO `date`.
Single-chunk records (most feedback) carry no chunk bookkeeping: the chunk id is the record id.
"""

from __future__ import annotations

from typing import Any

from copilot.models import Record, from_day, to_day

CHUNK_KEYS = ("record_id", "chunk", "chunks", "start", "end", "section", "day")


def encode(record: Record) -> dict[str, Any]:
    """A record's metadata for the store (chunk bookkeeping is added per chunk by `chunk_metadata`)."""
    meta = record.meta.model_dump(exclude_none=True, exclude={"extra", "date"})
    if record.meta.date is not None:
        meta["day"] = to_day(record.meta.date)
    meta.update(record.meta.extra)
    meta["content_hash"] = record.content_hash
    meta["fingerprint"] = record.fingerprint
    if record.near_dup_of:
        meta["near_dup_of"] = record.near_dup_of
    return meta


def chunk_metadata(
    meta: dict[str, Any], record_id: str, index: int, count: int, start: int, end: int, section: str | None
) -> dict[str, Any]:
    """The metadata of one chunk of a record: the record's own, plus where the chunk sits when there are several."""
    if count <= 1:
        return meta
    out = dict(meta)
    out.update(record_id=record_id, chunk=index, chunks=count, start=start, end=end)
    if section:
        out["section"] = section
    return out


def public_metadata(meta: dict[str, Any], chunk_id: str) -> dict[str, Any]:
    """Record metadata as users see it: no chunk bookkeeping, the record id always present, the date as ISO."""
    out = {k: v for k, v in meta.items() if k not in CHUNK_KEYS}
    out["record_id"] = record_of(meta, chunk_id)
    if "day" in meta:
        out["date"] = from_day(meta["day"]).isoformat()
    return out


def is_first_chunk(meta: dict[str, Any]) -> bool:
    return int(meta.get("chunk", 0)) == 0


def record_of(meta: dict[str, Any], chunk_id: str) -> str:
    return str(meta.get("record_id", chunk_id))
