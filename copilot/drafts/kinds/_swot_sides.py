"""What the SWOT decides from evidence, apart from how it is worded: which side of the ledger each feedback topic
is on (by its polarity split), the quotes that show it, and the action each weakness gets.

A topic's themes are its sides (pain, praise, neutral). Counting the topic's praise mentions against its complaint
and request mentions puts the topic on exactly one side, so "customer service" can no longer be a strength and a
weakness at once; when the losing side is large the item says the topic is contested and quotes that side too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import Stemmer
from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from copilot.analysis import lowinfo
from copilot.analysis.polarity import classify
from copilot.analysis.schema import Polarity, Quote, ThemePublic
from copilot.drafts import research
from copilot.drafts.asks import ask_in
from copilot.drafts.evidence import WISH_RE
from copilot.drafts.verify import Citation
from copilot.ingest.identity import comparable

CONTESTED = 1 / 3  # the other side holds at least this share of a topic's praise, complaint and request mentions
QUOTES = 2
SAME_QUOTE = 90  # rapidfuzz ratio at which two quotes read as the same words ("… (ticket 56)", "… (ticket 58)")
OPENING_WORDS = 12  # words of a long request sentence that must hold its ask's wording
MIN_SHARED_WORDS = 2  # words of a weakness's label and key phrases a research sentence holds to be paired with it
SIDE_RULE = (
    "a feedback topic is a strength when more of its mentions (each a sentence or clause of a record) are "
    "praise than complaints and requests, and a weakness otherwise (a tie too); never both. It is contested when "
    f"the other side holds at least {CONTESTED:.0%} of those mentions. Neutral mentions count for neither side"
)
ACTION_RULE = (
    f"each weakness gets one action: paired with the threat and the opportunity that hold at least "
    f"{MIN_SHARED_WORDS} words of its label and key phrases, with what its customers ask for; without asks, a call "
    "to find the cause"
)
Basis = Literal["threat", "opportunity", "threat and opportunity", "requests", "complaints"]


class SwotItem(BaseModel):
    title: str
    description: str
    source: Literal["feedback", "research"]
    source_title: str | None = None
    theme_id: str | None = None
    topic_id: str | None = None
    contested: bool = False
    statistics: dict[str, float] | None = None
    citations: list[Citation]
    other_side: list[Citation] = Field(
        default_factory=list, description="Of the citations, those from the topic's other side (contested topics)."
    )


class SwotAction(BaseModel):
    title: str
    description: str
    basis: Basis
    weakness_theme_id: str | None = None
    addresses: list[str]
    threat: str | None = Field(None, description="The title of the threat it pairs the weakness with.")
    opportunity: str | None = Field(None, description="The title of the opportunity it pairs the weakness with.")
    citations: list[Citation]


@dataclass(frozen=True)
class Split:
    """One topic's praise against its complaints and requests, and the theme of the side that wins."""

    topic_id: str
    praise: int
    complaints: int
    requests: int
    theme: ThemePublic
    other: ThemePublic | None

    @property
    def against(self) -> int:
        return self.complaints + self.requests

    @property
    def mentions(self) -> int:
        return self.praise + self.against

    @property
    def strength(self) -> bool:
        return self.praise > self.against

    @property
    def contested(self) -> bool:
        return min(self.praise, self.against) >= CONTESTED * self.mentions


def splits(themes: Iterable[ThemePublic]) -> list[Split]:
    """Every topic with praise, complaints or requests, on the one side its majority puts it."""
    by_topic: dict[str, list[ThemePublic]] = {}
    for t in themes:
        by_topic.setdefault(t.topic_id, []).append(t)
    out: list[Split] = []
    for topic, sides in sorted(by_topic.items()):
        praise = sum(t.polarity.praise for t in sides)
        complaints = sum(t.polarity.complaint for t in sides)
        requests = sum(t.polarity.request for t in sides)
        if not praise and not complaints + requests:
            continue  # only neutral talk: neither a strength nor a weakness
        strength = praise > complaints + requests
        win = "praise" if strength else "pain"
        theme = next((t for t in sides if t.side == win), None)
        if theme is None:
            continue
        other = next((t for t in sides if t.side == ("pain" if strength else "praise")), None)
        out.append(Split(topic, praise, complaints, requests, theme, other))
    return sorted(out, key=lambda s: (-s.theme.reach, s.topic_id))


