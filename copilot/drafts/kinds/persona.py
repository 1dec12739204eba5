"""Personas from segments and themes: one per role that enough respondents share.

Everything is counted: how many respondents a persona stands for, its demographics (company size, plan, segment
shares), its challenges (the pain themes that over-index for the role, with lift). Workarounds and wishes are
verbatim sentences from the role's own records, found by stated word rules.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.analysis.feedback import FeedbackSet, load_feedback
from copilot.analysis.schema import ThemePublic, ThemesReport
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import WISH_RE, on_topic, pick_sentences
from copilot.drafts.kind import DraftContext, DraftKind, EvalContext, Score
from copilot.drafts.narrate import Narrator, engine_note, merge_citations, rewrite_request
from copilot.drafts.render import footer, head, quote
from copilot.drafts.schema import DraftDocument, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item, figures_of
from copilot.errors import CopilotError, ErrorCode

WORKAROUND_RE = re.compile(
    r"\b(?:spreadsheets?|paper|manual(?:ly)?|workarounds?|screenshots?|scraper|copy(?:ing)?|"
    r"by hand|stitch\w*|split(?:ting)? exports|powerpoint|went back to)\b",
    re.I,
)
MIN_SHARE = 0.05
LIMIT = 10
FACTS = {"role", "respondents", "respondent_share", "company_size", "plan", "segment", "challenges"}


class Share(BaseModel):
    value: str
    respondents: int
    share: float


class PersonaChallenge(BaseModel):
    theme_id: str
    label: str
    mentions: int
    lift: float


class Persona(BaseModel):
    name: str
    role: str
    one_liner: str
    description: str
    respondents: int = Field(description="Distinct respondents this persona stands for.")
    respondent_share: float
    company_size: list[Share]
    plan: list[Share]
    segment: list[Share]
    challenges: list[PersonaChallenge]
    current_workarounds: list[Citation]
    wishes: list[Citation]
    quotes: list[Citation]
    citations: list[Citation]


class PersonaSet(DraftDocument):
    kind: Literal["persona"] = "persona"
    respondents_with_role: int
    rule: str
    personas: list[Persona]


def _shares(values: list[str], top: int = 3) -> list[Share]:
    counts = Counter(v for v in values if v)
    total = sum(counts.values())
    return (
        [Share(value=v, respondents=n, share=round(n / total, 4)) for v, n in counts.most_common(top)] if total else []
    )


def _sentences(texts: list[tuple[str, str]], pattern: re.Pattern[str], limit: int) -> list[Citation]:
    return pick_sentences(texts, pattern.search, limit, min_words=5)


def _roles(fs: FeedbackSet, project: str) -> tuple[dict[str, list[int]], dict[str, int], list[str]]:
    by_role: dict[str, list[int]] = {}
    for i, meta in enumerate(fs.metas):
        if meta.get("role"):
            by_role.setdefault(str(meta["role"]), []).append(i)
    respondents = {
        role: len({fs.metas[i].get("customer_id") or fs.ids[i] for i in idx}) for role, idx in by_role.items()
    }
    total = sum(respondents.values())
    roles = [
        r for r, n in sorted(respondents.items(), key=lambda kv: (-kv[1], kv[0])) if total and n / total >= MIN_SHARE
    ]
    if not roles:
        raise CopilotError(ErrorCode.no_evidence, f"project {project!r} has no role metadata to build personas from")
    return by_role, respondents, roles


def _challenges(report: ThemesReport, role: str) -> list[PersonaChallenge]:
    out = []
    for t in report.themes:
        row = next((r for r in t.segments.get("role", []) if r.value == role), None)
        if t.pain and row is not None and row.mentions >= 5 and row.lift >= 1.2:
            out.append(PersonaChallenge(theme_id=t.id, label=t.label, mentions=row.mentions, lift=row.lift))
    return sorted(out, key=lambda c: -c.lift)[:3]


def _persona(
    role: str, idx: list[int], fs: FeedbackSet, themes: dict[str, ThemePublic], report: ThemesReport, n: int, total: int
) -> tuple[Persona, dict[str, str]]:
    challenges = _challenges(report, role)
    members = {c.theme_id: set(themes[c.theme_id].record_ids) for c in challenges}
    challenge_texts = [(fs.ids[i], fs.texts[i]) for i in idx if any(fs.ids[i] in m for m in members.values())]
    quotes = [  # one per challenge, on its theme, from this role's own records
        q
        for c in challenges
        for q in pick_sentences(
            [(rid, text) for rid, text in challenge_texts if rid in members[c.theme_id]],
            on_topic(themes[c.theme_id].keywords),
            1,
            min_words=5,
        )
    ]
    workarounds = _sentences([(fs.ids[i], fs.texts[i]) for i in idx], WORKAROUND_RE, 2)
    wishes = _sentences(challenge_texts, WISH_RE, 2)
    sizes = _shares([str(fs.metas[i].get("company_size", "")) for i in idx])
    plans = _shares([str(fs.metas[i].get("plan", "")) for i in idx])
    where = ", ".join(
        x for x in (f"{sizes[0].value} employees" if sizes else "", f"{plans[0].value} plan" if plans else "") if x
    )
    lead = f"{n} respondents ({n / total * 100:.1f}% of those with a role)"
    if challenges:
        top = challenges[0]
        description = (
            f"{lead}. Their sharpest pain is {top.label}, mentioned {top.lift:.1f} times as often as by "
            f"everyone ({top.mentions} records)."
        )
    else:
        description = f"{lead[:-1]}; no pain point over-indexes for them)."
    persona = Persona(
        name=f"The {role}",
        role=role,
        one_liner=f"{role}, most often at companies of {where}" if where else role,
        description=description,
        respondents=n,
        respondent_share=round(n / total, 4),
        company_size=sizes,
        plan=plans,
        segment=_shares([str(fs.metas[i].get("segment", "")) for i in idx]),
        challenges=challenges,
        current_workarounds=workarounds,
        wishes=wishes,
        quotes=quotes,
        citations=quotes + workarounds + wishes,
    )
    return persona, dict(challenge_texts) | {fs.ids[i]: fs.texts[i] for i in idx}


def build(ctx: DraftContext) -> PersonaSet:
    report = analyze(ctx.store, ctx.project, filters=ctx.filters)
    fs = load_feedback(ctx.store, ctx.project)
    by_role, respondents, roles = _roles(fs, ctx.project)
    total = sum(respondents.values())
    themes = {t.id: t for t in report.themes}
    verification, warnings = Verification(), list[str]()
    personas: list[Persona] = []
    narrator = Narrator(ctx.model, verification, warnings)
    for role in roles[:LIMIT]:
        persona, texts = _persona(role, by_role[role], fs, themes, report, respondents[role], total)
        figures = figures_of(persona.model_dump(exclude={"citations", "quotes", "current_workarounds", "wishes"}))
        prose = f"{persona.one_liner} {persona.description}"
        failures = check_item(prose, persona.citations, texts, figures, verification) if persona.citations else []
        if failures:
            verification.items_dropped += 1
            verification.failures += [f"{persona.name}: {f}" for f in failures]
            warnings.append(f"{persona.name} dropped ({'; '.join(failures)})")
            continue
        if ctx.model.can_generate:
            draft = ThemeNarrative(title=persona.one_liner, description=persona.description, citations=persona.quotes)
            request = rewrite_request(
                "set of personas", persona.name, draft, persona.model_dump(include=FACTS), texts, figures
            )
            better = narrator.narrate(request, texts)
            if better is not None:
                persona.one_liner, persona.description = better.item.title, better.item.description
                persona.citations = merge_citations(persona.citations, better.item.citations)
        personas.append(persona)
    return PersonaSet(
        project=ctx.project,
        engine_note=engine_note(ctx.model),
        respondents_with_role=total,
        rule=f"one persona per role shared by at least {MIN_SHARE:.0%} of respondents with a role",
        personas=personas,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(c.record_id for p in personas for c in p.citations),
    )


def markdown(d: PersonaSet) -> str:
    lines = head(f"Personas: {d.project}", d)
    lines += [f"From {d.respondents_with_role:,} respondents with a role; {d.rule}.", ""]
    for p in d.personas:
        lines += [f"## {p.name}", "", f"_{p.one_liner}_", "", p.description, ""]
        for label, shares in (("Company size", p.company_size), ("Plan", p.plan), ("Segment", p.segment)):
            if shares:
                lines.append(f"- {label}: " + ", ".join(f"{s.value} ({s.share * 100:.0f}%)" for s in shares))
        lines.append("")
        if p.challenges:
            lines += (
                ["**Challenges**", ""]
                + [f"- {c.label}: {c.mentions} records, ×{c.lift:.1f} vs everyone" for c in p.challenges]
                + [""]
            )
        for title, cites in (
            ("Current workarounds", p.current_workarounds),
            ("What they ask for", p.wishes),
            ("In their words", p.quotes),
        ):
            if cites:
                lines += [f"**{title}**", ""] + [x for c in cites for x in (quote(c), "")]
    return "\n".join(lines + footer(d))


def fidelity(ctx: EvalContext, doc: dict[str, Any]) -> list[Score]:
    """Each persona's respondents, top plan and top company size match a recount from the stored records."""
    records = [r for r in ctx.store.records(ctx.project) if r.metadata.get("kind") != "research"]
    right = 0
    for persona in doc["personas"]:
        members = [r for r in records if r.metadata.get("role") == persona["role"]]
        people = {r.metadata.get("customer_id") or r.id for r in members}
        ok = persona["respondents"] == len(people)
        for column in ("plan", "company_size"):
            counts = Counter(str(r.metadata[column]) for r in members if r.metadata.get(column))
            if counts and persona[column]:
                top = persona[column][0]
                ok = ok and counts[top["value"]] == top["respondents"] == max(counts.values())
        right += ok
    n = len(doc["personas"])
    detail = f"{right} of {n} personas match a recount (respondents, top plan, top company size)"
    return [Score("fidelity", right / n if n else None, detail)]


KIND = DraftKind(
    name="persona",
    title="Personas",
    summary="One persona per role: who they are, what hurts them most, their workarounds and their asks.",
    words=("personas", "persona set", "user personas"),
    schema=PersonaSet,
    build=build,
    markdown=markdown,
    metrics=fidelity,
)
