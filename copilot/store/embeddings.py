"""Embedding models: the bundled WordLlama by default (no network), OpenAI when configured.

Chroma's own default embedding function downloads a model at first use, so we always pass vectors.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from copilot.config import Settings


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


class WordLlamaEmbedder:
    """WordLlama's 256-dimension model, shipped inside its wheel; about 15,000 short texts a second."""

    name = "wordllama/l2_supercat-256"

    def __init__(self) -> None:
        from copilot.threads import configure

        configure()  # its tokenizer's thread pool starts at the first batch: sized to the stated number
        import wordllama
        from wordllama import WordLlama

        # 0.4.0.post1 looks for its tokenizer in the wrong folder and then downloads; point it at the wheel.
        self._model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        # WordLlama pads each batch to its longest text: batches of similar length embed up to 10x faster on long
        # complaints, with the same vectors.
        order = np.argsort([len(t) for t in texts], kind="stable")
        vectors = np.asarray(self._model.embed([texts[i] for i in order], norm=True, batch_size=256), dtype=np.float32)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out


class OpenAIEmbedder:
    def __init__(self, settings: Settings) -> None:
        from copilot.llm.openai_embeddings import OpenAIEmbeddings

        self._impl = OpenAIEmbeddings(settings)
        self.name = f"openai/{settings.openai_embedding_model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._impl.embed(texts)


@lru_cache(maxsize=1)
def _wordllama() -> WordLlamaEmbedder:
    return WordLlamaEmbedder()


def get_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        return OpenAIEmbedder(settings)
    return _wordllama()
