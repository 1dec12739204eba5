"""Personas on any data: respondents grouped by a column (`--by`), by role, or by the themes they raise (see
_persona_groups.py). Each persona is named after what sets it apart (the theme it raises far more often than
everyone), says how many respondents it stands for, and shows its challenges with lift, the segment values it
over-represents, what works for it, and its asks: request sentences from its own records. Everything is counted;
quotes are verbatim, and none is shown twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.feedback import load_feedback
from copilot.analysis.labels import in_sentence
from copilot.analysis.polarity import classify
from copilot.analysis.schema import ThemePublic
from copilot.analysis.themes import analyze
from copilot.drafts.asks import ask_in
from copilot.drafts.evidence import ShownQuotes, best_quote, content_words, label_quote, on_topic, pick_sentences
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.kinds import _persona_groups as grouping
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head, markdown_text, quote
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item, figures_of

WORKAROUND_RE = re.compile(
    r"\b(?:spreadsheets?|paper|manual(?:ly)?|workarounds?|screenshots?|scraper|copy(?:ing)?|"
    r"by hand|stitch\w*|split(?:ting)? exports|powerpoint|went back to)\b",
    re.I,
)
LIMIT = 8
MIN_LIFT = 1.2
DISTINCT_SHARE = 0.2  # of a behaviour group's records in its top theme: below it, nothing sets the group apart
PROFILE_COLUMNS = 3
FACTS = {"name", "column", "value", "respondents", "respondent_share", "profile", "challenges"}


class Share(BaseModel):
    column: str
    value: str
    respondents: int
    share: float = Field(description="Of this persona's respondents with a value in the column.")
    lift: float = Field(description="Its share here over its share among all respondents.")


class PersonaChallenge(BaseModel):
    theme_id: str
    label: str
    mentions: int = Field(description="This persona's records in the theme.")
    share: float = Field(description="Of this persona's records.")
    lift: float


class Persona(BaseModel):
    name: str
    column: str | None = Field(description="The column whose value the persona shares; None: grouped by behaviour.")
    value: str | None
    one_liner: str
    description: str
    respondents: int = Field(description="Distinct respondents this persona stands for.")
    respondent_share: float
    record_ids: list[str] = Field(description="The persona's records: every figure is recounted from them.")
    profile: list[Share] = Field(description="Segment values this persona over-represents, by column.")
    challenges: list[PersonaChallenge]
    works_for_them: list[PersonaChallenge] = Field(default_factory=list, description="Praise themes they raise.")
    current_workarounds: list[Citation]
    asks: list[Citation] = Field(description="Request sentences from the persona's own records.")
    quotes: list[Citation]
    citations: list[Citation]


class PersonaSet(DraftDocument):
    kind: Literal["persona"] = "persona"
    respondents: int = Field(description="Respondents the personas were drawn from.")
    rule: str
    personas: list[Persona]


def _themes_of(g: grouping.Group, pop: grouping.Population, themes: dict[str, ThemePublic]) -> list[PersonaChallenge]:
    counts = Counter(t for i in g.records for t in pop.themes[i])
    n = len(g.records)
    out = []
    for tid, k in counts.items():
        overall = themes[tid].share
        lift = round((k / n) / overall, 2) if overall else 0.0
        if k >= 3 and lift >= MIN_LIFT:
            out.append(
                PersonaChallenge(theme_id=tid, label=themes[tid].label, mentions=k, share=round(k / n, 4), lift=lift)
            )
    return sorted(out, key=lambda c: (-c.share * c.lift, c.theme_id))


def _profile(g: grouping.Group, pop: grouping.Population) -> list[Share]:
    """The segment values most over-represented here, one per column, leaving out the grouping column."""
    overall = grouping.columns(pop)
    out = []
    for column, counts in overall.items():
        if column == g.column or len(counts) < 2:
            continue
        here = Counter(str(pop.metas[i][column]) for i in g.records if pop.metas[i].get(column) not in (None, ""))
        total_here, total = sum(here.values()), sum(counts.values())
        if not total_here:
            continue
        value, k = max(here.items(), key=lambda kv: (kv[1] / total_here) / (counts[kv[0]] / total))
        lift = round((k / total_here) / (counts[value] / total), 2)
        if lift >= MIN_LIFT and k >= 3:
            out.append(Share(column=column, value=value, respondents=k, share=round(k / total_here, 4), lift=lift))
    return sorted(out, key=lambda s: -s.lift)[:PROFILE_COLUMNS]


def _name(g: grouping.Group, traits: list[PersonaChallenge], profile: list[Share], taken: set[str]) -> str:
    """After what distinguishes the group: its most over-represented theme, joined by the next theme or segment
    value that no other persona goes by yet; with its column value when it was grouped by one."""
    labels = list(dict.fromkeys(c.label for c in traits))
    first = labels[0] if labels else "No theme stands out"
    options = [first] + [f"{first} with {x}" for x in labels[1:]] + [f"{first}: {s.value}" for s in profile]
    name = next((x for x in options if x.lower() not in taken), "")
    if not name:  # every option is taken: number it rather than give two personas one name
        name = next(f"{first} ({i})" for i in range(2, 100) if f"{first} ({i})".lower() not in taken)
    taken.update({first.lower(), name.lower()})
    name = name[:1].upper() + name[1:]
    return f"{g.value}: {in_sentence(name)}" if g.value else name


def _an_ask(sentence: str) -> bool:
    """A request that names something to build ("contact XXXX" or "help?" do not)."""
    return classify(sentence) == "request" and ask_in(sentence, is_request=True) is not None


def _workaround(sentence: str) -> bool:
    """What people do instead, said as a statement (a question about doing it by hand is not a workaround)."""
    return bool(WORKAROUND_RE.search(sentence)) and not sentence.rstrip().endswith("?")


def _complaint_on(keywords: list[str]) -> Callable[[str], bool]:
    topical = on_topic(keywords)
    return lambda s: topical(s) and classify(s) == "complaint"


def _evidence(
    g: grouping.Group,
    pop: grouping.Population,
    texts: dict[str, str],
    challenges: list[PersonaChallenge],
    themes: dict[str, ThemePublic],
    seen: ShownQuotes,
) -> tuple[list[Citation], list[Citation], list[Citation]]:
    mine = {pop.ids[i] for i in g.records}
    quotes: list[Citation] = []
    for c in challenges[:3]:
        theme = themes[c.theme_id]
        named = label_quote(c.label, [r for r in theme.record_ids if r in mine], texts)
        best = best_quote([q for q in theme.quotes if q.record_id in mine], c.label)
        if best and not content_words(c.label) & content_words(best.text):
            best = None  # a quote that shares no word with the challenge shows the reader nothing of it
        own = [named] if named else [Citation(record_id=best.record_id, quote=best.text)] if best else []
        if not own:
            members = [(r, texts[r]) for r in theme.record_ids if r in mine and r in texts]
            own = pick_sentences(members[:200], _complaint_on(theme.keywords), 1, min_words=5)
        quotes += seen.fresh(own, 1, informative=True)
    on_challenges = {r for c in challenges for r in themes[c.theme_id].record_ids} & mine
    candidates = [(r, texts[r]) for r in sorted(on_challenges or mine) if r in texts][:400]
    asks = seen.fresh(pick_sentences(candidates, _an_ask, 6, min_words=5), 2, informative=True)
    everything = [(r, texts[r]) for r in sorted(mine) if r in texts][:400]
    workarounds = seen.fresh(pick_sentences(everything, _workaround, 4, min_words=5), 2, informative=True)
    return quotes, asks, workarounds


def _persona(
    g: grouping.Group,
    pop: grouping.Population,
    texts: dict[str, str],
    themes: dict[str, ThemePublic],
    total: int,
    seen: ShownQuotes,
    taken: set[str],
) -> Persona:
    found = _themes_of(g, pop, themes)
    challenges = [c for c in found if themes[c.theme_id].pain][:3]
    praise = [c for c in found if themes[c.theme_id].side == "praise"][:2]
    quotes, asks, workarounds = _evidence(g, pop, texts, challenges, themes, seen)
    n = pop.respondents(g.records)
    profile = _profile(g, pop)
    where = ", ".join(f"{s.value} ({s.column.replace('_', ' ')})" for s in profile)
    share = round(n / total, 4)
    lead = f"{n} respondents, {share * 100:.1f}% of all"  # from the rounded figure the verifier checks against
    if challenges:
        top = challenges[0]
        description = (
            f"{lead}. {top.share * 100:.1f}% of their records raise {top.label}, {top.lift:.1f} times "
            "as often as everyone's."
        )
    else:
        description = f"{lead}; no pain theme over-represents them."
    return Persona(
        name=_name(g, challenges + praise, profile, taken),
        column=g.column,
        value=g.value,
        one_liner=f"Over-represented: {where}." if where else "No segment value over-represents them.",
        description=description,
        respondents=n,
        respondent_share=share,
        record_ids=[pop.ids[i] for i in g.records],
        profile=profile,
        challenges=challenges,
        works_for_them=praise,
        current_workarounds=workarounds,
        asks=asks,
        quotes=quotes,
        citations=quotes + asks + workarounds,
    )


def build(ctx: DraftContext) -> PersonaSet:
    report = analyze(ctx.store, ctx.project, filters=ctx.filters)
    fs = load_feedback(ctx.store, ctx.project)
    pop = grouping.population(report, dict(zip(fs.ids, fs.metas, strict=True)))
    groups, rule = grouping.choose(pop, ctx.by)
    texts = {rid: text for rid, text in zip(fs.ids, fs.texts, strict=True)}
    themes = {t.id: t for t in report.themes}
    total = pop.respondents([i for g in groups for i in g.records])
    verification, warnings = Verification(), list[str]()
    narrator = Narrator(ctx.model, verification, warnings)
    seen, taken = ShownQuotes(), set[str]()
    personas = []
    for g in groups[:LIMIT]:
        persona = _persona(g, pop, texts, themes, total, seen, taken)
        if g.column is None and (not persona.challenges or persona.challenges[0].share < DISTINCT_SHARE):
            warnings.append(
                f"{persona.respondents} respondents raise a mix of themes with none setting them apart "
                f"(the most common reaches under {DISTINCT_SHARE:.0%} of them): not a persona"
            )
            continue
        if _verified(persona, texts, verification, warnings):
            personas.append(_reworded(persona, narrator, texts) if ctx.model.can_generate else persona)
    return PersonaSet(
        project=ctx.project,
        engine_note=engine_note(ctx.model),
        respondents=total,
        rule=rule,
        personas=personas,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(c.record_id for p in personas for c in p.citations),
    )


def _figures(p: Persona) -> list[float]:
    return figures_of(p.model_dump(exclude={"citations", "quotes", "current_workarounds", "asks", "record_ids"}))


def _verified(p: Persona, texts: dict[str, str], verification: Verification, warnings: list[str]) -> bool:
    prose = f"{p.one_liner} {p.description}"
    failures = check_item(prose, p.citations, texts, _figures(p), verification) if p.citations else []
    if failures:
        verification.items_dropped += 1
        verification.failures += [f"{p.name}: {f}" for f in failures]
        warnings.append(f"{p.name} dropped ({'; '.join(failures)})")
    return not failures


def _reworded(p: Persona, narrator: Narrator, texts: dict[str, str]) -> Persona:
    draft = ThemeNarrative(title=p.one_liner, description=p.description, citations=p.quotes or p.citations)
    request = rewrite_request("set of personas", p.name, draft, p.model_dump(include=FACTS), texts, _figures(p))
    better = narrator.narrate(request, texts)
    if better is not None:
        p.one_liner, p.description = better.item.title, better.item.description
        p.citations = merge_citations(p.citations, better.item.citations)
    return p


def _persona_markdown(p: Persona) -> list[str]:
    lines = [f"## {markdown_text(p.name)}", "", f"_{markdown_text(p.one_liner)}_", "", markdown_text(p.description), ""]
    if p.profile:
        lines += [
            f"- {markdown_text(s.column.replace('_', ' '))}: {markdown_text(s.value)} "
            f"({s.share * 100:.0f}% of them, ×{s.lift:.1f} vs everyone)"
            for s in p.profile
        ] + [""]
    for title, rows in (("Challenges", p.challenges), ("What works for them", p.works_for_them)):
        if rows:
            lines += (
                [f"**{title}**", ""]
                + [
                    f"- {markdown_text(c.label)}: {c.mentions} of their records ({c.share * 100:.0f}%), ×{c.lift:.1f} "
                    "vs everyone"
                    for c in rows
                ]
                + [""]
            )
    for title, cites in (
        ("What they ask for", p.asks),
        ("Current workarounds", p.current_workarounds),
        ("In their words", p.quotes),
    ):
        if cites:
            lines += [f"**{title}**", ""] + [x for c in cites for x in (quote(c), "")]
    return lines


def markdown(d: PersonaSet) -> str:
    lines = head(f"Personas: {d.project}", d)
    lines += [f"From {d.respondents:,} respondents; {d.rule}.", ""]
    for p in d.personas:
        lines += _persona_markdown(p)
    return "\n".join(lines + footer(d))


def metrics(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """Fidelity: each persona's respondents and profile shares match a recount from its records in the store.
    Bare names: personas called by a column value alone."""
    records = {r.id: r for r in ctx.store.records(ctx.project)}
    right, bare = 0, []
    values = {str(v).lower() for r in records.values() for v in r.metadata.values() if isinstance(v, str)}
    for p in doc["personas"]:
        members = [records[r] for r in p["record_ids"] if r in records]
        ok = p["respondents"] == len({r.metadata.get("customer_id") or f"record:{r.id}" for r in members})
        for s in p["profile"]:
            counts = Counter(str(r.metadata[s["column"]]) for r in members if r.metadata.get(s["column"]))
            ok = ok and counts[s["value"]] == s["respondents"]
        if p["column"]:
            ok = ok and all(r.metadata.get(p["column"]) == p["value"] for r in members)
        right += ok
        name = p["name"].lower().removeprefix("the ").strip()
        if name in values:
            bare.append(p["name"])
    n = len(doc["personas"])
    return [
        Score("fidelity", right / n if n else None, f"{right} of {n} personas match a recount from their records"),
        Score("bare_column_names", len(bare), "; ".join(bare)),
    ]


KIND = DraftKind(
    name="persona",
    title="Personas",
    summary="Personas by role, by a column you name, or by behaviour: who they are, what sets them apart, their asks.",
    words=("personas", "persona set", "user personas"),
    schema=PersonaSet,
    build=build,
    markdown=markdown,
    inputs=frozenset({"by"}),
    metrics=metrics,
)
