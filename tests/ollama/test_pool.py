"""Several hosts, one of them down: merged models, least-busy routing, down hosts skipped quickly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from workshop_tui.ollama import ModelNotFound, OllamaPool, Unreachable
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.testing.fake_ollama_models import default_models


@pytest.fixture
def second_fake() -> Iterator[FakeOllama]:
    """A host with llama3.2:1b and qwen2.5:0.5b only."""
    with FakeOllama(models=[m for m in default_models() if m.name == "llama3.2:1b"]) as fake:
        fake.registry.add(fake.catalog_get("qwen2.5:0.5b"))  # type: ignore[arg-type]
        yield fake


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_refresh_merges_models_and_marks_down_host(
    fake_ollama: FakeOllama, second_fake: FakeOllama, closed_port_url: str
) -> None:
    pool = OllamaPool([fake_ollama.url, second_fake.url, closed_port_url])
    try:
        models = await asyncio.wait_for(pool.refresh_models(), 10)
        names = [m.name for m in models]
        assert "qwen2.5:0.5b" in names and "gemma3:1b" in names
        assert len(names) == len(set(names)) == 6
        assert pool.hosts_for("llama3.2:1b") == [fake_ollama.url, second_fake.url]
        assert pool.hosts_for("Qwen2.5:0.5b") == [second_fake.url]
        assert not pool.is_up(closed_port_url)
        assert pool.is_up(fake_ollama.url) and pool.is_up(second_fake.url)
    finally:
        await pool.aclose()


async def test_hung_host_does_not_slow_refresh(fake_ollama: FakeOllama, black_hole_url: str) -> None:
    pool = OllamaPool([black_hole_url, fake_ollama.url], probe_timeout=0.5)
    try:
        start = time.monotonic()
        await asyncio.wait_for(pool.refresh_models(), 10)
        assert time.monotonic() - start < 2.0
        assert not pool.is_up(black_hole_url)
        assert pool.hosts_for("gemma3:1b") == [fake_ollama.url]
        start = time.monotonic()
        await asyncio.wait_for(pool.refresh_models(), 10)
        assert time.monotonic() - start < 0.4, "a down host is skipped until its retry time"
    finally:
        await pool.aclose()


async def test_down_host_is_retried_after_its_retry_time(fake_ollama: FakeOllama) -> None:
    clock = Clock()
    pool = OllamaPool([fake_ollama.url], retry_after=15, clock=clock)
    try:
        await pool.refresh_models()
        pool.mark_down(fake_ollama.url, "test")
        with pytest.raises(Unreachable):
            pool.pick_host("gemma3:1b")
        clock.now += 14
        assert not pool.is_up(fake_ollama.url)
        clock.now += 2
        assert pool.is_up(fake_ollama.url)
        with pool.pick_host("gemma3:1b") as lease:
            assert lease.url == fake_ollama.url
    finally:
        await pool.aclose()


async def test_routing_prefers_fewest_in_flight(
    fake_ollama: FakeOllama, second_fake: FakeOllama, closed_port_url: str
) -> None:
    pool = OllamaPool([closed_port_url, fake_ollama.url, second_fake.url])
    try:
        await pool.refresh_models()
        first = pool.pick_host("llama3.2:1b")
        with first:
            second = pool.pick_host("llama3.2:1b")
            with second:
                assert {first.url, second.url} == {fake_ollama.url, second_fake.url}
                assert pool.in_flight(first.url) == pool.in_flight(second.url) == 1
                third = pool.pick_host("llama3.2:1b")
                with third:
                    assert pool.in_flight(third.url) == 2
                    assert third.url == first.url, "ties go to the host picked least recently"
            assert pool.pick_host("llama3.2:1b").url == second.url, "second is now the least busy"
        assert pool.in_flight(fake_ollama.url) == pool.in_flight(second_fake.url) == 0
        assert pool.pick_host("qwen2.5:0.5b").url == second_fake.url
        with pytest.raises(ModelNotFound):
            pool.pick_host("never-heard-of-it")
    finally:
        await pool.aclose()


async def test_host_that_dies_is_marked_down_by_its_lease(fake_ollama: FakeOllama) -> None:
    doomed = FakeOllama().start()
    pool = OllamaPool([fake_ollama.url, doomed.url])
    hi = [{"role": "user", "content": "hi"}]
    try:
        await pool.refresh_models()
        with pool.pick_host("gemma3:1b") as busy:
            lease = pool.pick_host("gemma3:1b")
        assert (busy.url, lease.url) == (fake_ollama.url, doomed.url)
        doomed.stop()
        with pytest.raises(Unreachable):
            async with lease:
                [c async for c in lease.client.chat("gemma3:1b", hi)]
        assert not pool.is_up(doomed.url)
        for _ in range(3):
            async with pool.pick_host("gemma3:1b") as again:
                assert again.url == fake_ollama.url
                chunks = [c async for c in again.client.chat("gemma3:1b", hi)]
                assert chunks[-1].done
    finally:
        doomed.stop()
        await pool.aclose()


async def test_health_reports_each_host(fake_ollama: FakeOllama, closed_port_url: str) -> None:
    pool = OllamaPool([fake_ollama.url, closed_port_url])
    try:
        up, down = await asyncio.wait_for(pool.health(), 10)
        assert up.reachable and up.version == "0.33.0" and up.latency_ms is not None and up.error is None
        assert not down.reachable and down.error and closed_port_url in down.error
        assert not pool.is_up(closed_port_url)
        assert await pool.clients[fake_ollama.url].ps() == []
    finally:
        await pool.aclose()
