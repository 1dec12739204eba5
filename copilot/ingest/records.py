"""Turns mapped rows and documents into clean, redacted Records, with a warning for each value set aside."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from copilot.ingest.documents import Document
from copilot.ingest.headers import header_role, is_pii_column
from copilot.ingest.identity import content_hash, fingerprint, pseudonym, record_id
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.normalize import normalize_header, normalize_text
from copilot.ingest.redact import redact
from copilot.ingest.tabular import cell_text
from copilot.ingest.values import BadValue, is_blank, parse_date, parse_money, parse_nps, parse_rating
from copilot.models import KINDS, Kind, Record, RecordMeta

_RESERVED = set(RecordMeta.model_fields) | {
    "record_id",
    "chunk",
    "chunks",
    "start",
    "end",
    "section",
    "day",
    "content_hash",
    "fingerprint",
    "near_dup_of",
    "feedback",
}
_PERSONAL_ID_RE = re.compile(r"@|\s")
_KIND_WORDS: tuple[tuple[str, Kind], ...] = (
    ("interview", "interview"),
    ("survey", "survey"),
    ("nps", "nps"),
    ("ticket", "ticket"),
    ("support", "ticket"),
    ("review", "review"),
    ("app store", "review"),
    ("play store", "review"),
    ("market", "research"),
    ("competitor", "research"),
    ("research", "research"),
    ("analyst", "research"),
    ("report", "research"),
    ("trend", "research"),
)


@dataclass
class RowResult:
    records: list[Record] = field(default_factory=list)
    blank_answers: int = 0
    skip_reason: str | None = None
    warnings: list[str] = field(default_factory=list)


def infer_kind(name: str, mapping: ColumnMapping | None, explicit: str | None, *, document: bool) -> Kind:
    if explicit:
        if explicit not in KINDS:
            raise ValueError(f"unknown kind {explicit!r}; choose one of {', '.join(KINDS)}")
        return explicit  # type: ignore[return-value]
    lowered = normalize_header(name)
    for word, kind in _KIND_WORDS:
        if word in lowered and (document or kind != "research"):  # a table of rows is feedback, not research
            return kind
    if document:
        return "research" if name.lower().endswith(".pdf") else "note"
    if mapping is not None:
        if mapping.nps:
            return "nps"
        if mapping.rating and mapping.title:
            return "review"
        if len(mapping.text) > 1:
            return "survey"
    return "feedback"


def metadata_key(column: str) -> str:
    """The metadata key a segment column's values are stored under: its role when it has one, else its name."""
    role = header_role(column)
    return role if role in ("segment", "plan", "role", "company_size") else _extra_key(column)


def _extra_key(column: str) -> str:
    key = normalize_header(column).replace(" ", "_") or "column"
    return f"x_{key}" if key in _RESERVED else key


def _customer(value: Any) -> str | None:
    if is_blank(value):
        return None
    s = cell_text(value).strip()
    return pseudonym(s) if _PERSONAL_ID_RE.search(s) else s[:200]


