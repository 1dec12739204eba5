"""Theme labels a PM reads: a short phrase taken from the theme itself, not a list of keywords.

The label is the phrase (two to six words, in the customers' own order) that the most segments of the theme
share and that sets it apart from the rest of the feedback; when no phrase is shared widely enough, the most
central short segment, trimmed. Keywords stay a separate field. With a model configured, a model may rename a
theme from its evidence (names.py); a name that fails its check keeps this label.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from copilot.analysis.lowinfo import content_words
from copilot.analysis.segments import shouted

RULE = (
    "the phrase of two to six words that the most segments of the theme share and that is rarer elsewhere; else "
    "the theme's most central short segment, trimmed"
)
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Numbers, placeholders, links, and masks, also glued to a word ("EDXXXX"): never part of a name.
_BAD_RE = re.compile(r"\d|\[[A-Z_]+\]|https?:|www\.|@|[<>{}]|\b[Xx]{2,}\b|[Xx]{4,}|\*{2,}")
# Words that make a weak end for a label ("days ago", "long does", "please help"): too general to name a theme.
_GENERIC_WORDS = """
    just really also like im ive dont its s t ago days day weeks week months time times long does did going know
    help please tried try want need get got make still yet now today yesterday thing things way lot
"""
_EDGE_STOP = frozenset(ENGLISH_STOP_WORDS) | frozenset(_GENERIC_WORDS.split())
_LEAD_WORDS = """
    i we and but so also just really honestly well the my our it this that they you hello hi dear
"""
_LEAD = frozenset(_LEAD_WORDS.split())
# Words a name cannot end on ("... and for the", "... like that"): a label cut mid-sentence. Particles that end
# phrasal verbs ("log in", "top up", "sign out") are not among them; nor are negations at the start ("no admin").
_DANGLING_WORDS = """
    the a an and or but nor for of to from with at by as than that this these those which who whom whose when while
    because if so my our your their his her its is was are were be been being am has have had do does did like
    about into onto very such any some every each me us them him i
