"""One client connection: who it signs in as, and what it may ask of the server.

The SSH username is the workshop username. Passwords are checked by `AccountService.login`, which
hashes off the event loop behind a semaphore, spends the same argon2 work on unknown names, and
throttles per account and per source address. The registration name (and, when settings allow, a
name nobody holds) needs no password: it opens the registration form. A pending account signs in to
the screen that waits for its approval. Forwarding of ports, sockets, agents and X11 is refused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncssh

from workshop_tui.config.logging import get_logger, new_session_id
from workshop_tui.domain.account_fields import normalize_username
from workshop_tui.domain.errors import LimitExceeded, NotAuthenticated, ServiceError
from workshop_tui.services.accounts import WRONG_CREDENTIALS

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor
    from workshop_tui.ssh.server import SshServer

log = get_logger(__name__)
NO_FORWARDING = "this server forwards no ports, sockets or agents"
SHORT_WAIT_S = 2.0  # a throttle wait this short is waited out rather than refused


@dataclass(frozen=True)
class Login:
    """What a connection signed in as."""

    username: str
    """The SSH username, as the workshop stores names (lower case)."""
    actor: Actor | None = None
    """The signed-in account (None for a registration)."""
    register: bool = False
    """Open on the registration form."""

    @property
    def cap_key(self) -> str | None:
        """Whose sessions this one counts among for the per-user cap (registrations count only in the
        total: a class may register at once through one name)."""
        return None if self.register else self.username


class Connection(asyncssh.SSHServer):
    def __init__(self, server: SshServer) -> None:
        self.server = server
        self.id = new_session_id()
        self.source: str | None = None
        self.login: Login | None = None
        self.conn: asyncssh.SSHServerConnection | None = None

    def _extra(self) -> dict[str, Any]:
        return {"session_id": self.id, "source": self.source}

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.source = str(peer[0]) if peer else None
        conn.set_extra_info(workshop_connection=self)
        self.server.connections.add(self)
        log.info("connection opened", extra=self._extra())

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        log.info("connection closed", extra={**self._extra(), "reason": str(exc) if exc else "closed"})

    # -- signing in --------------------------------------------------------------------------------

    async def begin_auth(self, username: str) -> bool:
        """False (no password asked) for a registration; True for everyone else."""
        name = normalize_username(username)
        settings = self.server.settings
        if settings.registration_name and name == settings.registration_name:
            self.login = Login(name, register=True)
            log.info("registration opened", extra=self._extra())
            return False
        if settings.unknown_users_register:
            try:
                free = await self.server.workshop.accounts.unclaimed(name, source=self.source)
            except (LimitExceeded, ServiceError):
                free = False  # throttled or unanswerable: ask for a password, which tells nothing
            if free:
                self.login = Login(name, register=True)
                log.info("registration opened for a free name", extra=self._extra())
                return False
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        try:
            actor = await self._login(username, password)
        except LimitExceeded as exc:
            self._tell(f"{exc}.")
            return False
        except NotAuthenticated as exc:
            if str(exc) != WRONG_CREDENTIALS:  # the right password for an account that may not come in
                self._tell(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return False
        except Exception as exc:  # the database was busy or down: say so rather than drop the connection
            log.warning("sign-in could not be checked: %s: %s", type(exc).__name__, exc, extra=self._extra())
            self._tell("your password could not be checked just now; try again in a moment.")
            return False
        finally:
            del password
        self.login = Login(actor.name, actor=actor)
        log.info("signed in", extra={**self._extra(), "username": actor.name})
        return True

    async def _login(self, username: str, password: str) -> Actor:
        """`AccountService.login`, a few at a time (see `SshServer.signing_in`); a short throttle
        wait is waited out here rather than refused, so nobody retypes a password for it."""
        accounts = self.server.workshop.accounts
        deadline = asyncio.get_running_loop().time() + self.server.settings.login_timeout_s / 2
        while True:
            try:
                async with self.server.signing_in:
                    return await accounts.login(username, password, source=self.source, allow_waiting=True)
            except LimitExceeded as exc:
                wait = exc.retry_after_s or 0.0
                if wait > SHORT_WAIT_S or asyncio.get_running_loop().time() + wait > deadline:
                    raise
                await asyncio.sleep(min(wait, 0.25))

    def _tell(self, message: str) -> None:
        """A line the client shows before it asks again (OpenSSH prints authentication banners)."""
        if self.conn is not None:
            try:
                self.conn.send_auth_banner(f"workshop-tui: {message}\r\n")
            except OSError:  # authentication already over
                pass

    # -- refused -----------------------------------------------------------------------------------

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log.info("remote forwarding refused", extra=self._extra())
        return False

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        log.info("local forwarding refused", extra=self._extra())
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, NO_FORWARDING)

    def unix_server_requested(self, listen_path: str) -> bool:
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, NO_FORWARDING)
