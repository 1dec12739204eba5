"""Rebuilds the candidate pool that evals/polarity/sentences.jsonl was hand-labelled from.

Sampling and sentence splitting only: no labels are assigned here. Labels in sentences.jsonl were
given by a person reading each sentence. Usage:
    python evals/polarity/make_sample.py [--data ../shared/data] > /tmp/polarity_pool.jsonl
Each line: {"cid", "source", "row", "text", "found_by", "pool", "term"}. `row` is the 0-based data row
(record) index in the source CSV as read by csv.DictReader; `text` is a verbatim substring of that row's text.
Deterministic: every draw uses its own random.Random seeded from SEED and the draw's name.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

SEED = 20260301
FILES = {
    "banking77": "banking77-train/train.csv",
    "cfpb": "cfpb/complaints.csv",
    "cfpb_product_only": "cfpb/complaints_product_only.csv",
}
# Seeded random sample: rows drawn per source, one random sentence kept per drawn row.
RANDOM_ROWS = {"banking77": 100, "cfpb": 60, "cfpb_product_only": 60}
# Deliberate searches for the rarer labels: (pool, term regex, max hits per source).
SEARCHES = [
    # praise
    ("praise", r"\bhelpful\b", 10),
    ("praise", r"\bthank(s|ful| you)\b", 10),
    ("praise", r"\bgreat\b", 8),
    ("praise", r"\bresolved\b", 6),
    ("praise", r"\bappreciate", 8),
    ("praise", r"\bquickly\b", 6),
    ("praise", r"\bprofessional(ly|ism)?\b", 8),
    ("praise", r"\bgood\b", 6),
    ("praise", r"\bexcellent\b", 8),
    ("praise", r"\b(courteous|polite|pleasant|wonderful|nice|kind(ly)?)\b", 8),
    ("praise", r"\b(happy|satisfied|pleased)\b", 6),
    ("praise", r"\b(love|awesome|best)\b", 6),
    # request
    ("request", r"\bplease\b", 10),
    ("request", r"\bI (want|would like|'d like)\b", 10),
    ("request", r"\bcan you\b", 6),
    ("request", r"\bI need\b", 6),
    ("request", r"\bshould\b", 6),
    ("request", r"\b(I am|I'm) (asking|requesting)\b", 6),
    # neutral
    ("neutral", r"^(Which|What|Is|Are|Do|Does|When|Where) ", 8),
    ("neutral", r"^(I opened|I have had|I have been a|I had a|In XX/XX/XXXX)\b", 8),
    # second praise round (the first one found little praise): narrower, higher-yield phrasings
    (
        "praise2",
        r"\b(was|were|has been|have been|is|are) (very |extremely |so |really |most |quite |always )?"
        r"(helpful|nice|kind|courteous|professional|pleasant|polite|friendly|responsive|understanding"
        r"|patient|great|wonderful|excellent|knowledgeable|accommodating|sympathetic)\b",
        40,
    ),
    (
        "praise2",
        r"\b(very|extremely|so|really|most) (helpful|nice|kind|courteous|professional|pleasant|polite"
        r"|friendly|responsive|understanding|patient|knowledgeable|accommodating)\b",
        40,
    ),
    ("praise2", r"\b(great|excellent|good|wonderful|outstanding) (job|service|customer service|experience|work)\b", 40),
    ("praise2", r"\b(satisfied|pleased|happy) with\b", 6),
    (
        "praise2",
        r"\b(above and beyond|to (his|her|their) credit|kudos|commend\w*|compliment\w*|thankfully"
        r"|fortunately|grateful|gratitude)\b",
        40,
    ),
    ("praise2", r"\b(helped me|was able to (help|resolve|fix|assist|get))\b", 40),
    (
        "praise2",
        r"\b(resolved|fixed|corrected|refunded|removed|credited|reversed)\b.{0,40}"
        r"\b(quickly|promptly|immediately|right away)\b",
        10,
    ),
    ("praise2", r"\bhelpful\b", 40),
    # third praise round: praise was still short of 60, so read the remaining likely phrasings
    (
        "praise3",
        r"\b(rep|representative|agent|associate|person|lady|gentleman|man|woman|banker|manager|supervisor"
        r"|staff|employee|officer|advisor|team|gentlemen|individual)\b.{0,40}\b(nice|kind|helpful|friendly"
        r"|courteous|professional|pleasant|polite|responsive|patient|understanding|knowledgeable"
        r"|accommodating|great|wonderful|excellent)\b",
        40,
    ),
    (
        "praise3",
        r"\b(nice|kind|helpful|friendly|courteous|pleasant|polite|patient|understanding|knowledgeable"
        r"|wonderful|excellent|great)\b.{0,20}\b(rep|representative|agent|associate|person|lady|gentleman"
        r"|man|woman|banker|manager|supervisor|staff|employee|officer|advisor)\b",
        40,
    ),
    ("praise3", r"\b(helped|assisted) (me|us)\b", 40),
    ("praise3", r"\b(thanks to|thank you to|grateful to|thankful|appreciated (the|their|his|her))\b", 40),
    ("praise3", r"\b(excellent|wonderful|pleasant|nice|courteous|polite|friendly)\b(?! credit)", 40),
    (
        "praise3",
        r"\bgreat\b(?! (deal|lakes|credit|expense|harm|distress|stress|amount|length|concern|detail"
        r"|hardship|difficulty))",
        40,
    ),
    ("praise3", r"\bprofessional(ly|ism)?\b", 40),
    (
        "praise3",
        r"\b(impressed|superb|fantastic|terrific|stellar|top notch|efficient(ly)?|smooth(ly)?|promptly"
        r"|exceptional)\b",
        20,
    ),
    ("praise3", r"\bappreciate[ds]?\b", 10),
    # fourth praise round: still short, so read phrasings that describe help actually given
    (
        "praise4",
        r"\b(took care of|went out of (his|her|their) way|agreed to (waive|refund|remove|reverse|credit)"
        r"|(was|were) willing to)\b",
        40,
    ),
    (
        "praise4",
        r"\bgood\b.{0,30}\b(service|job|experience|rep|representative|bank|company|people|person"
        r"|customer service|help)\b",
        40,
    ),
    (
        "praise4",
        r"\b(they|he|she|who) (quickly|promptly|immediately) (fixed|resolved|refunded|corrected|removed"
        r"|reversed|credited|took care|helped|responded|sent)\b",
        40,
    ),
    ("praise4", r"^(?!thank).{20,}\bthank(s| you| them| him| her)\b", 40),
    ("praise4", r"\b(kind|nice|helpful|friendly|polite|courteous|responsive) (and|enough)\b", 40),
    ("praise4", r"\b(was|were|is|are) (very |so |really |extremely )?(good|helpful)\b", 40),
    # fifth and last praise round
    ("praise5", r"\b(happy|pleased|satisfied|glad|relieved)\b", 40),
    ("praise5", r"\bkind\b(?! of)", 40),
    (
        "praise5",
        r"\bthank(s| you)\b.{0,15}\b(resolv|help|fix|tak|get|assist|respon|look|work|effort|action|quick"
        r"|prompt)",
        40,
    ),
]
SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """Split on . ! ? followed by whitespace, and on newlines; keep usable sentences only."""
    out = []
    for part in SPLIT.split(text):
        s = part.strip()
        words = s.split()
        if 4 <= len(words) <= 60 and sum(c.isalpha() and c not in "Xx" for c in s) >= 10:
            out.append(s)
    return out


def load(data: Path) -> dict[str, list[str]]:
    out = {}
    for src, rel in FILES.items():
        with open(data / rel, newline="", encoding="utf-8") as fh:
            out[src] = [r["text"] for r in csv.DictReader(fh)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared" / "data"))
    args = ap.parse_args()
    texts = load(Path(args.data))
    seen: set[str] = set()
    pool = []

    def add(src, row, text, found_by, name, term):
        if text in seen:
            return False
        seen.add(text)
        pool.append(
            {
                "cid": f"c{len(pool) + 1:04d}",
                "source": src,
                "row": row,
                "text": text,
                "found_by": found_by,
                "pool": name,
                "term": term,
            }
        )
        return True

    for src, n in RANDOM_ROWS.items():
        rng = random.Random(f"{SEED}-random-{src}")
        order = list(range(len(texts[src])))
        rng.shuffle(order)
        taken = 0
        for row in order:
            sents = sentences(texts[src][row])
            if sents and add(src, row, rng.choice(sents), "random", "random", ""):
                taken += 1
            if taken == n:
                break

    for name, term, k in SEARCHES:
        pat = re.compile(term, re.I if not term.startswith("^") else 0)
        for src in FILES:
            hits = [(row, s) for row, t in enumerate(texts[src]) for s in sentences(t) if pat.search(s)]
            random.Random(f"{SEED}-{name}-{term}-{src}").shuffle(hits)
            taken = 0
            for row, s in hits:
                if taken == k:
                    break
                taken += add(src, row, s, "search", name, term)

    for p in pool:
        sys.stdout.write(json.dumps(p, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
