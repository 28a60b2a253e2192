"""How long `workshop-tui` takes to paint its sign-in screen, beside a bare Textual app.

Both programs run in a fresh process on a pseudo-terminal of 100×30, started the same way. The
clock runs from the spawn until the terminal has received the text that only the painted screen
shows ("Sign in" for ours, "Ready" for the bare app). Each is run `RUNS` times, alternating, and
the medians are compared. Target: `ratio` (ours / bare) at most 1.5.

Run: `python bench/bench_startup.py` (no arguments, well under a minute). The last line is one JSON
object: {"startup_s": …, "bare_textual_s": …, "ratio": …, "runs": …}.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

RUNS = 7
TIMEOUT_S = 30.0
BARE_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, Static

class Bare(App):
    def compose(self) -> ComposeResult:
        yield Static("Ready")
        yield Input(placeholder="your username")
        yield Footer()

Bare().run()
"""


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str]) -> float:
    """Seconds from spawning `argv` on a pseudo-terminal until `marker` appears in its output."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = b""
    try:
        while time.perf_counter() - start < TIMEOUT_S:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in seen:
                return time.perf_counter() - start
            seen = seen[-4096:]
        raise RuntimeError(f"{argv[0]} did not paint {marker!r} within {TIMEOUT_S} s")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    workshop_tui = shutil.which("workshop-tui") or str(Path(sys.executable).with_name("workshop-tui"))
    data_dir = tempfile.mkdtemp(prefix="bench-startup-")
    script = Path(data_dir) / "bare.py"
    script.write_text(BARE_APP)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    ours_argv = [workshop_tui, "--data-dir", str(Path(data_dir) / "data"), "--ollama-url", "http://127.0.0.1:9"]
    bare_argv = [sys.executable, str(script)]
    # Warm the file cache and create the database once, so every measured run starts the same way.
    time_to_text(ours_argv, b"Sign in", env)
    time_to_text(bare_argv, b"Ready", env)
    ours, bare = [], []
    for _ in range(RUNS):
        ours.append(time_to_text(ours_argv, b"Sign in", env))
        bare.append(time_to_text(bare_argv, b"Ready", env))
    shutil.rmtree(data_dir, ignore_errors=True)
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    print(f"workshop-tui sign-in screen: median {ours_s:.3f} s over {RUNS} runs ({min(ours):.3f}–{max(ours):.3f})")
    print(f"bare Textual app:            median {bare_s:.3f} s over {RUNS} runs ({min(bare):.3f}–{max(bare):.3f})")
    print(json.dumps({"startup_s": round(ours_s, 4), "bare_textual_s": round(bare_s, 4),
                      "ratio": round(ours_s / bare_s, 3), "runs": RUNS}))


if __name__ == "__main__":
    main()
