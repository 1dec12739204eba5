"""People's names in free text, found by the words around them.

No English NER model of known provenance installs offline here (the registry only has anonymous re-uploads of
spaCy's), so names are found by cue: an introduction ("my name is", "this is X from", "hier ist", "je suis"), a
role or label ("account holder", "Name:", "ask for", "my colleague"), a greeting or a signature ("Hi X,",
"Regards,\\nX", "-- X", "thx X" at the end), or a name right before a contact placeholder ("Ann Lee, [EMAIL]").
A name is one to four words, each capitalised or in capitals (particles such as "van der" or "da" may sit
between), with initials and O'Neill, MacLeod or Smith-Jones forms. After the strongest cues a lower-case name is
taken too. A name with no cue around it ("Kim said the export broke") is not found: the README says so.
"""

from __future__ import annotations

import re

from copilot.ingest.pii_spans import Span

_U = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻČŠŽ"
_L = "a-zß-öø-ÿąćęłńśźżčšžăşţ"
_CAP_WORD = (
    rf"(?:[{_U}]\.|(?:[{_U}]['’])?(?:[{_U}][{_L}]+(?:[{_U}][{_L}]+)?|[{_U}]{{2,}})(?:[-–](?:[{_U}][{_L}]+|[{_U}]{{2,}}))*)"
    r"(?![\w'’])"
)
_ANY_WORD = rf"(?:[{_U}]\.|(?:[{_U}{_L}]['’])?[{_U}{_L}]+(?:[-–][{_U}{_L}]+)*)(?![\w'’])"
_PARTICLE = r"(?i:van|von|der|den|de|da|di|du|dos|del|la|le|bin|al|ter|ten)"
_CAP_NAME = re.compile(rf"{_CAP_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_CAP_WORD}){{0,3}}")
_ANY_NAME = re.compile(rf"{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,3}}")

