"""Full collections between replies: the server's collector, not the interpreter, decides when."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.services import collector as collector_module
from workshop_tui.services.collector import OUT_OF_REACH, Collector
from workshop_tui.services.workshop import Workshop


class Ring:
    """An object in a reference cycle: only a collection frees it."""

    def __init__(self) -> None:
        self.me = self


def old_cycle() -> weakref.ref[Ring]:
    """A cycle that has reached the oldest generation, then lost its last outside reference."""
    ring = Ring()
    gc.collect()  # survives, so it is in generation 2 now
    return weakref.ref(ring)


async def until(condition, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_it_is_due_after_a_quiet_spell_or_after_the_longest_gap_whatever_runs() -> None:
    now = [100.0]
    busy = [True]
    collector = Collector(lambda: busy[0], idle_after_s=30, at_most_s=120, clock=lambda: now[0])
    now[0] += 29
    busy[0] = False
    assert not collector.due()  # too soon, even with nothing generating
    now[0] += 2
    assert collector.due()
    busy[0] = True
    assert not collector.due()  # a reply is streaming: wait
    now[0] += 90
    assert collector.due()  # but never longer than at_most_s
    collector.collect()
    assert not collector.due() and collector.collections == 1


def test_reported_garbage_brings_it_forward_but_not_more_often_than_the_shortest_gap() -> None:
    now = [100.0]
    collector = Collector(lambda: True, garbage_limit=3, min_gap_s=10, clock=lambda: now[0])
    collector.note_garbage(3)  # three sessions closed while replies stream
    now[0] += 9
    assert not collector.due()
    now[0] += 1
    assert collector.due()
    collector.collect()
    now[0] += 60
    collector.note_garbage(2)
    assert not collector.due()  # below the limit: waits for a quiet spell or the longest gap
    collector.note_garbage()
    assert collector.due()


async def test_old_cycles_wait_for_the_collector_and_it_frees_them_once_nothing_streams(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector_module, "CHECK_S", 0.01)
    before = gc.get_threshold()
    busy = [True]
    collector = Collector(lambda: busy[0], idle_after_s=0.05, at_most_s=600)
    collector.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], OUT_OF_REACH)
        ring = old_cycle()
        for _ in range(50):  # plenty of young collections, which never reach the old cycle
            gc.collect(1)
            await asyncio.sleep(0.005)
        assert ring() is not None and collector.collections == 0  # a reply is streaming
        busy[0] = False
        await until(lambda: ring() is None, "the collector to free the cycle")
        assert collector.collections >= 1
    finally:
        await collector.stop()
    assert gc.get_threshold() == before


async def test_the_interpreters_thresholds_return_when_the_last_collector_stops() -> None:
    before = gc.get_threshold()
    first, second = Collector(lambda: False), Collector(lambda: False)
    first.start()
    second.start()
    await first.stop()
    assert gc.get_threshold()[2] == OUT_OF_REACH  # the second still decides
    await second.stop()
    assert gc.get_threshold() == before


async def test_the_long_lived_process_runs_one_and_closing_it_stops_it(settings: Settings) -> None:
    before = gc.get_threshold()
    workshop = await Workshop.open(settings, run_jobs=True)
    try:
        assert workshop.collector is not None and gc.get_threshold()[2] == OUT_OF_REACH
    finally:
        await workshop.close()
    assert gc.get_threshold() == before
    commands = await Workshop.open(settings)  # health, import: short-lived, the interpreter's own collections
    try:
        assert commands.collector is None and gc.get_threshold() == before
    finally:
        await commands.close()
