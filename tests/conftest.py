"""Test isolation: each test gets its own data directory, no keys, and no way to reach the network."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from copilot.config import reset_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "data"
_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and not (host.startswith("127.") or host in ("localhost", "::1"))
        and self.family in (socket.AF_INET, socket.AF_INET6)
    ):
        raise OSError(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "copilot-data"
    for var in (
        "OPENAI_API_KEY",
        "COPILOT_OPENAI_API_KEY",
        "COPILOT_OPENAI_BASE_URL",
        "COPILOT_CHROMA_URL",
        "COPILOT_EMBEDDINGS",
        "COPILOT_PROVIDER",
        "COPILOT_ANALYSIS_EMBEDDING",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(data))
    monkeypatch.setenv("COPILOT_BLOCK_REAL_MODELS", "1")  # any model call leaving 127.0.0.1 raises
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    reset_settings()
    yield data
    reset_settings()


def cli(*args: str, expect: int | None = 0) -> Any:
    """Run `copilot ARGS` in-process; with --json return the parsed document, else the result."""
    from copilot.cli import app

    result = CliRunner().invoke(app, list(args))
    if expect is not None:
        assert result.exit_code == expect, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    if "--json" in args:
        return json.loads(result.stdout)
    return result


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@contextmanager
def _data_dir(data: Path) -> Iterator[None]:
    """COPILOT_DATA_DIR pointed at `data` for the block: session fixtures prepare shared stores with it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(data))
    reset_settings()
    try:
        yield
    finally:
        mp.undo()
        reset_settings()


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample corpus ingested once into project 'demo', its themes discovered, shared by read-only tests."""
    data = tmp_path_factory.mktemp("corpus-data")
    from copilot.analysis.themes import discover_themes
    from copilot.ingest.pipeline import ingest
    from copilot.store import open_store

    with _data_dir(data):
        store = open_store()
        ingest(store, [CORPUS], "demo")
        discover_themes(store, "demo")
    yield data


@pytest.fixture
def demo(corpus_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(corpus_data))
    reset_settings()
    return corpus_data


@pytest.fixture(scope="session")
def eval_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir whose eval store (DATA/eval) holds the eval corpus, prepared once: `copilot eval` reuses it."""
    data = tmp_path_factory.mktemp("eval-data")
    from copilot.config import get_settings
    from copilot.evals.runner import prepare

    with _data_dir(data):
        prepare(get_settings().model_copy(update={"data_dir": data / "eval"}))
    yield data


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A real API server (keys on) over a data dir holding project 't': three planted topics plus noise."""
    from copilot.config import Settings
    from copilot.ingest.pipeline import ingest
    from copilot.store import open_store
    from tests.api_server import api_server
    from tests.test_api import KEY
    from tests.test_themes import _rows

    data = tmp_path_factory.mktemp("api-data")
    settings = Settings(data_dir=data, api_keys=KEY)  # type: ignore[arg-type]
    from copilot.analysis.themes import discover_themes

    csv, _ = _rows(8, 40)
    store = open_store(settings)
    ingest(store, [write(data / "in" / "feedback.csv", csv)], "t")
    discover_themes(store, "t")
    with api_server(settings) as url:
        yield url, settings
