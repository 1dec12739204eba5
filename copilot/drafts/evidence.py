"""Evidence helpers shared by every draft: picking verbatim sentences, and keeping only items that verify."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

import Stemmer
from rapidfuzz import fuzz

from copilot.analysis.lowinfo import is_low_information
from copilot.analysis.polarity import classify
from copilot.analysis.schema import SubthemePublic, ThemePublic
from copilot.analysis.segments import split
from copilot.drafts.verify import Citation, Verification, check_item
from copilot.ingest.identity import comparable
from copilot.ingest.redact import PLACEHOLDERS

_WORD_RE = re.compile(r"[a-z]{4,}")
WISH_RE = re.compile(r"\b(?:please|would|should|wish|let (?:us|me)|make|add|need|give us)\b", re.I)
# Words of statistics and of the engine's templates: they say how much, not what, so they support nothing.
_STOP_TEXT = """
that this with from have they their them what when more than about which were been into also only each other
some very just will there then where does these those most among customers customer records record feedback
mention mentions mentioned raise raises raising share times over overall index indexes often everyone
respondents role roles company companies size employees plan segment baseline target interval period trend
growing fading steady holds complaints complaint account accounts monthly revenue leaving switching talk
talks sharpest pain point points reaching address must should could separate scope request quoted checked
follow survey shows fewer meet asks struggle pilot roll start hurts getting worse cause different common
stops costing test executive reaches raised detractors detractor points higher without raising hold
leave switch adjusted theme themes growing fading fixing fix fixed shrinks shrink pain pains removes remove
falls much release released everyone behind flag compare measure before after column data scores score effect
loyalty cost size sizes answer answers product question questions topic praise praised keep works work while
does asks asked resolve problem period stops being done represented represents value values stands someone
pilot common first confirm targeting thin skew rests edges move rediscovered resamples stability read sizing
getting worse baseline suggested half confirm fewer target less ready every
"""
_STOP = frozenset(re.findall(r"[a-z]+", _STOP_TEXT))
_stem = Stemmer.Stemmer("english").stemWord
MIN_SUB_MENTIONS = 3  # a sub-cause a draft names must be more than an anecdote ...
MIN_SUB_SHARE = 0.02  # ... and a visible part of the pain


def topic_words(text: str) -> set[str]:
    """Crude stems of the longer words: enough to tell whether two texts talk about the same thing."""
    return {w[:6] for w in _WORD_RE.findall(text.lower())}


def content_words(text: str, labels: frozenset[str] = frozenset()) -> set[str]:
    """Content words as stems, leaving out statistics vocabulary and segment labels."""
    return {_stem(w) for w in _WORD_RE.findall(text.lower()) if w not in _STOP and w not in labels}


def best_quote(quotes: Sequence[Q], label: str) -> Q | None:
    """The quote that says the label's words most, first on ties: the one that shows what the label names."""
    wanted = content_words(label)
    return max(quotes, key=lambda q: len(wanted & content_words(q.text)), default=None)


class ShownQuotes:
    """The wordings a draft has shown (case, punctuation and spacing aside), so no quote appears twice in it."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def fresh(
        self, cites: Iterable[Citation], limit: int | None = None, *, informative: bool = False
    ) -> list[Citation]:
        """Those of `cites` not shown yet, in order, at most `limit`; `informative` also leaves out answers that
        say nothing. What is returned counts as shown."""
        out: list[Citation] = []
        for c in cites:
            if limit is not None and len(out) >= limit:
                break
            key = comparable(c.quote)
            if key in self.keys or (informative and is_low_information(c.quote)):
                continue
            self.keys.add(key)
            out.append(c)
        return out


def distinct_subthemes(theme: ThemePublic, limit: int) -> list[SubthemePublic]:
    """The largest subthemes, each label once (two subtopics may share a label)."""
    out: list[SubthemePublic] = []
    floor = max(MIN_SUB_MENTIONS, MIN_SUB_SHARE * theme.mentions)
    for sub in theme.subthemes:
        if sub.mentions < floor:
            continue
        if len(out) < limit and all(o.label.lower() != sub.label.lower() for o in out):
            out.append(sub)
    return out


def label_quote(
    label: str, record_ids: Iterable[str], texts: Mapping[str, str], sides: tuple[str, ...] = ("complaint", "request")
) -> Citation | None:
    """A sentence from these records that says what the label names (most of its content words) and does what
    `sides` asks (complain or request, by the polarity rules): the quote that shows a reader what the label means."""
    wanted = content_words(label)
    if not wanted:
        return None
    need = max(1, (len(wanted) + 1) // 2)
    own = [(rid, texts[rid]) for rid in record_ids if rid in texts][:300]
    found = pick_sentences(own, lambda x: len(wanted & content_words(x)) >= need and classify(x) in sides, 1)
    return found[0] if found else None


def on_topic(keywords: list[str]) -> Callable[[str], bool]:
    """Accepts a sentence that shares a word with these theme keywords."""
    wanted = topic_words(" ".join(keywords))
    return lambda sentence: bool(wanted & topic_words(sentence))


# Longer than this, a "sentence" is a whole narrative (a timeline of calls and letters): no quote a PM can read.
MAX_QUOTE_WORDS = 45


def readable_first(cites: list[Citation]) -> list[Citation]:
    """The same quotes, those a reader takes in at a glance first (order otherwise kept)."""
    return sorted(cites, key=lambda c: len(c.quote.split()) > MAX_QUOTE_WORDS)


def pick_sentences(
    texts: Iterable[tuple[str, str]],
    accept: Callable[[str], object],
    limit: int,
    *,
    min_words: int = 4,
    max_words: int = MAX_QUOTE_WORDS,
) -> list[Citation]:
    """At most one sentence per record, verbatim, that `accept` likes and that is not the same thing said again
    (a hedge or a typo away from one already picked)."""
    out: list[Citation] = []
    seen: list[str] = []
    for rid, text in texts:
        for a, b in split(text):
            sentence = text[a:b]
            if (
                not min_words <= len(sentence.split()) <= max_words
                or sentence.lstrip().startswith("#")
                or any(p in sentence for p in PLACEHOLDERS.values())  # contact details, not feedback
                or not accept(sentence)
            ):
                continue
            key = comparable(sentence)
            if any(fuzz.partial_ratio(key, other) >= 85 for other in seen):
                continue
            seen.append(key)
            out.append(Citation(record_id=rid, quote=sentence))
            break
        if len(out) == limit:
            break
    return out


class Texted(Protocol):
    @property
    def text(self) -> str: ...


Q = TypeVar("Q", bound=Texted)


class Cited(Protocol):
    title: str
    citations: list[Citation]


T = TypeVar("T", bound=Cited)


def keep_verified(
    sections: Mapping[str, list[T]],
    prose: Callable[[T], str],
    records: Mapping[str, str],
    figures: Callable[[T], list[float]],
    verification: Verification,
    warnings: list[str],
) -> dict[str, list[T]]:
    """Each section's items that pass verification; the others are dropped and listed as warnings."""
    kept: dict[str, list[T]] = {}
    for name, items in sections.items():
        kept[name] = []
        for item in items:
            failures = check_item(prose(item), item.citations, records, figures(item), verification)
            if failures:
                verification.items_dropped += 1
                verification.failures += [f"{name}: {item.title}: {f}" for f in failures]
                warnings.append(f"{name}: {item.title} dropped ({'; '.join(failures)})")
            else:
                kept[name].append(item)
    return kept