# Words that follow these cues without being names ("this is Great", "Hi team", "my name is on the invoice").
_NOT_NAMES = frozenset(
    """
    a an the i i'm im me my we us our you your he she it they them this that these those there here who what
    not no yes so very really just still also too all any some every everyone everybody anyone nobody someone
    am is are was were be been being have has had do does did will would can could should may might must on in
    at of to for from with by about as and or but if then than when while after before since again sorry happy
    glad sure afraid unable trying having getting writing calling contacting reaching following looking going
    working using waiting new old good great bad fine ok okay well back now today team support service
    services success experience care portal data feedback sales billing finance accounts admin customer
    customers user users client clients guys folks hello hi hey dear thanks thank cheers regards best kind
    sent please pls thx ty mr mrs ms dr sir madam monsieur madame herr frau phone email e-mail mail mobile tel
    fax cell contact callback number address reach call ring text whatsapp rückruf rappeler anruf telefon
    handy portable manager director lead head engineer officer founder owner ceo cto cfo coo vp operations
    assistant once yet called
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_STRONG = re.compile(
    r"(?:(?i:\bmy name(?:'s| is)|\baccount (?:holder|owner)\s*:?|\bgdpr request\s*:|\bemployee record for|"
    r"\bfor verification\s*:|\bverify me(?: pls| please)?\s*:|\bhier ist|\bich bin|\bje suis|\bje m'appelle|"
    r"\bme llamo|\bmi chiamo|\bmijn naam is|\bon behalf of my \w+,)|"
    r"(?im:^[ \t]*(?:full |customer |contact )?name\s*:))[ \t]+"
)
_WEAK = re.compile(r"(?:(?i:\bagent|\bsigned)|\bI,)[ \t]+")
# A colleague or a manager by first and last name: 'my boss Competitors offer...' is a missing full stop.
_COLLEAGUE = re.compile(
    r"(?i:\bmy (?:colleague|manager|boss|co-?worker)|\bour [a-z]+ (?:lead|manager|director|head))[ \t]+"
)
# Cues whose name must be followed by a comma, a full stop or 'from': "I'm Canadian and..." is no name, nor "the
# name America express", "ask for Validation all...", "my boss Competitors offer..." or "Customer Svc. Dept".
_AFTER = r"[ \t]*(?:[,!(|/]|\.(?!\w)|$|[ \t]+(?:from|here|speaking|at)\b)"
_INTROS = (
    (
        re.compile(r"(?:(?i:\bthis is|\bi'm|\bi am|\bask for)|(?m:^)(?:--|—)|\bname)[ \t]+"),
        re.compile(_AFTER, re.M),
    ),
    (re.compile(r"(?m:^)(?i:hi|hello|hey|dear|bonjour|hallo)[ \t]+"), re.compile(r"[ \t]*[,!]")),
    (re.compile(r"\b[Cc]ustomer[ \t]+"), re.compile(r"[ \t]*[(,]")),
)
# A name in an organisation's ('Dear Consumer Financial Protection Bureau,') is no person's.
_ORG_WORDS = frozenset(
    """
    bureau bank inc llc ltd plc gmbh corp corporation company department protection financial credit federal
    law union services group office association university insurance mortgage capital agency
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_CLOSING = re.compile(
    r"(?i:(?:kind |best |warm |many )?regards|best|cheers|thanks|thank you|many thanks|sincerely|merci|"
    r"cordialement|(?:viele )?grüße|saludos|groeten)\s*[,.!]?"
)
_THANKS_END = re.compile(rf"(?i:\b(?:thx|thanks|thank you|cheers|ty))[,!]?[ \t]+({_ANY_NAME.pattern})\W*$")
_CONTACT_LABEL = r"(?i:(?:mobile|phone|tel|cell|email|e-mail|mail|fax)\.?:?[ \t]+)"
_BEFORE_CONTACT = re.compile(
    rf"(?<![\w'’-])({_ANY_NAME.pattern})(?=[ \t]*([,(<|:-]?)[ \t]*{_CONTACT_LABEL}?\[(EMAIL|PHONE|ADDRESS)\])"
)
_HERE_RE = re.compile(r"\s(?:here|again)\b")
# 'Kevin S. Yilmaz here.' at the start of a sentence; 'Joaquín again.' only as the very first words.
_NAME_HERE = re.compile(
    rf"(?:^|(?<=[,.!:] ))({_CAP_NAME.pattern})[ \t]+here\b|\A({_CAP_NAME.pattern})[ \t]+again\b", re.M
)


def _name_at(text: str, pos: int, lower_ok: bool) -> tuple[int, int] | None:
    """The name starting at `pos`, cut where the sentence carries on ('Lukas, my login' -> 'Lukas'). Without a
    strong cue, one word in capitals is an acronym ('SPS', 'CFPB'), not a name."""
    m = (_ANY_NAME if lower_ok else _CAP_NAME).match(text, pos)
    if not m:
        return None
    end = pos
    kept: list[str] = []
    for w in re.finditer(r"\S+", m.group(0)):
        if w.group(0).lower() in _NOT_NAMES:
            break
        kept.append(w.group(0))
        end = pos + w.end()
    while kept and re.fullmatch(_PARTICLE, kept[-1]):
        kept.pop()
        end = pos + len(" ".join(kept))  # particles are single-spaced in every name that ends in one
    if not kept or all(len(w) <= 2 and w.endswith(".") for w in kept) or set(kept[0]) == {"X"}:  # CFPB's XXXX
        return None
    if any(w.lower() in _ORG_WORDS for w in kept):
        return None
    if not lower_ok and all(w.isupper() for w in kept):
        shouting = not re.search(f"[{_L}]", text[max(0, pos - 40) : pos])  # 'THIS IS UNDER FEDERAL LAW'
        if len(kept) == 1 or shouting:
            return None
    return pos, end


def _spans(hits: list[tuple[int, int] | None]) -> list[Span]:
    return [Span(hit[0], hit[1], "PERSON") for hit in hits if hit]


def _any(lower: str, words: tuple[str, ...]) -> bool:
    """A plain substring test, far cheaper than running a cue pattern over text that cannot match it."""
    return any(w in lower for w in words)


_STRONG_WORDS = ("name", "account", "gdpr", "employee", "verif", "hier ist", "ich bin", "je ", "llamo", "chiamo")
_INTRO_WORDS = ("this is", "i'm", "i am", "ask for", "--", "—", "name")
_COLLEAGUE_WORDS = ("colleague", "manager", "boss", "worker", "lead", "director", "head")


def _cued(text: str) -> list[Span]:
    lower = text.lower()
    hits = []
    if _any(lower, _STRONG_WORDS) or "naam" in lower or "behalf" in lower:
        hits += [_name_at(text, m.end(), True) for m in _STRONG.finditer(text)]
    if _any(lower, ("agent", "signed", "i,")):
        hits += [_name_at(text, m.end(), False) for m in _WEAK.finditer(text)]
    if _any(lower, _COLLEAGUE_WORDS):
        for m in _COLLEAGUE.finditer(text):
            hit = _name_at(text, m.end(), False)
            if hit and " " in text[hit[0] : hit[1]]:
                hits.append(hit)
    gates = (_INTRO_WORDS, ("hi", "hello", "hey", "dear", "bonjour", "hallo"), ("customer",))
    for (cue, after), words in zip(_INTROS, gates, strict=True):
        if not _any(lower, words):
            continue
        for m in cue.finditer(text):
            hit = _name_at(text, m.end(), False)
            if hit and after.match(text, hit[1]):
                hits.append(hit)
    if _HERE_RE.search(text):
        hits += [_name_at(text, m.start(m.lastindex or 1), False) for m in _NAME_HERE.finditer(text)]
    return _spans(hits)


def _signatures(text: str) -> list[Span]:
    """'Regards,\\n\\nJamal Mensah' on the first line after a closing, and 'Thanks, Rohan' or 'thx keiko' at the end."""
    hits = []
    lines = text.split("\n")
    offset = 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    for i, line in enumerate(lines):
        if not _CLOSING.fullmatch(line.strip()):
            continue
        j = next((k for k in range(i + 1, len(lines)) if lines[k].strip()), None)
        if j is not None:
            hits.append(_name_at(text, starts[j] + len(lines[j]) - len(lines[j].lstrip()), False))
    if _any(text.lower(), ("thx", "thank", "cheers", "ty")) and (end := _THANKS_END.search(text)):
        hits.append(_name_at(text, end.start(1), True))
    return _spans(hits)


def _before_contacts(text: str) -> list[Span]:
    """A name written right before an email address or a phone number (placeholders by now): 'Ann Lee, [EMAIL]'."""
    hits: list[tuple[int, int] | None] = []
    if "[EMAIL]" not in text and "[PHONE]" not in text and "[ADDRESS]" not in text:
        return []
    for m in _BEFORE_CONTACT.finditer(text):
        if m.group(3) == "ADDRESS" and m.group(2) != ",":  # 'Ann Lee, [ADDRESS]', not 'Meine Adresse: [ADDRESS]'
            continue
        words = list(re.finditer(r"\S+", m.group(1)))
        for k in range(len(words)):  # the longest tail that is a whole name: 'details: Ann Lee' -> 'Ann Lee'
            start = m.start(1) + words[k].start()
            # 'ravi kowalski, [EMAIL]' but not 'rückruf bitte unter [PHONE]'
            hit = _name_at(text, start, lower_ok=len(words) - k >= 2 and m.group(2) in (",", "(", "<"))
            if hit and hit[1] == m.end(1):
                hits.append(hit)
                break
    return _spans(hits)


def names(text: str) -> list[Span]:
    return _cued(text) + _signatures(text) + _before_contacts(text)
