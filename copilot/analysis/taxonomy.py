"""The taxonomy file: themes as a person wants them, kept in the user's version control.

Themes are made of subthemes. To rename a theme, edit its label. To merge two themes, move the subthemes of one
under the other. To split one, add a theme and move some subthemes to it. Applying the file is reproducible:
the same file on the same themes gives the same result. Subthemes the file does not mention (new since it was
written) stay in the theme discovery put them in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from copilot.errors import CopilotError, ErrorCode

if TYPE_CHECKING:
    from copilot.analysis.schema import ThemesReport
    from copilot.analysis.theme_model import ThemeModel

HEADER = """\
# PM Copilot taxonomy for project {project!r}.
# Edit labels freely. Merge two themes by moving the subthemes of one under the other; split a theme by adding a
# theme (any new id) and moving subthemes to it. Apply with:
#   copilot themes --project {project} --taxonomy {name}
"""


class TaxonomySubtheme(BaseModel):
    id: str
    label: str | None = None


class TaxonomyTheme(BaseModel):
    id: str
    label: str
    keywords: list[str] = []
    examples: list[str] = []
    subthemes: list[TaxonomySubtheme] = []


class Taxonomy(BaseModel):
    project: str | None = None
    themes: list[TaxonomyTheme]

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls.model_validate(data)
        except (OSError, yaml.YAMLError) as exc:
            raise CopilotError(ErrorCode.bad_taxonomy, f"{path}: cannot read the taxonomy ({exc})") from exc
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise CopilotError(ErrorCode.bad_taxonomy, f"{path}: {problems}") from exc

    def apply(
        self, seg_topic: list[str], seg_sub: list[str], model: ThemeModel
    ) -> tuple[list[str], dict[str, str], list[str]]:
        """Topic id per segment and topic labels after the person's edits (a label names every side of its
        topic), plus warnings."""
        owner: dict[str, str] = {}
        warnings: list[str] = []
        labels: dict[str, str] = {}
        for theme in self.themes:
            labels[theme.id] = theme.label
            for sub in theme.subthemes:
                if sub.id not in model.subtopics:
                    warnings.append(f"taxonomy subtheme {sub.id!r} (under {theme.id!r}) no longer exists; ignored")
                    continue
                if sub.id in owner:
                    warnings.append(
                        f"taxonomy subtheme {sub.id!r} is listed under two themes; kept under {owner[sub.id]!r}"
                    )
                    continue
                owner[sub.id] = theme.id
        topics = [owner.get(s, t) if s else t for t, s in zip(seg_topic, seg_sub, strict=True)]
        return topics, labels, warnings


def _topic_of(theme_id: str) -> str:
    return theme_id.rsplit(".", 1)[0]


def dump(report: ThemesReport, path: Path) -> None:
    """Write the report's topics as an editable taxonomy (stable order, one subtheme per line). A topic's label is
    the label of its largest side."""
    topics: dict[str, dict[str, Any]] = {}
    for t in report.themes:  # largest first, so a topic takes its largest side's label and quotes
        entry = topics.setdefault(
            t.topic_id,
            {
                "id": t.topic_id,
                "label": t.label,
                "keywords": t.keywords[:6],
                "examples": [q.record_id for q in t.quotes[:3]] or t.record_ids[:3],
                "subthemes": [],
            },
        )
        known = {s["id"] for s in entry["subthemes"]}
        entry["subthemes"] += [
            {"id": _topic_of(s.id), "label": s.label} for s in t.subthemes if _topic_of(s.id) not in known
        ]
    doc = {"project": report.project, "themes": list(topics.values())}
    text = HEADER.format(project=report.project, name=path.name)
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text, encoding="utf-8")
