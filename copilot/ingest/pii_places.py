"""Street addresses and postcodes.

A cheap street-line rule (a house number, up to three words and a street type, or the German and French orders
'Lindenstraße 37', '36 rue de la République') finds the line; pyap2, a maintained address parser for the US,
Canada and the UK, then extends it to the whole address with city and ZIP when one follows. pyap2 is only run
on texts where the street rule fired, since it costs about a millisecond a text. Postcodes: UK postcodes by their
strict format (Royal Mail's inward letters), US ZIP codes after a state or the word ZIP, and 5-digit European
codes between an address comma and a city name.
"""

from __future__ import annotations

import re

import pyap

from copilot.ingest.pii_spans import Span

_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|close|crescent|cres|terrace|mews|court|"
    "ct|place|pl|gardens|square|sq|parkway|pkwy|highway|hwy|row|walk|grove|hill|park|circle|cir|trail|"
    "broadway|green|rise|vale|view"
)
_PLAIN_WORD_TYPES = frozenset(
    """way close crescent terrace mews court place gardens square row walk grove hill park circle trail green rise
    vale view""".split()  # noqa: SIM905 (a word list reads better as words)
)
_UNIT = r"(?:apt|apartment|suite|ste|unit|flat|floor|fl|#)\.?\s*#?[\w-]{1,6}"
_NOT_STREET_WORDS = (
    r"(?!(?:day|days|week|weeks|month|months|year|years|hour|hours|minute|minutes|min|step|steps|"
    r"way|ways|times|users|seats|people|star|stars|point|points)\b)"
)
_STREET_RE = re.compile(
    rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?"
    rf"(?:{_NOT_STREET_WORDS}[A-Za-zÀ-ÿ'’.-]+\s+){{1,3}}(?P<type>{_STREET_TYPES})\b\.?(?:,?\s+{_UNIT})?",
    re.I,
)
_NAMED_HOUSE_RE = re.compile(rf"(?<![\w-])(?:{_UNIT}),\s+\d{{1,5}}[A-Za-z]?\s+[A-Z][\w'’-]+\s+[A-Z][\w'’-]+")
_DE_STREET_RE = re.compile(
    r"(?<![\w-])(?:[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|allee|weg|platz|gasse|damm|ufer|chaussee|-Allee|-Straße|-Weg|-Platz)"
    r"|(?:Am|An der|Im|Auf der|Auf dem|Zum|Zur)\s+[A-ZÄÖÜ][\wäöüß-]+)\s+\d{1,4}\s?[a-z]?(?![\w])"
)
_FR_STREET_RE = re.compile(
    r"(?<![\w-])\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route)"
    r"\s+(?:(?:de la|de l'|du|des|de|d'|la|le|l')\s*)?[A-ZÉÈ][\w'’-]*(?:\s+[A-ZÉÈ][\w'’-]*){0,3}"
)
_UK_POSTCODE_RE = re.compile(
    r"(?<![\w-])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKMNPR-Y\d]?)\s?\d(?!st|nd|rd|th)[ABD-HJLNP-UW-Z]{2}(?![\w-])", re.I
)
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|"
    "OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
# A state in capitals, or in lower case right after a city's comma ('austin, tx 78794'): 'in 10000 rows' is no ZIP.
_ZIP_RE = re.compile(
    rf"(?:\b(?:{_STATES}),?\s+|(?<=,\s)(?i:{_STATES}),?\s+"
    r"|(?i:\bzip(?:\s?code)?|\bpostcode|\bpostal code|\bplz|\bcode postal)\s*:?\s*)"
    r"(\d{5}(?:-\d{4})?)(?![\w-])"
)
_EU_POSTCODE_RE = re.compile(r"(?<=,)\s*(\d{5})\s+(?=[A-ZÄÖÜÉ][a-zäöüßéèà]+)")


def _pyap(text: str, lines: list[Span]) -> list[Span]:
    found = []
    for country in ("US", "GB"):
        for a in pyap.parse(text, country=country):
            start, end = a.match_start, a.match_end
            start += len(text[start:end]) - len(text[start:end].lstrip(" \t\n,"))  # its span may start at a space
            end -= len(text[start:end]) - len(text[start:end].rstrip(" \t\n,."))
            if start < end and any(start < s.end and s.start < end for s in lines):
                found.append(Span(start, end, "ADDRESS"))
    return found


_NUMBER_WORD_RE = re.compile(r"\d[A-Za-z]?[ \t,]+[A-Za-zÀ-ÿ]|[a-zäöüß.][ \t]+\d{1,4}\s?[a-z]?\b")
_DE_WORD_RE = re.compile(
    r"(?i:straße|strasse|str\.|allee|weg\b|platz|gasse|damm|ufer|chaussee)|\b(?:Am|An|Im|Auf|Zum|Zur) "
)


_FR_WORDS = ("rue", "avenue", "boulevard", "bd", "place", "chemin", "allée", "impasse", "quai", "route")
_HOUSE_NUMBER_RE = re.compile(r"(?<![\w.,/-])\d{1,5}[A-Za-z]?\s")
_PLACEHOLDER_RE = re.compile(r"\[[A-Z_]+\]")
_UNIT_BEFORE_RE = re.compile(rf"(?:{_UNIT},?\s+)$", re.I)  # 'Flat 18, ' before '91 Ashdown Lane'


def addresses(text: str) -> list[Span]:
    if not _NUMBER_WORD_RE.search(text):
        return []  # every street line here has a house number next to a word
    lines = []
    words = _PLACEHOLDER_RE.sub("", text)  # '[EMAIL]' is ours, not the customer's capitals
    mixed_case = words != words.lower()
    for number in _HOUSE_NUMBER_RE.finditer(text):  # matching at each house number beats a scan of the text
        if not (m := _STREET_RE.match(text, number.start())):
            continue
        kind = m.group("type")
        if mixed_case and kind.islower() and kind.lower() in _PLAIN_WORD_TYPES:
            continue  # '40 teams takes close to a minute': in text that capitalises, a street type is capitalised
        unit = _UNIT_BEFORE_RE.search(text, max(0, m.start() - 16), m.start())
        lines.append(Span(unit.start() if unit else m.start(), m.end(), "ADDRESS"))
    lower = text.lower()
    patterns = (
        ((_NAMED_HOUSE_RE,) if any(w in lower for w in ("flat", "apt", "apartment", "suite", "ste", "unit")) else ())
        + ((_FR_STREET_RE,) if any(w in lower for w in _FR_WORDS) else ())
        + ((_DE_STREET_RE,) if _DE_WORD_RE.search(text) else ())
    )
    lines += [Span(m.start(), m.end(), "ADDRESS") for pattern in patterns for m in pattern.finditer(text)]
    return lines + _pyap(text, lines) if lines else []


_LETTER_DIGIT_RE = re.compile(r"[A-Za-z]\d")
_FIVE_DIGITS_RE = re.compile(r"\d{5}")


def postcodes(text: str) -> list[Span]:
    found = []
    if _LETTER_DIGIT_RE.search(text):  # a UK postcode's outward code is letters then a digit
        found += [Span(m.start(), m.end(), "POSTCODE") for m in _UK_POSTCODE_RE.finditer(text)]
    if not _FIVE_DIGITS_RE.search(text):
        return found
    for pattern in (_ZIP_RE, _EU_POSTCODE_RE):
        found += [Span(m.start(1), m.end(1), "POSTCODE") for m in pattern.finditer(text)]
    return found
