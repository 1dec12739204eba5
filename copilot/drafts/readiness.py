"""Would a PM forward it? Deterministic checks on a draft as the PM reads it, its rendered Markdown, for the flaws
that make a correct draft unusable: the same quote twice, quotes that say nothing, headings that are keyword lists,
and headings with nothing under them. Each is a count whose bar is 0 (evals/thresholds.yaml); kinds add their own
(praise quoted as pain, stories that restate a complaint, personas named after a column value).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from copilot.analysis.labels import is_fragment
from copilot.analysis.lowinfo import is_low_information
from copilot.analysis.polarity import classify
from copilot.ingest.identity import comparable

_QUOTE_RE = re.compile(r"^> “(?P<text>.*)” — `(?P<rid>[^`]+)`\s*$")
_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6}) (?P<title>.+?)\s*$")
_UNESCAPE_RE = re.compile(r"\\(.)")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_NUMBERING_RE = re.compile(r"^\d+\.\s+")
_LIST_SPLIT_RE = re.compile(r"\s*(?:/|,|;|\||·)\s*")


@dataclass(frozen=True)
class Finding:
    check: str
    where: str


def unescape(text: str) -> str:
    """The customer's words back from markdown_text's inert form."""
    text = _UNESCAPE_RE.sub(r"\1", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


def quotes_in(markdown: str) -> list[tuple[str, str]]:
    """(record id, quote) for every quote block the draft shows."""
    return [(m["rid"], unescape(m["text"])) for line in markdown.splitlines() if (m := _QUOTE_RE.match(line))]


def reused_quotes(markdown: str) -> list[Finding]:
    """A quote shown more than once in one draft: the reader sees the same evidence standing in for two claims."""
    counts = Counter(comparable(text) for _, text in quotes_in(markdown))
    return [Finding("quote_reused", key[:80]) for key, n in counts.items() for _ in range(n - 1)]


def low_information_quotes(markdown: str) -> list[Finding]:
    return [Finding("low_information_quote", text[:80]) for _, text in quotes_in(markdown) if is_low_information(text)]


def is_keyword_list(title: str) -> bool:
    """'Card / payment / declined' or 'card, top-up, fee': words strung together, not a phrase a PM would write."""
    title = _NUMBERING_RE.sub("", title.strip())
    parts = [p for p in _LIST_SPLIT_RE.split(title) if p]
    if " / " in title or " | " in title:
        return True
    return len(parts) >= 3 and all(len(p.split()) <= 2 for p in parts)


def _headings(markdown: str, kind: str, flawed: Callable[[str], bool]) -> list[Finding]:
    """Section headings (## and below) whose title has the flaw."""
    return [
        Finding(kind, m["title"])
        for line in markdown.splitlines()
        if (m := _HEADING_RE.match(line)) and len(m["hashes"]) >= 2 and flawed(m["title"])
    ]


def fragment_headings(markdown: str) -> list[Finding]:
    """Headings that stop mid-sentence: a label a PM would have to rewrite before forwarding."""
    return _headings(markdown, "fragment_label", lambda title: is_fragment(unescape(title)))


def keyword_list_headings(markdown: str) -> list[Finding]:
    return _headings(markdown, "keyword_list_label", is_keyword_list)


def empty_sections(markdown: str) -> list[Finding]:
    """A heading followed by no content before the next heading of its level or above (or the footer)."""
    lines = [line for line in markdown.splitlines() if line.strip()]
    out = []
    for i, line in enumerate(lines):
        m = _HEADING_RE.match(line)
        if not m or len(m["hashes"]) < 2:
            continue
        level = len(m["hashes"])
        nxt = lines[i + 1] if i + 1 < len(lines) else "---"
        following = _HEADING_RE.match(nxt)
        if nxt.strip() == "---" or (following and len(following["hashes"]) <= level):
            out.append(Finding("empty_section", m["title"]))
    return out


def praise_quotes(quotes: list[str]) -> list[Finding]:
    """Quotes offered as pain that read as praise by the polarity rules."""
    return [Finding("praise_in_pain", q[:80]) for q in quotes if classify(q) == "praise"]


def restates_complaint(want: str, cited: list[str]) -> bool:
    """A story's want that is a customer's complaint pasted in ("It was promised for February and it is now the
    end of March") rather than a capability. A request offered as it stands ("Scheduled exports to our data
    warehouse") is an ask, not a complaint."""
    return any(fuzz.ratio(comparable(want), comparable(q)) >= 85 and classify(q) != "request" for q in cited)


def rendered_checks(markdown: str) -> dict[str, list[Finding]]:
    """The checks every kind gets, by metric name."""
    return {
        "quote_reused": reused_quotes(markdown),
        "low_information_quotes": low_information_quotes(markdown),
        "keyword_list_labels": keyword_list_headings(markdown),
        "fragment_labels": fragment_headings(markdown),
        "empty_sections": empty_sections(markdown),
    }
