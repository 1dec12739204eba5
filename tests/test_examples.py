"""docs/examples/ is what a PM sees before installing: it must be what today's code makes."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.conftest import ROOT


def _make_examples() -> ModuleType:  # the generator is a script, not part of the package
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_are_made_by_the_current_code_and_data() -> None:
    why = _make_examples().stale()
    assert why is None, f"docs/examples is stale ({why}): run `make examples` and commit the result"


def test_the_examples_cover_every_kind_on_the_corpus_and_a_real_set() -> None:
    from copilot.drafts import registry

    examples = ROOT / "docs" / "examples"
    for kind in registry.kinds():
        for where in (examples, examples / "banking77", examples / "cfpb"):
            text = (where / f"{kind.name}.md").read_text(encoding="utf-8")
            assert "Verification: " in text, (where, kind.name)
