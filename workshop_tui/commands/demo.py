"""`workshop-tui demo [--ssh] [--data-dir DIR] [--ollama-url URL]`: the sample class in the app, in one command.

1. A data directory: a new throwaway folder, or the one given (importing again changes only what
   differs from the sample; accounts created before keep their passwords).
2. Ollama: the configured host if it answers within a moment, else the project's fake Ollama on a
   free loopback port, in this process, for as long as the command runs (a rehearsal).
3. The sample workshop, imported with its vectors through the same `ImportService` as `import`.
4. What is serving, where the data lives, and the sample accounts with their generated passwords.
5. The app, signed in as the sample's instructor (only with a password this run generated; else on
   the sign-in screen). Without a terminal the command stops after step 4, so scripts and CI can run it.
   With `--ssh`, instead, the class is served over SSH on 127.0.0.1 until Ctrl+C, to try the
   attendee's view with a plain `ssh`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from workshop_tui.commands.common import EXIT_FAILURE, EXIT_OK, fail, settings_from
from workshop_tui.commands.import_file import print_jobs, print_passwords, print_summary
from workshop_tui.commands.progress import is_terminal, progress_for
from workshop_tui.config.paths import sample_data_dir
from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import WorkshopError
from workshop_tui.ollama.client import OllamaClient
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.importer import ImportService
from workshop_tui.services.workshop_file.result import ImportResult

if TYPE_CHECKING:
    from workshop_tui.ssh.server import SshServer
    from workshop_tui.testing.fake_ollama import FakeOllama

REHEARSAL = "rehearsal: replies come from the built-in fake Ollama"
PROBE_S = 1.5  # how long a real Ollama gets to answer before the fake takes its place
FAKE_REPLY = (
    "This reply comes from the built-in fake Ollama: workshop-tui started it because no Ollama answered, so "
    "every screen can be tried without a model. The words arrive one by one, as a real model's reply does. "
    "Start Ollama ('ollama serve') and run 'workshop-tui demo' again for real answers."
)
FAKE_FIRST_BYTE_S = 0.4  # a model that takes a moment to start, then
FAKE_CHUNK_S = 0.05  # about twenty words a second: slow enough to watch the reply stream


@dataclass
class Account:
    username: str
    role: Role
    status: str
    password: SecretStr | None  # None: the account existed before this run, and keeps its password


def sample_file() -> Path:
    return sample_data_dir() / "workshop.yaml"


async def ollama_answers(settings: Settings, within: float = PROBE_S) -> bool:
    """Whether the first configured Ollama answers GET /api/version within `within` seconds."""
    key = settings.ollama.api_key.get_secret_value() if settings.ollama.api_key else None
    try:
        async with OllamaClient(settings.ollama.urls[0], api_key=key) as client, asyncio.timeout(within):
            await client.version()
    except (WorkshopError, TimeoutError, OSError, ValueError):
        return False
    return True


def start_fake() -> FakeOllama:
    """The fake Ollama on a free loopback port, serving every model of its catalogue (the sample's
    models among them), with replies paced so a person sees them stream."""
    from workshop_tui.testing.fake_ollama import FakeOllama
    from workshop_tui.testing.fake_ollama_models import default_catalog

    fake = FakeOllama(host="127.0.0.1", port=0, models=default_catalog())
    fake.scenario.reply_text = FAKE_REPLY
    fake.scenario.first_byte_delay = FAKE_FIRST_BYTE_S
    fake.scenario.chunk_delay = FAKE_CHUNK_S
    return fake.start()


async def import_sample(settings: Settings, path: Path) -> tuple[ImportResult, list[Account]]:
    """Import the sample with its vectors, as `workshop-tui import` does, and read back its accounts."""
    progress = progress_for(sys.stderr)
    committed: list[ImportResult] = []
    read_back = False

    def on_commit(result: ImportResult) -> None:
        committed.append(result)
        progress.finish()
        print_summary(result, sys.stdout)
        sys.stdout.flush()

    workshop = await Workshop.open(settings, run_jobs=False)
    try:
        result = await ImportService(workshop, progress=progress).run(path, on_commit=on_commit)
        accounts = await sample_accounts(workshop, result)
        read_back = True
    finally:
        progress.finish()
        if committed and not read_back:  # stopped after the accounts were written: their passwords must not be lost
            print_passwords(committed[0], sys.stdout, None)
        await workshop.close()
    return result, accounts


async def sample_accounts(workshop: Workshop, result: ImportResult) -> list[Account]:
    report = result.sections.get("users")
    names = [e.name for e in (report.created + report.updated + report.unchanged + report.skipped)] if report else []
    accounts = []
    for name in names:
        user = await workshop.accounts.find_user(OPERATOR, name)
        accounts.append(Account(user.username, user.role, user.status.value, result.passwords.get(name)))
    return accounts


def print_ready(serving: str, data_dir: Path, fresh: bool, accounts: list[Account]) -> None:
    out = sys.stdout
    out.write(f"\n{serving}\n")
    again = f" (new; 'workshop-tui demo --data-dir {data_dir}' comes back to it)" if fresh else ""
    out.write(f"data directory: {data_dir}{again}\n")
    if not accounts:
        return
    rows = [("username", "role", "status", "password")]
    rows += [(a.username, a.role.value, a.status,
              a.password.get_secret_value() if a.password is not None else "(kept from before)") for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out.write("\nSample accounts (sign out in the app to sign in as another, or register a new account):\n")
    for row in rows:
        out.write("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                  + f"  {row[3]}\n")
    if any(a.password is None for a in accounts):
        out.write("Accounts that existed already in this data directory keep their passwords (printed when they "
                  "were created); this run does not know them.\n")
    out.flush()


def fresh_data_dir(args: argparse.Namespace) -> bool:
    """A new throwaway data directory unless --data-dir names one; True when it is new."""
    if getattr(args, "data_dir", None):
        return False
    args.data_dir = tempfile.mkdtemp(prefix="workshop-tui-demo-")
    return True


async def open_app(settings: Settings, banner: str, instructor: Account | None) -> None:
    """The app on this terminal, on a workshop this command opens (and closes), signed in as the
    instructor when this run knows the password."""
    workshop = await Workshop.open(settings, run_jobs=True)
    try:
        actor = None
        if instructor is not None and instructor.password is not None:
            actor = await workshop.accounts.login(instructor.username, instructor.password)
        from workshop_tui.ui.app import WorkshopApp
        from workshop_tui.ui.session import SessionContext

        await WorkshopApp(workshop, session=SessionContext(banner=banner), signed_in=actor).run_async()
    finally:
        await workshop.close()


def serve_over_ssh(settings: Settings, banner: str, accounts: list[Account]) -> int:
    """`demo --ssh`: the class over SSH on 127.0.0.1 (port `ssh.port`, 2222 unless set), until Ctrl+C."""
    from workshop_tui.commands.serve import serve

    def ready(server: SshServer) -> None:
        port = server.port
        print(f"\nServing the demo class over SSH on 127.0.0.1:{port} (host key {server.fingerprint}).")
        print("Connect from another terminal with the passwords above, for instance:")
        for account in accounts[:3]:
            print(f"  ssh -p {port} {account.username}@localhost")
        if server.settings.registration_name:
            print(f"  ssh -p {port} {server.settings.registration_name}@localhost    (register a new account)")
        print("Stop with Ctrl+C.", flush=True)

    return asyncio.run(serve(settings, host="127.0.0.1", port=settings.ssh.port, banner=banner, on_ready=ready))


def run(args: argparse.Namespace) -> int:
    """Synchronous on purpose: the wait for Enter sits between two event loops, so Ctrl+C there stops
    the command at once."""
    fresh = fresh_data_dir(args)
    try:
        settings = settings_from(args)
    except BaseException:
        if fresh:
            shutil.rmtree(args.data_dir, ignore_errors=True)
        raise
    path = sample_file()
    if not path.is_file():
        return fail(f"the sample workshop is missing: {path} (reinstall workshop-tui)", EXIT_FAILURE)
    url = settings.ollama.urls[0]
    fake: FakeOllama | None = None
    try:
        if asyncio.run(ollama_answers(settings)):
            serving, banner = f"Ollama at {url}", f"Ollama at {url}"
            print(f"{serving} answers: the demo uses it (the import pulls the sample's models it lacks)",
                  file=sys.stderr)
        else:
            fake = start_fake()
            settings.ollama.urls = [fake.url]
            serving, banner = f"{REHEARSAL} at {fake.url}", REHEARSAL
            print(f"no Ollama answers at {url}: starting the built-in fake Ollama at {fake.url}", file=sys.stderr)
        result, accounts = asyncio.run(import_sample(settings, path))
        print_jobs(result, sys.stdout)
        print_ready(serving, settings.data_dir, fresh, accounts)
        if result.vector_failure:
            return fail(result.vector_failure, EXIT_FAILURE)
        if getattr(args, "ssh", False):
            return serve_over_ssh(settings, banner, accounts)
        if not (is_terminal(sys.stdin) and is_terminal(sys.stdout)):
            print("not a terminal: the app was not opened")
            return EXIT_OK
        instructor = next((a for a in accounts if a.role is Role.INSTRUCTOR), None)
        if instructor is None:
            print("the sample has no instructor account: the app opens on the sign-in screen")
        elif instructor.password is None:
            print(f"the instructor account '{instructor.username}' existed already and this run does not know its "
                  "password: the app opens on the sign-in screen")
        else:
            print(f"the app opens signed in as the instructor '{instructor.username}'")
        try:
            input("press Enter to open the app ")
        except EOFError:  # Ctrl+D: the reader changed their mind
            print()
            return EXIT_OK
        asyncio.run(open_app(settings, banner, instructor))
        return EXIT_OK
    finally:
        if fake is not None:
            fake.stop()
