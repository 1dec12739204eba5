"""Theme names by a model, checked before they are kept: at most 8 words, no numbers, no names, and every content
word found in the theme's own key phrases or quotes, so a model cannot name a theme after something customers did
not say. A name that fails keeps the extractive label (labels.py), and the failure is listed.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from copilot.analysis.feedback import FeedbackSet
from copilot.analysis.lowinfo import content_words
from copilot.analysis.theme_model import SIDES, ThemeModel, sides_of
from copilot.llm.base import Message, Model, ModelError
from copilot.prompts import data_rule, fence, load_prompt

MAX_WORDS = 8
EVIDENCE = 12
_SIDE_WORDS = {"pain": "complaints and requests", "praise": "praise", "neutral": "mentions without a judgement"}
_STEM_RE = re.compile(r"(?:ing|ed|es|s)$")


class ThemeName(BaseModel):
    name: str


def _stem(word: str) -> str:
    return _STEM_RE.sub("", word.lower())[:8]


def check(name: str, keywords: list[str], quotes: list[str]) -> list[str]:
    """Why a proposed name cannot stand (empty when it can)."""
    problems: list[str] = []
    words = name.split()
    if not words or len(words) > MAX_WORDS:
        problems.append(f"a name has 1 to {MAX_WORDS} words, not {len(words)}")
    if re.search(r"\d|[\"“”<>{}\[\]]|https?:", name):
        problems.append("a name holds no numbers, quotation marks, brackets or links")
    known = {_stem(w) for text in [*keywords, *quotes] for w in content_words(text)}
    foreign = [w for w in content_words(name) if _stem(w) not in known]
    if foreign:
        problems.append(f"words not in the theme's phrases or quotes: {', '.join(foreign[:5])}")
    return problems


def name_themes(model: Model, theme_model: ThemeModel, fs: FeedbackSet) -> list[str]:
    """Rename each topic's sides with the model, in place; returns one note per name that was refused."""
    if not model.can_generate:
        return []
    prompt = load_prompt("theme_name")
    informative = ~fs.seg_low
    topic_of, _ = theme_model.assign(fs.vectors, theme_model.discovered.get("min_similarity", 0.35))
    side = sides_of(fs.seg_polarity)
    notes: list[str] = []
    for topic, entry in theme_model.topics.items():
        for side_name, label in list(entry.get("labels", {}).items()):
            s = SIDES.index(side_name)
            segs = [i for i, t in enumerate(topic_of) if t == topic and side[i] == s and informative[i]][:EVIDENCE]
            quotes = [fs.segment_text(i) for i in segs]
            lines = "\n".join(f"[{fs.ids[fs.seg_record[i]]}] {q}" for i, q in zip(segs, quotes, strict=True))
            delimiter, fenced = fence(lines)
            content = prompt.render(
                data_rule=data_rule(delimiter),
                side=_SIDE_WORDS[side_name],
                keywords=", ".join(entry.get("keywords", [])[:8]),
                label=label,
                evidence=fenced,
            )
            try:
                reply, _ = model.generate_json([Message(role="user", content=content)], ThemeName, max_tokens=60)
            except ModelError as exc:
                notes.append(f"{topic} ({side_name}): the model gave no name ({exc.detail[:120]}); kept {label!r}")
                continue
            name = " ".join(reply.name.split()).strip(" .")
            problems = check(name, entry.get("keywords", []), quotes)
            if problems:
                notes.append(f"{topic} ({side_name}): {name!r} refused ({'; '.join(problems)}); kept {label!r}")
                continue
            entry.setdefault("extractive_labels", {})[side_name] = label
            entry["labels"][side_name] = name
    return notes
