"""Numeric work runs on the stated number of threads (COPILOT_NUMERIC_THREADS), so discovery beside ingest or
a busy neighbour does not spin threads against each other (bench/cotenant.py measures the slowdown)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from copilot.analysis import clustering
from copilot.config import reset_settings
from copilot.threads import configure


def _pool_sizes_during_discovery(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    seen: set[int] = set()
    real = clustering._partition

    def spy(x: np.ndarray, p: clustering.ClusterParams) -> clustering.Clustering:
        seen.update(int(pool["num_threads"]) for pool in threadpool_info())
        return real(x, p)

    monkeypatch.setattr(clustering, "_partition", spy)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 16)).astype(np.float32)
    clustering.cluster(x / np.linalg.norm(x, axis=1, keepdims=True))
    return seen


@pytest.mark.parametrize("threads", [1, 2])
def test_discovery_runs_on_the_stated_number_of_threads(monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    monkeypatch.setenv("COPILOT_NUMERIC_THREADS", str(threads))
    reset_settings()
    sizes = _pool_sizes_during_discovery(monkeypatch)
    assert sizes, "no BLAS or OpenMP pool was seen"
    assert sizes == {min(threads, os.cpu_count() or threads)}


def test_configure_states_pool_sizes_for_libraries_not_yet_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_WAIT_POLICY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # what an operator set stays
    assert configure(1) == 1
    assert os.environ["OMP_NUM_THREADS"] == os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["RAYON_NUM_THREADS"] == "1"  # the tokenizers behind the embeddings
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"  # idle OpenMP workers sleep instead of spinning
    assert os.environ["MKL_NUM_THREADS"] == "3"


def test_a_bad_thread_count_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from copilot.config import get_settings
    from copilot.errors import CopilotError

    monkeypatch.setenv("COPILOT_NUMERIC_THREADS", "0")
    reset_settings()
    with pytest.raises(CopilotError, match="COPILOT_NUMERIC_THREADS"):
        get_settings()


@pytest.mark.parametrize("stated", ["1", "2"])
def test_every_entry_point_starts_with_the_stated_pools(stated: str) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["COPILOT_NUMERIC_THREADS"] = stated
    probe = "import copilot.cli; from threadpoolctl import threadpool_info; print(threadpool_info()[0]['num_threads'])"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == stated  # BLAS sized before numpy loaded, by importing the package
