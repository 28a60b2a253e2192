"""The one owner of the Qdrant client, embedded (a data folder) or server (a URL).

Why it looks like this (see the embedded-Qdrant design notes):

- The synchronous client runs on ONE dedicated worker thread. Local mode is synchronous even behind
  ``AsyncQdrantClient``, and a 30 ms search done on the event loop would freeze every session
  sharing it. One thread also serialises access, which local mode's SQLite storage needs.
- Opening is started by :meth:`VectorStore.start`, returns at once and continues in the background,
  because local mode loads the whole folder into memory (seconds for large collections). Screens
  show "loading" while :attr:`VectorStore.state` is ``opening``.
- Only calls that local and server modes share are used, so one code path serves both.
- Security: local mode stores points as pickles and unpickles them on open. Never point ``path``
  at a folder this app did not create; :func:`~workshop_tui.vectors.folder.prepare_data_folder`
  refuses foreign, shared-writable or linked folders and creates new ones with mode 0700.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, TypeVar

from workshop_tui.domain.enums import Distance
from workshop_tui.domain.errors import Conflict, Invalid, Unavailable, WorkshopError
from workshop_tui.vectors.folder import prepare_data_folder
from workshop_tui.vectors.models import DOCUMENT_ID_FIELD, StoreState, VectorHit, VectorPoint
from workshop_tui.vectors.translate import translate_error

log = logging.getLogger(__name__)
T = TypeVar("T")
LOCAL_POINTS_ADVISED: Final = 20_000
"""Above this many points per collection local mode gets slow; a server is the answer."""
_SCROLL_PAGE = 1024


class VectorStore:
    """Async facade over a synchronous Qdrant client living on a single worker thread."""

    def __init__(self, path: Path | None = None, url: str | None = None, api_key: str | None = None) -> None:
        """Give exactly one of ``path`` (embedded storage folder) or ``url`` (+ ``api_key``)."""
        if (path is None) == (url is None):
            raise Invalid("give either a data folder path or a Qdrant server URL, not both or neither")
        self._path = path
        self._url = url
        self._api_key = api_key
        self._executor: ThreadPoolExecutor | None = None
        self._opening: Future[None] | None = None
        self._client: Any = None  # qdrant_client.QdrantClient, imported on the worker thread
        self._state = StoreState.NOT_STARTED
        self._error: WorkshopError | None = None
        self._warned_large: set[str] = set()

    @property
    def state(self) -> StoreState:
        """Where the store is in its life; screens show "loading" while it is ``opening``."""
        return self._state

    @property
    def error(self) -> WorkshopError | None:
        """Why opening failed, when :attr:`state` is ``failed``."""
        return self._error

    @property
    def is_embedded(self) -> bool:
        """True for a local data folder, which screens mention when advising a server for big classes."""
        return self._path is not None

    def start(self) -> None:
        """Begin opening in the background and return at once; calling it again does nothing."""
        if self._state is StoreState.CLOSED:
            raise Unavailable("the vector store has been closed")
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vector-store")
        self._state = StoreState.OPENING
        self._opening = self._executor.submit(self._open)

    def _open(self) -> None:
        """Worker thread: create the client and prove it works."""
        try:
            # Warnings would print over the TUI; these two are reported through logging instead.
            warnings.filterwarnings("ignore", message="Local mode is not recommended", category=UserWarning)
            warnings.filterwarnings("ignore", message="Api key is used with an insecure", category=UserWarning)
            from qdrant_client import QdrantClient  # a 1 s import, kept off the loop and off start-up

            if self._path is not None:
                client = QdrantClient(path=str(prepare_data_folder(self._path)))
            else:
                if self._api_key and str(self._url).startswith("http://"):
                    log.warning("the Qdrant API key is sent unencrypted to %s; use https", self._url)
                client = QdrantClient(url=self._url, api_key=self._api_key, check_compatibility=False)
            try:
                names = [c.name for c in client.get_collections().collections]
            except BaseException:
                client.close()
                raise
            self._client = client
            for name in names:
                self._check_size(name)
            self._state = StoreState.READY
        except WorkshopError as error:
            self._fail(error)
            raise
        except Exception as error:
            failure = translate_error(error, "opening the vector store")
            self._fail(failure)
            raise failure from error

    def _fail(self, error: WorkshopError) -> None:
        """Worker thread: remember why opening failed and release whatever was opened."""
        self._error = error
        self._state = StoreState.FAILED
        self._close_client()
        log.warning("vector store failed to open: %s", error)

    async def wait_ready(self, timeout_s: float | None = 60.0) -> None:
        """Wait until open; raises the opening error, or Unavailable after ``timeout_s`` seconds."""
        self.start()
        assert self._opening is not None
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._opening)), timeout_s)
        except TimeoutError:
            raise Unavailable(f"the vector store is still opening after {timeout_s:g} s") from None

    async def _call(self, action: str, work: Callable[[Any], T]) -> T:
        """Run ``work(client)`` on the worker thread, translating Qdrant errors."""
        self.start()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, action, work)

    def _run(self, action: str, work: Callable[[Any], T]) -> T:
        if self._client is None:
            reason = f": {self._error}" if self._error else ""
            raise Unavailable(f"{action}: the vector store is not open{reason}")
        try:
            return work(self._client)
        except WorkshopError:
            raise
        except Exception as error:
            raise translate_error(error, action) from error

    def _check_size(self, name: str) -> None:
        """Worker thread: log (once per collection) when an embedded collection outgrows local mode."""
        if self._path is None or name in self._warned_large:
            return
        count = self._client.count(name, exact=True).count
        if count > LOCAL_POINTS_ADVISED:
            self._warned_large.add(name)
            log.warning(
                "vector collection %r holds %d points; embedded storage is advised up to %d. "
                "Consider moving to a Qdrant server.",
                name,
                count,
                LOCAL_POINTS_ADVISED,
            )

    async def collection_names(self) -> list[str]:
        """Every collection in the store, by name."""
        return await self._call("listing collections",
                                lambda c: sorted(x.name for x in c.get_collections().collections))

    async def collection_exists(self, name: str) -> bool:
        return await self._call(f"checking collection {name!r}", lambda c: bool(c.collection_exists(name)))

    async def ensure_collection(self, name: str, dimension: int, distance: Distance = Distance.COSINE) -> None:
        """Create collection ``name`` unless it exists; Conflict if it exists with another shape."""
        if dimension < 1:
            raise Invalid(f"must be at least 1, not {dimension}", field="dimension")

        def work(client: Any) -> None:
            from qdrant_client import models

            wanted = models.Distance[Distance(distance).name]
            if client.collection_exists(name):
                params = client.get_collection(name).config.params.vectors
                if not isinstance(params, models.VectorParams):
                    raise Conflict(f"vector collection {name!r} exists with named vectors; it was not made here")
                if params.size != dimension or params.distance != wanted:
                    raise Conflict(
                        f"vector collection {name!r} holds {params.size}-dimensional vectors "
                        f"({params.distance.value.lower()}), not {dimension} ({Distance(distance).value}); "
                        "re-embed into a new vector DB or drop this one"
                    )
                return
            client.create_collection(name, vectors_config=models.VectorParams(size=dimension, distance=wanted))
            if self._path is None:  # local mode ignores payload indexes (and warns)
                client.create_payload_index(name, DOCUMENT_ID_FIELD, models.PayloadSchemaType.INTEGER)

        await self._call(f"creating collection {name!r}", work)

    async def drop_collection(self, name: str) -> None:
        """Delete the collection and every point in it; dropping a missing collection is fine."""
        await self._call(f"dropping collection {name!r}", lambda c: c.delete_collection(name))

    async def count(self, name: str) -> int:
        return await self._call(f"counting points in {name!r}", lambda c: int(c.count(name, exact=True).count))

    async def upsert(
        self,
        name: str,
        points: Sequence[VectorPoint],
        batch_size: int = 256,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Insert or overwrite points, one worker call per batch.

        Batches keep progress granular (``on_progress(done, total)`` runs on the event loop after each)
        and let searches from other sessions slip in between batches of a long import.
        """
        if batch_size < 1:
            raise Invalid(f"must be at least 1, not {batch_size}", field="batch_size")
        total = len(points)
        for first in range(0, total, batch_size):
            batch = points[first : first + batch_size]
            last = first + batch_size >= total

            def work(client: Any, batch: Sequence[VectorPoint] = batch, last: bool = last) -> None:
                from qdrant_client import models

                structs = [models.PointStruct(id=p.id, vector=list(p.vector), payload=p.payload) for p in batch]
                client.upsert(name, points=structs, wait=True)
                if last:  # in the same call: one trip to the worker thread per batch, not two
                    self._check_size(name)

            await self._call(f"storing vectors in {name!r}", work)
            if on_progress is not None:
                on_progress(min(first + batch_size, total), total)

    async def delete_document(self, name: str, document_id: int | str) -> None:
        """Delete every point whose payload ``document_id`` matches."""

        def work(client: Any) -> None:
            from qdrant_client import models

            match = models.FieldCondition(key=DOCUMENT_ID_FIELD, match=models.MatchValue(value=document_id))
            client.delete(name, points_selector=models.FilterSelector(filter=models.Filter(must=[match])))

        await self._call(f"deleting document {document_id} from {name!r}", work)

    async def query(
        self, name: str, vector: Sequence[float], *, top_k: int, score_threshold: float | None = None
    ) -> list[VectorHit]:
        """The ``top_k`` nearest points, best first, optionally only those scoring past the threshold."""
        if top_k < 1:
            raise Invalid(f"must be at least 1, not {top_k}", field="top_k")

        def work(client: Any) -> list[VectorHit]:
            response = client.query_points(
                name, query=list(vector), limit=top_k, score_threshold=score_threshold, with_payload=True
            )
            return [VectorHit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

        return await self._call(f"searching {name!r}", work)

    async def document_ids(self, name: str) -> set[int | str]:
        """Every distinct payload ``document_id`` in the collection, scrolled page by page."""
        found: set[int | str] = set()
        offset: Any = None
        while True:

            def work(client: Any, offset: Any = offset) -> tuple[list[Any], Any]:
                return client.scroll(
                    name, limit=_SCROLL_PAGE, offset=offset, with_payload=[DOCUMENT_ID_FIELD], with_vectors=False
                )

            records, offset = await self._call(f"listing documents in {name!r}", work)
            found.update(r.payload[DOCUMENT_ID_FIELD] for r in records if DOCUMENT_ID_FIELD in (r.payload or {}))
            if offset is None:
                return found

    async def close(self) -> None:
        """Close the client on its thread (releasing the folder lock) and stop the thread."""
        executor, self._executor = self._executor, None
        self._state = StoreState.CLOSED
        if executor is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_client)
        finally:
            executor.shutdown(wait=False)

    def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()
