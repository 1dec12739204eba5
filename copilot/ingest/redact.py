"""PII redaction before anything is stored or embedded.

Twelve kinds of personal data become typed placeholders such as `[EMAIL]` (PLACEHOLDERS). Each detector pairs a
cheap pattern (so clean text costs almost nothing) with a check from a maintained library where one exists:
Luhn and IBAN checks and national-id checksums from python-stdnum, phone parsing from Google's libphonenumber
port, secrets from Kingfisher's rules, addresses from pyap2. Kinds with no checksum (names, passports, dates of
birth) need a cue word nearby; see pii_names.py and pii_ids.py. Detectors run in order on the text as redacted
so far, so a later one never sees what an earlier one removed (a card's digits are not also a phone number) and
names can be found next to the `[EMAIL]` or `[PHONE]` that replaced a contact.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn

from copilot.ingest.pii_ids import dates_of_birth, national_ids, passports
from copilot.ingest.pii_names import names
from copilot.ingest.pii_places import addresses, postcodes
from copilot.ingest.pii_secrets import secrets
from copilot.ingest.pii_spans import Detector, Span, valid

PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "CARD": "[CARD]",
    "IBAN": "[IBAN]",
    "IP": "[IP]",
    "PHONE": "[PHONE]",
    "PERSON": "[PERSON]",
    "ADDRESS": "[ADDRESS]",
    "POSTCODE": "[POSTCODE]",
    "NATIONAL_ID": "[NATIONAL_ID]",
    "DATE_OF_BIRTH": "[DATE_OF_BIRTH]",
    "PASSPORT": "[PASSPORT]",
    "SECRET": "[SECRET]",
}

# '@' or a spelled-out at ('[at]', '(at)', '{at}', ' at '), and '.' or a spelled-out dot, in any case.
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_EMAIL_RE = re.compile(rf"(?<![\w.+%-])[\w.+%-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}\b", re.I)
_COMMON_TLDS = frozenset(
    ["com", "net", "org", "io", "co", "uk", "de", "fr", "es", "it", "nl", "in", "edu", "gov", "eu", "me", "example"]
)
_CARD_RE = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b", re.I)
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
_IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")
_DIGITS_RE = re.compile(r"\d")
_AT_RE = re.compile(r"@|\bat\b", re.I)
_PHONE_HINT_RE = re.compile(r"(?:\d[\s().+/-]*){7,}")
_PHONE_REGIONS = ("US", "GB", "DE", "FR")


def _matches(pattern: re.Pattern[str], kind: str, check: Callable[[str], bool]) -> Detector:
    def detect(text: str) -> list[Span]:
        return [Span(m.start(), m.end(), kind) for m in pattern.finditer(text) if check(m.group(0))]

    return detect


def _valid_email(candidate: str) -> bool:
    if "@" in candidate or re.search(r"[\[({<]\s*at\s*[\])}>]", candidate, re.I):
        return True
    # Only ' at ' and ' dot ' spelled out: 'look at this dot com' must not go, 'ann.lee at acme dot com' must.
    local, tld = re.split(r"\s+at\s+", candidate, maxsplit=1, flags=re.I)[0], candidate.rsplit(None, 1)[-1]
    return bool(re.search(r"[._+\d-]", local)) or tld.lower() in _COMMON_TLDS


def _valid_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1


def _ibans(text: str) -> list[Span]:
    # The mod-97 checksum is enough to call it an IBAN; a wrong national check digit is still someone's account.
    # IBANs are written in any case, so the pattern also takes a following word ('... 1720 please'): drop
    # trailing groups until the checksum holds.
    found = []
    for m in _IBAN_RE.finditer(text):
        candidate = m.group(0)
        while candidate and not valid(lambda v: stdnum_iban.validate(v.upper(), check_country=False), candidate):
            candidate = re.sub(r"[ -]?[A-Za-z0-9]{1,4}$", "", candidate) if re.search(r"[ -]", candidate) else ""
        if len(candidate) >= 15:
            found.append(Span(m.start(), m.start() + len(candidate), "IBAN"))
    return found


def _valid_ip(candidate: str) -> bool:
    if ":" in candidate and (candidate.count(":") < 2 or len(candidate) < 6):
        return False
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


_DATE_LIKE_RE = re.compile(r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$")
_AMOUNT_RE = re.compile(r"^\d[\d,]*\.\d{2}$")
_UK_MOBILE_RE = re.compile(r"^07[1-57-9]\d{8}$")  # Ofcom's mobile range, the drama numbers 07700 900xxx too
_RANGE_RE = re.compile(r"^(\d{1,5})\s*[-–]\s*(\d{1,5})$")  # '1001-5000' employees, '2024-2025'
_PHONE_CONTEXT_RE = re.compile(
    r"\b(?:phone|call|tel|mobile|mobil|cell|ring|text me|whatsapp|watsapp|sms|fax|callback|rappeler|"
    r"r[üu]ckruf|anruf|telefon|handy|portable)",
    re.I,
)


def _glued(text: str, start: int, end: int) -> bool:
    """A number glued to a word ('INV-2026-000123', '1Z999AA10123456784') is an identifier, not a phone."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return before.isalnum() or after.isalnum() or (start >= 2 and before in "-_/#" and text[start - 2].isalnum())


