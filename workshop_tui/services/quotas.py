"""Daily quotas, concurrent generations and usage counting.

Limits come from the role's defaults in settings (`quotas`), each overridable per account (the
user's `quota_*` columns; empty means the role default). Days are UTC days: the counters roll over
at 00:00 UTC, and every refusal says when that is. Concurrency is counted in memory, since
generations only run in this one process.

Usage is kept in `usage_counters`, one row per user, model and day, written with an UPDATE that
falls back to an INSERT (and back to the UPDATE if a parallel INSERT won): portable SQL that runs
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.config.settings import Settings
from workshop_tui.domain.errors import LimitExceeded
from workshop_tui.domain.models import User
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.conversations import usable_model
from workshop_tui.services.throttle import describe_wait
from workshop_tui.storage.tables import UsageCounterRow, UserRow


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Limits:
    """None means unlimited."""

    messages_per_day: int | None
    tokens_per_day: int | None
    concurrent_generations: int | None


@dataclass(frozen=True)
class QuotaStatus:
    """What a user's status bar shows: limits, today's use, and when the day's counters reset."""

    limits: Limits
    messages_today: int
    tokens_today: int
    resets_at: datetime


@dataclass(frozen=True)
class UsageLine:
    """One row of the admin's usage view: a user's use of one model on one day."""

    user_id: int
    username: str
    model: str
    day: date
    messages: int
    prompt_tokens: int
    completion_tokens: int


def limits_for(settings: Settings, user: User) -> Limits:
    """The role's defaults, with the account's own overrides winning where set."""
    default = settings.quotas[user.role.value]
    return Limits(
        messages_per_day=_pick(user.quota_messages_per_day, default.messages_per_day),
        tokens_per_day=_pick(user.quota_tokens_per_day, default.tokens_per_day),
        concurrent_generations=_pick(user.quota_concurrent_generations, default.concurrent_generations),
    )


def _pick(override: int | None, default: int | None) -> int | None:
    return default if override is None else override


UNLIMITED = Limits(None, None, None)


