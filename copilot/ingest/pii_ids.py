"""National identity numbers, passport numbers and dates of birth.

National ids are found by shape and confirmed by their checksum with python-stdnum (US SSN area rules, ES DNI and
NIE letters, IT codice fiscale, NL BSN 11-proof, FR NIR key, PL PESEL); shapes common in ordinary numbers (nine
or eleven bare digits) also need a cue word nearby ("SSN", "BSN", "PESEL"). The UK National Insurance number has
no stdnum module; its shape is strict (HMRC's prefix and suffix letters) and is taken as it is. Passport numbers
have no checksum, so they need the word passport (in one of several languages) just before them, and dates count
as dates of birth only after a birth cue ("DOB", "born", "date of birth", "Geburtsdatum", "né le"...).
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn

from copilot.ingest.pii_spans import Span, has_cue, valid

_B = r"(?<![\w-])"  # not glued to a word or an identifier ('INV-123456789')
_E = r"(?![\w-])"
_SSN_RE = re.compile(_B + r"\d{3}([- ]?)\d{2}\1\d{4}" + _E)
_NINO_RE = re.compile(
    _B + r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]" + _E, re.I
)
_DNI_RE = re.compile(_B + r"(?:[XYZ]-?\d{7}|\d{8})-?[A-Z]" + _E, re.I)
_CF_RE = re.compile(
    _B + r"[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z]" + _E, re.I
)
_NIR_RE = re.compile(_B + r"[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}" + _E, re.I)
_BARE_DIGITS_RE = re.compile(_B + r"\d{9}(?:\d{6}|\d{2})?" + _E)
_BARE_CHECKS = {9: (ssn.validate, bsn.validate), 11: (pesel.validate,), 15: (nir.validate,)}
_ID_CUE_RE = re.compile(
    r"\b(?:ssn|social security|bsn|burgerservice|sofi|pesel|nir|insee|s[ée]cu(?:rit[ée] sociale)?)\b", re.I
)
_ID_FUZZY = ("ssn", "social", "security", "bsn", "pesel", "burgerservicenummer")


def _cued(text: str, start: int) -> bool:
    return has_cue(text[max(0, start - 40) : start], _ID_CUE_RE, _ID_FUZZY)


_CF_HINT_RE = re.compile(r"[A-Za-z]{6}\d")
_SIX_DIGITS_RE = re.compile(r"(?:\d[ -]?){6}")  # every national id here has six digits or more


def national_ids(text: str) -> list[Span]:
    if not _SIX_DIGITS_RE.search(text) and not (_CF_HINT_RE.search(text) and _CF_RE.search(text)):
        return []
    found = []
    for m in _SSN_RE.finditer(text):
        if valid(ssn.validate, m.group(0)) and (m.group(1) or _cued(text, m.start())):
            found.append(Span(m.start(), m.end(), "NATIONAL_ID"))
    for pattern, check in (
        (_NINO_RE, None),
        (_DNI_RE, lambda v: valid(nie.validate, v) or valid(dni.validate, v)),
        (_CF_RE, lambda v: valid(codicefiscale.validate, v)),
        (_NIR_RE, lambda v: " " in v and valid(nir.validate, v)),
    ):
        found += [Span(m.start(), m.end(), "NATIONAL_ID") for m in pattern.finditer(text) if not check or check(m[0])]
    for m in _BARE_DIGITS_RE.finditer(text):  # bare digits: only after a cue word, and checksum-valid
        if _cued(text, m.start()) and any(valid(c, m.group(0)) for c in _BARE_CHECKS[len(m.group(0))]):
            found.append(Span(m.start(), m.end(), "NATIONAL_ID"))
    return found


# A passport number: 6 to 9 letters and digits with at least one digit, right after the word.
_PASSPORT_RE = re.compile(r"(?<![\w-])(?=[A-Z]*\d)[A-Z0-9]{6,9}(?![\w-])", re.I)
_PASSPORT_CUE_RE = re.compile(r"pass(?:port|eport|aporte|aporto)|reisepass|paspoort|pasaporte", re.I)
_PASSPORT_FUZZY = ("passport", "passeport", "pasaporte", "passaporto", "reisepassnummer")
# What may stand between the word and the number: "passport no: ", "passport number ", "passport (".
_LABEL_RE = re.compile(r"(\S+)(?:\s+(?:number|no\.?|nr\.?|num[ée]ro|nummer|n[º°o]))?\s*[:#(]?\s*$", re.I)


def passports(text: str) -> list[Span]:
    lower = text.lower()
    if "pas" not in lower and "psa" not in lower and "port" not in lower and "prot" not in lower:
        return []  # no word like passport, even misspelt
    found = []
    for m in _PASSPORT_RE.finditer(text):
        label = _LABEL_RE.search(text[max(0, m.start() - 30) : m.start()])
        if label and has_cue(label.group(1), _PASSPORT_CUE_RE, _PASSPORT_FUZZY):
            found.append(Span(m.start(), m.end(), "PASSPORT"))
    return found


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre|januar|februar|märz|juni|juli|oktober|dezember)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th|er)?"
_DATE_RE = re.compile(
    rf"(?<![\w/.-])(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|{_DAY}(?:\s+of)?[\s-]+{_MONTH}[\s,-]+\d{{4}}|{_MONTH}\s+{_DAY},?\s+\d{{4}})(?![\w/-])",
    re.I,
)
_BIRTH_CUE_RE = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b|date of birth|birth ?date|birthday|born|geb(?:urtsdatum|oren|\.)|n[ée]e? le"
    r"|date de naissance|fecha de nacimiento|nacid[oa]|data di nascita|nat[oa] il|geboortedatum)\b",
    re.I,
)
_BIRTH_FUZZY = ("birthday", "birth", "geburtsdatum", "naissance", "nacimiento")


def _plausible_birth(value: str) -> bool:
    try:
        day = dateparser.parse(value.replace(" of ", " "), fuzzy=True, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return False
    year = day.year - 100 if day.year > dt.date.today().year else day.year  # '2/22/53' is 1953
    return year >= 1900


_DATE_HINT_RE = re.compile(r"\d[/.-]\d|\d{4}")


def dates_of_birth(text: str) -> list[Span]:
    if not _DATE_HINT_RE.search(text):
        return []  # every date form here has a year of four digits or separated digits
    found = []
    for m in _DATE_RE.finditer(text):
        before = text[max(0, m.start() - 32) : m.start()]
        if has_cue(before, _BIRTH_CUE_RE, _BIRTH_FUZZY) and _plausible_birth(m.group(0)):
            found.append(Span(m.start(), m.end(), "DATE_OF_BIRTH"))
    return found
