"""Password hashing with argon2id, always off the event loop.

One verify costs about a tenth of a second of one core on purpose (docs/SECURITY.md has the
measurement); on the shared asyncio loop that would freeze every other SSH session, so hashing and
verifying run in a small thread pool. A semaphore of the same size sits in front of the pool, so a
burst of logins waits on the loop (where a disconnect can still cancel it) instead of piling up
CPU work nobody will collect. Unknown users are verified against a dummy hash with the same
parameters, so a login for a name that does not exist costs as much as a wrong password.

Passwords travel as `SecretStr` inside this module, so a traceback that prints local variables
shows `SecretStr('**********')` rather than the password.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import SecretStr

from workshop_tui.config.settings import AuthSettings
from workshop_tui.domain.errors import Invalid


@dataclass(frozen=True)
class HashParams:
    """argon2id cost parameters. `memory_kib` is per hash; `parallelism` 1 keeps one hash on one
    core, so the semaphore's size is also the number of cores hashing can take."""

    time_cost: int
    memory_kib: int
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16


# Measured on the 2-core workshop server: verify median 112 ms (min 109, max 120) with 46 MiB.
# See docs/SECURITY.md for the alternatives tried and why this one.
PRODUCTION = HashParams(time_cost=3, memory_kib=47_104, parallelism=1)
# For tests only: about a millisecond. Never use it for real accounts.
FAST_FOR_TESTS = HashParams(time_cost=1, memory_kib=1024, parallelism=1)

Password = str | SecretStr
T = TypeVar("T")


def reveal(password: Password) -> str:
    """The plain text, for the few lines that must hand it to argon2."""
    return password.get_secret_value() if isinstance(password, SecretStr) else password


def as_secret(password: Password) -> SecretStr:
    return password if isinstance(password, SecretStr) else SecretStr(password)


class Passwords:
    """Hash, verify and check passwords for one process. Build one per `ServiceContext`."""

    def __init__(self, settings: AuthSettings, params: HashParams = PRODUCTION) -> None:
        self.params = params
        self.min_length = settings.password_min_length
        self.max_length = settings.password_max_length
        self._hasher = argon2.PasswordHasher(
            time_cost=params.time_cost, memory_cost=params.memory_kib, parallelism=params.parallelism,
            hash_len=params.hash_len, salt_len=params.salt_len, type=argon2.Type.ID)
        self._threads = settings.hash_threads
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="argon2")
        self._semaphore: asyncio.Semaphore | None = None
        self._dummy: str | None = None

    def check_rules(self, password: Password, *, field: str = "password") -> None:
        """Length rules with messages a person can act on. Length only: a long passphrase beats
        composition rules, and the maximum bounds what one login can make argon2 chew on."""
        length = len(reveal(password))
        if length < self.min_length:
            raise Invalid(f"must be at least {self.min_length} characters (it has {length})", field=field)
        if length > self.max_length:
            raise Invalid(f"must be at most {self.max_length} characters (it has {length})", field=field)

    async def hash(self, password: Password) -> str:
        """A new argon2id hash of `password` (with a fresh salt), computed in the pool."""
        return await self._run(self._hasher.hash, reveal(password))

    async def verify(self, stored_hash: str | None, password: Password) -> bool:
        """True when `password` matches. With no stored hash (unknown user, or an account without
        a password) the dummy hash is verified instead, so the answer takes as long and is False."""
        if stored_hash is None:
            await self._run(self._verify_quietly, await self._dummy_hash(), reveal(password))
            return False
        return await self._run(self._verify_quietly, stored_hash, reveal(password))

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than today's (rehash on next login)."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self._run(self._hasher.hash, secrets.token_urlsafe(24))
        return self._dummy

    def _verify_quietly(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, func: Callable[..., T], *args: str) -> T:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._threads)
        async with self._semaphore:
            return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def close(self) -> None:
        """Let the worker threads go; hashes already running finish on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def generate_password(length: int = 20) -> str:
    """A strong random password (about 120 bits for 20 characters) for accounts made by the CLI."""
    return secrets.token_urlsafe(length)[:length]
