"""argon2id with the real parameters: what they are, that hashing stays off the event loop, and that
an unknown user costs as much time as a wrong password."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import FAST_FOR_TESTS, PRODUCTION, Passwords

PASSWORD = "correct horse battery"


@pytest.fixture
async def real(ctx: ServiceContext) -> AsyncIterator[AccountService]:
    """The account service with the production argon2 parameters and a throttle that stays out of
    the way (these tests fail on purpose, many times)."""
    ctx.settings.auth.max_failures_per_account = 1000
    service = AccountService(ctx, passwords=Passwords(ctx.settings.auth, PRODUCTION))
    yield service
    service.passwords.close()


async def test_production_parameters_are_argon2id_and_verify(real: AccountService) -> None:
    stored = await real.passwords.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=47104,t=3,p=1$")
    assert PRODUCTION.memory_kib <= 64 * 1024
    assert await real.passwords.verify(stored, SecretStr(PASSWORD))
    assert not await real.passwords.verify(stored, "wrong password")
    assert not real.passwords.needs_rehash(stored)
    cheap = Passwords(real.ctx.settings.auth, FAST_FOR_TESTS)
    try:
        assert real.passwords.needs_rehash(await cheap.hash(PASSWORD))
    finally:
        cheap.close()


async def test_unknown_user_and_wrong_password_take_comparable_time(real: AccountService) -> None:
    user = await real.add_user(OPERATOR, "known", Role.STUDENT, AccountStatus.ACTIVE, "Known", PASSWORD)
    assert user.id

    async def timed(username: str) -> float:
        start = time.perf_counter()
        with pytest.raises(NotAuthenticated, match="wrong username or password"):
            await real.login(username, "not the password")
        return time.perf_counter() - start

    unknown, wrong = [], []
    for i in range(7):  # interleaved, so machine noise hits both alike
        unknown.append(await timed(f"ghost{i}"))
        wrong.append(await timed("known"))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    print(f"median unknown {statistics.median(unknown) * 1000:.1f} ms, wrong {statistics.median(wrong) * 1000:.1f} ms")
    assert 0.5 <= ratio <= 2.0
    assert statistics.median(unknown) > 0.02  # the dummy verify really ran


async def test_hashing_runs_off_the_event_loop(real: AccountService) -> None:
    await real.add_user(OPERATOR, "beat", Role.STUDENT, AccountStatus.ACTIVE, "Beat", PASSWORD)
    gaps: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.02)
    start = time.perf_counter()
    await real.login("beat", PASSWORD)
    took = time.perf_counter() - start
    stop.set()
    await task
    assert took > 0.05, "a production verify takes tens of milliseconds"
    assert len(gaps) >= 5 and max(gaps) < took * 0.6, (max(gaps), took)


async def test_hashing_happens_in_the_bounded_pool(settings: Settings) -> None:
    settings.auth.hash_threads = 2
    hasher = Passwords(settings.auth, FAST_FOR_TESTS)
    seen: set[str] = set()
    real_hasher = hasher._hasher

    class Spy:
        def hash(self, password: str) -> str:
            seen.add(threading.current_thread().name)
            time.sleep(0.01)
            return real_hasher.hash(password)

    hasher._hasher = Spy()  # type: ignore[assignment]
    try:
        await asyncio.gather(*(hasher.hash(f"password number {i}") for i in range(8)))
    finally:
        hasher.close()
    assert seen and all(name.startswith("argon2") for name in seen)
    assert len(seen) <= 2 and threading.main_thread().name not in seen
