"""The project's fake Ollama in a process of its own, steered over stdin, for benchmarks.

In the benchmark's own process the fake's threads would need the GIL that the app under test holds
while it renders, so a busy app would slow its own feed (a reply scripted at 100 tok/s arrived at
55 tok/s while the loop was 2/3 busy). In a process of its own it keeps its pace, as Ollama would,
and its CPU time stays out of the figures of the process being measured.

Protocol: the first line printed is the fake's URL. Then one JSON object per line on stdin, one
JSON line answered on stdout:
- {"turns": [{"content": "...", "chunk_delay": 0.01}, ...]} scripts those turns (FIFO);
  answers {"scripted": n}.
- {"stats": true} answers {"cpu_s", "chat_requests", "max_in_flight", "in_flight"}; with
  "reset": true the in-flight high-water mark starts again from the streams open now.
End of input stops the fake and ends the process. `FakeProcess` starts and steers it from an event loop.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workshop_tui.testing.fake_ollama import FakeOllama


def answer(obj: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    with FakeOllama() as fake:
        answer({"url": fake.url})
        for line in sys.stdin:
            command = json.loads(line)
            if "turns" in command:
                for turn in command["turns"]:
                    fake.script_turn(**turn)
                answer({"scripted": len(command["turns"])})
            elif "stats" in command:
                stats = {"cpu_s": time.process_time(), "chat_requests": len(fake.requests_to("/api/chat")),
                         "max_in_flight": fake.max_in_flight, "in_flight": fake.in_flight}
                if command.get("reset"):
                    fake.max_in_flight = fake.in_flight
                answer(stats)
            else:
                answer({"error": f"unknown command {sorted(command)}"})


class FakeProcess:
    """This module run as a process of its own, steered from an event loop."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._log_file: Any = None

    async def start(self) -> None:
        self._log_file = self.log.open("w")
        pipe = asyncio.subprocess.PIPE
        self._proc = await asyncio.create_subprocess_exec(sys.executable, str(Path(__file__).resolve()), stdin=pipe,
                                                          stdout=pipe, stderr=self._log_file, limit=1 << 20)
        self.url = (await self._answer())["url"]

    async def _answer(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), 30)
        if not line:
            raise RuntimeError(f"the fake Ollama process ended: {self.log.read_text()[-2000:]}")
        return json.loads(line)

    async def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(command) + "\n").encode())
        await asyncio.wait_for(self._proc.stdin.drain(), 30)
        return await self._answer()

    async def script(self, content: str, chunk_delay: float, count: int = 1) -> None:
        """The next `count` chat requests stream `content`, `chunk_delay` seconds between chunks."""
        await self._ask({"turns": [{"content": content, "chunk_delay": chunk_delay}] * count})

    async def stats(self, *, reset: bool = False) -> dict[str, Any]:
        """Its CPU seconds, chat requests, and streams at once (the most since the last reset)."""
        return await self._ask({"stats": True, "reset": reset})

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await asyncio.wait_for(proc.wait(), 10)
        if self._log_file is not None:
            self._log_file.close()


if __name__ == "__main__":
    main()
