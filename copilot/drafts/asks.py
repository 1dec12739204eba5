"""What a request sentence asks for, as a capability a PRD can name: "I wish I could export to CSV" asks "to
export to CSV"; "Please add dark mode" and "Dark mode please" ask for "dark mode"; "Remove the row limit" asks
"you to remove the row limit". The customer's sentence stays the cited evidence; the capability is what the
story wants and what the requirement is called. A sentence with no request shape asks for nothing, so a complaint
is never pasted in as a want."""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.analysis.labels import MASK_RE

_I = r"(?:i|we)"
_START = r"(?:^|[.;!?]\s+)(?:(?:please|pls|honestly|also|and|but)[,\s]+)*"
_NICE = r"(?:really\s+)?(?:nice|great|good|helpful|useful|better|awesome|amazing|cool)"
_IMPERATIVE = (
    r"make|let|allow|add|remove|fix|give|bring|support|enable|show|include|provide|offer|stop|improve|increase|"
    r"reduce|speed\s+up|raise|lower|change|update|restore|integrate|sync|export|import|keep|put|send|get\s+rid\s+of"
)
# (pattern, what follows it): "self" a verb phrase for the customer ("I wish I could ..."), "company" one for the
# product's makers ("you should ...", "Remove ..."), "thing" a noun phrase ("there should be ...", "... please"),
# "either" a verb phrase when it opens with "to", else a thing ("I would like (to) ..."). First match wins.
_PATTERNS = [
    (rf"\b{_I}\s+(?:really\s+)?(?:wish|hope)\s+(?:that\s+)?(?:i|we)\s+(?:could|can)\s+(?P<cap>.+)", "self"),
    (r"\b(?:wish|hope)\s+(?:that\s+)?(?:you|they|it)\s+(?:would|could|will|'d|’d)\s+(?P<cap>.+)", "company"),
    (r"\bwish\s+(?:that\s+)?(?:it|the\s+app|this)\s+(?:had|has|would\s+have)\s+(?P<cap>.+)", "thing"),
    (r"\bwish\s+(?:that\s+)?there\s+(?:was|were|is|would\s+be)\s+(?P<cap>.+)", "thing"),
    (
        rf"\b{_I}\s*(?:would|'d|’d)\s+(?:really\s+)?(?:like|love|prefer)\s+(?:it\s+if\s+you\s+|you\s+to\s+)(?P<cap>.+)",
        "company",
    ),
    (rf"(?:\b{_I}\s*|^)(?:would|'d|’d)\s+(?:really\s+)?(?:like|love|prefer)\s+(?P<cap>.+)", "either"),
    (rf"(?<!which\s)(?<!that\s)(?<!what\s)\b{_I}\s+(?:really\s+)?(?:want|need)\s+(?P<cap>.+)", "either"),
    (rf"\b(?:it\s+)?would\s+be\s+{_NICE}\s+if\s+you\s+(?:could|can|would)\s+(?P<cap>.+)", "company"),
    (rf"\b(?:it\s+)?would\s+be\s+{_NICE}\s+to\s+have\s+(?P<cap>.+)", "thing"),
    (rf"\b(?:it\s+)?would\s+be\s+{_NICE}\s+(?:if\s+(?:i|we)\s+(?:could|can)\s+|to\s+)(?P<cap>.+)", "self"),
    (r"\bwhy\s+(?:can't|can’t|cant|can\s+not|cannot|won't|won’t)\s+(?:i|we)\s+(?P<cap>.+)", "self"),
    (r"\b(?:can|could|would)\s+you\s+(?:please\s+)?(?P<cap>.+)", "company"),
    (r"\b(?:you|they)\s+(?:really\s+)?(?:should|need\s+to|must|ought\s+to)\s+(?P<cap>.+)", "company"),
    (r"\bthere\s+(?:should|needs\s+to)\s+be\s+(?P<cap>.+)", "thing"),
    (rf"{_START}(?:it\s+|this\s+|the\s+app\s+)?needs?\s+(?P<cap>(?:a|an|more|better|some)\s+.+)", "thing"),
    (rf"{_START}(?P<cap>(?:{_IMPERATIVE})\b.+)", "company"),
    (r"^(?P<cap>[^,.;!?]{3,}?)\s+(?:please|pls|plz)\b", "thing"),
    (r"\bplease\s+(?P<cap>.+)", "company"),
]
_COMPILED = [(re.compile(p, re.I), kind) for p, kind in _PATTERNS]
# Verbs that hand the capability to the product ("add dark mode" asks for dark mode).
_GIVE = re.compile(
    r"^(?:add|include|have|offer|provide|bring(?:\s+back)?|support|introduce|implement|create|build|make\s+available|"
    r"give|get|send|show)(?:\s+(?:me|us|customers|users)(?:\s+with)?)?\s+(?:an?\s+|the\s+|some\s+|more\s+)?",
    re.I,
)
_LET = re.compile(r"^(?:let|allow|enable|help)\s+(?:me|us|people|users|customers)\s+(?:to\s+)?", re.I)
_CUT = re.compile(
    r"\s*(?:[.;!?]|\s-\s|,\s*(?:but|because|since|as|so|and|it|this|that|they|which|i|we|can|could|please|how|"
    r"what|thanks)\b|\s(?:but|because|since|otherwise)\s)",
    re.I,
)
_PRONOUNS = {"my": "their", "me": "them", "i": "they", "we": "they", "our": "their", "us": "them", "i'm": "they're"}
MAX_WORDS = 14
_PLACEHOLDER_RE = re.compile(r"\[[A-Z_]+\]")
# Asks that name no capability ("help me", "fix this", "fix the app"): a story needs something to build.
_VAGUE_WORDS = """help assist answer respond reply call contact fix do explain tell know check look see let understand
    get it this that these those me us them him her you please out up now asap soon why what how again back about
    something anything everything thing things someone a an the app apps product service site website issue
    issues problem problems bug bugs work working better faster more"""
