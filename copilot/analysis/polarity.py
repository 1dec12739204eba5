"""Polarity of a feedback segment: a complaint, a request, praise, or neutral, decided before themes form.

Stated rules on words people write, with VADER's lexicon for tone and the row's rating or NPS as a prior for
segments the words leave open. Praise needs a praise word and a positive tone and no sign of a problem: a
theme of praise that quotes a complaint is worse than a praise sentence missed, so praise is called only when
it is clear. Measured on 1,127 hand-labelled real sentences (evals/polarity/).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Polarity = Literal["complaint", "request", "praise", "neutral"]
POLARITIES: tuple[Polarity, ...] = ("complaint", "request", "praise", "neutral")
PAIN: frozenset[str] = frozenset({"complaint", "request"})
RULES = (
    "complaint: a problem, failure or bad experience in the words (not working, still waiting, charged twice, "
    "too slow) or a clearly negative tone; request: an ask (please, I want, I need, can you, how do I, you "
    "should, add); praise: a praise word with a clearly positive tone and no sign of a problem; neutral: the rest. "
    "A row's low rating or detractor score tips a negative-leaning segment to complaint, a high one tips a "
    "positive-leaning segment to praise"
)

_REQUEST = re.compile(  # (?=\w): tried at the start of words only, not also at their ends (twice as fast)
    r"(?=\w)\b(?:please|pls|plz|kindly|i(?:'d| would) (?:like|love|appreciate)|i want(?:ed)? (?:to|a|an|my|the|you)|"
    r"i need(?:ed)? (?:to|a|an|my|the|you|help|some)|we need|needs? (?:a|an|to be able|more|better|some)|"
    r"can you|could you|would you|will you|can (?:someone|somebody|anyone)|"
    r"how (?:do|can|should|would|could) (?:i|we|you)|how to|what (?:do|should|can) i do|"
    r"is (?:it|there) (?:possible|a way|any way)|any way to|"
    r"(?:would|it'?d) be (?:great|nice|good|helpful|awesome|useful|better) (?:if|to)|i wish|wish (?:you|it|there|they)|"
    r"you (?:should|need to|must|have to)|(?:should|must) (?:add|have|allow|be able|offer|let|support|include|fix)|"
    r"^(?:please |)(?:add|allow|bring back|give|let us|let me|let admins|let users|make|fix|stop|change|include|"
    r"remove|cache|speed up|improve|support|show|enable|provide|offer|warn|queue|sync|notify|send|integrate|build|"
    r"create|reduce|lower|simplify|drop|keep|restore|update)\b|(?:option|ability) to\b|"
    r"i(?:'m| am) (?:asking|requesting|writing to request)|i request|requesting|"
    r"(?:get|have|had) (?:this|it|them|my \w+) (?:resolved|fixed|corrected|removed|refunded|reversed|deleted)|"
    r"(?:i|we) (?:would|'d|will) (?:certainly |greatly |really |truly |)appreciate|if (?:i|we) could|"
    r"(?:would|will|shall) be (?:\w+ |)(?:\w+ |)appreciated|appreciate any (?:help|assistance|advice|suggestions?)|"
    r"(?:would|'d) be (?:\w+ |)grateful (?:if|for)|"
    r"it is (?:extremely |very |really |)(?:imperative|important|urgent|critical) (?:that|i|to|we)|"
    r"(?:must|should|needs? to|has to) be (?:\w+ |)(?:corrected|removed|deleted|fixed|refunded|reversed|updated|"
    r"resolved|investigated|reviewed|changed|closed|returned)|"
    r"how can (?:this|it) be|where (?:do|can|should) i|what is the process|i(?:'m| am) hoping|"
    r"\binstead of\b|wants? (?:tighter|better|more|a|an|the|to)|"
    r"^(?:a |an |)(?:better|smarter|faster|cheaper|simpler|easier|proper|reliable|free|more|fewer|granular|"
    r"real|bulk|native|two-way|scheduled|fuzzy|automatic|custom|quicker|clearer)\b(?!.*\b(?:than|is|are|was)\b))",
    re.I,
)
_PROBLEM = re.compile(
    r"(?=\w)\b(?:not (?:working|work|received|receive|arrived|been|showing|able|allowed|happy|good|helpful|fixed|"
    r"resolved|satisfied|eligible|fair)|can not|unfair\w*|irresponsibl\w*|lied|lying|excuses|"
    r"(?:should|shall)(?: not|n'?t) (?:be|have)|"
    r"(?:does|did|is|was|has|have|had|wo|would|ca|could|are|were)n'?t (?:work|working|arrive|arrived|receive|"
    r"received|get|got|let|load|open|show|come|been|help|respond|answer|accept|go through|allow)|"
    r"can'?t|cannot|couldn'?t|unable|fail(?:ed|s|ing|ure)?|errors?|declined?|rejected|refused|denied|"
    r"broken|crash(?:es|ed|ing)?|bugs?|buggy|glitch\w*|freez\w*|still (?:not|no|have ?n'?t|has ?n'?t|waiting|"
    r"pending|haven|hasn)|never (?:received|got|arrived|came|heard|answered|responded)|"
    r"no (?:response|reply|answer|one|help|way|longer|service|signal|connection)|waiting|wait(?:ed)? for|"
    r"delay(?:ed|s)?|overdue|late|over ?charged|charged (?:twice|me|a fee|an? \w*\s?fee|extra|again|for)|"
    r"double charged|(?:was|been|were|got) charged|"
    r"wrong(?:ly)?|incorrect(?:ly)?|inaccurate|fraud\w*|scam\w*|stolen|lost|missing|unauthori[sz]ed|"
    r"too (?:slow|expensive|much|many|long|hard|difficult|complicated|high|often)|slow(?:er|ly)?|expensive|"
    r"overpriced|terrible|awful|horrible|worst|poor(?:ly)?|bad|disappoint\w*|frustrat\w*|annoy\w*|useless|"
    r"ridiculous|unacceptable|rude|unprofessional|harass\w*|threat\w*|problems?|issues?|complain\w*|"
    r"dispute[ds]?|mistake|confus\w*|stuck|hassle|nightmare|worse|ignored|nothing (?:has been|was) done|"
    r"(?:is|are|was|were)n'?t (?:showing|reflect\w*|there|listed|updated|correct|right)|not (?:showing|reflect\w*|"
    r"authori[sz]ed|informed|notified|updated|correct|right|listed)|pending|returned|reversed|"
    r"(?:do|did)n'?t (?:recogni[sz]e|authori[sz]e|receive|get|know about|want|agree)|(?:did )?not authori[sz]e|"
    r"only (?:got|received|gave|paid)|(?:have|has) (?:not |)yet to|(?:have|has) not yet|haven'?t yet|"
    r"deceptive|deceiv\w*|mislead\w*|harm(?:ed|ful)?|stress\w*|anguish|rude\w*|less than helpful|"
    r"uncooperative|refus\w*|negligen\w*|erroneous\w*|forged|hung up|argu\w*|violat\w*|illegal\w*|"
    r"predatory|abusive|ruin\w*|damag\w*|hardship|penalt\w*|garnish\w*|sued|lawsuit|attorney|"
    r"siphon\w*|withh[eo]ld\w*|holding my|times? out(?! of)|timed out|timing out|never finish\w*|dropping|"
    r"drops? (?:my|the|out|off|calls?|connections?|rows|data|edits|changes|signal)|"
    r"loses?|losing|vanish\w*|disappear\w*|painful\w*|keeps? (?:crashing|failing|freezing|logging)|"
    r"(?:should|shouldn'?t|should not) (?:cost|charge|be this|take this)|(?:can|could) never|"
    r"never (?:finds?|works?|loads?|uploads?|syncs?|saves?|shows?|gets?|updates?|links?)|"
    r"(?:have|had|has) to (?:redo|remove|turn off|pay|wait|buy|ask|go back|restart|re-?enter|call|chase|do it)|"
    r"forces? (?:us|me)|(?:is|are|was|were) (?:manual|gone|non-existent|missing|limited|overwhelming|flaky|"
    r"unreliable|out of date|clunky|buggy|unusable|unstable|laggy)|(?:way |far |much |)too \w+|"
    r"there(?:'s| is| are) no|(?:is|are)n'?t possible|not possible|(?:hard|difficult|impossible) to|"
    r"takes? (?:forever|ages|hours|minutes|seconds|days|weeks|over)|took (?:us |me |)(?:weeks|days|hours|forever|"
    r"ages|over|months)|keeps? \w+ing|stop(?:s|ped)? working|silently|crawl\w*|cut(?:s|ting)? off|caps? out|"
    r"flooded|spam\w*|duplicat\w*|overwrit\w*|random order|(?:returns|finds|shows) nothing|no (?:good|way|option|"
    r"setting|role|support|reception|signal))\b|^\s*why (?:has|have|is|was|did|does|do|am|are|were|can'?t|won'?t|"
    r"isn'?t|hasn'?t|didn'?t|would|are|is)\b",
    re.I,
)
_GOOD = (
    r"(?:very |so |really |extremely |super |incredibly |always |most |quite |)(?:helpful|great|excellent|amazing|"
    r"awesome|fantastic|wonderful|brilliant|superb|outstanding|friendly|courteous|polite|kind|nice|professional|"
    r"patient|understanding|knowledgeable|responsive|fast|quick|easy|intuitive|smooth|reliable|"
    r"efficient|accommodating|pleasant|informative)"
)
_WHO = (
    r"(?:he|she|they|agent|representative|rep|staff|team|person|lady|gentleman|man|woman|manager|supervisor|"
    r"support|service|customer service|app|website|site|product|process|bank|company|branch|teller|advisor|"
    r"adviser|officer|employee|associate|operator|everyone|everybody|experience|it|this|interface|feature|"
    r"update|card|account)"
)
# Praise is a judgement of someone or something else, in one of these constructions, not a praise word alone:
# "excellent credit", "a great job" (mine), "the best way to" and "the judgment was satisfied" praise nothing.
_PRAISE = re.compile(
    r"(?:\b(?:i|we|kids|everyone|everybody)(?: really| just| absolutely| truly| do| still| also|) ?"
    r"(?:love|loved|adore|like|liked|enjoy|enjoyed)|^(?:really |just |absolutely |)(?:love|loved|adore|enjoy|enjoyed))"
    r" (?:the|this|your|it|using|how|that)\b|"
    # Every other construction starts a word, so it is tried only where one starts (a third of the time).
    r"\b(?=\w)(?:"
    rf"\b(?<!credit )(?<!score )(?<!history )(?<!job )(?<!pay )(?<!i )(?:was|were|is|are|has been|have been|been) "
    rf"{_GOOD}\b|"
    rf"\b(?:a |an |the |such |very |so |really |)(?:great|excellent|amazing|awesome|fantastic|wonderful|best|good|"
    r"fast|quick|easy|friendly|helpful|brilliant|superb|outstanding|top|5 star|five star) (?:customer service|"
    r"service|app|bank|support|experience|staff|agent|team|product|company|interface|feature|help|value|"
    r"banking|platform|tool)\b|"
    r"\bthank(?:s| you)(?: so much| very much| again)? (?:for (?:helping|resolving|fixing|sorting|your quick|the quick|"
    r"getting involved|taking care|all (?:your|the) help)|to (?:you|your team|the agent))|"
    r"\b(?:helped|assisted) (?:me|us) (?:a lot|so much|immediately|quickly|greatly|right away|resolve)|"
    r"\b(?:highly )?recommend(?:ed)? (?:it|this|them|the)\b|"
    r"\b(?:highly )?recommend(?:ed)? you\b(?=\s*(?:[.!,]|$|to (?:anyone|everyone|others|friends)))|"
    r"\bworks? (?:great|well|perfectly|flawlessly|like a charm)\b|"
    r"\b(?:so |really |very |super )?(?:easy|simple|quick|fast|intuitive) to (?:use|set up|navigate|find)\b|"
    r"\b(?:very |really |so |extremely )?(?:happy|pleased|satisfied|impressed|delighted) with\b|"
    r"\b(?:very |really |so |extremely )?(?:pleased|impressed|delighted) by\b|"
    r"\b(?:kudos|well done|five stars|5 stars|love it|love this|best app|best bank)\b|"
    r"(?<!non-)(?<!non- )(?<!non )\b(?:super |so |very |really |)(?:intuitive|user[- ]friendly|beautiful|"
    r"well thought out|fantastic|amazing)\b|"
    r"\bjust works\b|\bsaves? (?:us|me) (?:hours|time|days)\b|\b(?:a |)great head start\b|"
    r"\b(?:i |we )(?:really |truly |greatly |)appreciated? (?:all|everything|the (?:help|assistance|effort|work|"
    r"support|care))\b|\b(?:am|are) (?:so |very |)grateful\b|\b(?<!\bbe )promptly (?:refunded|resolved|fixed|corrected|"
    r"removed|reversed)\b)",
    re.I,
)
# A problem denied or solved is no complaint: "never been late", "without any issues", "solves the problem".
_NO_PROBLEM = re.compile(
    r"\b(?:never (?:been|had|was|were|missed|made) (?:a |any |)(?:late|issues?|problems?|complaints?|payments? late)|"
    r"without (?:a|any) (?:problem|issue|hitch|delay)s?|no (?:issues?|problems?|complaints?)(?: at all| so far|)|"
    r"not (?:a|any) (?:problem|issue)|(?:solves?|solved|fix(?:es|ed)?|resolved?) (?:the|my|our|any|every) "
    r"(?:problem|issue)s?|whenever (?:we|i) (?:had|have) an? (?:issue|problem))\b",
    re.I,
)
# Information questions ("how long does a transfer take?", "can I hold two currencies?") ask for facts, not action.
_FACT_QUESTION = re.compile(
    r"^\s*(?:how (?:long|much|many|quickly|soon|often)|what(?:'s| is| are| does| do| kind| type| currencies|"
    r" countries| time)|which|when|where|who|do you|does|is (?:it|there|the|my|a)|are (?:there|you|the)|"
    r"can i|could i|will (?:i|it|the|my)|am i|may i|i need to know|i(?:'d| would) like to know|i want to know)\b"
    r"[^.!]*\?\s*$",
    re.I,
)
_LEGAL = re.compile(r"\b(?:shall|pursuant to|hereby|paragraph \(|subsection|please note)\b", re.I)
_CONTRAST = re.compile(r"\b(?:but|however|although|though|yet|except|unfortunately|until)\b", re.I)
# Praise words that say nothing good here: "a great deal of stress", "would be great if", "best regards".
_FALSE_PRAISE = re.compile(
    r"\b(?:great deal|great(?:ly)? (?:concern|distress|stress|inconvenience|harm|loss)|(?:would|it'?d) be "
    r"(?:great|nice|good|helpful|awesome|best)|best regards|best wishes|to the best of|at best|not (?:very |so |"
    r"that |)(?:great|good|helpful|friendly|easy|fast|quick|happy|satisfied|pleased)|(?:balance|amount|debt|bill|"
    r"invoice|payment|charge|fee|sum|loan|account)s? (?:is |was |are |were |remains? |)(?:still |)outstanding|"
    r"outstanding (?:balance|amount|debt|bill|invoice|payment|charge|fee|sum|loan)s?|"
    r"(?:excellent|great|good|amazing|perfect|fantastic|outstanding|stellar) (?:credit|score|payment history|history|"
    r"record)|(?:was|were|is)n'?t (?:very |)"
    r"(?:great|good|helpful|easy|fast|quick)|less than (?:helpful|great)|no (?:help|longer))\b",
    re.I,
)
# Praise denied in its own clause ("none of them were helpful", "not one person is professional enough"), or
# praise someone claimed, promised or once was ("you claim great service", "thinking it was a good company").
_NEGATED = re.compile(r"\b(?:not|no|none|never|nobody|nothing|neither|nor|hardly|without)\b|n't\b|\bno one\b", re.I)
_HEARSAY = re.compile(
    r"\b(?:claim\w*|promis\w*|advertis\w*|suppos\w*|thinking|thought|believ\w*|expect\w*|assur\w*|in the past|"
    r"(?:was|were|been) told|told (?:me|us)|said (?:that|i|we|it)|"
    r"used to|pretend\w*|so[- ]called|reputation|known for)\b",
    re.I,
)
_CONDITION = re.compile(r"\b(?:if|whether|unless)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[.;:!?,()]|\b(?:and|but|because|so|which|who|when)\b", re.I)


def _praises(text: str, claims: list[tuple[int, bool]]) -> bool:
    """A praise construction (of `claims`, from _praise_claims) that the writer asserts: not denied in its clause,
    not someone else's claim."""
    return any(not denied and not _HEARSAY.search(text[:start]) for start, denied in claims)


