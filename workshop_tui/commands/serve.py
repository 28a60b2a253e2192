"""`workshop-tui serve [--host H] [--port P]`: the class over SSH, from one long-lived process.

The process owns the workshop (`Workshop.open(..., run_jobs=True)`: it finishes what a previous one
left undone) and serves every attendee's session from it. It prints where it listens and its host
key's fingerprint, and runs until SIGTERM or Ctrl+C, which restore every client's screen and end
within five seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from workshop_tui.commands.common import EXIT_FAILURE, EXIT_OK, fail, settings_from
from workshop_tui.config.logging import get_logger
from workshop_tui.services.workshop import Workshop

if TYPE_CHECKING:
    from workshop_tui.config.settings import Settings
    from workshop_tui.ssh.server import SshServer

log = get_logger(__name__)
CLOSE_BUDGET_S = 5.0  # from the signal to the process's end


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    return asyncio.run(serve(settings, host=args.host, port=args.port))


async def serve(settings: Settings, *, host: str | None = None, port: int | None = None, banner: str | None = None,
                on_ready: Callable[[SshServer], None] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; `on_ready` is told once the server listens."""
    from workshop_tui.ssh.server import SshServer

    workshop = await Workshop.open(settings, run_jobs=True)
    server = SshServer(workshop, host=host, port=port, banner=banner)
    try:
        await server.start()
    except OSError as exc:
        await workshop.close()
        return fail(f"cannot listen on {server.host}:{server.requested_port}: {exc.strerror or exc}", EXIT_FAILURE)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    (on_ready or print_ready)(server)
    try:
        await stop.wait()
    finally:
        started = loop.time()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        print("workshop-tui: shutting down", file=sys.stderr, flush=True)
        await server.stop()
        remaining = max(0.5, CLOSE_BUDGET_S - (loop.time() - started) - 0.3)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(workshop.close(), remaining)
    return EXIT_OK


def print_ready(server: SshServer) -> None:
    shown = "localhost" if server.host in ("127.0.0.1", "::1") else (
        "<this machine's address>" if server.host in ("0.0.0.0", "::", "") else server.host)  # noqa: S104
    registration = server.settings.registration_name
    print(f"workshop-tui: serving on {server.host}:{server.port}", flush=True)
    print(f"host key fingerprint: {server.fingerprint}", flush=True)
    print(f"attendees connect with: ssh -p {server.port} USERNAME@{shown}", flush=True)
    if registration:
        print(f"new attendees register with: ssh -p {server.port} {registration}@{shown}", flush=True)
    if server.settings.sftp:
        print(f"uploads: sftp -P {server.port} USERNAME@{shown}", flush=True)
    print("stop with Ctrl+C or SIGTERM", flush=True)