"""
DANGLING = frozenset(_DANGLING_WORDS.split())
_LEADING = _LEAD | DANGLING | {"on", "in", "then"}  # words a label does not start on
# A phrase must be shared by this share of the theme's segments to name it (the first floor one passes) ...
_SHARE_FLOORS = (0.12, 0.06, 0.03, 0.015)
_MIN_COUNT = 3  # ... and by at least this many
_SAMPLE = 400
# Sentences this long that recur word for word are copies (template letters); short answers recur because people
# say the same thing ("too expensive"), and each is counted.
_TEMPLATE_WORDS = 8


_BREAK_RE = re.compile(r"[^\w\s'’-]|\d+")


# What an export put in place of redacted words ("XXXX", "XX/XX/XXXX", "****"): a mask, never part of a name.
MASK_RE = re.compile(r"\b[Xx]{2,}(?:[/-][Xx]{2,})*\b|\*{2,}")


def _tokens(text: str) -> list[list[str]]:
    """Runs of words between punctuation, numbers and masks: a phrase never spans "(case 17)" or a full stop."""
    text = MASK_RE.sub(".", text)
    return [[t.lower().replace("’", "'") for t in _TOKEN_RE.findall(run)] for run in _BREAK_RE.split(text)]


def _phrases(runs: list[list[str]]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for tokens in runs:
        for n in range(2, 7):
            for i in range(len(tokens) - n + 1):
                gram = tuple(tokens[i : i + n])
                if gram[0] in _EDGE_STOP or gram[-1] in _EDGE_STOP:
                    continue
                if sum(w not in _EDGE_STOP for w in gram) < 2 and n < 3:
                    continue
                out.add(gram)
    return out


class Background:
    """How common each phrase is across all feedback, from a sample: what makes a theme's phrase distinctive."""

    def __init__(self, texts: Sequence[str], seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        idx: list[int] = sorted(int(j) for j in rng.choice(len(texts), min(len(texts), 20_000), replace=False))
        self.size = max(len(idx), 1)
        self.df: Counter[tuple[str, ...]] = Counter()
        for i in idx:
            self.df.update(_phrases(_tokens(texts[i])))

    def share(self, gram: tuple[str, ...]) -> float:
        return (self.df.get(gram, 0) + 1) / (self.size + 1)


def _tidy(text: str, limit: int = 8, proper: bool = False) -> str:
    """A label cut from text: no masks, no leading filler or dangling end; a capital that only starts a sentence
    is lowered ("Export fails" -> "export fails"), one that names something ("Wells Fargo", `proper`) is kept."""
    words = MASK_RE.sub(" ", text).strip().strip(".!?;:,-–—\"'()[] ").split()
    while len(words) > 2 and _bare(words[0]) in _LEADING:
        words = words[1:]
    words = words[:limit]
    while len(words) > 2 and _bare(words[-1]) in DANGLING:  # cut mid-sentence: end on a word that names something
        words = words[:-1]
    label = " ".join(words).strip(",;:-–— ")
    if shouted(label):
        return label.lower()
    if label and label[0].isupper() and not (len(label) > 1 and label[1].isupper()) and not proper:
        label = label[0].lower() + label[1:]
    return label


def in_sentence(name: str) -> str:
    """A theme's name as written inside a sentence: its first capital lowered ("Slow exports" -> "slow exports"),
    unless it starts a name ("American Express", "Wells Fargo") or an acronym ("SSO setup")."""
    words = name.split()
    if not words or words[0][1:2].isupper() or (len(words) > 1 and words[0][:1].isupper() and words[1][:1].isupper()):
        return name
    return name[:1].lower() + name[1:]


def name_key(name: str) -> str:
    """What two names share when a reader would take them for one: case, apostrophes and plurals aside ("Late
    payments" and "late payment" side by side name nothing apart)."""
    return " ".join(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in re.findall(r"[a-z0-9]+", name.lower().replace("'s", "").replace("’s", ""))
    )


def _bare(word: str) -> str:
    return word.lower().strip(",.;:!?\"'()[]–—-")


def is_fragment(name: str) -> bool:
    """A name that ends mid-sentence ("would like that courtesy now, and for the")."""
    words = name.split()
    return bool(words) and _bare(words[-1]) in DANGLING


def label(
    texts: Sequence[str], vectors: np.ndarray, background: Background, avoid: frozenset[str] = frozenset()
) -> str:
    """The label of a group of segments (their texts and unit vectors); not one of `avoid` (by `name_key`: the
    labels of its parent theme and its siblings), so two subthemes of a theme never share a name."""
    if not len(texts):
        return "(no text)"
    by_text = sorted(range(len(texts)), key=lambda i: texts[i])  # content order: the same label in any project
    texts, vectors = [texts[i] for i in by_text], vectors[by_text]
    order = np.arange(len(texts))
    if len(texts) > _SAMPLE:
        order = np.random.default_rng(0).choice(len(texts), _SAMPLE, replace=False)
    counts: Counter[tuple[str, ...]] = Counter()
    copies: set[str] = set()
    for i in order:
        text = texts[int(i)]
        if len(text.split()) >= _TEMPLATE_WORDS:  # a form letter's sentence, sent by many, names nothing once more
            key = " ".join(MASK_RE.sub("", text).lower().split())
            if key in copies:
                continue
            copies.add(key)
        counts.update(_phrases(_tokens(text)))
    sample = [texts[int(i)] for i in order]
    for floor in _SHARE_FLOORS[:2]:
        if best := _best_phrase(counts, len(order), floor, background, sample, avoid):
            return best
    if central := _central_short(texts, vectors, avoid):  # no phrase names the whole: its most typical short one
        return central
    for floor in _SHARE_FLOORS[2:]:  # long texts (complaint narratives) have no short segment: ask less of a phrase
        if best := _best_phrase(counts, len(order), floor, background, sample, avoid):
            return best
    return _central_run(texts, vectors, avoid) or _tidy(MASK_RE.sub("", texts[_ranked(vectors)[0]]))


def _best_phrase(
    counts: Counter[tuple[str, ...]],
    n: int,
    floor: float,
    background: Background,
    sample: list[str],
    avoid: frozenset[str],
) -> str | None:
    """The best-scoring phrase above the floor, as customers wrote it, that is not to be avoided."""
    scored = []
    for gram, c in counts.items():
        share = c / n
        if c < _MIN_COUNT or share < floor or _BAD_RE.search(" ".join(gram)):
            continue
        lift = share / background.share(gram)
        scored.append((-share * math.log1p(lift) * (1 + 0.15 * (len(gram) - 2)), gram))
    for _, gram in sorted(scored):
        written = _phrase_as_written(gram, sample)
        if name_key(written) not in avoid:
            return written
    return None


def _phrase_as_written(gram: tuple[str, ...], texts: list[str]) -> str:
    """The phrase with the spelling customers used (apostrophes, hyphens) from its first occurrence not written in
    capitals throughout; a word keeps a capital only where most writers give it one in mid-sentence (a name,
    "Wells Fargo"), not where a few write in title case ("Credit Card") or a sentence starts."""
    pattern = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in gram) + r"\b", re.I)
    plain = [t.replace("’", "'") for t in texts]
    first = next((m.group(0) for t in plain for m in pattern.finditer(t) if not shouted(m.group(0))), None)
    if first is None:
        return _tidy(" ".join(gram))
    return _tidy(" ".join(_as_most_write(w, plain) for w in first.split()), proper=True)


