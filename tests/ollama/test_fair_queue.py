"""Fairness between attendees: round-robin per host, per-user limits, visible positions, clean cancel."""

from __future__ import annotations

import asyncio

import pytest

from workshop_tui.ollama import FairQueue, OllamaClient
from workshop_tui.testing.fake_ollama import FakeOllama

H = "http://host-a"


async def settle() -> None:
    """Let every ready task run until it blocks again."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_light_user_is_not_starved_by_heavy_user() -> None:
    queue = FairQueue()
    served: list[str] = []

    async def request(user: str) -> None:
        async with queue.slot(user, H):
            served.append(user)
            await asyncio.sleep(0.005)

    tasks = [asyncio.create_task(request("A")) for _ in range(10)]
    tasks.append(asyncio.create_task(request("B")))
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert "B" in served[:2]
    assert served.count("A") == 10


async def test_round_robin_between_three_users() -> None:
    queue = FairQueue()
    served: list[str] = []
    gate = asyncio.Event()

    async def request(user: str) -> None:
        async with queue.slot(user, H):
            served.append(user)
            await gate.wait()

    tasks = [asyncio.create_task(request(u)) for u in ["A", "A", "A", "B", "B", "C"]]
    await settle()
    assert queue.running(H) == 1 and queue.waiting(H) == 5
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert served == ["A", "B", "C", "A", "B", "A"]


async def test_per_host_capacity() -> None:
    queue = FairQueue(host_capacity={H: 2})
    active = 0
    peak = 0

    async def request(host: str) -> None:
        nonlocal active, peak
        async with queue.slot("u", host):
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    await asyncio.wait_for(asyncio.gather(*(request(H) for _ in range(6))), 5)
    assert peak == 2
    await asyncio.wait_for(asyncio.gather(*(request("http://other") for _ in range(3))), 5)
    assert queue.running(H) == queue.waiting(H) == 0


async def test_per_user_limit_across_hosts() -> None:
    queue = FairQueue(default_capacity=3, per_user_limit=lambda user: None if user == "teacher" else 1)
    active: dict[str, int] = {}
    peak: dict[str, int] = {}

    async def request(user: str, host: str) -> None:
        async with queue.slot(user, host):
            active[user] = active.get(user, 0) + 1
            peak[user] = max(peak.get(user, 0), active[user])
            await asyncio.sleep(0.01)
            active[user] -= 1

    jobs = [request("A", H), request("A", H), request("A", "http://host-b"), request("B", H)]
    jobs += [request("teacher", H), request("teacher", "http://host-b"), request("teacher", "http://host-b")]
    await asyncio.wait_for(asyncio.gather(*jobs), 5)
    assert peak["A"] == 1 and peak["B"] == 1
    assert peak["teacher"] >= 2


async def test_positions_are_visible_and_update() -> None:
    queue = FairQueue()
    holder = queue.slot("X", H)
    await holder.__aenter__()
    seen_by_c: list[int] = []
    slots = {u: queue.slot(u, H) for u in ["A", "B"]}
    slots["C"] = queue.slot("C", H, on_position=seen_by_c.append)
    assert slots["C"].ticket.position == -1, "not queued until entered"

    async def request(user: str) -> None:
        async with slots[user]:
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(request(u)) for u in ["A", "B", "C"]]
    await settle()
    assert [slots[u].ticket.position for u in "ABC"] == [0, 1, 2]

    b_positions: list[int] = []

    async def watch_b() -> None:
        async for position in slots["B"].ticket.positions():
            b_positions.append(position)

    watcher = asyncio.create_task(watch_b())
    await settle()
    await holder.__aexit__(None, None, None)
    await asyncio.wait_for(asyncio.gather(*tasks, watcher), 5)
    assert b_positions == [1, 0]
    assert seen_by_c == [2, 1, 0]
    assert all(slots[u].ticket.state == "done" for u in "ABC")


async def test_wait_changed_reports_new_position() -> None:
    queue = FairQueue()
    holder = queue.slot("X", H)
    await holder.__aenter__()
    first, second = queue.slot("A", H), queue.slot("B", H)
    t1 = asyncio.create_task(first.__aenter__())
    t2 = asyncio.create_task(second.__aenter__())
    await settle()
    assert second.ticket.position == 1
    seen = second.ticket.version
    t1.cancel()
    await settle()
    assert first.ticket.state == "cancelled"
    # The change already happened; passing the version seen before means it is not missed.
    assert await asyncio.wait_for(second.ticket.wait_changed(seen), 1) == 0
    await holder.__aexit__(None, None, None)
    await asyncio.wait_for(t2, 1)
    assert second.ticket.running
    await second.__aexit__(None, None, None)


async def test_cancel_while_waiting_removes_ticket_and_takes_nothing() -> None:
    queue = FairQueue()
    gate = asyncio.Event()
    served: list[str] = []

    async def request(user: str) -> None:
        async with queue.slot(user, H):
            served.append(user)
            await gate.wait()

    holder = asyncio.create_task(request("X"))
    waiting_a = asyncio.create_task(request("A"))
    waiting_b = asyncio.create_task(request("B"))
    await settle()
    assert queue.waiting(H) == 2
    waiting_a.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting_a
    assert queue.waiting(H) == 1 and queue.running(H) == 1
    gate.set()
    await asyncio.wait_for(asyncio.gather(holder, waiting_b), 5)
    assert served == ["X", "B"]
    assert queue.running(H) == 0 and queue.waiting(H) == 0


async def test_cancel_right_after_being_granted_gives_the_slot_back() -> None:
    queue = FairQueue()
    holder = queue.slot("X", H)
    await holder.__aenter__()
    unlucky = asyncio.create_task(queue.slot("A", H).__aenter__())
    next_in_line = queue.slot("B", H)
    lucky = asyncio.create_task(next_in_line.__aenter__())
    await settle()
    await holder.__aexit__(None, None, None)  # grants A's ticket...
    unlucky.cancel()  # ...but A is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await asyncio.wait_for(lucky, 1)
    assert next_in_line.ticket.running and queue.running(H) == 1
    await next_in_line.__aexit__(None, None, None)
    assert queue.running(H) == 0


async def test_queue_caps_real_generations_on_the_fake(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.chunk_delay = 0.01
    fake_ollama.reply_tokens = 5
    queue = FairQueue()

    async def ask(user: str) -> str:
        async with queue.slot(user, client.base_url):
            chunks = [c async for c in client.chat("llama3.2:1b", [{"role": "user", "content": user}])]
        return "".join(c.content for c in chunks)

    replies = await asyncio.wait_for(asyncio.gather(*(ask(u) for u in ["A", "A", "A", "B"])), 20)
    assert all(replies)
    assert fake_ollama.max_in_flight == 1
    assert [r.body["messages"][0]["content"] for r in fake_ollama.requests_to("/api/chat")][:2] == ["A", "B"]
