"""Text normalisation: Unicode NFC, HTML to text, hidden characters out, whitespace tidied.

Zero-width, bidi-control, Unicode-tag and variation-selector-supplement characters are removed because they
are a known way to hide instructions inside text that looks harmless to a person.
"""

from __future__ import annotations

import re
import unicodedata

from inscriptis import get_text

_HIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x200B, 0x200F),  # zero-width space/joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x2069),  # bidi isolates
    (0xFEFF, 0xFEFF),  # zero-width no-break space / stray BOM
    (0x061C, 0x061C),  # Arabic letter mark
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0xE0000, 0xE007F),  # Unicode tags ("ASCII smuggling")
    (0xE0100, 0xE01EF),  # variation selectors supplement (data smuggling in emoji)
)
_HIDDEN_TABLE: dict[int, None] = {cp: None for lo, hi in _HIDDEN_RANGES for cp in range(lo, hi + 1)}
# Control characters other than tab and newline carry nothing a reader can see.
_HIDDEN_TABLE.update({cp: None for cp in range(0x00, 0x20) if cp not in (0x09, 0x0A, 0x0D)})
_HIDDEN_TABLE[0x7F] = None

_HIDDEN_RE = re.compile(
    "[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _HIDDEN_RANGES) + "\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_HTML_RE = re.compile(
    r"<\s*(?:p|br|div|span|b|i|em|strong|a|ul|ol|li|table|tr|td|h[1-6]|blockquote|pre)\b[^>]*>|&(?:[a-z]+|#\d+);", re.I
)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n\s*\n+")
_NEEDS_NFC_RE = re.compile(r"[^\x00-\x7f]")


def strip_hidden(text: str) -> tuple[str, int]:
    """Remove hidden characters; return the text and how many were removed."""
    if not _HIDDEN_RE.search(text):
        return text, 0
    cleaned = text.translate(_HIDDEN_TABLE)
    return cleaned, len(text) - len(cleaned)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.search(text))


def html_to_text(text: str) -> str:
    return get_text(text)


def normalize_text(text: str, *, keep_newlines: bool = True) -> str:
    """Return the canonical form of a piece of customer text (what is stored, embedded and quoted)."""
    if looks_like_html(text):
        text = html_to_text(text)
    if _NEEDS_NFC_RE.search(text):
        text = unicodedata.normalize("NFC", text)
    text, _ = strip_hidden(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES_RE.sub(" ", text)
    if keep_newlines:
        text = "\n".join(line.strip() for line in text.split("\n"))
        text = _BLANK_LINES_RE.sub("\n\n", text)
    else:
        text = " ".join(text.split())
    return text.strip()


def normalize_header(name: str) -> str:
    """A header as a comparable key: 'Customer ID ' -> 'customer id'."""
    name = unicodedata.normalize("NFKC", name)
    name, _ = strip_hidden(name)
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", name).lower().split())