def _as_most_write(word: str, texts: list[str]) -> str:
    """`word` capitalised if most of its mid-sentence uses in `texts` (not in shouted text) are, else lowered."""
    if word[1:2].isupper():  # an acronym or a code ("SSO", "ID"): as written
        return word
    capitals = seen = 0
    for text in texts:
        for m in re.finditer(r"\b" + re.escape(word) + r"\b", text, re.I):
            if m.group(0).isupper() and len(word) > 1 or not re.search(r"[A-Za-z,;:]\s*$", text[: m.start()]):
                continue  # shouted, or starting a sentence: says nothing of the word
            seen += 1
            capitals += m.group(0)[0].isupper()
    return word[0].upper() + word[1:] if seen and capitals >= 0.8 * seen else word[0].lower() + word[1:]


def _ranked(vectors: np.ndarray) -> list[int]:
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    return [int(i) for i in np.argsort(-(vectors @ centre))[:50]]


def _central_short(texts: Sequence[str], vectors: np.ndarray, avoid: frozenset[str]) -> str | None:
    ranked = _ranked(vectors)
    for longest in (8, 12):
        for i in ranked:
            text = texts[i]
            fits = 2 <= len(text.split()) <= longest and not _BAD_RE.search(text) and content_words(text)
            if fits and name_key(tidy := _tidy(text, longest)) not in avoid and not is_fragment(tidy):
                return tidy
    return None


def _central_run(texts: Sequence[str], vectors: np.ndarray, avoid: frozenset[str]) -> str | None:
    """The first clean run of words (between punctuation, numbers and masks) of the most central segment that
    has one: verbatim, never a cut that ends mid-sentence, nor a form's fields."""
    for i in _ranked(vectors):
        runs = [r.strip() for r in _BREAK_RE.split(MASK_RE.sub(".", texts[i]))]
        for run in runs:  # in the writer's order: the opening says most
            tidy = _tidy(run)
            words = len(tidy.split())
            meant = len(content_words(tidy)) >= (1 if words >= 3 else 2)  # "would like that courtesy now" says one
            clean = words >= 2 and meant and not _BAD_RE.search(tidy) and not is_fragment(tidy)
            if clean and name_key(tidy) not in avoid:
                return tidy
    return None
