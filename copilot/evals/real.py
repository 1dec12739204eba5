"""Evals on real feedback that nobody here wrote (evals/real/, evals/polarity/): banking77 support queries and CFPB
complaint narratives, each in an eval project of its own, scored against their own labels.

- themes: subthemes against banking77's 77 intents and CFPB's issues, top-level themes against CFPB's products
  (adjusted Rand index and NMI, a record counted in its primary theme, records outside every theme as one group);
  stability on resamples; the same themes from the same rows under another file name.
- polarity: the 1,127 hand-labelled sentences as a project of their own: the share of a pain theme's segments that
  are complaints or requests, and of a praise theme's that are praise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score, confusion_matrix, normalized_mutual_info_score

import copilot.analysis
from copilot.analysis.export import records as export_records
from copilot.analysis.polarity import POLARITIES, classify
from copilot.analysis.theme_model import ThemeModel
from copilot.analysis.themes import analyze, discover_themes, is_current, load_model
from copilot.evals.cases import EVALS_DIR
from copilot.evals.schema import Metric
from copilot.ingest.mapping import ColumnMapping
from copilot.ingest.pipeline import ingest
from copilot.store.chroma import Store

REAL_DIR = EVALS_DIR / "real"
POLARITY = EVALS_DIR / "polarity" / "sentences.jsonl"


@dataclass(frozen=True)
class RealSet:
    name: str  # eval project "real-<name>"
    file: Path
    fine: str  # the label subthemes are scored against
    coarse: str | None  # the label top-level themes are scored against, if the set has one

    @property
    def project(self) -> str:
        return f"real-{self.name}"


SETS = (
    RealSet("banking77", REAL_DIR / "banking77.csv", fine="intent", coarse=None),
    RealSet("cfpb", REAL_DIR / "cfpb.csv", fine="issue", coarse="product"),
)


def available() -> list[RealSet]:
    return [s for s in SETS if s.file.exists()]


@cache
def _analysis_code() -> str:
    """A digest of the theme code: saved themes made by other code are not what this eval measures."""
    digest = hashlib.sha256()
    for source in sorted(Path(copilot.analysis.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def fresh_themes(store: Store, project: str) -> None:
    """Discover the project's themes unless they were discovered by this very code (and embedding); ids as this
    code gives them from scratch, not carried over from themes other code found."""
    saved = ThemeModel.from_store(store, project)
    if saved is not None and is_current(saved, store) and saved.discovered.get("code") == _analysis_code():
        return
    model = discover_themes(store, project, keep_ids=False)
    model.discovered["code"] = _analysis_code()
    model.save(store, project)


def prepare(store: Store) -> None:
    """Ingest each real set (and the polarity sentences) into its eval project, with themes from this code."""
    mapping = ColumnMapping(text=["text"], id="id")
    for real in available():
        ingest(store, [real.file], real.project, mapping=mapping)
        fresh_themes(store, real.project)
    if POLARITY.exists():
        ingest(store, [POLARITY], "real-polarity", mapping=mapping)
        fresh_themes(store, "real-polarity")


def _labels(store: Store, project: str, column: str) -> dict[str, str]:
    return {r.id: str(r.metadata.get(column, "")) for r in store.records(project)}


def _scores(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float]:
    ids = sorted(truth)
    y, p = [truth[i] for i in ids], [predicted.get(i) or "-" for i in ids]
    return float(adjusted_rand_score(y, p)), float(normalized_mutual_info_score(y, p))


def _metric(name: str, value: float, detail: str = "") -> Metric:
    return Metric(suite="themes", name=name, provider="any", value=round(value, 4), detail=detail)


def theme_metrics(store: Store, real: RealSet) -> list[Metric]:
    rows = list(export_records(store, real.project))
    topic = {r.id: (r.theme_id or "-").rsplit(".", 1)[0] for r in rows}
    sub = {r.id: (r.subtheme_id or r.theme_id or "-").rsplit(".", 1)[0] for r in rows}
    fine = _labels(store, real.project, real.fine)
    model = load_model(store, real.project)
    d = model.discovered
    out = []
    ari, nmi = _scores(fine, sub)
    n_fine = len(set(fine.values()))
    out += [
        _metric(
            f"themes.{real.name}.subtheme_ari", ari, f"{d.get('subtopics')} subtopics against {n_fine} {real.fine}s"
        ),
        _metric(f"themes.{real.name}.subtheme_nmi", nmi),
    ]
    ari, nmi = _scores(fine, topic)
    out += [
        _metric(
            f"themes.{real.name}.theme_ari", ari, f"{d.get('top_level_topics')} top-level themes against {real.fine}"
        ),
        _metric(f"themes.{real.name}.theme_nmi", nmi),
    ]
    if real.coarse:
        coarse = _labels(store, real.project, real.coarse)
        ari, nmi = _scores(coarse, topic)
        n = len(set(coarse.values()))
        out += [
            _metric(f"themes.{real.name}.theme_ari_{real.coarse}", ari, f"top-level themes against {n} {real.coarse}s"),
            _metric(f"themes.{real.name}.theme_nmi_{real.coarse}", nmi),
        ]
    out += [
        _metric(
            f"themes.{real.name}.resample_ari",
            float(d.get("resample_ari", 0.0)),
            f"top-level topics of two runs on 90% resamples; {float(d.get('resample_shared_share', 0)):.0%} of "
            "segments are in topics both runs share (Jaccard >= 0.5)",
        ),
        _metric(f"themes.{real.name}.resample_shared_share", float(d.get("resample_shared_share", 0.0))),
    ]
    return out


def same_themes_elsewhere(store: Store, real: RealSet) -> Metric:
    """The same rows under another file name, in another project: the same themes, exactly (1 or 0)."""
    copy = store.settings.data_dir / "renamed" / f"{real.name}-renamed-export.csv"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(real.file.read_bytes())
    project = f"{real.project}-copy"
    try:
        ingest(store, [copy], project, mapping=ColumnMapping(text=["text"], id="id"))
        discover_themes(store, project)
        shape = [[(t.id, t.label, t.mentions) for t in analyze(store, p).themes] for p in (real.project, project)]
    finally:
        copy.unlink(missing_ok=True)
        store.delete_project(project)
    same = shape[0] == shape[1]
    detail = f"{len(shape[0])} themes" + ("; identical" if same else "; the themes differ")
    return _metric(f"themes.{real.name}.same_in_another_project", 1.0 if same else 0.0, detail)


def classifier_metrics() -> list[Metric]:
    """Each polarity's precision and recall on the hand-labelled sentences, one sentence at a time (no prior)."""
    rows = [json.loads(line) for line in POLARITY.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = confusion_matrix([r["label"] for r in rows], [classify(r["text"]) for r in rows], labels=POLARITIES)
    out = []
    for i, p in enumerate(POLARITIES):
        hits, said, truly = int(counts[i, i]), int(counts[:, i].sum()), int(counts[i, :].sum())
        detail = f"{hits} of {said} called {p} are {p} by hand; {hits} of {truly} hand-labelled {p} found"
        out.append(_metric(f"themes.polarity.{p}_precision", hits / said if said else 0.0, detail))
        out.append(_metric(f"themes.polarity.{p}_recall", hits / truly if truly else 0.0))
    return out


def polarity_metrics(store: Store) -> list[Metric]:
    """A pain theme's segments that are complaints or requests, a praise theme's that are praise, by hand label."""
    if not POLARITY.exists():
        return []
    hand = _labels(store, "real-polarity", "label")  # each record is one hand-labelled sentence
    report = analyze(store, "real-polarity")
    out: list[Metric] = classifier_metrics()
    for side, wanted in (("pain", {"complaint", "request"}), ("praise", {"praise"})):
        labels = [hand.get(rid) for t in report.themes if t.side == side for rid in t.record_ids]
        labels = [x for x in labels if x]
        share = sum(x in wanted for x in labels) / len(labels) if labels else None
        themes = sum(t.side == side for t in report.themes)
        out.append(
            Metric(
                suite="themes",
                name=f"themes.polarity.{side}_purity",
                provider="any",
                value=None if share is None else round(share, 4),
                detail=f"{len(labels)} hand-labelled sentences in {themes} {side} themes; share labelled "
                + " or ".join(sorted(wanted)),
            )
        )
    return out


def evaluate(store: Store) -> list[Metric]:
    metrics: list[Metric] = []
    for real in available():
        metrics += theme_metrics(store, real)
        metrics.append(same_themes_elsewhere(store, real))
    return metrics + polarity_metrics(store)


def describe() -> dict[str, Any]:
    return {"sets": [s.name for s in available()], "polarity": POLARITY.exists()}
