"""Stable identities: a record's id comes from its source and natural key, so a rerun adds nothing and a
changed row updates in place; its fingerprint comes from content, so exact duplicates can be merged."""

from __future__ import annotations

import hashlib
import re

_WS_RE = re.compile(r"\W+")


def _digest(*parts: str, size: int = 8) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=size).hexdigest()


def record_id(source: str, key: str) -> str:
    """The id of the record with natural `key` (e.g. a ticket id, or respondent id + question) in `source`."""
    return "r" + _digest(source, key)


def comparable(text: str) -> str:
    """Text as compared for duplicates: case, punctuation and spacing do not make two answers different. Text with
    no word characters at all (an emoji-only answer) is compared as written, or every such answer would be ''."""
    return _WS_RE.sub(" ", text.lower()).strip() or " ".join(text.split())


def fingerprint(text: str, *context: str) -> str:
    return _digest(comparable(text), *context)


def content_hash(text: str, meta_json: str) -> str:
    return _digest(text, meta_json, size=12)


def pseudonym(value: str) -> str:
    """A stable stand-in for a personal identifier (an email or a name used as a customer id)."""
    return "cust_" + _digest(value.strip().lower(), size=6)