def _praise_claims(text: str) -> list[tuple[int, bool]]:
    """Each praise construction's start, and whether its own clause denies it; one in a condition ("see if I like
    it") is no claim either way."""
    out = []
    for m in _PRAISE.finditer(text):
        before = text[: m.start()]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        clause = before[breaks[-1].end() :] if breaks else before
        if not _CONDITION.search(clause):
            out.append((m.start(), bool(_NEGATED.search(clause + m.group(0)))))
    return out


_CLOSER = re.compile(
    r"^\s*(?:thanks?(?: you)?(?: so much| very much| again)?(?: in advance)?(?: for (?:your|the) (?:help|time|"
    r"attention|assistance|consideration|support))?|any help (?:is|would be) (?:greatly |)appreciated|"
    r"(?:i |we )?(?:look forward to|appreciate) (?:your|a) (?:prompt |quick |)(?:response|reply|help))[\s.!]*$",
    re.I,
)


# Thanks that close a letter name its case ("thank you for reviewing my complaint", "I appreciate your quick
# response to this issue"): the case's name is no sign of a problem there.
_COURTESY = re.compile(
    r"^\W*(?:(?:i |we )?(?:really |truly |sincerely |)(?:thank|thanks|appreciate)\b|your (?:\w+ ){0,3}(?:help|"
    r"assistance|attention|time|consideration|cooperation)\b[^.!?]* appreciated)",
    re.I,
)
_CASE_NOUN = re.compile(r"\b(?:issues?|problems?|complaints?|matters?|disputes?|claims?|concerns?)\b", re.I)


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def tone(text: str) -> float:
    """VADER's compound score, -1 (negative) to 1 (positive)."""
    return float(_vader().polarity_scores(text[:2000])["compound"])


