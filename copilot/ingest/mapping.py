"""Column mapping: which columns hold free text and which hold metadata.

Detected from header names (many spellings survey and support tools use) checked against sampled values,
or given explicitly by flags or a YAML file. An explicit mapping always wins over detection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.checks import choose_date_format, demotion_note, values_fit
from copilot.ingest.headers import header_role, looks_like_text
from copilot.ingest.tabular import cell_text
from copilot.ingest.values import date_format_value, is_blank

META_ROLES = (
    "id",
    "customer_id",
    "email",
    "segment",
    "plan",
    "role",
    "company_size",
    "mrr",
    "arr",
    "rating",
    "nps",
    "date",
    "title",
)


class ColumnMapping(BaseModel):
    """Which column plays which part. Unnamed columns are kept as extra metadata unless ignored."""

    model_config = ConfigDict(extra="forbid")

    text: list[str] = []
    id: str | None = None
    customer_id: str | None = None
    email: str | None = None
    segment: str | None = None
    plan: str | None = None
    role: str | None = None
    company_size: str | None = None
    mrr: str | None = None
    arr: str | None = None
    rating: str | None = None
    nps: str | None = None
    date: str | None = None
    title: str | None = None
    kind: str | None = None
    ignore: list[str] = []
    date_format: str | None = None  # day-first, month-first or a strptime pattern; detected per column when unset

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        return date_format_value(value) if value else None

    def named_columns(self) -> list[tuple[str, str]]:
        pairs = [("text", c) for c in self.text] + [("ignore", c) for c in self.ignore]
        pairs += [(role, getattr(self, role)) for role in META_ROLES if getattr(self, role)]
        return pairs


def parse_mapping(text: str, where: Path | str = "mapping") -> ColumnMapping:
    """A YAML column mapping (a file, or the `mapping` field of an API request)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CopilotError(ErrorCode.bad_mapping, f"{where}: cannot read the mapping ({exc})") from exc
    if not isinstance(data, dict):
        raise CopilotError(ErrorCode.bad_mapping, f"{where}: a mapping is a YAML object such as 'text: [Comment]'")
    if isinstance(data.get("text"), str):
        data["text"] = [data["text"]]
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise CopilotError(ErrorCode.bad_mapping, f"{where}: {problems}") from exc


def load_mapping(path: Path) -> ColumnMapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CopilotError(ErrorCode.bad_mapping, f"{path}: cannot read the mapping file ({exc})") from exc
    return parse_mapping(text, path)


class MappingOptions(BaseModel):
    """The mapping flags every interface offers (CLI options, API form fields); a YAML mapping may add more."""

    text_col: list[str] = []
    id_col: str | None = None
    customer_col: str | None = None
    date_col: str | None = None
    segment_col: str | None = None
    plan_col: str | None = None
    date_format: str | None = None


def mapping_from_options(
    options: MappingOptions, yaml_text: str | None = None, where: Path | str = "mapping"
) -> ColumnMapping:
    """The explicit mapping of one ingest: the YAML mapping if any, with the flags on top (flags win)."""
    mapping = parse_mapping(yaml_text, where) if yaml_text is not None else ColumnMapping()
    flags = {
        "id": options.id_col,
        "customer_id": options.customer_col,
        "date": options.date_col,
        "segment": options.segment_col,
        "plan": options.plan_col,
    }
    for role, col in flags.items():
        if col:
            setattr(mapping, role, col)
    if options.text_col:
        mapping.text = list(options.text_col)
    if options.date_format:
        try:
            mapping.date_format = date_format_value(options.date_format)
        except ValueError as exc:
            raise CopilotError(ErrorCode.bad_mapping, f"--date-format: {exc}") from exc
    return mapping


def resolve_mapping(
    name: str,
    columns: list[str],
    sample: list[dict[str, Any]],
    explicit: ColumnMapping | None,
    notes: list[str] | None = None,
) -> ColumnMapping:
    """The mapping for one table: explicit choices first, the rest detected from headers and sample values.
    `notes` receives what the report should say: columns set aside as text, and how dates were read."""
    notes = notes if notes is not None else []
    explicit = explicit or ColumnMapping()
    missing = [(role, col) for role, col in explicit.named_columns() if col not in columns]
    if missing:
        role, col = missing[0]
        raise CopilotError(
            ErrorCode.bad_mapping,
            f"{name}: the mapping names column {col!r} (as {role}) but the file has no such column; "
            f"columns are: {', '.join(repr(c) for c in columns)}",
        )
    mapping = explicit.model_copy(deep=True)
    taken = {col for _, col in explicit.named_columns()}
    for col in columns:
        if col in taken:
            continue
        found = header_role(col)
        if found is None or getattr(mapping, found) is not None:
            continue
        values = [row.get(col) for row in sample]
        if found == "id" and len({cell_text(v) for v in values if not is_blank(v)}) < sum(
            not is_blank(v) for v in values
        ):
            continue  # not unique per row, so not a row key
        fit = values_fit(found, values)
        if fit.ok:
            setattr(mapping, found, col)
            taken.add(col)
        elif found != "id":
            notes.append(demotion_note(name, col, found, fit))
    if not mapping.text:
        mapping.text = [c for c in columns if c not in taken and looks_like_text(c, [r.get(c) for r in sample])]
    if not mapping.text:
        raise CopilotError(
            ErrorCode.bad_mapping,
            f"{name}: found no free-text column; columns are: {', '.join(repr(c) for c in columns)}. "
            "Name one with --text-col COLUMN or a mapping file.",
        )
    if mapping.date and not mapping.date_format:
        mapping.date_format = choose_date_format(name, mapping.date, [r.get(mapping.date) for r in sample], notes)
    return mapping
