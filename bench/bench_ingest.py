"""Ingest throughput, retrieval latency and event-loop stalls of the knowledge pipeline.

Ingests a generated Markdown corpus of at least 5,000 chunks through the real services (paste
import, chunking, embedding jobs over HTTP to the fake Ollama, upserts into embedded Qdrant on disk,
progress written to SQLite) and, in the same run, upserts the very same points with a raw
qdrant-client in the same mode (local, on disk, a folder of its own) and the same batch size.
Target: pipeline / raw >= 0.7. Then measures end-to-end retrieval (`SearchService.search`: a fresh
actor, the question's embedding over HTTP, the Qdrant query, titles from the database) at that
size (target p95 <= 50 ms). A monitor task records the longest event-loop stall throughout the
pipeline and retrieval phases (target: none over 50 ms).

The fake runs in its own process, as Ollama would, and its embeddings are near-instant (numpy, a
cached component per distinct word; the corpus keeps a small vocabulary), so what is measured is our
pipeline, not the fake. The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workshop_tui.config.loader import load_settings
from workshop_tui.domain.enums import JobStatus
from workshop_tui.ollama import OllamaPool
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.knowledge import build_knowledge
from workshop_tui.storage.database import Database
from workshop_tui.vectors import VectorPoint, VectorStore

MODEL = "all-minilm"
DOCUMENTS = 48
SECTIONS = 36  # per document
PARAGRAPHS = 10  # per section, about 200 characters each
QUERIES = 200
TIMEOUT_S = 150
BASE_WORDS = ("the a of to and in is for with on model prompt token vector search answer question context "
              "workshop llama chunk document embed local server class student teacher").split()


def corpus(seed: int = 7) -> list[tuple[str, str]]:
    """(title, Markdown) pairs: headings, paragraphs, a few topic words per document."""
    rng = random.Random(seed)
    documents = []
    for d in range(DOCUMENTS):
        topic = [f"topic{d}w{i}" for i in range(6)]
        words = list(BASE_WORDS) + topic
        parts = [f"# Handbook {d}\n"]
        for s in range(SECTIONS):
            parts.append(f"\n## Part {s} of {topic[s % len(topic)]}\n")
            for _ in range(PARAGRAPHS):
                sentence = " ".join(rng.choice(words) for _ in range(32))
                parts.append(f"\n{sentence.capitalize()}.\n")
        documents.append((f"Handbook {d}", "".join(parts)))
    return documents


class LoopMonitor:
    """Sleeps 5 ms at a time and records how late it wakes: the loop's longest stall. Also records
    the longest garbage collection meanwhile, the usual culprit of a stall no code of ours causes."""

    def __init__(self) -> None:
        self.max_stall_s = 0.0
        self.max_gc_s = 0.0
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.max_gc_s = max(self.max_gc_s, time.perf_counter() - self._gc_started)

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.max_stall_s = max(self.max_stall_s, time.perf_counter() - start - 0.005)

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def raw_upsert(folder: Path, points: list[VectorPoint], dimension: int, batch: int) -> float:
    """Seconds for a raw qdrant-client (local mode, on disk) to upsert `points` in batches of `batch`."""
    from qdrant_client import QdrantClient, models

    client = QdrantClient(path=str(folder))
    try:
        client.create_collection("raw", vectors_config=models.VectorParams(size=dimension,
                                                                           distance=models.Distance.COSINE))
        start = time.perf_counter()
        for first in range(0, len(points), batch):
            structs = [models.PointStruct(id=p.id, vector=p.vector, payload=p.payload)
                       for p in points[first:first + batch]]
            client.upsert("raw", points=structs, wait=True)
        elapsed = time.perf_counter() - start
        assert client.count("raw", exact=True).count == len(points)
        return elapsed
    finally:
        client.close()


async def run(url: str, workdir: Path) -> dict[str, Any]:
    settings = load_settings(data_dir=workdir / "data", env={}, dotenv_path=None)
    database = Database.from_url(settings.effective_database_url)
    await database.upgrade()
    ctx = ServiceContext(settings=settings, db=database)
    store = VectorStore(path=workdir / "vectors")
    store.start()
    await store.wait_ready(60)
    pool = OllamaPool([url])
    await pool.refresh_models()
    knowledge = build_knowledge(ctx, store, pool)
    stored: list[VectorPoint] = []
    real_upsert = store.upsert

    async def recording_upsert(name: str, points: Any, **kwargs: Any) -> None:
        stored.extend(points)  # keep the exact points, to replay them through the raw client
        await real_upsert(name, points, **kwargs)

    store.upsert = recording_upsert  # type: ignore[method-assign]
    monitor = LoopMonitor()
    try:
        texts = corpus()
        # What the server should do once started: move the ~150,000 objects of the imported libraries
        # out of the collector's sight. Without it each full collection scans them all, which on this
        # machine stalls the loop for 90-130 ms (docs/KNOWLEDGE.md).
        gc.freeze()
        vector_db = await knowledge.vector_dbs.create(OPERATOR, "bench", MODEL)
        monitor.start()
        started = time.perf_counter()
        jobs = []
        for title, text in texts:
            document = await knowledge.documents.import_text(OPERATOR, title, text, content_type="text/markdown")
            jobs.append(await knowledge.jobs.enqueue(OPERATOR, document.id, vector_db.id))
        finished = [await knowledge.jobs.wait(OPERATOR, job.id, timeout_s=TIMEOUT_S) for job in jobs]
        pipeline_s = time.perf_counter() - started
        chunks = sum(job.chunks_total for job in finished)
        assert all(job.status is JobStatus.DONE for job in finished), [j.error for j in finished if j.error]
        assert await store.count(vector_db.collection_name) == chunks == len(stored)
        print(f"pipeline: {chunks} chunks from {len(texts)} documents in {pipeline_s:.2f} s")

        queries = [" ".join(random.Random(i).sample(BASE_WORDS, 4)) + f" topic{i % DOCUMENTS}w{i % 6}"
                   for i in range(QUERIES)]
        for query in queries[:5]:  # warm-up
            await knowledge.search.search(OPERATOR, vector_db.id, query, 4)
        latencies = []
        for query in queries:
            start = time.perf_counter()
            hits = await knowledge.search.search(OPERATOR, vector_db.id, query, 4)
            latencies.append((time.perf_counter() - start) * 1000)
            assert hits
        await monitor.stop()
        quantiles = statistics.quantiles(latencies, n=100)
        print(f"retrieval over {chunks} points: p50 {quantiles[49]:.1f} ms, p95 {quantiles[94]:.1f} ms")
        print(f"event loop: longest stall {monitor.max_stall_s * 1000:.1f} ms, "
              f"longest garbage collection {monitor.max_gc_s * 1000:.1f} ms")

        batch = settings.documents.embed_batch_size
        raw_s = await asyncio.to_thread(raw_upsert, workdir / "raw", stored, vector_db.dimension, batch)
        print(f"raw qdrant-client upsert (local, on disk, batches of {batch}): {len(stored)} points in {raw_s:.2f} s")
        pipeline_rate = chunks / pipeline_s
        raw_rate = len(stored) / raw_s
        return {
            "chunks": chunks,
            "pipeline_chunks_per_s": round(pipeline_rate, 1),
            "raw_upsert_chunks_per_s": round(raw_rate, 1),
            "ratio": round(pipeline_rate / raw_rate, 3),
            "retrieval_p50_ms": round(quantiles[49], 2),
            "retrieval_p95_ms": round(quantiles[94], 2),
            "max_loop_stall_ms": round(monitor.max_stall_s * 1000, 2),
        }
    finally:
        await monitor.stop()
        await knowledge.aclose()
        await pool.aclose()
        await store.close()
        await database.close()


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    fake = subprocess.Popen([sys.executable, "-m", "workshop_tui.testing.fake_ollama", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the fake Ollama did not start: {url!r}")
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as workdir:
            result = asyncio.run(run(url, Path(workdir)))
    finally:
        fake.terminate()
        try:
            fake.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fake.kill()
    targets = (f"targets: ratio >= 0.7 {'met' if result['ratio'] >= 0.7 else 'NOT met'}; "
               f"p95 <= 50 ms {'met' if result['retrieval_p95_ms'] <= 50 else 'NOT met'}; "
               f"no loop stall > 50 ms {'met' if result['max_loop_stall_ms'] <= 50 else 'NOT met'}")
    print(targets)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