def classify(text: str, prior: int = 0, score: float | None = None, lean: Polarity | None = None) -> Polarity:
    """The polarity of one segment. `prior` is -1 for a low rating or a detractor, 1 for a high rating or a
    promoter, 0 when the row says nothing; `score` is the segment's tone if already computed; `lean` is what
    the survey question asked for (question_lean), which decides a segment its own words leave neutral."""
    label = _by_words(text, prior, tone(text) if score is None else score)
    if label == "neutral" and lean is not None:
        s = tone(text) if score is None else score
        if lean == "request" or (lean == "praise" and s >= 0):
            return lean
    return label


def _by_words(text: str, prior: int, s: float) -> Polarity:
    if _CLOSER.match(text):
        return "neutral"
    words = _CASE_NOUN.sub(" ", text) if _COURTESY.match(text) else text
    claims = _praise_claims(text)
    denied = any(d for _, d in claims)  # praise denied in its own clause ("none of them were helpful") is a complaint
    problem = (bool(_PROBLEM.search(words)) and not _NO_PROBLEM.search(text)) or denied
    ask = bool(_REQUEST.search(text))
    if _LEGAL.search(text) and s > -0.4:
        return "neutral"
    if _FACT_QUESTION.match(text) and (not problem or s > -0.3):
        return "neutral"
    praised = _praises(text, claims) and not _FALSE_PRAISE.search(text)
    clean = not (problem or ask) or s >= 0.6  # a clearly warm sentence may still mention the problem it fixed
    # A praise construction with no problem and no ask stands even when the lexicon misreads a word ("drag").
    warm = s >= 0.3 or (not (problem or ask) and s > -0.5)
    if praised and clean and warm and not _CONTRAST.search(text):
        return "praise"
    if problem and (s < 0.5 or not praised):
        return "complaint"
    if ask:
        return "request"
    if s <= -0.4 or (prior < 0 and s < -0.05):
        return "complaint"
    if prior > 0 and praised and s >= 0.2:
        return "praise"
    return "neutral"


