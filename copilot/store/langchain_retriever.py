"""PM Copilot's hybrid search as a LangChain retriever, for people who build their own chains on our evidence.

LangChain stays at this edge: nothing inside PM Copilot depends on this adapter.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from copilot.store.chroma import Store
from copilot.store.filters import SearchFilter
from copilot.store.search import search


class CopilotRetriever(BaseRetriever):
    """`CopilotRetriever(store=open_store(), project="demo").invoke("exports time out")` returns Documents whose
    metadata carries the record id, so answers can cite records that `copilot records get` opens."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    project: str
    k: int = 10
    filters: SearchFilter | None = None
    diverse: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        results = search(self.store, self.project, query, k=self.k, filters=self.filters, diverse=self.diverse)
        return [
            Document(page_content=r.text, metadata={**r.metadata, "record_id": r.id, "score": r.score}) for r in results
        ]
