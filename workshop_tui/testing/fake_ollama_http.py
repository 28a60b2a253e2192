"""HTTP plumbing of the fake Ollama: a threaded stdlib server and a request handler base.

Streams are written the way Ollama writes them: headers only with the first chunk, then chunked
NDJSON, one line per chunk, flushed at once, so time to first byte and chunk gaps are real. While a
stream pauses, the socket is watched, so a client that hangs up is noticed and recorded promptly.
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workshop_tui.testing.fake_ollama import FakeOllama

DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class ClientGone(Exception):
    """The client closed the connection while we were streaming to it."""


class FakeServer(ThreadingHTTPServer):
    """One thread per connection, daemonic so a stuck stream never blocks shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeOllama):
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open connection, keep-alive ones included, as a stopped server would."""
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_bind(self) -> None:
        # Skip HTTPServer's reverse-DNS lookup of the bind address: it can stall on a closed network.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients dropping connections is normal here; stay quiet."""


class StreamingHandler(BaseHTTPRequestHandler):
    """Request parsing and response writing shared by every endpoint."""

    protocol_version = "HTTP/1.1"
    server: FakeServer

    def setup(self) -> None:
        super().setup()
        # Like Go's net/http (Ollama): no Nagle delay between a small header write and the body.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def fake(self) -> FakeOllama:
        return self.server.fake

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; tests read `fake.requests` instead."""

    # -- reading ---------------------------------------------------------------------------------

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- plain replies ---------------------------------------------------------------------------

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def send_json(self, status: int, obj: Any) -> None:
        self.send_bytes(status, json.dumps(obj).encode(), "application/json; charset=utf-8")

    def send_error_json(self, status: int, message: str) -> None:
        self.send_json(status, {"error": message})

    def send_empty(self, status: int = 200) -> None:
        self.send_bytes(status, b"", "text/plain; charset=utf-8")

    # -- streaming -------------------------------------------------------------------------------

    def peer_closed(self) -> bool:
        """True if the client has hung up (its side of the socket reads as end-of-file)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def pause(self, seconds: float) -> None:
        """Sleep, but raise ClientGone as soon as the client disconnects or the fake stops."""
        end = time.monotonic() + seconds
        while True:
            if self.peer_closed() or self.fake.stopping.is_set():
                raise ClientGone
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                readable, _, _ = select.select([self.connection], [], [], min(left, 0.1))
            except (OSError, ValueError) as exc:
                raise ClientGone from exc
            if readable and not self.peer_closed():
                time.sleep(min(left, 0.1))  # pipelined bytes, not a hang-up: just wait

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_line(self, obj: Any) -> None:
        """Send one NDJSON line as its own HTTP chunk and flush it."""
        if self.peer_closed():
            raise ClientGone
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except DISCONNECT_ERRORS as exc:
            raise ClientGone from exc

    def end_stream(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except DISCONNECT_ERRORS as exc:
            raise ClientGone from exc
