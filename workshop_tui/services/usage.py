"""Usage over time: messages and tokens per day and per model, for the class or for one account.

The counters are the ones the quota gate writes (`usage_counters`, one row per user, model and UTC
day). Everyone's usage is for admins (`Kind.USAGE`); anyone may read their own, and a guardian
their family account's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from workshop_tui.domain.errors import Invalid
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.clock import utc_now
from workshop_tui.services.context import ServiceContext
from workshop_tui.storage.tables import UsageCounterRow, UserRow

MAX_DAYS = 366
MAX_USERS = 500



@dataclass(frozen=True)
class DayModelUsage:
    """One model's use on one UTC day (by the class, or by one account)."""

    day: date
    model: str
    messages: int
    prompt_tokens: int
    completion_tokens: int

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class UserUsage:
    """One account's use over the whole range."""

    user_id: int
    username: str
    messages: int
    tokens: int


@dataclass(frozen=True)
class UsageSummary:
    first_day: date
    last_day: date
    user_id: int | None
    """The account this summary is about, or None for the class."""
    by_day_model: list[DayModelUsage]
    by_user: list[UserUsage]
    """The heaviest users first (class summaries only)."""

    def days(self) -> list[date]:
        """Every day of the range, oldest first, used or not."""
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


class UsageService:
    def __init__(self, ctx: ServiceContext, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.ctx = ctx
        self.clock = clock

    async def summary(self, actor: Actor, *, user_id: int | None = None, days: int = 14) -> UsageSummary:
        """The last `days` UTC days, today included."""
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
            raise Invalid(f"must be a whole number from 1 to {MAX_DAYS}", field="days")
        last = self.clock().astimezone(UTC).date()
        first = last - timedelta(days=days - 1)
        counters = UsageCounterRow
        in_range = [counters.day >= first, counters.day <= last]
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            if user_id is None:
                authorize(actor, Action.READ, Kind.USAGE)
            else:
                target = await rules.load_user(session, user_id)
                if target.id != actor.id and target.id not in actor.wards:
                    authorize(actor, Action.READ, Kind.USAGE)
                in_range.append(counters.user_id == target.id)
            sums = (func.sum(counters.messages), func.sum(counters.prompt_tokens), func.sum(counters.completion_tokens))
            rows = await session.execute(select(counters.day, counters.model, *sums).where(*in_range)
                                         .group_by(counters.day, counters.model).order_by(counters.day, counters.model))
            by_day_model = [DayModelUsage(day, model, int(m or 0), int(p or 0), int(c or 0))
                            for day, model, m, p, c in rows]
            by_user: list[UserUsage] = []
            if user_id is None:
                tokens = func.sum(counters.prompt_tokens + counters.completion_tokens)
                users = await session.execute(
                    select(counters.user_id, UserRow.username, func.sum(counters.messages), tokens)
                    .join(UserRow, UserRow.id == counters.user_id).where(*in_range)
                    .group_by(counters.user_id, UserRow.username).order_by(tokens.desc(), UserRow.username)
                    .limit(MAX_USERS))
                by_user = [UserUsage(uid, name, int(m or 0), int(t or 0)) for uid, name, m, t in users]
        return UsageSummary(first, last, user_id, by_day_model, by_user)
