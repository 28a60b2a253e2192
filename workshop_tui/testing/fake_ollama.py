"""A protocol-faithful fake Ollama: a real HTTP server on 127.0.0.1 for tests, demos and benchmarks.

A real socket is the point: slow first bytes, chunk gaps, read timeouts and clients hanging up all
behave as they do against Ollama, which in-process transports cannot show.

    with FakeOllama() as fake:
        fake.scenario.first_byte_delay = 6      # defaults for every request
        fake.script_turn(tool_calls=[{"name": "get_weather", "arguments": {"city": "Tokyo"}}])
        ...  # talk to fake.url
        assert fake.requests_to("/api/chat")[0].body["keep_alive"] == 0

From a shell: `python -m workshop_tui.testing.fake_ollama --port 0` prints its URL on the first
line, then serves until killed.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from workshop_tui.testing.fake_ollama_api import FakeOllamaHandler
from workshop_tui.testing.fake_ollama_http import FakeServer
from workshop_tui.testing.fake_ollama_models import FakeModel, FakeRegistry, default_catalog, default_models, model_key
from workshop_tui.testing.fake_ollama_scenario import DisconnectRecord, RequestRecord, Scenario, Turn

__all__ = ["DisconnectRecord", "FakeModel", "FakeOllama", "RequestRecord", "Scenario", "Turn"]


class FakeOllama:
    """The fake server plus everything tests steer (`scenario`, `script_turn`, `registry`) and read
    (`requests`, `disconnects`, `embed_batches`, `max_in_flight`). Thread-safe throughout."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Iterable[FakeModel] | None = None,
        catalog: Iterable[FakeModel] | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.registry = FakeRegistry.with_models(list(default_models() if models is None else models))
        self.catalog = {model_key(m.name): m for m in (default_catalog() if catalog is None else catalog)}
        self.scenario = Scenario()
        self.stopping = threading.Event()
        self._turns: deque[Turn] = deque()
        self._cond = threading.Condition()
        self._requests: list[RequestRecord] = []
        self._disconnects: list[DisconnectRecord] = []
        self._embed_batches: list[int] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self._server: FakeServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeOllama:
        """Bind (an ephemeral port unless one was given) and serve in a daemon thread."""
        if self._server is None:
            self.stopping.clear()
            self._server = FakeServer((self.host, self._port or self.requested_port), FakeOllamaHandler, self)
            self._port = int(self._server.server_address[1])
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="fake-ollama", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open connections, so clients see the host go away."""
        if self._server is not None:
            self.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port; kept after `stop()` so tests can point at a host that went away
        (and `start()` again rebinds the same port)."""
        if self._port is None:
            raise RuntimeError("the fake Ollama was never started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL to give a client, e.g. http://127.0.0.1:40123."""
        return f"http://{self.host}:{self.port}"

    # -- steering --------------------------------------------------------------------------------

    @property
    def reply_tokens(self) -> int:
        """Shortcut for `scenario.reply_tokens`: the default reply's length in tokens."""
        return self.scenario.reply_tokens

    @reply_tokens.setter
    def reply_tokens(self, value: int) -> None:
        self.scenario.reply_tokens = value

    def script_turn(self, **fields: Any) -> Turn:
        """Queue one answer for the next chat/generate request (see `Turn` for the fields)."""
        turn = Turn(**fields)
        with self._cond:
            self._turns.append(turn)
        return turn

    def next_turn(self) -> Turn | None:
        with self._cond:
            return self._turns.popleft() if self._turns else None

    def take_status_turn(self) -> int | None:
        """If the next scripted turn is an HTTP error status, consume it and return the status."""
        with self._cond:
            if self._turns and self._turns[0].status:
                return self._turns.popleft().status
            return None

    def catalog_get(self, name: str) -> FakeModel | None:
        """A pullable model by name (case-insensitive, `:latest` implied)."""
        return self.catalog.get(model_key(name))

    def reset(self) -> None:
        """Back to default knobs, no scripted turns, empty logs (the registry is left as it is)."""
        with self._cond:
            self.scenario = Scenario()
            self._turns.clear()
            self._requests.clear()
            self._disconnects.clear()
            self._embed_batches.clear()
            self.max_in_flight = self._in_flight

    # -- records ---------------------------------------------------------------------------------

    def record_request(self, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
        with self._cond:
            self._requests.append(RequestRecord(method, path, body, time.time(), headers))
            self._cond.notify_all()

    def record_disconnect(self, path: str, model: str | None, chunks_sent: int) -> None:
        with self._cond:
            self._disconnects.append(DisconnectRecord(path, model, chunks_sent, time.time()))
            self._cond.notify_all()

    def record_embed_batch(self, size: int) -> None:
        with self._cond:
            self._embed_batches.append(size)

    def stream_started(self) -> None:
        with self._cond:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def stream_ended(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request so far, in arrival order (a copy)."""
        with self._cond:
            return list(self._requests)

    @property
    def disconnects(self) -> list[DisconnectRecord]:
        """Streams whose client hung up before the end (a copy)."""
        with self._cond:
            return list(self._disconnects)

    @property
    def embed_batches(self) -> list[int]:
        """Input count of every embed request that got as far as embedding (a copy)."""
        with self._cond:
            return list(self._embed_batches)

    @property
    def in_flight(self) -> int:
        """Chat/generate streams being served right now."""
        with self._cond:
            return self._in_flight

    def requests_to(self, path: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.path == path]

    def wait_for_disconnect(self, timeout: float = 5.0) -> DisconnectRecord | None:
        """Block (in a thread, not on an event loop) until a disconnect is recorded; None on timeout."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self._disconnects), timeout=timeout)
            return self._disconnects[0] if self._disconnects else None


def main(argv: list[str] | None = None) -> None:
    """Serve until killed; the first line printed is the URL to use."""
    parser = argparse.ArgumentParser(description="A fake Ollama server for tests and demos.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--first-byte-delay", type=float, default=0.0)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--reply-tokens", type=int, default=12)
    args = parser.parse_args(argv)
    fake = FakeOllama(host=args.host, port=args.port)
    fake.scenario.first_byte_delay = args.first_byte_delay
    fake.scenario.chunk_delay = args.chunk_delay
    fake.scenario.reply_tokens = args.reply_tokens
    fake.start()
    print(fake.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