class QuotaService:
    """Satisfies the chat service's `UsageGate`: admit (quota and slot) and record."""

    def __init__(self, ctx: ServiceContext, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.ctx = ctx
        self.clock = clock
        self._running: dict[int, int] = {}

    def _reset(self) -> tuple[date, datetime, float]:
        """Today's UTC date, the next 00:00 UTC, and the seconds until then."""
        now = self.clock().astimezone(UTC)
        resets_at = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
        return now.date(), resets_at, (resets_at - now).total_seconds()

    def _limits(self, actor: Actor) -> Limits:
        return UNLIMITED if actor.user is None else limits_for(self.ctx.settings, actor.user)

    async def _used_today(self, session: AsyncSession, user_id: int, day: date) -> tuple[int, int]:
        row = (await session.execute(select(
            func.coalesce(func.sum(UsageCounterRow.messages), 0),
            func.coalesce(func.sum(UsageCounterRow.prompt_tokens + UsageCounterRow.completion_tokens), 0),
        ).where(UsageCounterRow.user_id == user_id, UsageCounterRow.day == day))).one()
        return int(row[0]), int(row[1])

    async def status(self, actor: Actor) -> QuotaStatus:
        day, resets_at, _ = self._reset()
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            used = (0, 0) if actor.id is None else await self._used_today(session, actor.id, day)
        return QuotaStatus(self._limits(actor), used[0], used[1], resets_at)

    async def check(self, actor: Actor, model: str) -> None:
        """Before a generation: the model grant (again, at the moment of use) and today's quota."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            await usable_model(session, actor, model)
            await self._within_quota(session, actor)

    async def _within_quota(self, session: AsyncSession, actor: Actor) -> None:
        if actor.id is not None:
            self._refuse_over(actor, await self._used_today(session, actor.id, self._reset()[0]))

    def _refuse_over(self, actor: Actor, used: tuple[int, int]) -> None:
        messages, tokens = used
        limits = self._limits(actor)
        wait = self._reset()[2]
        when = f"the limit resets at 00:00 UTC, in {describe_wait(wait)}"
        if limits.messages_per_day is not None and messages >= limits.messages_per_day:
            raise LimitExceeded(f"you have used all {limits.messages_per_day} messages for today; {when}",
                                retry_after_s=wait)
        if limits.tokens_per_day is not None and tokens >= limits.tokens_per_day:
            raise LimitExceeded(f"you have used all {limits.tokens_per_day:,} tokens for today; {when}",
                                retry_after_s=wait)

    @asynccontextmanager
    async def generation(self, actor: Actor) -> AsyncIterator[None]:
        """Hold one of the user's concurrent-generation slots while a reply is generated."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        async with self._slot(actor):
            yield

    async def used_today(self, session: AsyncSession, actor: Actor) -> tuple[int, int]:
        """The actor's own messages and tokens today, in the caller's session and without re-checking
        the actor: input for `admit`, which a chat turn reads beside its history while its checks
        run (and drops if they fail)."""
        return (0, 0) if actor.id is None else await self._used_today(session, actor.id, self._reset()[0])

    @asynccontextmanager
    async def admit(self, fresh: Actor, used: tuple[int, int]) -> AsyncIterator[None]:
        """Today's quota (given `used`, from `used_today`), then a generation slot, for an actor the
        caller re-read and whose model grant it checked in this same call (a chat turn): no query
        of its own, where `check` and `generation` make five between them."""
        if fresh.id is not None:
            self._refuse_over(fresh, used)
        async with self._slot(fresh):
            yield

    @asynccontextmanager
    async def _slot(self, actor: Actor) -> AsyncIterator[None]:
        if actor.id is None:
            yield
            return
        limit = self._limits(actor).concurrent_generations
        running = self._running.get(actor.id, 0)  # no await between this check and the increment
        if limit is not None and running >= limit:
            replies = "reply" if running == 1 else "replies"
            raise LimitExceeded(f"you already have {running} {replies} being generated (your limit is {limit}); "
                                "wait for one to finish or stop it")
        self._running[actor.id] = running + 1
        try:
            yield
        finally:
            left = self._running.get(actor.id, 1) - 1
            if left > 0:
                self._running[actor.id] = left
            else:
                self._running.pop(actor.id, None)

    async def record(self, actor: Actor, model: str, prompt_tokens: int, completion_tokens: int, *,
                     session: AsyncSession | None = None, messages: int = 1) -> None:
        """Count `messages` (one message, or none for a later round of a turn already counted) and
        the tokens for the actor, model and UTC day, in the caller's transaction when one is given
        (the chat service's final write of each reply).

        Deliberately no `fresh_actor`: this is bookkeeping for a generation that already ran, and
        it must count even if the account was suspended while the reply streamed. It only ever
        writes the actor's own counters."""
        if actor.id is None:
            return
        if session is None:
            async with self.ctx.db.transaction() as own:
                return await self.record(actor, model, prompt_tokens, completion_tokens, session=own,
                                         messages=messages)
        day, _, _ = self._reset()
        amounts = (max(0, int(messages)), max(0, int(prompt_tokens or 0)), max(0, int(completion_tokens or 0)))
        if await self._bump(session, actor.id, model, day, amounts):
            return
        try:
            async with session.begin_nested():
                session.add(UsageCounterRow(user_id=actor.id, model=model, day=day, messages=amounts[0],
                                            prompt_tokens=amounts[1], completion_tokens=amounts[2]))
        except IntegrityError:  # a parallel record inserted the row first (or the user is gone)
            await self._bump(session, actor.id, model, day, amounts)

    @staticmethod
    async def _bump(session: AsyncSession, user_id: int, model: str, day: date,
                    amounts: tuple[int, int, int]) -> bool:
        counters = UsageCounterRow.__table__.c  # a plain table update: no ORM state to keep in step
        result = await session.execute(
            update(UsageCounterRow.__table__)
            .where(counters.user_id == user_id, counters.model == model, counters.day == day)
            .values(messages=counters.messages + amounts[0],
                    prompt_tokens=counters.prompt_tokens + amounts[1],
                    completion_tokens=counters.completion_tokens + amounts[2]))
        return bool(getattr(result, "rowcount", 0))

    async def usage_report(self, actor: Actor, day: date | None = None) -> list[UsageLine]:
        """Everyone's use of every model on `day` (default today, UTC), for the admin's usage view."""
        day = day or self._reset()[0]
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.READ, Kind.USAGE)
            rows = await session.execute(
                select(UsageCounterRow, UserRow.username).join(UserRow, UserRow.id == UsageCounterRow.user_id)
                .where(UsageCounterRow.day == day).order_by(UserRow.username, UsageCounterRow.model))
            return [UsageLine(row.user_id, username, row.model, row.day, row.messages, row.prompt_tokens,
                              row.completion_tokens) for row, username in rows]
