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
THREAT_RULE = "a competitor's move or a squeeze (launches, offers, cuts its price, winning, consolidation)"
OPPORTUNITY_RULE = "growth, demand or an unmet need"
RULES = f"threat: a research sentence about {THREAT_RULE}; opportunity: one about {OPPORTUNITY_RULE}"


def classify(sentence: str) -> str | None:
    """'threat', 'opportunity' or None; a sentence with both signals goes to the stronger (opportunity on a tie)."""
    threats, opps = len(THREAT_RE.findall(sentence)), len(OPPORTUNITY_RE.findall(sentence))
    if not threats and not opps:
        return None
    return "threat" if threats > opps else "opportunity"


# A numbered heading ("3. Consolidation.") that the sentence splitter folded onto the end of the sentence before
# it, where a paragraph break was lost (plain text, PDF): it is the next section's name, not part of the claim.
_TRAILING_HEADING_RE = re.compile(r"(?<=[.!?])\s+\d{1,2}[.)]\s+[^.!?]{1,40}[.!?]?\s*$")
# How a user makes a file count as research, for the drafts that say which evidence is missing.
HOW_TO_INGEST = (
    "`copilot ingest FILES --project {project} --kind research` (Markdown, text or PDF; a document whose file "
    "or folder name says market, competitor, analyst, research or trend counts as research without --kind)"
)
NO_RESEARCH = "No market research in this project"


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
            sentence = _TRAILING_HEADING_RE.sub("", rec.text[a:b])
            words = sentence.split()
            if sentence.lstrip().startswith("#") or len(words) < 6:
                continue
            kind = classify(sentence)
            if kind is None:
                continue
            title = " ".join(words[:9]).rstrip(",.;:") + ("…" if len(words) > 9 else "")
            out.append(Finding(kind, title, " ".join(words), source, Citation(record_id=rec.id, quote=sentence)))
    return out, texts


def missing(kind: str, documents: int, project: str) -> str:
    """What a draft says in place of an empty opportunities or threats section: which files would supply it."""
    how = HOW_TO_INGEST.format(project=project)
    if not documents:
        return (
            f"{NO_RESEARCH}, so no {kind}. Ingest competitor reviews, analyst reports or market notes as "
            f"research to find them: {how}."
        )
    rule = THREAT_RULE if kind == "threats" else OPPORTUNITY_RULE
    held = "research document holds" if documents == 1 else "research documents hold"
    return (
        f"The project's {documents} {held} no sentence about {rule}, so no {kind}. Research that covers "
        f"them (competitor news, analyst reports, market notes) would: {how}."
    )