class QuotePicker:
    """Quotes for one draft: each shown once (a near-copy of one shown counts as shown), each doing what its
    section needs (praise for a strength, a complaint or a request for a weakness), none that says nothing."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def seen(self, text: str) -> bool:
        key = comparable(text)
        return any(fuzz.ratio(key, other) >= SAME_QUOTE for other in self.used)

    def pick(
        self, quotes: Iterable[Quote], wanted: tuple[Polarity, ...], limit: int, about: ThemePublic | None = None
    ) -> list[Citation]:
        """Up to `limit` quotes of the wanted polarity, on its own words as well as in its theme's tally (a
        "support always replies same day" tallied as a complaint reads as praise, and is left out). With `about`,
        the quotes holding most words of that theme's label come first, then those holding a key phrase's: the
        item's heading and its first quote then say the same thing."""
        label, keys = (words(about.label), named(about)) if about is not None else (set(), set())

        def rank(q: Quote) -> tuple[int, bool, int]:
            said = words(q.text)
            return -len(label & said), not keys & said, wanted.index(q.polarity)

        ranked = sorted(
            (q for q in quotes if q.polarity in wanted and classify(q.text) in (*wanted, "neutral")), key=rank
        )
        out: list[Citation] = []
        for q in ranked:
            if len(out) == limit:
                break
            if lowinfo.is_low_information(q.text) or self.seen(q.text):
                continue
            self.used.append(comparable(q.text))
            out.append(Citation(record_id=q.record_id, quote=q.text))
        return out


PRAISE: tuple[Polarity, ...] = ("praise",)
PAIN: tuple[Polarity, ...] = ("complaint", "request")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _counts(split: Split) -> str:
    """The split in words: how many of the topic's mentions are on each side."""
    n, praise, against = split.mentions, split.praise, split.against
    mix = ", ".join(
        f"{n:,} {what}" for n, what in ((split.complaints, "complaints"), (split.requests, "requests")) if n
    )
    if split.strength:
        return (
            f"all {n:,} mentions are praise"
            if not against
            else (f"{praise:,} of {n:,} mentions are praise, {against:,} complaints or requests ({mix})")
        )
    if not praise:
        return f"all {n:,} mentions are complaints or requests ({mix})"
    return f"{against:,} of {n:,} mentions are complaints or requests ({mix}), {praise:,} praise"


def _reach(split: Split) -> str:
    s = split.theme.stats
    verb = "praise" if split.strength else "raise"
    where = f"{s.mentions:,} records ({_pct(s.share)} of all feedback)"
    if s.reach == s.mentions:  # no customer column, or one record each: "792 customers in 792 records" says nothing
        return f"{'praised' if split.strength else 'raised'} in {where}"
    return f"{s.reach:,} customers {verb} it in {where}"


def pool(theme: ThemePublic) -> list[Quote]:
    """Every quote a theme offers: its central ones, its asks, then its subthemes' (which is where the sentence
    its label was taken from usually is)."""
    return [*theme.quotes, *theme.requests, *(q for sub in theme.subthemes for q in sub.quotes)]


def theme_item(split: Split, picker: QuotePicker) -> SwotItem:
    t, s = split.theme, split.theme.stats
    count, reach = _counts(split), _reach(split)
    citations = picker.pick(pool(t), PRAISE if split.strength else PAIN, QUOTES, t)
    other_side: list[Citation] = []
    if split.contested:
        # The other side's quote names what the item is named for: a topic's key phrases ("team", "intuitive")
        # are shared with its neighbours, and "onboarding takes too long" is no case against "support".
        label = words(t.label) | (words(split.other.label) if split.other is not None else set())
        if split.strength and split.other is not None:
            against = [q for q in pool(split.other) if label & words(q.text)]
            other_side = picker.pick(against, PAIN, 1, t)
        elif not split.strength:
            other_side = picker.pick([q for q in t.counter_evidence if label & words(q.text)], PRAISE, 1, t)
    return SwotItem(
        title=t.label[:1].upper() + t.label[1:],
        description=f"{count[:1].upper()}{count[1:]}; {reach}.",
        source="feedback",
        theme_id=t.id,
        topic_id=split.topic_id,
        contested=split.contested,
        statistics={
            "mentions": s.mentions,
            "reach": s.reach,
            "share": s.share,
            "complaint_share": s.complaint_share,
            "praise": split.praise,
            "complaints": split.complaints,
            "requests": split.requests,
            "complaints_and_requests": split.against,
            "topic_mentions": split.mentions,
        },
        citations=citations + other_side,
        other_side=other_side,
    )


def research_item(f: research.Finding) -> SwotItem:
    return SwotItem(
        title=f.title, description=f.sentence, source="research", source_title=f.source_title, citations=[f.citation]
    )


_stem = Stemmer.Stemmer("english").stemWord


