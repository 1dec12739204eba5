"""Text normalisation: Unicode NFC, HTML to text, hidden characters out, whitespace tidied.

Hidden characters are a known way to hide instructions inside text that looks harmless to a person, so every
Unicode Default_Ignorable_Code_Point goes: zero-width characters and joiners, bidi controls, soft hyphens,
Hangul fillers, Unicode tags ("ASCII smuggling") and all variation selectors, U+FE00-U+FE0F as well as the
supplement, which can carry a whole message after an emoji. The set is the Unicode property itself, read through
the `regex` module, so it follows the Unicode version rather than a list kept here. One cost, accepted: U+FE0F
after an emoji only asks for colour presentation, so a "❤️" is stored as "❤", and ZWJ sequences such as
"👩‍💻" fall apart into their emoji. HTML comments go too, with or without other markup.
"""

from __future__ import annotations

import re
import unicodedata

import regex
from inscriptis import get_text

# Control characters other than tab and newline carry nothing a reader can see.
_HIDDEN_RE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
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
    cleaned = _HIDDEN_RE.sub("", text)
    return cleaned, len(text) - len(cleaned)


def _drop_comments(text: str) -> str:
    return _COMMENT_RE.sub(" ", text) if "<!--" in text else text


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.search(text))


def html_to_text(text: str) -> str:
    return get_text(text)


def normalize_text(text: str, *, keep_newlines: bool = True) -> str:
    """Return the canonical form of a piece of customer text (what is stored, embedded and quoted)."""
    # Hidden characters go before comments are looked for ('<\u200b!--' must not hide one) and again after HTML
    # becomes text, since an entity such as '&#8203;' decodes to one; a decoded '&lt;!--' is a comment too.
    text, _ = strip_hidden(text)
    text = _drop_comments(text)
    if looks_like_html(text):
        text = _drop_comments(html_to_text(text))
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
