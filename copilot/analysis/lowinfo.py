"""Answers that carry no information ("no reason", "because I wanted to", "n/a", "ok", emoji only).

They go to their own reported bucket instead of into a theme: a theme of "ok" and "nothing" would have the
largest reach and say nothing. The rule: no content word is left once stop words, dismissals ("no reason",
"because"), bare judgements ("good", "love it") and words for the whole product ("app", "service") are left out.
A single topical word ("price", "slow") is information and stays.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

RULE = (
    "an answer with no content word once stop words, dismissals (no reason, because, n/a), bare judgements "
    "(good, great, love it, bad) and words for the whole product (app, service) are left out; emoji only"
)
_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-][^\W\d_])*", re.UNICODE)
_FILLER_WORDS = """
    reason reasons nothing none na n/a nope yes yeah yep no not ok okay k fine good great nice cool awesome
    excellent perfect amazing fantastic brilliant superb best better worse worst bad poor terrible awful horrible
    meh whatever thing things stuff lol haha idk dunno comment comments answer want wanted wish like liked love
    loved hate hated just really very much lot lots also sure maybe thanks thank thx ty cheers because cause cuz
    coz felt feel feeling think thought guess say said know service services app apps product products company
    overall everything anything something experience rating score recommend recommended would always happy
    satisfied pleased enjoy enjoyed use used using work works worked job add mention else
"""
_FILLER = frozenset(_FILLER_WORDS.split())
_STOP = frozenset(ENGLISH_STOP_WORDS) | _FILLER


def content_words(text: str) -> list[str]:
    return [
        w
        for w in (m.group(0).lower().replace("’", "'") for m in _WORD_RE.finditer(text))
        if w not in _STOP and len(w) > 1
    ]


def is_low_information(text: str) -> bool:
    """True for answers with nothing a PM could act on or group by topic."""
    return not content_words(text)
