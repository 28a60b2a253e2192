"""The fake Ollama's endpoints: routing, validation and the error texts the real server uses."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from workshop_tui.testing.fake_ollama_embed import embed_texts, words
from workshop_tui.testing.fake_ollama_generate import generate
from workshop_tui.testing.fake_ollama_http import ClientGone, StreamingHandler
from workshop_tui.testing.fake_ollama_models import full_name
from workshop_tui.testing.fake_ollama_scenario import MANIFEST_MISSING, status_message

Route = Callable[["FakeOllamaHandler", dict[str, Any]], None]


class FakeOllamaHandler(StreamingHandler):
    """Serves the Ollama REST API from the fake's registry and scenario."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        raw = self.read_body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.fake.record_request(method, path, body, dict(self.headers.items()))
        if path == "/" and method in ("GET", "HEAD"):
            self.send_bytes(200, b"Ollama is running", "text/plain; charset=utf-8")
            return
        route = ROUTES.get((method, path))
        if route is None:
            self.send_bytes(404, b"404 page not found", "text/plain")
            return
        if method == "GET":
            body = body if isinstance(body, dict) else {}
        elif not raw:
            self.send_error_json(400, "missing request body")
            return
        if not isinstance(body, dict):
            self.send_error_json(400, "invalid character in request body")
            return
        route(self, body)

    # -- metadata --------------------------------------------------------------------------------

    def version(self, body: dict[str, Any]) -> None:
        self.send_json(200, {"version": self.fake.scenario.version})

    def tags(self, body: dict[str, Any]) -> None:
        self.send_json(200, self.fake.registry.tags())

    def ps(self, body: dict[str, Any]) -> None:
        self.send_json(200, self.fake.registry.ps())

    def _name(self, body: dict[str, Any]) -> str | None:
        name = body.get("model") or body.get("name")
        if not isinstance(name, str) or not name:
            self.send_error_json(400, "model is required")
            return None
        return name

    def show(self, body: dict[str, Any]) -> None:
        if (name := self._name(body)) is None:
            return
        model = self.fake.registry.get(name)
        if model is None:
            self.send_error_json(404, f"model '{name}' not found")
            return
        self.send_json(200, model.show())

    def delete(self, body: dict[str, Any]) -> None:
        if (name := self._name(body)) is None:
            return
        if not self.fake.registry.remove(name):
            self.send_error_json(404, f"model '{name}' not found")
            return
        self.send_empty(200)

    def copy(self, body: dict[str, Any]) -> None:
        source, destination = body.get("source"), body.get("destination")
        if not isinstance(source, str) or not isinstance(destination, str) or not source or not destination:
            self.send_error_json(400, "source and destination are required")
            return
        if not self.fake.registry.copy(source, destination):
            self.send_error_json(404, f'model "{source}" not found')
            return
        self.send_empty(200)

    # -- pull ------------------------------------------------------------------------------------

    def pull(self, body: dict[str, Any]) -> None:
        if (name := self._name(body)) is None:
            return
        model = self.fake.registry.get(name) or self.fake.catalog_get(name)
        if body.get("stream", True) is False:
            if model is None:
                self.send_error_json(500, MANIFEST_MISSING)
            else:
                self.fake.registry.add(model.renamed(full_name(name)))
                self.send_json(200, {"status": "success"})
            return
        scenario = self.fake.scenario
        sent = 0
        try:
            self.start_stream()
            self.write_line({"status": "pulling manifest"})
            if model is None:
                self.write_line({"error": MANIFEST_MISSING})
                self.end_stream()
                return
            steps = max(1, scenario.pull_steps)
            for digest, total in _layers(model.digest, model.size):
                line: dict[str, Any] = {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}"}
                self.write_line({**line, "total": total})  # `completed` absent while it is 0
                sent += 1
                for step in range(1, steps + 1):
                    self.pause(scenario.pull_chunk_delay)
                    self.write_line({**line, "total": total, "completed": total * step // steps})
                    sent += 1
            for status in ("verifying sha256 digest", "writing manifest"):
                self.pause(scenario.pull_chunk_delay)
                self.write_line({"status": status})
            self.fake.registry.add(model.renamed(full_name(name)))
            self.write_line({"status": "success"})
            self.end_stream()
        except ClientGone:
            self.fake.record_disconnect("/api/pull", name, sent)
            self.close_connection = True

    # -- embed -----------------------------------------------------------------------------------

    def embed(self, body: dict[str, Any]) -> None:
        if (name := self._name(body)) is None:
            return
        started = time.perf_counter_ns()
        scenario = self.fake.scenario
        if scenario.embed_status:
            self.send_error_json(scenario.embed_status, status_message(scenario.embed_status, name, embed=True))
            return
        model = self.fake.registry.get(name)
        if model is None:
            self.send_error_json(404, status_message(404, name, embed=True))
            return
        raw = body.get("input")
        if raw is None:
            texts: list[str] = []
        elif isinstance(raw, str):
            texts = [raw]
        elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        else:
            self.send_error_json(400, "invalid input type")
            return
        if body.get("truncate") is False and any(len(words(t)) > model.context_length for t in texts):
            self.send_error_json(400, "the input length exceeds the context length")
            return
        self.fake.record_embed_batch(len(texts))
        dims = body.get("dimensions")
        vectors = embed_texts(texts, model.embedding_length, dims if isinstance(dims, int) else None)
        self.fake.registry.touch(name, body.get("keep_alive"))
        if scenario.embed_delay:
            time.sleep(scenario.embed_delay)
        self.send_json(
            200,
            {
                "model": name,
                "embeddings": vectors,
                "total_duration": time.perf_counter_ns() - started,
                "load_duration": 1_000_000,
                "prompt_eval_count": sum(max(1, len(words(t))) for t in texts),
            },
        )

    # -- chat / generate -------------------------------------------------------------------------

    def chat(self, body: dict[str, Any]) -> None:
        generate(self, body, chat=True)

    def generate(self, body: dict[str, Any]) -> None:
        generate(self, body, chat=False)


def _layers(model_digest: str, size: int) -> list[tuple[str, int]]:
    """Weights plus the small template/licence/params layers, each with a stable digest."""
    small = [("template", 1_429), ("license", 7_711), ("params", 96)]
    weights = max(1, size - sum(n for _, n in small))
    names = [("weights", weights), *small]
    return [(hashlib.sha256(f"{model_digest}:{kind}".encode()).hexdigest(), n) for kind, n in names]


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/version"): FakeOllamaHandler.version,
    ("GET", "/api/tags"): FakeOllamaHandler.tags,
    ("GET", "/api/ps"): FakeOllamaHandler.ps,
    ("POST", "/api/show"): FakeOllamaHandler.show,
    ("DELETE", "/api/delete"): FakeOllamaHandler.delete,
    ("POST", "/api/copy"): FakeOllamaHandler.copy,
    ("POST", "/api/pull"): FakeOllamaHandler.pull,
    ("POST", "/api/embed"): FakeOllamaHandler.embed,
    ("POST", "/api/chat"): FakeOllamaHandler.chat,
    ("POST", "/api/generate"): FakeOllamaHandler.generate,
}