def words(text: str) -> set[str]:
    """Stems of the content words (three letters are enough: SSO, API, CSV name what a topic is about)."""
    return {_stem(w) for w in lowinfo.content_words(text.replace("-", " ")) if len(w) >= 3}


def named(theme: ThemePublic) -> set[str]:
    """What a topic is named for: its label and key phrases. Its quotes would add words every topic shares."""
    return words(" ".join([theme.label, *theme.keywords]))


def _related(theme: ThemePublic, found: list[SwotItem]) -> SwotItem | None:
    own = named(theme)
    best, best_score = None, 0
    for item in found:
        shared = len(own & words(item.description))
        if shared >= MIN_SHARED_WORDS and shared > best_score:
            best, best_score = item, shared
    return best


_TITLES: dict[Basis, str] = {
    "threat and opportunity": "answer the threat and take the opportunity",
    "threat": "answer the threat",
    "opportunity": "take the opportunity",
    "requests": "give customers what they ask for",
    "complaints": "find the cause",
}


# A masked span ("XXXX", "XX/XX/2019"): what a redacting source left of a name or a date, which asks for nothing.
_MASKED_RE = re.compile(r"(?<!\w)[X\d/.\-]*X{2,}[X\d/.\-]*(?!\w)")


def _asks_for_something(sentence: str) -> bool:
    """A request shape (by `ask_in`) in the sentence or in its opening words: `ask_in` wants a capability short
    enough to name a requirement, and "Please investigate this matter, close and delete these accounts and send
    me ..." asks for more than that. The opening words need an ask's wording, not just a noun phrase."""
    text = _MASKED_RE.sub("", sentence)
    opening = " ".join(text.split()[:OPENING_WORDS])
    return bool(ask_in(text, is_request=True) or ask_in(opening))


def _asks(theme: ThemePublic) -> list[Quote]:
    """The theme's request sentences that ask for something (a request shape, by `ask_in`), those about what the
    theme is named for and worded as a wish first. A sentence the polarity rules tally as a request but that only
    tells what happened ("I did have to write in and call every month") is not what customers ask for."""
    own = named(theme)
    asks = [q for q in theme.requests if not lowinfo.is_low_information(q.text) and _asks_for_something(q.text)]
    return sorted(asks, key=lambda q: -(len(own & words(q.text)) + bool(WISH_RE.search(q.text))))


def _why(item: SwotItem, ask: Citation | None, threat: SwotItem | None, opp: SwotItem | None, research: bool) -> str:
    """The action's grounds in words the evidence holds: the customers' own ask and the research it meets."""
    s = item.statistics or {}
    reach, records = int(s.get("reach", 0)), int(s.get("mentions", 0))
    out = f"raised in {records:,} records" if reach == records else f"{reach:,} customers raise it"
    if ask:
        said = " ".join(ask.quote.split())
        out += f"; they ask: “{said}”" + ("" if said[-1:] in ".!?…" else ".")
    else:
        out += "."
    paired = [f"the {name} “{x.title}”" for name, x in (("threat", threat), ("opportunity", opp)) if x]
    if paired:
        out += f" It meets {' and '.join(paired)}."
    elif research:
        out += " No market research relates to it."
    if ask is None:
        out += " None of them asks for a specific change: talk to a few before choosing a fix."
    return out


def action(
    item: SwotItem,
    theme: ThemePublic,
    threats: list[SwotItem],
    opps: list[SwotItem],
    picker: QuotePicker,
    has_research: bool,
) -> SwotAction:
    """One action for one weakness, from the research it relates to, else its asks, else its complaints."""
    threat, opp = _related(theme, threats), _related(theme, opps)
    requests = _asks(theme)
    # An ask already quoted above still grounds the action: it is what customers want done.
    asks = picker.pick(requests, ("request",), 1) or [
        Citation(record_id=q.record_id, quote=q.text) for q in requests[:1]
    ]
    basis: Basis
    if threat and opp:
        basis = "threat and opportunity"
    elif threat or opp:
        basis = "threat" if threat else "opportunity"
    else:
        basis = "requests" if asks else "complaints"
    own = asks or item.citations[:1]
    paired = [x for x in (threat, opp) if x is not None]
    why = _why(item, asks[0] if asks else None, threat, opp, has_research)
    return SwotAction(
        title=f"{item.title}: {_TITLES[basis]}",
        description=why[:1].upper() + why[1:],
        basis=basis,
        weakness_theme_id=item.theme_id,
        addresses=[item.title, *(x.title for x in paired)],
        threat=threat.title if threat else None,
        opportunity=opp.title if opp else None,
        citations=own + [c for x in paired for c in x.citations[:1]],
    )
