"""Regenerate docs/examples/ with the command line a user runs: every draft kind and a survey report from the
sample corpus, and every draft kind from two real sets (banking77 support queries, CFPB complaints; see
evals/real/README.md). `make examples` runs it; tests/test_examples.py fails when the code or data the examples
come from changed since they were made (docs/examples/MANIFEST.json holds the digest).

Usage: python scripts/make_examples.py [--check]
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "examples"
MANIFEST = OUT / "MANIFEST.json"
# What the examples are made from: change any of these and they are stale.
SOURCES = ("copilot/analysis", "copilot/drafts", "copilot/survey", "prompts", "corpus/data", "scripts/make_examples.py")
REAL_SETS = {
    "banking77": ROOT / "evals" / "real" / "banking77.csv",
    "cfpb": ROOT / "evals" / "real" / "cfpb.csv",
}
TOPICS = {"demo": "bulk export", "banking77": None, "cfpb": None}


def digest() -> str:
    h = hashlib.sha256()
    files = [ROOT / REAL_SETS["banking77"], ROOT / REAL_SETS["cfpb"]]
    for source in SOURCES:
        path = ROOT / source
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if "__pycache__" in f.parts:
            continue
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _copilot(data: Path, *args: str) -> str:
    env = os.environ | {"COPILOT_DATA_DIR": str(data), "COPILOT_PROVIDER": "extractive"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "copilot"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"copilot {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _kinds() -> list[tuple[str, list[str]]]:
    sys.path.insert(0, str(ROOT))
    from copilot.drafts import registry

    return [(k.name, list(k.exports)) for k in registry.kinds()]


def _drafts(data: Path, project: str, into: Path) -> list[str]:
    into.mkdir(parents=True, exist_ok=True)
    made = []
    for kind, exports in _kinds():
        topic = TOPICS.get(project)
        extra = ["--topic", topic] if topic and kind == "prd" else []
        for suffix in [".md", *exports]:
            name = f"{kind}{'-export' if suffix != '.md' else ''}{suffix}"
            _copilot(data, "draft", kind, "--project", project, *extra, "--out", str(into / name))
            made.append(str((into / name).relative_to(OUT)))
    return made


def generate() -> None:
    made: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        _copilot(data, "ingest", "corpus/data", "--project", "demo")
        (OUT / "themes.json").write_text(_copilot(data, "themes", "--project", "demo", "--json"), encoding="utf-8")
        made += ["themes.json", *_drafts(data, "demo", OUT)]
        _copilot(
            data,
            "survey-report",
            "corpus/data/survey_responses.csv",
            "--by",
            "plan",
            "--out",
            str(OUT / "survey-report.html"),
        )
        made += ["survey-report.html", "survey-report.md"]
        for name, path in REAL_SETS.items():
            _copilot(data, "ingest", str(path), "--project", name, "--text-col", "text", "--id-col", "id")
            _copilot(data, "themes", "--project", name, "--json")
            made += _drafts(data, name, OUT / name)
    MANIFEST.write_text(json.dumps({"digest": digest(), "files": sorted(made)}, indent=1) + "\n", encoding="utf-8")
    print(f"{len(made)} examples written to {OUT}")


def stale() -> str | None:
    """Why the committed examples are out of date, or None."""
    if not MANIFEST.exists():
        return f"{MANIFEST} is missing"
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    missing = [f for f in manifest["files"] if not (OUT / f).exists()]
    if missing:
        return f"examples listed in the manifest are missing: {', '.join(missing[:5])}"
    if manifest["digest"] != digest():
        return "the code, prompts or data the examples are made from changed since they were generated"
    return None


if __name__ == "__main__":
    if "--check" in sys.argv:
        why = stale()
        print(why or "docs/examples is up to date")
        raise SystemExit(1 if why else 0)
    generate()
