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

    def add(self, key: str) -> float:
        """Count one event now; returns its stamp, for `discard`."""
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque(maxlen=self.limit)
        self._events.move_to_end(key)
        stamp = self.clock()
        events.append(stamp)
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return stamp

    def discard(self, key: str, stamp: float) -> None:
        """Take back one event counted by `add` (a reserved attempt that turned out fine)."""
        events = self._events.get(key)
        if events is not None and stamp in events:
            events.remove(stamp)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)

    def __len__(self) -> int:
        return len(self._events)


class LoginAttempt:
    """One sign-in being checked, counted as a failure from the start (see `LoginThrottle.reserve`).

    Use it as a context manager around the password check, and call `succeeded()` when the
    password was right; leaving it in any other way keeps the failure counted."""

    def __init__(self, throttle: LoginThrottle, username: str, source: str | None) -> None:
        self._throttle = throttle
        self.username = username
        self.source = source
        self._address_stamp: float | None = None

    def __enter__(self) -> LoginAttempt:
        throttle = self._throttle
        throttle.accounts.add(self.username)
        if self.source:
            self._address_stamp = throttle.addresses.add(self.source)
            throttle._pending[self.source] = throttle._pending.get(self.source, 0) + 1
        return self

    def succeeded(self) -> None:
        self._throttle.success(self.username)
        if self.source and self._address_stamp is not None:
            self._throttle.addresses.discard(self.source, self._address_stamp)
            self._address_stamp = None

    def __exit__(self, *_: object) -> None:
        if self.source:
            pending = self._throttle._pending
            pending[self.source] -= 1
            if not pending[self.source]:
                del pending[self.source]


class LoginThrottle:
    """Failed logins per account (the lower-cased username, known or not) and per source address.

    An attempt is counted as a failure before its password is hashed (`reserve`) and taken back
    when it succeeds, so guesses fired at once cannot all slip in under the limit while the first
    ones are still hashing. Sign-ins being checked at once from one address are capped too, so one
    address cannot queue hundreds of hashes in front of everybody else's."""

    def __init__(self, settings: AuthSettings, *, clock: Clock = time.monotonic,
                 max_keys: int = DEFAULT_MAX_KEYS) -> None:
        window = settings.failure_window_s
        self.accounts = RollingWindow(settings.max_failures_per_account, window, clock=clock, max_keys=max_keys)
        self.addresses = RollingWindow(settings.max_failures_per_address, window, clock=clock, max_keys=max_keys)
        self.max_pending_per_address = settings.max_pending_logins_per_address
        self._pending: dict[str, int] = {}  # source address -> attempts being checked now

    def reserve(self, username: str, source: str | None) -> LoginAttempt:
        """Check the limits and count this attempt now; raise LimitExceeded when it may not go on."""
        self.check(username, source)
        if source and self._pending.get(source, 0) >= self.max_pending_per_address:
            raise LimitExceeded("too many sign-ins at once from your address; try again in a few seconds",
                                retry_after_s=2.0)
        return LoginAttempt(self, username, source)

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
