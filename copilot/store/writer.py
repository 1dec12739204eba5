"""Writing one project's chunks: additions in slices the store takes in one call, updates, deletions, and the
generation bump that tells readers in other processes to reopen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chromadb.api.models.Collection import Collection

from copilot.store.encoding import is_first_chunk

if TYPE_CHECKING:
    from copilot.store.chroma import Store


class ProjectWriter:
    """Writes one project's chunks and, when anything changed, bumps the collection's generation."""

    def __init__(self, store: Store, collection: Collection) -> None:
        self.store = store
        self.collection = collection
        self.was_empty = collection.count() == 0
        self.changed = False
        self._max_batch = min(store.client.get_max_batch_size(), store.settings.store_write_slice or 5461)

    def existing(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Metadata of the records among `ids` already stored (first chunk only)."""
        if self.was_empty or not ids:
            return {}
        got: Any = self.collection.get(ids=ids, include=["metadatas"])
        return {i: dict(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def find(self, where: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """First chunks of stored records matching `where` (id, text of the first chunk, metadata)."""
        if self.was_empty:
            return []
        got: Any = self.collection.get(where=where, include=["documents", "metadatas"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        return [(i, d, dict(m)) for i, d, m in rows if is_first_chunk(m)]

    def write(
        self,
        ids: list[str],
        texts: list[str],
        metadatas: list[dict[str, Any]],
        vectors: Any = None,
        *,
        upsert: bool = False,
    ) -> None:
        """Store chunks, embedding them first unless `vectors` are given. New ids are added, known ones upserted
        (an add is about 8% cheaper for Chroma)."""
        if not ids:
            return
        if vectors is None:
            vectors = self.store.embedder.embed(texts)
        self.changed = True
        write: Any = self.collection.upsert if upsert else self.collection.add
        for i in range(0, len(ids), self._max_batch):
            sl = slice(i, i + self._max_batch)
            write(ids=ids[sl], embeddings=vectors[sl], documents=texts[sl], metadatas=metadatas[sl])

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)
            self.changed = True

    def close(self, *, quiet: bool = False) -> None:
        """Bump the generation when anything changed, so readers elsewhere know; `quiet` after a failure, when an
        error here must not hide the one being raised."""
        if not self.changed:
            return
        meta = dict(self.collection.metadata or {})
        meta["copilot_generation"] = int(meta.get("copilot_generation", 0)) + 1
        if self.store._embedded is not None:
            self.store._embedded.wrote(str(self.collection.id), meta["copilot_generation"])
        try:
            self.collection.modify(metadata=meta)
        except Exception:
            if not quiet:
                raise
