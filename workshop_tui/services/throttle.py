"""Rolling-window throttles for logins (per account and per source address) and registrations.

The state lives in memory: there is one process, and a restart that forgets recent failures costs
an attacker a few minutes at most against argon2's cost per guess. Memory is bounded twice: each
key keeps at most `limit` timestamps (older ones cannot matter), and at most `max_keys` keys are
kept, the least recently touched dropped first, so a spray of made-up usernames cannot grow it.

The clock is injectable so that tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from workshop_tui.config.settings import AuthSettings
from workshop_tui.domain.errors import LimitExceeded

Clock = Callable[[], float]
DEFAULT_MAX_KEYS = 10_000


def describe_wait(seconds: float) -> str:
    """'45 s', '4 min 10 s', '2 h 5 min': short enough for a status line."""
    total = max(1, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


class RollingWindow:
    """At most `limit` events per key within `window_s` seconds."""

    def __init__(self, limit: int, window_s: float, *, clock: Clock = time.monotonic,
                 max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may act again, or None when it may act now."""
        events = self._events.get(key)
        if events is None or len(events) < self.limit:
            return None
        wait = events[0] + self.window_s - self.clock()
        return wait if wait > 0 else None

    def add(self, key: str) -> None:
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque(maxlen=self.limit)
        self._events.move_to_end(key)
        events.append(self.clock())
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)

    def __len__(self) -> int:
        return len(self._events)


class LoginThrottle:
    """Failed logins per account (the lower-cased username, known or not) and per source address."""

    def __init__(self, settings: AuthSettings, *, clock: Clock = time.monotonic,
                 max_keys: int = DEFAULT_MAX_KEYS) -> None:
        window = settings.failure_window_s
        self.accounts = RollingWindow(settings.max_failures_per_account, window, clock=clock, max_keys=max_keys)
        self.addresses = RollingWindow(settings.max_failures_per_address, window, clock=clock, max_keys=max_keys)

    def check(self, username: str, source: str | None) -> None:
        """Raise LimitExceeded (with the wait) when this account or address has failed too often."""
        wait = self.accounts.retry_after(username)
        if wait is not None:
            raise LimitExceeded(f"too many failed logins for this account; try again in {describe_wait(wait)}",
                                retry_after_s=wait)
        if source:
            wait = self.addresses.retry_after(source)
            if wait is not None:
                raise LimitExceeded(f"too many failed logins from your address; try again in {describe_wait(wait)}",
                                    retry_after_s=wait)

    def failure(self, username: str, source: str | None) -> None:
        self.accounts.add(username)
        if source:
            self.addresses.add(source)

    def success(self, username: str) -> None:
        """The account's owner got in: their earlier typos no longer count. The address keeps its
        count, so one good account does not launder guesses at others."""
        self.accounts.clear(username)


class RegistrationThrottle:
    """Registrations per source address; each attempt that reaches the database counts."""

    def __init__(self, settings: AuthSettings, *, clock: Clock = time.monotonic,
                 max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.addresses = RollingWindow(settings.max_registrations_per_address, settings.registration_window_s,
                                       clock=clock, max_keys=max_keys)

    def check(self, source: str | None) -> None:
        if not source:
            return
        wait = self.addresses.retry_after(source)
        if wait is not None:
            raise LimitExceeded(f"too many registrations from your address; try again in {describe_wait(wait)}",
                                retry_after_s=wait)

    def record(self, source: str | None) -> None:
        if source:
            self.addresses.add(source)
