"""What `bench_ssh.py` and `soak_ssh.py` share: a class of bench accounts with long conversations,
the SSH server in a child process (so its memory and CPU are its own), and light SSH clients.

`python bench/ssh_bench.py serve DATA_DIR OLLAMA_URL [--bare]` is the child: the real `SshServer`
on 127.0.0.1 and a free port (printed as `port N`), serving the workshop app, or with `--bare` a bare
Textual app through the same sessions, driver and channel (the baseline).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import workshop_tui.ssh  # noqa: F401 - imports asyncssh quietly

import asyncssh  # isort: skip

PASSWORD = "bench password 1"
IN_FLIGHT = 64  # generations the fake Ollama takes at once (a real host takes its OLLAMA_NUM_PARALLEL)
MODEL = "llama3.2:1b"
WORDS = ("Retrieval augmented generation grounds a model's answer in documents it is given, so the answer "
         "can cite where each fact came from. **Chunks** that are too small lose context; too large, and "
         "the retriever returns noise. `num_ctx` bounds how much fits.")


def class_file(folder: Path, users: int, messages: int) -> Path:
    """A workshop file: `users` students (bench00…), each with one conversation of `messages` messages."""
    names = [f"bench{index:02d}" for index in range(users)]
    conversations = [{
        "owner": name, "title": f"Notes of {name}", "model": MODEL,
        "messages": [{"role": "user" if i % 2 == 0 else "assistant",
                      "content": f"Question {i}: how does retrieval work?" if i % 2 == 0 else f"{i}. {WORDS}"}
                     for i in range(messages)],
    } for name in names]
    data = {"version": 1, "workshop": {"name": "SSH bench"}, "models": [{"name": MODEL}],
            "users": [{"username": name, "display_name": name.title(), "role": "student", "password": PASSWORD,
                       "models": [MODEL]} for name in names],
            "conversations": conversations}
    path = folder / "bench_class.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


async def prepare(data_dir: Path, ollama_url: str, users: int, messages: int) -> None:
    """Import the bench class into `data_dir` (the parent does it, before the server starts)."""
    from workshop_tui.config.loader import load_settings
    from workshop_tui.services.workshop import Workshop
    from workshop_tui.services.workshop_file.importer import ImportService

    settings = load_settings(data_dir=data_dir, ollama_url=ollama_url, env={}, dotenv_path=None)
    workshop = await Workshop.open(settings)
    try:
        await workshop.store.wait_ready(60)
        result = await ImportService(workshop).run(class_file(data_dir.parent, users, messages))
        if not result.ok:
            raise SystemExit(f"the bench class did not import: {result}")
    finally:
        await workshop.close()


# -- the server, in a child process -------------------------------------------------------------


class ServerProcess:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    async def start(cls, data_dir: Path, ollama_url: str, *, bare: bool = False) -> ServerProcess:
        argv = [sys.executable, __file__, "serve", str(data_dir), ollama_url, *(["--bare"] if bare else [])]
        process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                       stdin=asyncio.subprocess.DEVNULL)
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        if not line.startswith("port "):
            raise SystemExit(f"the bench server did not start: {line!r}")
        return cls(process, int(line.split()[1]))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def _bare_session_class() -> Any:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Input, Static

    from workshop_tui.ssh.session import AppSession

    class BareApp(App[None]):
        farewell: str | None = None
        actor = None

        def __init__(self) -> None:
            super().__init__()
            self.settled = asyncio.Event()

        def compose(self) -> ComposeResult:
            yield Static("Ready")
            yield Input(placeholder="Write a message: Enter sends")
            yield Footer()

        def on_ready(self) -> None:
            self.settled.set()

        def end(self, message: str, return_code: int = 0) -> None:
            self.farewell = message
            self.exit(return_code=return_code)

    class BareSession(AppSession):
        def new_app(self) -> Any:
            return BareApp()

    return BareSession


async def serve(data_dir: Path, ollama_url: str, bare: bool) -> None:
    from workshop_tui.config.loader import load_settings
    from workshop_tui.config.logging import configure_logging
    from workshop_tui.services.workshop import Workshop
    from workshop_tui.ssh.server import SshServer

    settings = load_settings(data_dir=data_dir, ollama_url=ollama_url, env={}, dotenv_path=None)
    settings.ollama.max_in_flight_per_host = IN_FLIGHT  # the fake streams to everyone at once
    configure_logging(settings.log_dir, "INFO")
    workshop = await Workshop.open(settings, run_jobs=True)
    server = SshServer(workshop, host="127.0.0.1", port=0, host_key=data_dir / "bench_host_key")
    if bare:
        server.session_class = _bare_session_class()
    await server.start()
    print(f"port {server.port}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop()
    await workshop.close()


# -- clients ---------------------------------------------------------------------------------------


@dataclass
class Client:
    """One light SSH client: what its session sent, and when."""

    conn: Any
    process: Any
    output: bytearray = field(default_factory=bytearray)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None
    channel_opened: float = 0.0
    """When the session's channel was asked for (after signing in)."""

    @classmethod
    async def open(cls, port: int, username: str, size: tuple[int, int] = (110, 36)) -> Client:
        conn = await asyncssh.connect("127.0.0.1", port, username=username, password=PASSWORD, known_hosts=None,
                                      client_keys=None, agent_path=None, preferred_auth="password")
        opened = time.monotonic()
        process = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
        client = cls(conn, process, channel_opened=opened)
        client.reader = asyncio.create_task(client._read())
        return client

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.output.extend(data)
            self.arrived.set()

    async def until(self, marker: bytes, timeout: float = 120.0) -> float:
        """Wait until `marker` has arrived; the monotonic time it was seen."""
        async def wait() -> None:
            while marker not in self.output:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(wait(), timeout)
        return time.monotonic()

    async def echo(self, key: bytes, timeout: float = 30.0) -> float:
        """Seconds from sending `key` until the session answers with anything."""
        self.arrived.clear()
        start = time.monotonic()
        self.process.stdin.write(key)
        await asyncio.wait_for(self.arrived.wait(), timeout)
        return time.monotonic() - start

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)

    async def close(self) -> None:
        self.conn.close()
        if self.reader is not None:
            self.reader.cancel()
        try:
            await asyncio.wait_for(self.conn.wait_closed(), 10)
        except (TimeoutError, OSError):
            pass


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    asyncio.run(serve(Path(sys.argv[2]), sys.argv[3], "--bare" in sys.argv[4:]))
