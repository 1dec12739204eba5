"""PM Copilot's hybrid search as a LangChain retriever, for people who build their own chains on our evidence.

LangChain stays at this edge: nothing inside PM Copilot depends on this adapter.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict

from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import search

_PER_CALL = ("k", "filters", "diverse")


class CopilotRetriever(BaseRetriever):
    """`CopilotRetriever(store=open_store(), project="demo").invoke("exports time out", k=5)` returns Documents whose
    `id` is the record's id (also in metadata as `record_id`), so answers can cite records that `copilot records get`
    opens. `k`, `filters` and `diverse` are defaults that a call may override."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    project: str
    k: int = 10
    filters: SearchFilter | None = None
    diverse: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        # LangChain hands a call's keyword arguments through unchecked: a misspelt one would be silently ignored.
        unknown = sorted(set(kwargs) - set(_PER_CALL))
        if unknown:
            raise TypeError(f"CopilotRetriever takes {', '.join(_PER_CALL)} per call, not {', '.join(unknown)}")
        options = {name: kwargs.get(name, getattr(self, name)) for name in _PER_CALL}
        results = search(self.store, self.project, query, **options)
        return [
            Document(id=r.id, page_content=r.text, metadata={**r.metadata, "record_id": r.id, "score": r.score})
            for r in results
        ]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        # LangChain's default async path drops a call's keyword arguments; search itself is synchronous.
        return await run_in_executor(
            None, self._get_relevant_documents, query, run_manager=run_manager.get_sync(), **kwargs
        )
