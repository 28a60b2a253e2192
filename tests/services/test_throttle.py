"""Login and registration throttling, with a clock the test moves instead of sleeping."""

from __future__ import annotations

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import LimitExceeded, NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.throttle import LoginThrottle, RollingWindow, describe_wait

from .support import Clock

PASSWORD = "correct horse battery"


@pytest.fixture
async def lin(accounts: AccountService) -> int:
    user = await accounts.add_user(OPERATOR, "lin", Role.STUDENT, AccountStatus.ACTIVE, "Lin", PASSWORD)
    return user.id


async def fail(accounts: AccountService, username: str, source: str | None = None) -> None:
    with pytest.raises(NotAuthenticated, match="wrong username or password"):
        await accounts.login(username, "a wrong password", source=source)


async def test_the_eleventh_failure_in_the_window_is_refused_with_the_wait(
        accounts: AccountService, clock: Clock, lin: int) -> None:
    for _ in range(10):
        await fail(accounts, "lin")
        clock.advance(10)  # ten failures spread over 100 s
    refusal = "too many failed logins for this account; try again in 3 min 20 s"
    with pytest.raises(LimitExceeded, match=refusal) as caught:
        await accounts.login("lin", PASSWORD)  # even the right password waits
    assert caught.value.retry_after_s == pytest.approx(200)


async def test_old_failures_age_out_of_the_window(accounts: AccountService, clock: Clock, lin: int) -> None:
    for _ in range(10):
        await fail(accounts, "lin")
    clock.advance(299)
    with pytest.raises(LimitExceeded):
        await accounts.login("lin", PASSWORD)
    clock.advance(2)
    assert (await accounts.login("lin", PASSWORD)).id == lin


async def test_a_successful_login_clears_the_account_count(accounts: AccountService, lin: int) -> None:
    for _ in range(9):
        await fail(accounts, "lin")
    await accounts.login("lin", PASSWORD)
    for _ in range(9):
        await fail(accounts, "lin")
    assert (await accounts.login("lin", PASSWORD)).id == lin


async def test_unknown_accounts_are_throttled_like_known_ones(accounts: AccountService) -> None:
    for _ in range(10):
        await fail(accounts, "ghost")
    with pytest.raises(LimitExceeded, match="for this account"):
        await accounts.login("GHOST", "whatever it is")


async def test_one_address_is_throttled_across_accounts(accounts: AccountService, settings: Settings,
                                                        lin: int) -> None:
    assert settings.auth.max_failures_per_address == 30
    for i in range(30):
        await fail(accounts, f"guess{i % 5}x{i}", source="203.0.113.9")
    with pytest.raises(LimitExceeded, match="from your address; try again in 5 min"):
        await accounts.login("lin", PASSWORD, source="203.0.113.9")
    assert (await accounts.login("lin", PASSWORD, source="198.51.100.7")).id == lin


async def test_registrations_are_throttled_per_address(accounts: AccountService, settings: Settings,
                                                       clock: Clock) -> None:
    settings.auth.max_registrations_per_address = 3
    settings.auth.registration_window_s = 3600
    fresh = AccountService(accounts.ctx, passwords=accounts.passwords,
                           registration_throttle=type(accounts.registration_throttle)(settings.auth, clock=clock))
    for i in range(3):
        await fresh.register(f"visitor{i}", "Visitor", PASSWORD, source="192.0.2.1")
        clock.advance(60)
    with pytest.raises(LimitExceeded, match="too many registrations from your address; try again in 57 min") as caught:
        await fresh.register("visitor9", "Visitor", PASSWORD, source="192.0.2.1")
    assert caught.value.retry_after_s == pytest.approx(3600 - 180)
    await fresh.register("neighbour", "Neighbour", PASSWORD, source="192.0.2.2")


def test_memory_stays_bounded_under_a_spray_of_names(settings: Settings) -> None:
    clock = Clock()
    throttle = LoginThrottle(settings.auth, clock=clock, max_keys=100)
    for i in range(5000):
        throttle.failure(f"name{i}", f"10.0.{i // 256 % 256}.{i % 256}")
    assert len(throttle.accounts) == 100 and len(throttle.addresses) == 100
    window = RollingWindow(limit=3, window_s=60, clock=clock)
    for _ in range(50):
        window.add("k")
    assert len(window._events["k"]) == 3


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "1 s"), (45, "45 s"), (250, "4 min 10 s"), (300, "5 min"),
                                               (7500, "2 h 5 min"), (7200, "2 h")])
def test_waits_read_naturally(seconds: float, text: str) -> None:
    assert describe_wait(seconds) == text
