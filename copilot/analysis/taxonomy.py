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
        self, seg_theme: list[str], seg_sub: list[str], model: ThemeModel, names: dict[str, dict[str, Any]]
    ) -> tuple[list[str], dict[str, dict[str, Any]], list[str]]:
        """Theme id per segment and theme names after the person's edits, plus warnings."""
        owner: dict[str, str] = {}
        warnings: list[str] = []
        out_names = dict(names)
        for theme in self.themes:
            out_names[theme.id] = {
                "label": theme.label,
                "keywords": theme.keywords or names.get(theme.id, {}).get("keywords", []),
            }
            for sub in theme.subthemes:
                if sub.id not in model.subthemes:
                    warnings.append(f"taxonomy subtheme {sub.id!r} (under {theme.id!r}) no longer exists; ignored")
                    continue
                if sub.id in owner:
                    warnings.append(
                        f"taxonomy subtheme {sub.id!r} is listed under two themes; kept under {owner[sub.id]!r}"
                    )
                    continue
                owner[sub.id] = theme.id
        themes = [owner.get(s, t) if s else t for t, s in zip(seg_theme, seg_sub, strict=True)]
        return themes, out_names, warnings


def dump(report: ThemesReport, path: Path) -> None:
    """Write the report's themes as an editable taxonomy (stable order, one subtheme per line)."""
    doc = {
        "project": report.project,
        "themes": [
            {
                "id": t.id,
                "label": t.label,
                "keywords": t.keywords[:6],
                "examples": t.record_ids[:3] if not t.quotes else [q.record_id for q in t.quotes[:3]],
                "subthemes": [{"id": s.id, "label": s.label} for s in t.subthemes],
            }
            for t in report.themes
        ],
    }
    text = HEADER.format(project=report.project, name=path.name)
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text, encoding="utf-8")
