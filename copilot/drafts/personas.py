"""Personas from segments and themes: one per role that enough respondents share.

Everything is counted: how many respondents a persona stands for, its demographics (company size, plan, segment
shares), its challenges (the pain themes that over-index for the role, with lift). Workarounds and wishes are
verbatim sentences from the role's own records, found by stated word rules.
"""

from __future__ import annotations

import re
from collections import Counter

from copilot.analysis.feedback import load_feedback
from copilot.analysis.themes import analyze
from copilot.drafts.evidence import on_topic, pick_sentences
from copilot.drafts.narrate import Narrator, engine_note, merge_citations
from copilot.drafts.pain_points import is_pain
from copilot.drafts.schema import Persona, PersonaChallenge, PersonaSet, Share, ThemeNarrative
from copilot.drafts.verify import Citation, Verification, check_item, figures_of
from copilot.errors import CopilotError
from copilot.llm.base import Model
from copilot.models import SearchFilter
from copilot.store.chroma import Store

WORKAROUND_RE = re.compile(
    r"\b(?:spreadsheets?|paper|manual(?:ly)?|workarounds?|screenshots?|scraper|copy(?:ing)?|"
    r"by hand|stitch\w*|split(?:ting)? exports|powerpoint|went back to)\b",
    re.I,
)
WISH_RE = re.compile(r"\b(?:please|would|should|wish|let (?:us|me)|make|add|need|give us)\b", re.I)
MIN_SHARE = 0.05
FACTS = {"role", "respondents", "respondent_share", "company_size", "plan", "segment", "challenges"}


def _shares(values: list[str], top: int = 3) -> list[Share]:
    counts = Counter(v for v in values if v)
    total = sum(counts.values())
    return (
        [Share(value=v, respondents=n, share=round(n / total, 4)) for v, n in counts.most_common(top)] if total else []
    )


def _sentences(texts: list[tuple[str, str]], pattern: re.Pattern[str], limit: int) -> list[Citation]:
    return pick_sentences(texts, pattern.search, limit, min_words=5)


def build(
    store: Store, project: str, model: Model, *, filters: SearchFilter | None = None, limit: int = 10
) -> PersonaSet:
    report = analyze(store, project, filters=filters)
    fs = load_feedback(store, project)
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
        raise CopilotError("no_evidence", f"project {project!r} has no role metadata to build personas from")
    themes = {t.id: t for t in report.themes}
    verification = Verification()
    personas: list[Persona] = []
    warnings: list[str] = []
    narrator = Narrator(model, verification, warnings)
    for role in roles[:limit]:
        idx = by_role[role]
        members = {fs.ids[i] for i in idx}
        challenges = []
        for t in report.themes:
            row = next((r for r in t.segments.get("role", []) if r.value == role), None)
            if is_pain(t) and row is not None and row.mentions >= 5 and row.lift >= 1.2:
                challenges.append(PersonaChallenge(theme_id=t.id, label=t.label, mentions=row.mentions, lift=row.lift))
        challenges = sorted(challenges, key=lambda c: -c.lift)[:3]
        challenge_texts = [
            (fs.ids[i], fs.texts[i])
            for i in idx
            if any(fs.ids[i] in set(themes[c.theme_id].record_ids) for c in challenges)
        ]
        quotes = [  # one per challenge, on its theme, from this role's own records
            q
            for c in challenges
            for q in pick_sentences(
                [(rid, text) for rid, text in challenge_texts if rid in set(themes[c.theme_id].record_ids)],
                on_topic(themes[c.theme_id].keywords),
                1,
                min_words=5,
            )
        ]
        workarounds = _sentences([(fs.ids[i], fs.texts[i]) for i in idx], WORKAROUND_RE, 2)
        wishes = _sentences(challenge_texts, WISH_RE, 2)
        sizes = _shares([str(fs.metas[i].get("company_size", "")) for i in idx])
        plans = _shares([str(fs.metas[i].get("plan", "")) for i in idx])
        segments = _shares([str(fs.metas[i].get("segment", "")) for i in idx])
        where = ", ".join(
            x for x in (f"{sizes[0].value} employees" if sizes else "", f"{plans[0].value} plan" if plans else "") if x
        )
        one_liner = f"{role}, most often at companies of {where}" if where else role
        if challenges:
            top = challenges[0]
            description = (
                f"{respondents[role]} respondents ({respondents[role] / total * 100:.1f}% of those with a role). "
                f"Their sharpest pain is {top.label}, mentioned {top.lift:.1f} times as often as by "
                f"everyone ({top.mentions} records)."
            )
        else:
            description = (
                f"{respondents[role]} respondents ({respondents[role] / total * 100:.1f}% of those with a "
                "role); no pain point over-indexes for them."
            )
        persona = Persona(
            name=f"The {role}",
            role=role,
            one_liner=one_liner,
            description=description,
            respondents=respondents[role],
            respondent_share=round(respondents[role] / total, 4),
            company_size=sizes,
            plan=plans,
            segment=segments,
            challenges=challenges,
            current_workarounds=workarounds,
            wishes=wishes,
            quotes=quotes,
            citations=quotes + workarounds + wishes,
        )
        figures = figures_of(persona.model_dump(exclude={"citations", "quotes", "current_workarounds", "wishes"}))
        texts = {rid: t for rid, t in challenge_texts} | {fs.ids[i]: fs.texts[i] for i in idx}
        failures = (
            check_item(
                f"{persona.one_liner} {persona.description}", persona.citations or [], texts, figures, verification
            )
            if persona.citations
            else []
        )
        if failures:
            verification.items_dropped += 1
            verification.failures += [f"{persona.name}: {f}" for f in failures]
            warnings.append(f"{persona.name} dropped ({'; '.join(failures)})")
            continue
        if not members:
            continue
        if model.can_generate:
            facts = persona.model_dump(include=FACTS)
            draft = ThemeNarrative(title=persona.one_liner, description=persona.description, citations=quotes)
            better = narrator.rewrite("set of personas", persona.name, draft, facts, texts, figures)
            persona.one_liner, persona.description = better.title, better.description
            persona.citations = merge_citations(persona.citations, better.citations)
        personas.append(persona)
    return PersonaSet(
        project=project,
        engine_note=engine_note(model),
        respondents_with_role=total,
        rule=f"one persona per role shared by at least {MIN_SHARE:.0%} of respondents with a role",
        personas=personas,
        warnings=warnings,
        verification=verification,
        provenance=narrator.provenance(c.record_id for p in personas for c in p.citations),
    )
