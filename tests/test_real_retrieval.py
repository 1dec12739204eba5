"""Retrieval per ranker on the real sets: every ranker is scored on every set, and the eval fails, naming the
metric, when the hybrid falls behind a ranker alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.config import Settings, get_settings, reset_settings
from copilot.errors import CopilotError
from copilot.evals import real_retrieval, runner
from copilot.store import open_store

SETS = ("banking77", "cfpb", "judged", "corpus")


@pytest.fixture
def evals(eval_data: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(eval_data))
    reset_settings()
    return get_settings().model_copy(update={"data_dir": eval_data / "eval"})


def test_every_ranker_is_scored_on_every_real_set_and_the_hybrid_leads(evals: Settings) -> None:
    report = runner.run(evals, suites=["retrieval"], providers=["extractive"])
    metrics = {m.name: m for m in report.metrics}
    assert report.failures == []
    for name in SETS:
        for ranker in ("keyword", "dense", "hybrid"):
            for metric in ("mrr", "p@10", "r@20"):
                assert 0 < metrics[f"retrieval.{name}.{ranker}.{metric}"].value <= 1  # type: ignore[operator]
    for name in ("banking77", "cfpb", "judged"):
        for metric in ("mrr", "p@10"):
            ratio = metrics[f"retrieval.{name}.hybrid_vs_best.{metric}"]
            assert ratio.status == "pass" and ratio.detail in ("hybrid over keyword", "hybrid over dense")
    # On long complaints BM25 alone leads, on short support queries the embeddings do: the fusion must follow.
    assert metrics["retrieval.cfpb.hybrid_vs_best.p@10"].detail == "hybrid over keyword"
    assert metrics["retrieval.banking77.hybrid_vs_best.p@10"].detail == "hybrid over dense"


def test_the_fusion_it_replaced_fails_the_eval_naming_the_metric(
    evals: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copilot.store.search as search

    # Plain RRF as before issue 15: k = 60 and the same weight for both rankers, whatever the texts' length.
    monkeypatch.setattr(search, "RRF_K", 60)
    monkeypatch.setattr(search, "KEYWORD_WEIGHT_SHORT", 0.5)
    monkeypatch.setattr(search, "KEYWORD_WEIGHT_LONG", 0.5)
    failures = runner.run(evals, suites=["retrieval"], providers=["extractive"]).failures
    assert any(f.startswith("retrieval.cfpb.hybrid_vs_best.p@10 [any] = 0.") for f in failures), failures


def test_a_set_whose_ids_are_not_in_its_project_is_an_error_not_a_zero(evals: Settings) -> None:
    store = open_store(evals)
    queries = real_retrieval.real_queries("banking77")
    wrong = [real_retrieval.Query(q.text, "real-cfpb", q.relevant) for q in queries[:3]]
    with pytest.raises(CopilotError, match="relevant records are not in project 'real-cfpb'"):
        real_retrieval.check(store, "banking77", wrong)
