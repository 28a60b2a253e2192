"""The login throttle holds under concurrency: guesses fired together are counted before any of
them is hashed, so no burst gets more argon2 work than the limits allow, and one address cannot
queue a pile of hashes for the shared pool."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import LimitExceeded, NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import FAST_FOR_TESTS, Password, Passwords
from workshop_tui.services.throttle import LoginThrottle, RegistrationThrottle

from .support import Clock

PASSWORD = "correct horse battery"


class CountingPasswords(Passwords):
    """Counts verifies, and how many were waiting or running at once per source (set by the test)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.auth, FAST_FOR_TESTS)
        self.verifies = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def verify(self, stored_hash: str | None, password: Password) -> bool:
        self.verifies += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.02)  # a real verify takes ~0.1 s: the others arrive meanwhile
            return await super().verify(stored_hash, password)
        finally:
            self.in_flight -= 1


@pytest.fixture
def counting(settings: Settings) -> Any:
    hasher = CountingPasswords(settings)
    yield hasher
    hasher.close()


@pytest.fixture
def guarded(ctx: ServiceContext, counting: CountingPasswords, clock: Clock) -> AccountService:
    auth = ctx.settings.auth
    return AccountService(ctx, passwords=counting, login_throttle=LoginThrottle(auth, clock=clock),
                          registration_throttle=RegistrationThrottle(auth, clock=clock))


async def burst(accounts: AccountService, names: list[str], source: str | None) -> list[BaseException | Any]:
    return await asyncio.wait_for(asyncio.gather(
        *(accounts.login(name, "a wrong password", source=source) for name in names), return_exceptions=True), 30)


async def test_forty_guesses_at_one_account_at_once_reach_argon2_at_most_ten_times(
        guarded: AccountService, counting: CountingPasswords) -> None:
    await guarded.add_user(OPERATOR, "lin", Role.STUDENT, AccountStatus.ACTIVE, "Lin", PASSWORD)
    counting.verifies = 0
    results = await burst(guarded, ["lin"] * 40, None)
    assert counting.verifies <= 10
    assert sum(isinstance(r, NotAuthenticated) for r in results) == counting.verifies
    assert all(isinstance(r, NotAuthenticated | LimitExceeded) for r in results)
    with pytest.raises(LimitExceeded, match="too many failed logins for this account"):
        await guarded.login("lin", PASSWORD)


async def test_guesses_at_many_accounts_from_one_address_reach_argon2_at_most_thirty_times(
        guarded: AccountService, counting: CountingPasswords) -> None:
    for wave in range(10):  # waves of 8, so the per-address cap on waiting hashes is not what stops them
        await burst(guarded, [f"user{wave}x{i}" for i in range(8)], "203.0.113.9")
    assert counting.verifies <= 30
    with pytest.raises(LimitExceeded, match="from your address"):
        await guarded.login("someone", PASSWORD, source="203.0.113.9")


async def test_one_address_cannot_queue_a_pile_of_hashes(guarded: AccountService, counting: CountingPasswords,
                                                        settings: Settings) -> None:
    cap = settings.auth.max_pending_logins_per_address
    results = await burst(guarded, [f"sprayed{i}" for i in range(25)], "198.51.100.7")
    assert counting.most_in_flight <= cap
    waits = [r for r in results if isinstance(r, LimitExceeded)]
    assert waits and all("sign-ins at once from your address" in str(r) for r in waits)
    # Another address is not held up by the first one's burst.
    other = await burst(guarded, ["elsewhere"], "192.0.2.1")
    assert isinstance(other[0], NotAuthenticated)


async def test_a_correct_password_does_not_count_against_the_address(guarded: AccountService) -> None:
    await guarded.add_user(OPERATOR, "lin", Role.STUDENT, AccountStatus.ACTIVE, "Lin", PASSWORD)
    for _ in range(40):  # a classroom behind one address, signing in one after another
        assert (await guarded.login("lin", PASSWORD, source="203.0.113.50")).user is not None