class RecordBuilder:
    """Builds records for one table (or document) with a fixed mapping, kind and source name."""

    def __init__(
        self, source: str, kind: Kind, mapping: ColumnMapping, key_column: str | None, pii_counts: Counter[str]
    ) -> None:
        self.source = source
        self.kind = kind
        self.mapping = mapping
        self.key_column = key_column
        self.pii = pii_counts
        multi = len(mapping.text) > 1
        self.questions = {c: (c if multi or c.strip().endswith("?") else None) for c in mapping.text}
        self._mapped = {col for _, col in mapping.named_columns()}
        self._occurrences: Counter[str] = Counter()

    def from_row(self, locator: str, values: dict[str, Any]) -> RowResult:
        out = RowResult()
        meta_fields = self._meta(locator, values, out.warnings)
        title = self._clean(values.get(self.mapping.title)) if self.mapping.title else ""
        key = cell_text(values.get(self.key_column)).strip() if self.key_column else ""
        texts: list[tuple[str, str]] = []
        for col in self.mapping.text:
            text = self._clean(values.get(col))
            if title and len(self.mapping.text) == 1 and not text.startswith(title):
                text = f"{title}\n\n{text}" if text else ""
            if text:
                texts.append((col, text))
            elif len(self.mapping.text) > 1:
                out.blank_answers += 1
        if not texts:
            cols = ", ".join(repr(c) for c in self.mapping.text)
            out.skip_reason = f"empty text in {cols}"
            return out
        for col, text in texts:
            question = self.questions[col]
            meta = RecordMeta(
                source=self.source,
                kind=self.kind,
                locator=locator,
                question=question,
                title=title or None,
                **meta_fields,
            )
            row_key = f"{key}\x1f{question or ''}" if key else None
            out.records.append(self._record(text, meta, row_key))
        return out

    def from_document(self, doc: Document, front: dict[str, Any], warnings: list[str]) -> Record | None:
        text = redact(normalize_text(doc.text), self.pii)
        if not text:
            return None
        meta_fields = self._meta(doc.name, front, warnings)
        meta = RecordMeta(source=self.source, kind=self.kind, locator=doc.name, title=doc.title, **meta_fields)
        return self._record(text, meta, "document")

    def _clean(self, value: Any) -> str:
        if is_blank(value):
            return ""
        return redact(normalize_text(cell_text(value)), self.pii)

    def _record(self, text: str, meta: RecordMeta, row_key: str | None) -> Record:
        meta_json = meta.model_dump_json(exclude={"locator"})
        fp = self._fingerprint(text, meta, row_key)
        rid = record_id(self.source, row_key if row_key is not None else "content:" + fp)
        return Record(id=rid, text=text, meta=meta, content_hash=content_hash(text, meta_json), fingerprint=fp)

    def _fingerprint(self, text: str, meta: RecordMeta, row_key: str | None) -> str:
        """Only the same customer saying the same thing is a duplicate. Without a customer, rows with their own
        ids are distinct unless the id repeats, and identical rows without ids are counted apart by occurrence:
        ten five-star 'Great app' reviews are ten customers as far as anyone can tell."""
        if meta.customer_id:
            # Same customer, same words, same day: the same submission. Another day is a near-duplicate instead.
            return fingerprint(text, meta.customer_id, meta.question or "", str(meta.date or ""))
        if row_key is not None and row_key != "document":
            return fingerprint(text, "key", row_key)
        fp = fingerprint(text, meta.model_dump_json(exclude={"locator", "source"}))
        if row_key == "document":
            return fp
        self._occurrences[fp] += 1
        n = self._occurrences[fp]
        return fp if n == 1 else fingerprint(fp, f"occurrence {n}")

    def _meta(self, locator: str, values: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        m = self.mapping
        out: dict[str, Any] = {}

        def take(role: str, parse: Any) -> None:
            col = getattr(m, role)
            if not col or is_blank(values.get(col)):
                return
            try:
                out[role] = parse(values[col])
            except BadValue as exc:
                warnings.append(f"{locator}: column {col!r}: {exc}; value left out, row kept")

        # Categorical labels feed segment statistics; redacting them ('1001-5000' looks like a phone number)
        # would corrupt the counts, and they are not where people write personal data.
        for role in ("segment", "plan", "role", "company_size"):
            take(role, lambda v: normalize_text(cell_text(v), keep_newlines=False)[:200])
        take("mrr", parse_money)
        take("rating", parse_rating)
        take("nps", parse_nps)
        take("date", lambda v: parse_date(v, m.date_format))
        if m.arr and "mrr" not in out and not is_blank(values.get(m.arr)):
            try:
                out["mrr"] = round(parse_money(values[m.arr]) / 12.0, 2)
            except BadValue as exc:
                warnings.append(f"{locator}: column {m.arr!r}: {exc}; value left out, row kept")
        cust = _customer(values.get(m.customer_id)) if m.customer_id else None
        if cust is None and m.email and not is_blank(values.get(m.email)):
            cust = pseudonym(cell_text(values[m.email]))
        if cust:
            out["customer_id"] = cust
        extra: dict[str, str | int | float | bool] = {}
        for col, value in values.items():
            if col in self._mapped or is_blank(value) or is_pii_column(col):
                continue
            key = _extra_key(col)
            if isinstance(value, bool | int | float):
                extra[key] = value
            elif isinstance(value, dt.date):
                extra[key] = value.isoformat()
            else:
                extra[key] = self._clean(value)[:500]
        if extra:
            out["extra"] = extra
        return out


def front_matter_values(front: dict[str, Any]) -> tuple[ColumnMapping, dict[str, Any]]:
    """Front matter of a Markdown note read with the same column names as a table."""
    mapping = ColumnMapping(text=[])
    values: dict[str, Any] = {}
    for key, value in front.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        values[str(key)] = value
        role = header_role(str(key))
        if role and role not in ("id", "title") and getattr(mapping, role) is None:
            setattr(mapping, role, str(key))
    if "kind" in values:
        mapping.ignore = ["kind"]
    if "title" in values:
        mapping.ignore = [*mapping.ignore, "title"]
    return mapping, values
