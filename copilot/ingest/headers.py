"""Which role a column header names (many spellings survey and support tools use), whether a column holds
personal data by its name, and whether its values read as free text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from copilot.ingest.normalize import normalize_header
from copilot.ingest.tabular import cell_text
from copilot.ingest.values import BadValue, is_blank, parse_number

_SYNONYMS: dict[str, set[str]] = {
    "email": {
        "email",
        "email address",
        "e mail",
        "contact email",
        "customer email",
        "respondent email",
        "user email",
        "work email",
    },
    "customer_id": {
        "customer id",
        "customer",
        "account id",
        "account",
        "user id",
        "user",
        "respondent id",
        "respondent",
        "client id",
        "client",
        "company id",
        "org id",
        "organization id",
        "author",
        "reviewer",
        "reviewer name",
        "author name",
        "username",
        "user name",
        "contact id",
        "customer number",
        "account number",
        "requester",
        "requester id",
    },
    "id": {
        "id",
        "ticket id",
        "review id",
        "response id",
        "submission id",
        "record id",
        "case id",
        "conversation id",
        "ticket",
        "ticket number",
        "case number",
        "interview id",
        "comment id",
        "uuid",
    },
    "nps": {"nps", "nps score", "likelihood to recommend", "recommend score", "ltr"},
    "rating": {"rating", "stars", "star rating", "review rating", "score", "rating 1 5", "csat", "csat score"},
    "mrr": {"mrr", "monthly revenue", "monthly recurring revenue", "mrr usd", "monthly spend"},
    "arr": {"arr", "annual revenue", "annual recurring revenue", "arr usd", "acv", "contract value"},
    "date": {
        "date",
        "created",
        "created at",
        "created on",
        "submitted",
        "submitted at",
        "submitted on",
        "timestamp",
        "response date",
        "review date",
        "start date",
        "end date",
        "completed",
        "completed at",
        "date submitted",
        "datetime",
        "time",
        "recorded date",
        "date created",
        "opened at",
        "opened",
    },
    "segment": {"segment", "customer segment", "market segment", "segment name", "cohort", "customer type"},
    "plan": {
        "plan",
        "subscription",
        "subscription plan",
        "pricing plan",
        "tier",
        "edition",
        "package",
        "plan name",
        "plan tier",
        "license",
        "license type",
    },
    "role": {
        "role",
        "job title",
        "job role",
        "position",
        "persona",
        "function",
        "department",
        "job function",
        "user role",
        "title role",
    },
    "company_size": {
        "company size",
        "employees",
        "employee count",
        "number of employees",
        "team size",
        "org size",
        "organization size",
        "company size employees",
        "headcount",
        "size",
    },
    "title": {"title", "subject", "summary", "headline", "review title", "ticket subject"},
}
_ROLE_ORDER = (
    "email",
    "customer_id",
    "id",
    "nps",
    "rating",
    "mrr",
    "arr",
    "date",
    "segment",
    "plan",
    "role",
    "company_size",
    "title",
)
# Personal data that has no analytic use: never stored, not even as metadata.
_PII_COLUMNS = {
    "name",
    "first name",
    "last name",
    "full name",
    "phone",
    "phone number",
    "mobile",
    "address",
    "street",
    "ip",
    "ip address",
    "contact name",
    "respondent name",
    "customer name",
}
_TEXT_HINTS = (
    "comment",
    "feedback",
    "review",
    "text",
    "body",
    "message",
    "description",
    "answer",
    "response",
    "note",
    "verbatim",
    "why",
    "what",
    "how",
    "suggest",
    "improve",
    "open ended",
    "reason",
    "content",
    "details",
    "explain",
    "tell us",
    "anything else",
)
_NOT_TEXT_HINTS = (
    "status",
    "country",
    "channel",
    "source",
    "priority",
    "category",
    "tag",
    "url",
    "link",
    "language",
    "platform",
    "version",
    "region",
    "city",
    "state",
    "type",
    "device",
    "browser",
)


def header_role(header: str) -> str | None:
    h = normalize_header(header)
    for role in _ROLE_ORDER:
        if h in _SYNONYMS[role]:
            return role
    if "email" in h:
        return "email"
    if "recommend" in h:
        return "nps"
    if h.endswith((" date", " at")) or "timestamp" in h:
        return "date"
    if h.endswith(" id") and not any(w in h for w in ("customer", "account", "user", "respondent", "client")):
        return "id"
    return None


def looks_like_text(header: str, values: Sequence[Any]) -> bool:
    h = normalize_header(header)
    filled = [cell_text(v).strip() for v in values if not is_blank(v)]
    if not filled or h in _PII_COLUMNS:
        return False
    numeric = sum(_is_number(v) for v in filled) / len(filled)
    if numeric > 0.5:
        return False
    avg_len = sum(len(v) for v in filled) / len(filled)
    spaced = sum(" " in v for v in filled) / len(filled)
    distinct = len(set(filled)) / len(filled)
    question = header.strip().endswith("?")
    if any(w in h.split() for w in _NOT_TEXT_HINTS) and not question:
        return False
    if question or any(w in h for w in _TEXT_HINTS):
        return avg_len >= 3  # named like feedback: short answers ("Fine", "n/a") are still answers
    return avg_len >= 25 and spaced >= 0.6 and distinct >= 0.5


def _is_number(v: str) -> bool:
    try:
        parse_number(v)
    except BadValue:
        return False
    return True


def is_pii_column(column: str) -> bool:
    return normalize_header(column) in _PII_COLUMNS