_VAGUE = frozenset(_VAGUE_WORDS.split())
# A bare noun phrase a customer offers as a request ("Scheduled exports to our data warehouse") starts with none
# of these: a question or a statement about themselves is not an ask.
_NOT_A_THING_WORDS = """i we my our you your it its this that they there how what why when where who can could is are
    was were do does did will would should have has had am"""
_NOT_A_THING = frozenset(_NOT_A_THING_WORDS.split())
# ... and says nothing happened: "The app crashes every time I open it" is a complaint, not a thing to build.
_HAPPENED = re.compile(
    r"\b(?:is|are|was|were|keeps?|doesn't|don't|didn't|won't|can't|cannot|never|crash\w*|fail\w*|broke\w*|"
    r"stopp?ed|takes?|took|gets?|got|has|have|had)\b",
    re.I,
)


@dataclass(frozen=True)
class Ask:
    want: str  # what a story says the customer wants: "to export reports to CSV" or "dark mode"
    requirement: str  # the same in product language: "Let customers export reports to CSV" or "Dark mode"


def _tidy(cap: str) -> str:
    cap = _CUT.split(cap, maxsplit=1)[0]
    cap = re.sub(r"\s+", " ", cap).strip(" ,:-\"'“”‘’")
    cap = re.sub(r"^(?:please|also|just|maybe|possibly)\s+", "", cap, flags=re.I)
    return re.sub(r"\s+(?:please|pls|plz|thanks|thank you)$", "", cap, flags=re.I)


def _third_person(text: str) -> str:
    return " ".join(_PRONOUNS.get(w.lower(), w) for w in text.split())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _thing(cap: str) -> Ask:
    """'dark mode' -> 'Dark mode'; 'my card sooner' -> 'Customers get their card sooner'."""
    owned = re.match(r"^(?:my|our)\s", cap, re.I)
    requirement = f"Customers get {_third_person(cap)}" if owned else _capital(_third_person(cap))
    return Ask(want=cap[:1].lower() + cap[1:] if not cap[1:2].isupper() else cap, requirement=requirement)


def _shape(kind: str, cap: str) -> Ask | None:
    if kind == "either":
        to = re.match(r"^to\s+(?:be\s+able\s+to\s+)?", cap, re.I)
        kind, cap = ("self", cap[to.end() :]) if to else ("thing", cap)
    if kind in ("company", "thing") and (given := _GIVE.match(cap)):
        return _thing(cap[given.end() :]) if cap[given.end() :] else None
    if kind == "thing":
        return _thing(cap)
    if let := _LET.match(cap):
        cap = cap[let.end() :]
        return Ask(want=f"to {cap}", requirement=f"Let customers {_third_person(cap)}")
    if kind == "company":
        cap = cap[:1].lower() + cap[1:]
        return Ask(want=f"you to {cap}", requirement=_capital(_third_person(cap)))
    return Ask(want=f"to {cap}", requirement=f"Let customers {_third_person(cap)}")


def _says_something(cap: str) -> bool:
    written = len(cap.split())
    words = [w.lower().strip(",.'’") for w in MASK_RE.sub(" ", cap).split()]
    if (written - len(words)) * 3 >= written:  # what it asks about was redacted ("contact XXXX")
        return False
    return 2 <= len(words) <= MAX_WORDS and not all(w in _VAGUE or w in _PRONOUNS for w in words)


def ask_in(sentence: str, *, is_request: bool = False) -> Ask | None:
    """The capability a request sentence asks for, or None when it has no request shape or says too little.
    `is_request`: the polarity rules already call the sentence a request, so a bare noun phrase ("Bulk export of
    all workspaces?") is taken as the thing asked for."""
    if _PLACEHOLDER_RE.search(sentence):  # contact details redacted: a note to support, not a capability
        return None
    for pattern, kind in _COMPILED:
        if m := pattern.search(sentence):
            cap = _tidy(m["cap"])
            return _shape(kind, cap) if _says_something(cap) else None
    cap = _tidy(sentence)
    first = cap.split()[0].lower() if cap.split() else ""
    bare = first not in _NOT_A_THING and not _HAPPENED.search(cap) and len(cap.split()) <= 10
    if is_request and bare and _says_something(cap):
        return _thing(cap)
    return None
