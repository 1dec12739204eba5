"""Market research as evidence: its sentences classed as opportunities or threats by plain, stated rules.

A sentence about a competitor's move or a squeeze on the business is a threat; one about growth, demand or an
unmet need is an opportunity. SWOT lists them; a PRD weighs the threats that touch its topic as risks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.analysis.segments import split
from copilot.drafts.verify import Citation
from copilot.store.chroma import Store

THREAT_RE = re.compile(
    r"\b(?:competitors?|launch(?:ed|es)?|ships?|offers?|cut (?:its|their) (?:list )?price|winning|"
    r"target(?:s|ing)|pressure|consolidat\w+|lose|losing|switch\w*)\b",
    re.I,
)
OPPORTUNITY_RE = re.compile(
    r"\b(?:grow(?:s|ing|th)?|fastest|expect\w*|demand|underserved|opportunit\w+|rising|"
    r"increasing(?:ly)?|most requested|shorten|spend)\b",
    re.I,
)
RULES = (
    "threat: a research sentence about a competitor's move or a squeeze (launches, offers, cuts its price, "
    "winning, consolidation); opportunity: one about growth, demand or an unmet need"
)


def classify(sentence: str) -> str | None:
    """'threat', 'opportunity' or None; a sentence with both signals goes to the stronger (opportunity on a tie)."""
    threats, opps = len(THREAT_RE.findall(sentence)), len(OPPORTUNITY_RE.findall(sentence))
    if not threats and not opps:
        return None
    return "threat" if threats > opps else "opportunity"


@dataclass
class Finding:
    kind: str  # "threat" or "opportunity"
    title: str
    sentence: str
    source_title: str
    citation: Citation


def findings(store: Store, project: str) -> tuple[list[Finding], dict[str, str]]:
    """Every classified sentence of the project's research documents, and the documents' texts by id."""
    out: list[Finding] = []
    texts: dict[str, str] = {}
    for rec in store.records(project):
        if rec.metadata.get("kind") != "research":
            continue
        texts[rec.id] = rec.text
        source = str(rec.metadata.get("title") or rec.metadata.get("source"))
        for a, b in split(rec.text, prose=True):
            sentence = rec.text[a:b]
            words = sentence.split()
            if sentence.lstrip().startswith("#") or len(words) < 6:
                continue
            kind = classify(sentence)
            if kind is None:
                continue
            title = " ".join(words[:9]).rstrip(",.;:") + ("…" if len(words) > 9 else "")
            out.append(Finding(kind, title, " ".join(words), source, Citation(record_id=rec.id, quote=sentence)))
    return out, texts
