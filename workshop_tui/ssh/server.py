"""The SSH server: listening, sorting each channel into an app session, SFTP or a refusal, and the
operations around them (caps, idle timeout, loop monitor, ending sessions, shutting down).

One `SshServer` per process, on the `Workshop` the process owns: every session shares its database,
vector store, Ollama pool and event bus, so a broadcast or an approval reaches every open session.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncssh

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import ServiceError
from workshop_tui.ssh.host_key import fingerprint, load_or_create
from workshop_tui.ssh.loop_timers import forget_cancelled_timers
from workshop_tui.ssh.monitor import LoopMonitor
from workshop_tui.ssh.registry import Registry
from workshop_tui.ssh.session import AppSession
from workshop_tui.ssh.sftp import MB, UploadFolderServer
from workshop_tui.ssh.textual_internals import prepare_process
from workshop_tui.ssh.uploads import UploadUsages

if TYPE_CHECKING:
    from workshop_tui.config.settings import SshSettings
    from workshop_tui.services.workshop import Workshop
    from workshop_tui.ssh.connection import Connection, Login
    from workshop_tui.ui.themes import ThemeSet

log = get_logger(__name__)
SWEEP_S = 15.0
STARTING_AT_ONCE = 4
SHUTTING_DOWN = "the server is shutting down. Connect again in a moment."
SERVER = "server"  # what the server's own log lines name as their session


class SshServer:
    session_class: type[AppSession] = AppSession
    """What runs each terminal session (the benchmarks serve a bare app the same way)."""

    def __init__(self, workshop: Workshop, *, host: str | None = None, port: int | None = None,
                 host_key: Path | None = None, banner: str | None = None) -> None:
        self.workshop = workshop
        self.settings: SshSettings = workshop.settings.ssh
        self.host = host if host is not None else self.settings.host
        self.requested_port = port if port is not None else self.settings.port
        self.host_key_path = host_key or workshop.settings.ssh_host_key_path
        self.banner = banner
        self.themes: ThemeSet | None = None
        self.sessions = Registry(self.settings.max_sessions, self.settings.max_sessions_per_user)
        self.connections: set[Connection] = set()
        self.uploads = UploadUsages(self.settings.upload_quota_mb * MB)
        self.fingerprint = ""
        self.monitor = LoopMonitor(self.settings.loop_stall_ms / 1000)
        self.signing_in = asyncio.Semaphore(workshop.settings.auth.hash_threads)
        """Password checks at once: as many as there are hashing threads. Each ends with a short write
        (the time of the login); a class signing in at once would otherwise queue many writers on
        SQLite's lock, and a busy loop makes each hold it long enough for the last to give up."""
        self.starting = asyncio.Semaphore(STARTING_AT_ONCE)
        """Sessions starting at once. A start is a burst of loop work (building screens, a dozen
        queries); a whole class connecting at once would otherwise fill the loop's queue, so every
        echo and every database step (some holding SQLite's write lock) waits behind it."""
        self._listener: asyncssh.SSHAcceptor | None = None
        self._background: list[asyncio.Task[None]] = []
        self._sftp_sessions: dict[int, set[Any]] = {}

    @property
    def port(self) -> int:
        return self._listener.get_port() if self._listener is not None else self.requested_port

    async def start(self) -> None:
        from workshop_tui.config.paths import themes_dir
        from workshop_tui.ssh.connection import Connection
        from workshop_tui.ui.themes import load_themes

        prepare_process()
        key = await asyncio.to_thread(load_or_create, self.host_key_path)
        self.fingerprint = fingerprint(key)
        self.themes = await asyncio.to_thread(load_themes, themes_dir())  # once, not per session
        await asyncio.to_thread(_import_screens)
        settings = self.settings
        self._listener = await asyncssh.create_server(
            lambda: Connection(self), self.host, self.requested_port, server_host_keys=[key],
            process_factory=self._channel_opened, sftp_factory=self._sftp if settings.sftp else None,
            allow_scp=False, encoding=None, line_editor=False, agent_forwarding=False, x11_forwarding=False,
            keepalive_interval=settings.keepalive_interval_s, keepalive_count_max=settings.keepalive_count_max,
            login_timeout=settings.login_timeout_s, server_version="workshop-tui")
        self.monitor.start()
        self._background = [asyncio.create_task(self._sweep_idle(), name="ssh-idle"),
                            asyncio.create_task(self._follow_accounts(), name="ssh-accounts")]
        log.info("ssh server listening", extra={"session_id": SERVER, "host": self.host, "port": self.port,
                                                "fingerprint": self.fingerprint})

    # -- channels ----------------------------------------------------------------------------------

    async def _channel_opened(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        connection: Connection = process.get_extra_info("workshop_connection")
        login = connection.login
        if login is None:  # cannot happen after authentication; refuse rather than guess
            return _refuse(process, "not signed in")
        if process.command is not None:
            command = process.command.strip()
            if command.startswith("scp "):
                return _refuse(process, "the old scp protocol is not offered. Use sftp (or scp -s) to put files "
                                        "in your upload folder.")
            return _refuse(process, "this server runs no commands. Connect without one (ssh -p PORT name@host) "
                                    "for the app.")
        if process.subsystem is not None:
            return _refuse(process, f"the {process.subsystem!r} subsystem is not offered here.")
        if process.term_type is None:
            return _refuse(process, "the app needs a terminal. Connect with plain ssh, or ssh -t.")
        refusal = self.sessions.refusal(login)
        if refusal is not None:
            log.info("session refused: %s", refusal, extra={"session_id": connection.id})
            return _refuse(process, refusal)
        session = self.session_class(self, process, login, connection.source)
        self.sessions.add(session)
        try:
            await session.run()
        finally:
            self.sessions.remove(session)
            forget_cancelled_timers(asyncio.get_running_loop())  # they hold the ended app
            if self.workshop.collector is not None:
                self.workshop.collector.note_garbage()  # the app's cycles go with the next full collection

    async def _sftp(self, chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
        connection: Connection = chan.get_extra_info("workshop_connection")
        login: Login | None = connection.login
        actor = login.actor if login is not None else None
        folder = None
        if actor is not None:
            try:
                folder = await self.workshop.knowledge.documents.upload_folder(actor)
            except ServiceError as exc:
                log.info("sftp refused: %s", exc, extra={"session_id": connection.id})
        if actor is None or folder is None:
            chan.write_stderr(b"workshop-tui: only an active account has an upload folder; sign in as yours.\n")
            chan.exit(1)
            return _Refused(chan)
        usage = await self.uploads.join(actor.name, folder)
        server = UploadFolderServer(chan, folder, usage, max_file_bytes=self.settings.upload_max_file_mb * MB,
                                    session_id=connection.id)
        assert actor.id is not None
        self._sftp_sessions.setdefault(actor.id, set()).add(chan)
        chan.get_connection().create_task(self._forget_sftp(actor.id, chan))
        log.info("sftp opened", extra={"session_id": connection.id, "username": actor.name})
        return server

    async def _forget_sftp(self, user_id: int, chan: Any) -> None:
        await chan.wait_closed()
        channels = self._sftp_sessions.get(user_id, set())
        channels.discard(chan)
        if not channels:
            self._sftp_sessions.pop(user_id, None)

    # -- operations --------------------------------------------------------------------------------

    async def _sweep_idle(self) -> None:
        timeout = self.settings.idle_timeout_s
        if not timeout:
            return
        minutes = max(1, round(timeout / 60))
        while True:
            await asyncio.sleep(min(SWEEP_S, timeout / 4))
            for session in self.sessions.idle_since(time.monotonic() - timeout):
                log.info("idle session closed", extra={"session_id": session.id})
                session.end(f"closed after {minutes} min without a key press. Connect again to go on.", 1)

    async def _follow_accounts(self) -> None:
        """End the SFTP sessions of an account that was suspended or deleted (its terminal sessions
        sign out by themselves, with the reason, and close)."""
        async with self.workshop.ctx.events.subscribe("user") as feed:
            async for event in feed:
                if event.data.get("ends_session") and event.user_id is not None:
                    for chan in list(self._sftp_sessions.pop(event.user_id, ())):
                        chan.close()

    async def stop(self) -> None:
        """Restore every client's screen, tell it why, and close; within the shutdown grace, then
        whatever is left is cut off. Returns within about `shutdown_grace_s` + 1 s."""
        if self._listener is not None:
            self._listener.close()
        for task in self._background:
            task.cancel()
        sessions = list(self.sessions)
        for session in sessions:
            session.end(SHUTTING_DOWN, 1)
        deadline = time.monotonic() + self.settings.shutdown_grace_s
        for session in sessions:
            if not await session.wait_closed(max(0.0, deadline - time.monotonic())):
                log.warning("session did not close in time; cut off", extra={"session_id": session.id})
                session.force_close(SHUTTING_DOWN)
        await asyncio.sleep(0)  # let the last frames and exit statuses go out
        for connection in list(self.connections):
            if connection.conn is not None:
                connection.conn.close()
        if self._listener is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listener.wait_closed(), 1.0)
        self.monitor.stop()
        log.info("ssh server stopped", extra={"session_id": SERVER, "sessions_closed": len(sessions)})


class _Refused(asyncssh.SFTPServer):
    """The SFTP session of a connection that may not have one (its channel is already closing)."""


def _import_screens() -> None:
    """Import every screen now, in a thread: the first session to open one would otherwise stall the
    loop (and everyone's echo) for the import."""
    from workshop_tui.ui.navigation import PLACES

    for module in {place.screen.partition(":")[0] for place in PLACES} | set(EXTRA_SCREENS):
        importlib.import_module(module)


EXTRA_SCREENS = ("workshop_tui.ui.screens.pending", "workshop_tui.ui.screens.register",
                 "workshop_tui.ui.screens.help")


def _refuse(process: asyncssh.SSHServerProcess[bytes], message: str) -> None:
    process.stderr.write(f"workshop-tui: {message}\r\n".encode())
    process.exit(1)