def _plausible_phone(raw: str, before: str, region: str) -> bool:
    # POSSIBLE leniency also accepts plain 7+ digit runs such as order numbers; insist on phone-like shape
    # (a leading + or separators between digit groups) or on words that announce a phone number.
    if _DATE_LIKE_RE.match(raw) or _AMOUNT_RE.match(raw) or before.rstrip()[-1:] in ("$", "£", "€", "₹", "¥"):
        return False
    if (r := _RANGE_RE.match(raw)) and int(r.group(1)) < int(r.group(2)):
        return False
    groups = raw.strip().split(".")
    if "." in raw and not raw.lstrip().startswith("+") and (len(groups) == 2 or any(len(g) == 1 for g in groups)):
        return False  # a decimal, a case or build number: '524.9996', 'No. 00.15946', '10.0.22621.2861'
    digits = len(_DIGITS_RE.findall(raw))
    if digits < 7 or digits > 15:
        return False
    if raw.lstrip().startswith(("+", "(")):
        return True
    if re.search(r"\d[\s.\-/)]+\d", raw):  # grouped digits: a phone if libphonenumber knows the number
        return _valid_number(raw, region) or bool(_PHONE_CONTEXT_RE.search(before))
    if _UK_MOBILE_RE.match(raw) or (raw.startswith("0") and _national_mobile(raw, region)):
        return True  # a bare '07700900123': national mobile numbers have a prefix no order number shares
    return bool(_PHONE_CONTEXT_RE.search(before))


def _valid_number(raw: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, region))
    except phonenumbers.NumberParseException:
        return False


def _national_mobile(raw: str, region: str) -> bool:
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return _valid_number(raw, region) and phonenumbers.number_type(phonenumbers.parse(raw, region)) in mobile


def _phones(text: str) -> list[Span]:
    if not _PHONE_HINT_RE.search(text):
        return []
    found: list[Span] = []
    for region in _PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            taken = any(m.start < s.end and s.start < m.end for s in found)
            before = text[max(0, m.start - 24) : m.start]
            if not taken and not _glued(text, m.start, m.end) and _plausible_phone(m.raw_string, before, region):
                found.append(Span(m.start, m.end, "PHONE"))
    return found


def _emails(text: str) -> list[Span]:
    found: list[Span] = []
    pos = 0
    while _AT_RE.search(text, pos) and (m := _EMAIL_RE.search(text, pos)):
        if _valid_email(m.group(0)):
            found.append(Span(m.start(), m.end(), "EMAIL"))
            pos = m.end()
        else:  # 'me at ann.lee at acme dot com': the address may start inside a rejected candidate
            pos = m.start() + 1
    return found


_STEPS: tuple[Detector, ...] = (
    secrets,  # first: a key's digits must not turn into a phone number, nor a URL password into an email
    _emails,
    _ibans,
    _matches(_CARD_RE, "CARD", _valid_card),
    _matches(_IPV4_RE, "IP", _valid_ip),
    _matches(_IPV6_RE, "IP", _valid_ip),
    national_ids,
    passports,
    dates_of_birth,
    addresses,
    postcodes,
    _phones,  # after the ids, dates and postcodes whose digits libphonenumber would also accept
)


def _replace(text: str, spans: list[Span], counts: Counter[str]) -> str:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    for span in reversed(kept):
        text = text[: span.start] + PLACEHOLDERS[span.kind] + text[span.end :]
        counts[span.kind] += 1
    return text


def redact(text: str, counts: Counter[str] | None = None) -> str:
    """Replace PII in `text` with typed placeholders; add what was found to `counts`."""
    counts = counts if counts is not None else Counter()
    if _DIGITS_RE.search(text) or _AT_RE.search(text):
        for detect in _STEPS:
            if spans := detect(text):
                text = _replace(text, spans, counts)
    elif spans := secrets(text):  # a password in prose needs no digit ('password: correct-horse!')
        text = _replace(text, spans, counts)
    if spans := names(text):
        text = _replace(text, spans, counts)
    return text
