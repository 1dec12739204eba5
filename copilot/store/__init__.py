"""Embeddings, Chroma (embedded or server) and hybrid search. The only package that imports chromadb."""

from __future__ import annotations

from copilot.config import Settings, get_settings


def open_store(settings: Settings | None = None):  # noqa: ANN201 - avoids importing chromadb at package import
    from copilot.store.chroma import Store
    from copilot.store.embeddings import get_embedder

    settings = settings or get_settings()
    return Store(settings, get_embedder(settings))