_ASKS_FOR_IDEAS = re.compile(
    r"\b(?:improve|improvement|build|add|wish|change|missing|next|suggest\w*|feature|would you like|"
    r"could we do better|one thing)\b",
    re.I,
)
_ASKS_FOR_LIKES = re.compile(r"\b(?:like (?:most|best|about)|love (?:most|about)|do well|favou?rite|enjoy)\b", re.I)


def question_lean(question: str | None) -> Polarity | None:
    """What a survey question asks for: answers to "what should we build next?" are requests, answers to
    "what do you like most?" are praise, unless their own words say otherwise."""
    if not question:
        return None
    if _ASKS_FOR_LIKES.search(question):
        return "praise"
    if _ASKS_FOR_IDEAS.search(question):
        return "request"
    return None


def row_prior(meta: dict[str, object]) -> int:
    """A row's rating or NPS as a prior: -1 low (1-2 of 5, 0-6 NPS), 1 high (4-5 of 5, 9-10 NPS), else 0."""
    nps = meta.get("nps")
    if isinstance(nps, int | float):
        return -1 if nps <= 6 else (1 if nps >= 9 else 0)
    rating = meta.get("rating")
    if isinstance(rating, int | float):
        top = 10 if rating > 5 else 5
        return -1 if rating <= top * 0.4 else (1 if rating >= top * 0.8 else 0)
    return 0


def mix(labels: Sequence[str]) -> dict[str, int]:
    """How many segments of each polarity, in a fixed order."""
    return {p: sum(1 for x in labels if x == p) for p in POLARITIES}
