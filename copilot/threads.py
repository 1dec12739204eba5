"""How many threads numeric work may use, stated once (COPILOT_NUMERIC_THREADS, default 1).

Discovery, ingest and the API share two cores with whatever else runs on the machine. BLAS (numpy), OpenMP
(scikit-learn's k-means), Rust's rayon (the tokenizers behind WordLlama) and onnxruntime each start a thread per
core by default, and their workers spin while they wait for each other at every barrier: with one core taken by
another process, theme discovery on 3,000 texts went from 0.6 s to 5.6 s. One thread per pool gives up some
speed on an idle machine and keeps the same speed beside a busy neighbour (bench/cotenant.py measures both).
Chroma's HNSW index keeps its own setting (`num_threads`, the core count), used only while it writes.

`configure()` sets the pools' environment variables (read once, when each library loads) and should run before
numpy, scikit-learn or tokenizers are imported: importing the `copilot` package calls it (`configure_early`), so
the command line, the server and every process they start begin with the stated pools. `bounded()` applies the
same limit at run time through threadpoolctl, for code that runs in a process whose libraries are already loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# The variables each pool reads when its library loads.
_POOL_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "RAYON_NUM_THREADS",
)


def numeric_threads() -> int:
    """The stated number of threads for numeric work (COPILOT_NUMERIC_THREADS)."""
    from copilot.config import get_settings

    return get_settings().numeric_threads


def configure(threads: int | None = None) -> int:
    """Set the pools' sizes for this process and the processes it starts, unless the environment already
    says; idle OpenMP workers sleep instead of spinning. Returns the number used."""
    n = threads or numeric_threads()
    for name in _POOL_VARIABLES:
        os.environ.setdefault(name, str(n))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if n == 1:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return n


def configure_early() -> None:
    """`configure` before the settings can be read (package import): the variable itself, or the default. A bad
    value is left for the settings to report, with the variable's name."""
    from copilot.config import Settings

    raw = os.environ.get("COPILOT_NUMERIC_THREADS", "")
    default = Settings.model_fields["numeric_threads"].default
    configure(int(raw) if raw.isdigit() and 1 <= int(raw) <= 64 else default)


@contextmanager
def bounded(threads: int | None = None) -> Iterator[int]:
    """Limit BLAS and OpenMP pools already loaded in this process to the stated number, for the block."""
    from threadpoolctl import threadpool_limits

    n = threads or numeric_threads()
    with threadpool_limits(limits=n):
        yield n
