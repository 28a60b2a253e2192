"""Account services over a real SQLite file, with cheap argon2 parameters and hand-moved clocks.

The production argon2 parameters are exercised on purpose in test_passwords.py only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.quotas import QuotaService
from workshop_tui.services.throttle import LoginThrottle, RegistrationThrottle
from workshop_tui.storage.database import Database

from .support import Clock, WallClock


@pytest.fixture
def ctx(settings: Settings, database: Database) -> ServiceContext:
    return ServiceContext(settings=settings, db=database)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def passwords(settings: Settings) -> Iterator[Passwords]:
    hasher = Passwords(settings.auth, FAST_FOR_TESTS)
    yield hasher
    hasher.close()


@pytest.fixture
def accounts(ctx: ServiceContext, passwords: Passwords, clock: Clock) -> AccountService:
    auth = ctx.settings.auth
    return AccountService(ctx, passwords=passwords, login_throttle=LoginThrottle(auth, clock=clock),
                          registration_throttle=RegistrationThrottle(auth, clock=clock))


@pytest.fixture
def approvals(ctx: ServiceContext) -> ApprovalService:
    return ApprovalService(ctx)


@pytest.fixture
def quotas(ctx: ServiceContext, wall_clock: WallClock) -> QuotaService:
    return QuotaService(ctx, clock=wall_clock)
