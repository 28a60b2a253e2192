"""`AccountService.unclaimed`: whether a name could be registered, asked before any password (the SSH
server offers such a name the registration form). It answers what registering would, and probing
names with it is throttled like guessing passwords."""

from __future__ import annotations

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.errors import LimitExceeded, NotAuthenticated
from workshop_tui.services.accounts import AccountService

from .support import Clock

PASSWORD = "correct horse battery"


async def test_a_free_valid_name_is_unclaimed_and_a_taken_one_is_not(accounts: AccountService) -> None:
    await accounts.register("Grace", "Grace", PASSWORD)
    assert await accounts.unclaimed("newcomer", source="10.0.0.7") is True
    assert await accounts.unclaimed("grace", source="10.0.0.7") is False
    assert await accounts.unclaimed(" GRACE ", source="10.0.0.7") is False


@pytest.mark.parametrize("name", ["ab", "bad name", "operator", "x" * 300, "-dash"])
async def test_a_name_no_one_could_register_is_not_offered(accounts: AccountService, name: str) -> None:
    assert await accounts.unclaimed(name, source="10.0.0.7") is False


async def test_probing_free_names_counts_as_failed_logins_from_the_address(
        accounts: AccountService, settings: Settings, clock: Clock) -> None:
    limit = settings.auth.max_failures_per_address
    for index in range(limit):
        assert await accounts.unclaimed(f"probe{index}", source="10.0.0.9") is True
    with pytest.raises(LimitExceeded, match="from your address"):
        await accounts.unclaimed("one-more", source="10.0.0.9")
    with pytest.raises(LimitExceeded, match="from your address"):
        await accounts.login("one-more", PASSWORD, source="10.0.0.9")
    assert await accounts.unclaimed("elsewhere", source="10.0.0.10") is True
    clock.advance(settings.auth.failure_window_s + 1)
    assert await accounts.unclaimed("one-more", source="10.0.0.9") is True


async def test_asking_about_a_taken_name_costs_its_owner_nothing(accounts: AccountService,
                                                                 settings: Settings) -> None:
    await accounts.register("lin", "Lin", PASSWORD)
    for _ in range(settings.auth.max_failures_per_account + 5):
        assert await accounts.unclaimed("lin", source="10.0.0.11") is False
    with pytest.raises(NotAuthenticated, match="waiting for approval"):
        await accounts.login("lin", PASSWORD, source="10.0.0.12")
