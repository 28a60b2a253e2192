"""The vector store against real embedded Qdrant in tmp_path."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.domain.enums import Distance
from workshop_tui.domain.errors import Conflict, Invalid, NotFound, Unavailable
from workshop_tui.vectors import StoreState, VectorPoint, VectorStore, point_id
from workshop_tui.vectors import store as store_module
from workshop_tui.vectors.folder import MARKER_NAME

TIMEOUT = 30


def unit(angle_deg: float) -> list[float]:
    """A 3-d unit vector in the x-y plane; cosine similarity falls as the angle grows."""
    rad = math.radians(angle_deg)
    return [math.cos(rad), math.sin(rad), 0.0]


def chunk_points(document_id: int, angles: list[float]) -> list[VectorPoint]:
    return [
        VectorPoint(point_id(document_id, i), unit(a), {"document_id": document_id, "chunk_index": i, "text": f"d{i}"})
        for i, a in enumerate(angles)
    ]


def test_point_ids_are_deterministic_uuids() -> None:
    assert point_id(7, 0) == point_id(7, 0) == point_id("7", 0)
    assert len({point_id(7, 0), point_id(7, 1), point_id(8, 0)}) == 3
    with pytest.raises(Invalid):
        VectorPoint("not-a-uuid", [1.0])
    with pytest.raises(Invalid):
        VectorPoint(point_id(1, 0), [])


def test_exactly_one_of_path_and_url(tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        VectorStore()
    with pytest.raises(Invalid):
        VectorStore(path=tmp_path, url="http://localhost:6333")


async def test_start_returns_at_once_and_state_reports_progress(tmp_path: Path) -> None:
    vectors = VectorStore(path=tmp_path / "v")
    assert vectors.state is StoreState.NOT_STARTED
    vectors.start()
    assert vectors.state in (StoreState.OPENING, StoreState.READY)
    await vectors.wait_ready(TIMEOUT)
    assert vectors.state is StoreState.READY and vectors.error is None
    await asyncio.wait_for(vectors.close(), TIMEOUT)
    assert vectors.state is StoreState.CLOSED
    with pytest.raises(Unavailable):
        await vectors.count("anything")


async def test_store_search_delete_round_trip(store: VectorStore) -> None:
    await store.ensure_collection("vdb_1", 3, Distance.COSINE)
    await store.ensure_collection("vdb_1", 3, Distance.COSINE)  # idempotent
    assert await store.collection_exists("vdb_1")
    assert await store.collection_names() == ["vdb_1"]
    progress: list[tuple[int, int]] = []
    await store.upsert(
        "vdb_1", chunk_points(1, [0, 10, 20]), batch_size=2, on_progress=lambda d, t: progress.append((d, t))
    )
    await store.upsert("vdb_1", chunk_points(2, [80, 90]))
    assert progress == [(2, 3), (3, 3)]
    assert await store.count("vdb_1") == 5
    assert await store.document_ids("vdb_1") == {1, 2}

    hits = await store.query("vdb_1", unit(12), top_k=3)
    assert [h.payload["chunk_index"] for h in hits] == [1, 2, 0]
    assert hits[0].id == point_id(1, 1)
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert hits[0].payload == {"document_id": 1, "chunk_index": 1, "text": "d1"}
    near = await store.query("vdb_1", unit(85), top_k=5, score_threshold=0.9)
    assert {h.payload["document_id"] for h in near} == {2}

    await store.delete_document("vdb_1", 1)
    assert await store.count("vdb_1") == 2
    assert await store.document_ids("vdb_1") == {2}
    await store.drop_collection("vdb_1")
    assert not await store.collection_exists("vdb_1")
    assert await store.collection_names() == []


async def test_re_upsert_overwrites_instead_of_duplicating(store: VectorStore) -> None:
    await store.ensure_collection("vdb", 3)
    await store.upsert("vdb", chunk_points(5, [0, 30, 60]))
    changed = [VectorPoint(p.id, unit(90), {**p.payload, "text": "new"}) for p in chunk_points(5, [0, 30, 60])]
    await store.upsert("vdb", changed)
    assert await store.count("vdb") == 3
    hits = await store.query("vdb", unit(90), top_k=3)
    assert all(h.payload["text"] == "new" for h in hits)


async def test_dimension_conflict_and_bad_vectors(store: VectorStore) -> None:
    await store.ensure_collection("vdb", 3)
    with pytest.raises(Conflict, match="3-dimensional"):
        await store.ensure_collection("vdb", 768)
    with pytest.raises(Conflict):
        await store.ensure_collection("vdb", 3, Distance.DOT)
    with pytest.raises(Invalid, match="dimension"):
        await store.upsert("vdb", [VectorPoint(point_id(1, 0), [1.0, 0.0])])
    with pytest.raises(Invalid):
        await store.query("vdb", unit(0), top_k=0)


async def test_missing_collection_is_not_found(store: VectorStore) -> None:
    with pytest.raises(NotFound):
        await store.count("nope")
    with pytest.raises(NotFound):
        await store.query("nope", unit(0), top_k=1)


async def test_every_qdrant_call_runs_on_one_worker_thread(store: VectorStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from qdrant_client import QdrantClient

    seen: list[int] = []
    for name in ("collection_exists", "create_collection", "upsert", "query_points", "count", "scroll", "delete"):
        original = getattr(QdrantClient, name)

        def recording(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            seen.append(threading.get_ident())
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(QdrantClient, name, recording)
    await store.ensure_collection("vdb", 3)
    await store.upsert("vdb", chunk_points(1, [0, 45]))
    await asyncio.gather(store.query("vdb", unit(0), top_k=1), store.count("vdb"), store.document_ids("vdb"))
    await store.delete_document("vdb", 1)
    assert len(seen) >= 7
    assert len(set(seen)) == 1, "one dedicated thread"
    assert seen[0] != threading.get_ident(), "never the event loop's thread"


async def test_folder_is_private_and_reopens_with_data(tmp_path: Path) -> None:
    folder = tmp_path / "vectors"
    first = VectorStore(path=folder)
    await first.wait_ready(TIMEOUT)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert (folder / MARKER_NAME).is_file()
    await first.ensure_collection("vdb", 3)
    await first.upsert("vdb", chunk_points(1, [0, 10]))
    await asyncio.wait_for(first.close(), TIMEOUT)
    second = VectorStore(path=folder)
    await second.wait_ready(TIMEOUT)
    assert await second.count("vdb") == 2
    await asyncio.wait_for(second.close(), TIMEOUT)


async def test_second_process_style_open_of_same_folder_fails_clearly(store: VectorStore, tmp_path: Path) -> None:
    other = VectorStore(path=tmp_path / "vectors")
    with pytest.raises(Unavailable, match="already open in another process"):
        await other.wait_ready(TIMEOUT)
    assert other.state is StoreState.FAILED and isinstance(other.error, Unavailable)
    with pytest.raises(Unavailable, match="not open"):
        await other.count("vdb")
    await asyncio.wait_for(other.close(), TIMEOUT)


@pytest.mark.parametrize("problem", ["foreign", "group_writable", "symlink"])
async def test_folders_not_made_by_the_app_are_refused(tmp_path: Path, problem: str) -> None:
    folder = tmp_path / "vectors"
    if problem == "foreign":
        folder.mkdir(mode=0o700)
        (folder / "meta.json").write_text('{"collections": {}, "aliases": {}}')
    elif problem == "group_writable":
        folder.mkdir()
        (folder / MARKER_NAME).write_text("x")
        folder.chmod(0o770)
    else:
        real = tmp_path / "real"
        real.mkdir(mode=0o700)
        folder.symlink_to(real)
    vectors = VectorStore(path=folder)
    with pytest.raises(Unavailable, match="refusing to open"):
        await vectors.wait_ready(TIMEOUT)
    assert vectors.state is StoreState.FAILED
    await asyncio.wait_for(vectors.close(), TIMEOUT)


async def test_unreachable_server_fails_with_unavailable() -> None:
    vectors = VectorStore(url="http://127.0.0.1:9", api_key="k")
    with pytest.raises(Unavailable, match="cannot reach the Qdrant server"):
        await vectors.wait_ready(TIMEOUT)
    assert vectors.state is StoreState.FAILED
    await asyncio.wait_for(vectors.close(), TIMEOUT)


async def test_large_local_collections_are_reported_through_logging(
    store: VectorStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(store_module, "LOCAL_POINTS_ADVISED", 2)
    await store.ensure_collection("vdb", 3)
    with caplog.at_level(logging.WARNING, logger="workshop_tui.vectors.store"):
        await store.upsert("vdb", chunk_points(1, [0, 10, 20]))
        await store.upsert("vdb", chunk_points(2, [0, 10, 20]))
    messages = [r.getMessage() for r in caplog.records if "embedded storage is advised" in r.getMessage()]
    assert len(messages) == 1 and "'vdb'" in messages[0]
