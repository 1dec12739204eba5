"""Chroma, embedded (`PersistentClient`) by default or a server (`HttpClient`) with COPILOT_CHROMA_URL.

One collection per project. A collection records the embedding model it holds, and mixing models is refused.
Embedded Chroma is thread-safe but not process-safe, so writers to one directory take a file lock, and readers
reopen the directory when another process has changed a project (see `store/embedded.py`). Store failures are
named for what they are: a server that went away, a full disk, or another failure of the store.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError
from filelock import FileLock, Timeout

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode
from copilot.models import ProjectStats, RecordPublic
from copilot.store.clients import Embedded, is_store_exception, server_client, store_error
from copilot.store.embeddings import Embedder
from copilot.store.encoding import is_first_chunk, public_metadata, record_of
from copilot.store.writer import ProjectWriter

COLLECTION_PREFIX = "pmc-"
_PROJECT_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$")
_PAGE = 5000
T = TypeVar("T")


def check_project(name: str) -> str:
    if not _PROJECT_RE.match(name):
        raise CopilotError(
            ErrorCode.bad_project,
            f"project name {name!r} is not valid: use 1 to 64 letters, digits, '-' or '_', "
            "starting and ending with a letter or digit",
        )
    return name


def _call(action: str) -> Callable[[Any], Any]:
    """Run a Store method (or generator) inside `Store.using(action)`."""

    def decorate(fn: Any) -> Any:
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(self: Store, *args: Any, **kwargs: Any) -> Any:
                with self.using(action):
                    yield from fn(self, *args, **kwargs)

            return generator

        @functools.wraps(fn)
        def call(self: Store, *args: Any, **kwargs: Any) -> Any:
            with self.using(action):
                return fn(self, *args, **kwargs)

        return call

    return decorate


class Store:
    """The projects' collections. Every other package asks this class for records and writes."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._embedded = None if settings.chroma_url else Embedded.get(settings.chroma_path)
        self._server = server_client(settings) if settings.chroma_url else None
        self._lock_path = settings.data_dir / "chroma.write.lock"
        self._handles: dict[str, Collection] = {}  # over a server: each project's collection, as last looked up

    @property
    def client(self) -> Any:
        return self._embedded.client if self._embedded is not None else self._server

    @contextmanager
    def using(self, action: str) -> Iterator[None]:
        """Around every store call: the embedded client is not reopened under it, and a failure of the store
        becomes an error that names its cause."""
        try:
            if self._embedded is None:
                yield
            else:
                with self._embedded.using():
                    yield
        except Exception as exc:
            if isinstance(exc, CopilotError) or not is_store_exception(exc):
                raise
            raise store_error(exc, self.location, action, None if self._embedded else self.settings.chroma_url) from exc

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_path)

    def _collection(self, project: str, *, create: bool = False) -> Collection:
        name = COLLECTION_PREFIX + check_project(project)
        if create:
            col = self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.embedder.name, "copilot_generation": 0},
            )
        else:
            col = self._get_collection(project, name)
            generation = int((col.metadata or {}).get("copilot_generation", 0))
            if self._embedded is not None and self._embedded.saw(str(col.id), generation):
                col = self._get_collection(project, name)  # another process wrote: read it through a fresh client
        if self._server is not None:
            self._handles[project] = col
        stored = (col.metadata or {}).get("embedding_model")
        if stored and stored != self.embedder.name:
            raise CopilotError(
                ErrorCode.embedding_mismatch,
                f"project {project!r} holds embeddings from {stored}, but this run uses {self.embedder.name}; "
                "mixing them would make search meaningless. Use the same COPILOT_EMBEDDINGS setting, "
                "or ingest into a new project.",
            )
        return col

    def _read(self, project: str, call: Callable[[Collection], T]) -> T:
        """`call` on the project's collection. Over a server a lookup is an HTTP round trip (three of a hybrid
        search's five calls were lookups), so the handle of the last lookup is used; if the project was deleted
        (and maybe made again) meanwhile, the handle names a collection that is gone, and it is looked up once
        more. What changes with every ingest (the generation, in the metadata) is always looked up."""
        col = self._handles.get(project) if self._server is not None else None
        if col is None:
            return call(self._collection(project))
        try:
            return call(col)
        except NotFoundError:
            self._handles.pop(project, None)
            return call(self._collection(project))

    def _get_collection(self, project: str, name: str) -> Collection:
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:  # NotFoundError in embedded mode, a ValueError/HTTP error from a server
            if "does not exist" in str(exc) or "not found" in str(exc).lower():
                raise CopilotError(
                    ErrorCode.not_found,
                    f"project {project!r} does not exist; ingest into it first",
                ) from exc
            raise

    @_call("listing projects")
    def projects(self) -> list[str]:
        names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        return sorted(n[len(COLLECTION_PREFIX) :] for n in names if n.startswith(COLLECTION_PREFIX) and "." not in n)

    @_call("deleting a project")
    def delete_project(self, project: str) -> None:
        self._collection(project)
        with self._write_lock():
            self._handles.pop(project, None)
            self.client.delete_collection(COLLECTION_PREFIX + project)
            if self._themes_name(project) in {
                c if isinstance(c, str) else c.name for c in self.client.list_collections()
            }:
                self.client.delete_collection(self._themes_name(project))

    @_call("reading a project")
    def generation(self, project: str) -> tuple[str, int]:
        """(collection id, generation): changes whenever an ingest changed the project."""
        col = self._collection(project)
        return str(col.id), int((col.metadata or {}).get("copilot_generation", 0))

    @_call("reading a project")
    def require(self, project: str) -> None:
        """Raise not_found (with what to do) unless the project exists."""
        self._collection(project)

    @_call("reading a project")
    def count(self, project: str) -> int:
        """Chunks stored in the project."""
        return int(self._read(project, lambda col: col.count()))

    @_call("searching")
    def query(
        self, project: str, vectors: Any, n: int, where: dict[str, Any] | None = None
    ) -> tuple[list[str], list[float]]:
        """Chroma's nearest chunks to one query vector: (chunk ids, cosine distances), nearest first."""
        res = self._read(
            project, lambda col: col.query(query_embeddings=vectors, n_results=n, where=where, include=["distances"])
        )
        return list(res["ids"][0]), [float(d) for d in (res["distances"] or [[]])[0]]

    @_call("reading records")
    def get_chunks(
        self, project: str, ids: list[str], *, embeddings: bool = False
    ) -> dict[str, tuple[str, dict[str, Any], Any]]:
        """Chunks by id: (text, stored metadata, embedding or None); unknown ids are left out."""
        include: list[Any] = ["documents", "metadatas", "embeddings"] if embeddings else ["documents", "metadatas"]
        got: Any = self._read(project, lambda col: col.get(ids=ids, include=include))
        vectors = got["embeddings"] if embeddings else None
        out: dict[str, tuple[str, dict[str, Any], Any]] = {}
        for i, cid in enumerate(got["ids"]):
            out[cid] = (got["documents"][i], dict(got["metadatas"][i]), vectors[i] if vectors is not None else None)
        return out

    # ---- the theme model: micro-cluster centres and a JSON description, in a companion collection ----

    @staticmethod
    def _themes_name(project: str) -> str:
        return f"{COLLECTION_PREFIX}{check_project(project)}.themes"

    @_call("saving themes")
    def save_theme_model(self, project: str, centers: Any, micro_meta: list[dict[str, Any]], description: str) -> None:
        """Replace the project's theme model (centres are unit vectors in the analysis embedding space)."""
        import numpy as np

        self._collection(project)
        with self._write_lock():
            name = self._themes_name(project)
            if name in {c if isinstance(c, str) else c.name for c in self.client.list_collections()}:
                self.client.delete_collection(name)
            col = self.client.create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            ids = [f"m{i}" for i in range(len(centers))] + ["model"]
            # The model's own row needs a vector: the mean centre, or any unit vector when discovery found nothing.
            mean = centers.mean(axis=0) if len(centers) else np.eye(1, centers.shape[1], dtype=np.float32)[0]
            vectors = [*centers.tolist(), mean.tolist()]
            metas = [*micro_meta, {"kind": "model"}]
            docs = [""] * len(centers) + [description]
            for i in range(0, len(ids), self.client.get_max_batch_size()):
                sl = slice(i, i + self.client.get_max_batch_size())
                col.add(ids=ids[sl], embeddings=vectors[sl], metadatas=metas[sl], documents=docs[sl])

    @_call("reading themes")
    def load_theme_model(self, project: str) -> tuple[Any, list[dict[str, Any]], str] | None:
        """(centres, per-centre metadata, description) or None when themes were never discovered."""
        import numpy as np

        self._collection(project)
        try:
            col = self.client.get_collection(self._themes_name(project), embedding_function=None)
        except Exception:  # not found
            return None
        got = col.get(include=["embeddings", "metadatas", "documents"])
        rows = sorted(
            (int(i[1:]), e, m)
            for i, e, m in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)
            if i != "model"
        )
        model = next((d for i, d in zip(got["ids"], got["documents"], strict=True) if i == "model"), None)
        if model is None:
            return None
        centers = np.asarray([e for _, e, _ in rows], dtype=np.float32)
        return centers, [dict(m) for _, _, m in rows], model

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        if self.settings.chroma_url:
            yield  # a Chroma server serialises writers itself
            return
        lock = FileLock(str(self._lock_path), timeout=self.settings.lock_timeout_s)
        try:
            with lock:
                yield
        except Timeout as exc:
            raise CopilotError(
                ErrorCode.locked,
                f"another process is writing to {self.settings.chroma_path}; embedded Chroma allows one writer "
                "at a time. Wait for it, or run a Chroma server and set COPILOT_CHROMA_URL.",
            ) from exc

    @contextmanager
    def writer(self, project: str) -> Iterator[ProjectWriter]:
        """Write to a project; a failure inside is reported as itself, not as whatever the clean-up then hit."""
        with self._write_lock(), self.using("writing to the store"):
            w = ProjectWriter(self, self._collection(project, create=True))
            try:
                yield w
            except BaseException:
                w.close(quiet=True)
                raise
            w.close()

    # ---- reads -------------------------------------------------------------------------------------------

    @_call("reading records")
    def iter_chunks(
        self, project: str, include: list[Any], where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        # Pages by id, not by offset: Chroma reads past every skipped row, so a page at offset 990,000 took 3.5 s
        # against 0.3 s by id, and reading 1,000,000 records by offset 9 minutes.
        ids: list[str] = self._read(project, lambda col: col.get(where=where, include=[]))["ids"]
        for start in range(0, len(ids), _PAGE):
            page: Any = self._read(project, functools.partial(_page, ids=ids[start : start + _PAGE], include=include))
            for i, cid in enumerate(page["ids"]):
                yield {"id": cid, **{k: page[k][i] for k in include}}

    def records(self, project: str, where: dict[str, Any] | None = None) -> Iterator[RecordPublic]:
        """Every record with its full text (chunks joined) and public metadata."""
        parts: dict[str, list[tuple[int, str]]] = {}
        first: dict[str, dict[str, Any]] = {}
        for item in self.iter_chunks(project, ["documents", "metadatas"], where=where):
            meta, doc = item["metadatas"], item["documents"]
            rid = record_of(meta, item["id"])
            n = int(meta.get("chunks", 1))
            if n == 1:
                yield RecordPublic(id=rid, text=doc, metadata=public_metadata(meta, rid))
                continue
            parts.setdefault(rid, []).append((int(meta.get("chunk", 0)), doc))
            if is_first_chunk(meta):
                first[rid] = meta
            if len(parts[rid]) == n and rid in first:
                text = "".join(d for _, d in sorted(parts.pop(rid)))
                yield RecordPublic(id=rid, text=text, metadata=public_metadata(first.pop(rid), rid))

    @_call("reading records")
    def get_records(self, project: str, record_ids: list[str]) -> dict[str, RecordPublic]:
        """Several records at once (one store call for single-chunk records), by id; unknown ids are left out."""
        record_ids = list(dict.fromkeys(record_ids))  # Chroma refuses a repeated id
        if not record_ids:
            return {}
        got: Any = self._read(project, lambda col: col.get(ids=record_ids, include=["documents", "metadatas"]))
        out: dict[str, RecordPublic] = {}
        for rid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            if int(meta.get("chunks", 1)) > 1:
                out[rid] = self.get_record(project, rid)
            else:
                out[rid] = RecordPublic(id=rid, text=doc, metadata=public_metadata(dict(meta), rid))
        return out

    @_call("reading a record")
    def get_record(self, project: str, record_id: str) -> RecordPublic:
        first: Any = self._read(project, lambda col: col.get(ids=[record_id], include=["documents", "metadatas"]))
        if not first["ids"]:
            raise CopilotError(ErrorCode.not_found, f"no record {record_id!r} in project {project!r}")
        meta = dict(first["metadatas"][0])
        text = first["documents"][0]
        n = int(meta.get("chunks", 1))
        if n > 1:
            more = [f"{record_id}:{i}" for i in range(1, n)]
            rest: Any = self._read(project, lambda col: col.get(ids=more, include=["documents", "metadatas"]))
            parts = sorted(zip(rest["metadatas"], rest["documents"], strict=True), key=lambda p: int(p[0]["chunk"]))
            text += "".join(doc for _, doc in parts)
        return RecordPublic(id=record_id, text=text, metadata=public_metadata(meta, record_id))

    @_call("reading a project")
    def stats(self, project: str) -> ProjectStats:
        col = self._collection(project)
        by: dict[str, Counter[str]] = {k: Counter() for k in ("source", "kind", "segment", "plan")}
        records = 0
        for item in self.iter_chunks(project, ["metadatas"]):
            meta = item["metadatas"]
            if not is_first_chunk(meta):
                continue
            records += 1
            for key, counter in by.items():
                counter[str(meta.get(key, "(none)"))] += 1
        return ProjectStats(
            project=project,
            records=records,
            chunks=col.count(),
            by_source=dict(by["source"].most_common()),
            by_kind=dict(by["kind"].most_common()),
            by_segment=dict(by["segment"].most_common()),
            by_plan=dict(by["plan"].most_common()),
            embedding_model=str((col.metadata or {}).get("embedding_model", "")),
        )


def _page(col: Collection, ids: list[str], include: list[Any]) -> Any:
    return col.get(ids=ids, include=include)
