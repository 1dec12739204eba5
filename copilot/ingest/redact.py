"""PII redaction before anything is stored or embedded.

Emails, card numbers, IBANs, IP addresses and phone numbers become typed placeholders such as `[EMAIL]`.
Each detector pairs a cheap regex (so clean text costs almost nothing) with a validator from a maintained
library: Luhn and IBAN checks from python-stdnum, phone parsing from Google's libphonenumber port.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn

PLACEHOLDERS = {"EMAIL": "[EMAIL]", "CARD": "[CARD]", "IBAN": "[IBAN]", "IP": "[IP]", "PHONE": "[PHONE]"}

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+%-]+(?:\s*(?:@|\[at\]|\(at\))\s*)[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,24}\b")
_CARD_RE = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b")
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
_IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")
_DIGITS_RE = re.compile(r"\d")
_MAYBE_PII_RE = re.compile(r"\d|@|[\[(]at[\])]", re.I)
_PHONE_HINT_RE = re.compile(r"(?:\d[\s().+/-]*){7,}")
_PHONE_REGIONS = ("US", "GB", "DE", "FR")


def _replace(pattern: re.Pattern[str], kind: str, valid: Callable[[str], bool]) -> Callable[[str, Counter[str]], str]:
    def run(text: str, counts: Counter[str]) -> str:
        def sub(m: re.Match[str]) -> str:
            if not valid(m.group(0)):
                return m.group(0)
            counts[kind] += 1
            return PLACEHOLDERS[kind]

        return pattern.sub(sub, text)

    return run


def _valid_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1


def _valid_iban(candidate: str) -> bool:
    # The mod-97 checksum is enough to call it an IBAN; a wrong national check digit is still someone's account.
    try:
        stdnum_iban.validate(candidate, check_country=False)
    except ValueError:
        return False
    return True


def _valid_ipv4(candidate: str) -> bool:
    try:
        ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return True


def _valid_ipv6(candidate: str) -> bool:
    if candidate.count(":") < 2 or len(candidate) < 6:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


_REGEX_STEPS = (
    _replace(_EMAIL_RE, "EMAIL", lambda s: True),
    _replace(_IBAN_RE, "IBAN", _valid_iban),
    _replace(_CARD_RE, "CARD", _valid_card),
    _replace(_IPV4_RE, "IP", _valid_ipv4),
    _replace(_IPV6_RE, "IP", _valid_ipv6),
)


def _redact_phones(text: str, counts: Counter[str]) -> str:
    if not _PHONE_HINT_RE.search(text):
        return text
    for region in _PHONE_REGIONS:
        spans = [
            (m.start, m.end)
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
            if _plausible_phone(m.raw_string, text[max(0, m.start - 24) : m.start]) and not _glued(text, m.start)
        ]
        for start, end in reversed(spans):
            text = text[:start] + PLACEHOLDERS["PHONE"] + text[end:]
            counts["PHONE"] += 1
        if not _PHONE_HINT_RE.search(text):
            break
    return text


_DATE_LIKE_RE = re.compile(r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$")


def _glued(text: str, start: int) -> bool:
    """A number glued to a word ('INV-2026-000123') is an identifier, not a phone number."""
    return start >= 2 and text[start - 1] in "-_/#" and text[start - 2].isalnum()


_PHONE_CONTEXT_RE = re.compile(r"\b(?:phone|call|tel|mobile|cell|ring|text me|whatsapp|sms|fax)\b", re.I)


def _plausible_phone(raw: str, before: str) -> bool:
    # POSSIBLE leniency also accepts plain 7+ digit runs such as order numbers; insist on phone-like shape
    # (a leading + or separators between digit groups) or on words that announce a phone number.
    if _DATE_LIKE_RE.match(raw):
        return False
    digits = len(_DIGITS_RE.findall(raw))
    if digits < 7 or digits > 15:
        return False
    if raw.lstrip().startswith(("+", "(")) or re.search(r"\d[\s.\-/)]+\d", raw):
        return True
    return bool(_PHONE_CONTEXT_RE.search(before))


def redact(text: str, counts: Counter[str] | None = None) -> str:
    """Replace PII in `text` with typed placeholders; add what was found to `counts`."""
    counts = counts if counts is not None else Counter()
    if not _MAYBE_PII_RE.search(text):
        return text
    for step in _REGEX_STEPS:
        text = step(text, counts)
    return _redact_phones(text, counts)
