"""One terminal session: a `WorkshopApp` for one PTY shell channel, on the server's event loop.

The app runs in a task of its own with a fresh `contextvars.Context` (so it never sees another
app's `active_app`, and every log line it writes carries this session's id); a second task reads
the client's bytes into the driver. When the app ends, for whatever reason, the client's screen is
restored, a last line says why, and the channel closes with an exit status.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import traceback
from typing import TYPE_CHECKING, Any

import asyncssh

from workshop_tui.config.logging import get_logger, new_session_id, session_id_var
from workshop_tui.ssh.channel import SessionChannel
from workshop_tui.ssh.colors import color_system_for, quiet_console, session_console
from workshop_tui.ssh.driver import RESTORE, SshDriver
from workshop_tui.ssh.remote_app import RemoteApp
from workshop_tui.ssh.textual_internals import ended_by
from workshop_tui.ui.session import SessionContext

if TYPE_CHECKING:
    from workshop_tui.ssh.connection import Login
    from workshop_tui.ssh.server import SshServer

log = get_logger(__name__)
CRASHED = "this session ended because of an error (reference {id}). Connect again to go on."
CONNECTION_GONE = (asyncssh.Error, ConnectionError, EOFError, OSError)
START_TURN_S = 10.0  # the longest one session's start may keep others waiting for their turn


class AppSession:
    def __init__(self, server: SshServer, process: Any, login: Login, source: str | None) -> None:
        self.id = new_session_id()
        self.stall_session_id = self.id  # for the loop monitor
        self.server = server
        self.login = login
        self.source = source
        self.last_input = time.monotonic()
        self.process = process
        self.channel = SessionChannel(process, limit=server.settings.write_buffer_max_kb * 1024,
                                      on_overflow=self._overflowed)
        self.app: RemoteApp | None = None
        self.driver: SshDriver | None = None
        self._task: asyncio.Task[Any] | None = None

    @property
    def user_id(self) -> int | None:
        """The account signed in now (it may differ from the login's after a registration)."""
        actor = self.app.actor if self.app is not None and self.app.actor is not None else self.login.actor
        return actor.id if actor is not None else None

    def _extra(self, **fields: Any) -> dict[str, Any]:
        return {"session_id": self.id, **fields}

    # -- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        context = contextvars.Context()
        context.run(session_id_var.set, self.id)
        loop = asyncio.get_running_loop()
        reader: asyncio.Task[None] | None = None
        try:
            async with self.server.starting:  # a few sessions start at once; the others wait their turn
                app = self.app = context.run(self._make_app)
                self._task = loop.create_task(self._run_app(app), name=f"session-{self.id}", context=context)
                reader = loop.create_task(self._read_input(), name=f"input-{self.id}", context=context.copy())
                settling = loop.create_task(app.settled.wait())
                try:
                    await asyncio.wait({self._task, settling}, timeout=START_TURN_S,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    settling.cancel()
            log.info("session opened", extra=self._extra(
                username=self.login.username, register=self.login.register, term=self.channel.term_type,
                size=list(self.channel.size), colors=color_system_for(self.channel.term_type,
                                                                      self.channel.env.get("COLORTERM"))))
            await asyncio.shield(self._task)
        except asyncio.CancelledError:  # the connection's handler is being torn down
            self.end("the connection closed", 1)
            if self._task is not None:
                await asyncio.wait({self._task}, timeout=self.server.settings.shutdown_grace_s)
            raise
        finally:
            if reader is not None:
                reader.cancel()
            self.app = None
            self.driver = None

    def _make_app(self) -> RemoteApp:
        """The app, drawing through this session's channel in its client's colours."""
        app = self.new_app()
        app.driver_class = self._make_driver  # type: ignore[assignment]
        app.console = session_console(self.channel.term_type, self.channel.env)
        app.error_console = quiet_console()
        return app

    def new_app(self) -> RemoteApp:
        register = self.login.register
        named = None if register and self.login.username == self.server.settings.registration_name \
            else self.login.username
        session = SessionContext(source=self.source, remote=True, username=named, register=register,
                                 banner=self.server.banner, session_id=self.id)
        return RemoteApp(self.server.workshop, session=session, themes=self.server.themes,
                         signed_in=self.login.actor)

    def _make_driver(self, app: Any, **options: Any) -> SshDriver:
        self.driver = SshDriver(app, channel=self.channel, **options)
        return self.driver

    async def _run_app(self, app: RemoteApp) -> None:
        status = 0
        try:
            await app.run_async(size=self.channel.size)
            status = app.return_code or 0
            farewell = app.farewell or ""
        except Exception as error:  # the app could not even start
            self._report(error)
            status, farewell = 1, CRASHED.format(id=self.id)
        error = ended_by(app)
        if error is not None:
            self._report(error)
            farewell = CRASHED.format(id=self.id)
        log.info("session closed", extra=self._extra(status=status, sent_bytes=self.channel.sent_bytes))
        self.channel.finish(f"workshop-tui: {farewell}\r\n" if farewell else "", status)

    def _report(self, error: BaseException) -> None:
        """The crash in the log: its type, message and where it happened; no local values."""
        frames = traceback.extract_tb(error.__traceback__)[-12:]
        log.error("session ended by an error", exc_info=(type(error), error, error.__traceback__),
                  extra=self._extra(where=[f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno} in {f.name}"
                                           for f in frames]))

    async def _read_input(self) -> None:
        stdin = self.process.stdin
        while True:
            try:
                data = await stdin.read(4096)
            except asyncssh.TerminalSizeChanged as change:
                if self.driver is not None:
                    self.driver.resize(change.width, change.height)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue  # Ctrl+C is a key here; signals from the client end nothing
            except CONNECTION_GONE:
                data = b""
            if not data:  # the client went away
                self.channel.closed = True
                self.end("", 1)
                return
            self.last_input = time.monotonic()
            if self.driver is not None:
                self.driver.feed(data)

    # -- ending ------------------------------------------------------------------------------------

    def end(self, message: str, status: int = 1) -> None:
        """Ask the app to close, with `message` as the client's last line."""
        if self.app is not None:
            self.app.end(message, status)

    def force_close(self, message: str) -> None:
        """For an app that did not close in time: restore the screen and close the channel anyway."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if not self.channel.closed:
            self.channel.write(RESTORE)
        self.channel.finish(f"workshop-tui: {message}\r\n", 1)

    def _overflowed(self) -> None:
        log.warning("client stopped reading: session aborted", extra=self._extra(buffered=self.channel.buffered()))
        self.end("", 1)
        self.process.channel.get_connection().abort()

    async def wait_closed(self, within: float) -> bool:
        """Wait up to `within` seconds for the app to finish; True when it did."""
        if self._task is None:
            return True
        done, _ = await asyncio.wait({self._task}, timeout=within)
        return bool(done)
