"""Errors raised by the Ollama layer, each with a message a workshop attendee can act on.

The UI shows `str(error)` as-is, so every message says what went wrong and, where it helps, what
to do next. Callers that need to branch (retry on busy, offer a pull on not-found) use the class.
All of them derive from the project's `WorkshopError`, so front ends that catch that show these too.
"""

from __future__ import annotations

import json

import httpx

from workshop_tui.domain.errors import WorkshopError


class OllamaError(WorkshopError):
    """Base of every Ollama failure; `status_code` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class Unreachable(OllamaError):
    """No connection could be made (refused, DNS, dropped): most often Ollama is simply not running."""

    def __init__(self, url: str, detail: str | None = None) -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"Cannot reach Ollama at {url}{why}. Is it running? Start it with `ollama serve` "
            "or check the host and port."
        )
        self.url = url
        self.detail = detail


class ModelNotFound(OllamaError):
    """The server does not have the model (HTTP 404); the fix is usually to pull it."""

    def __init__(self, model: str | None, server_text: str | None = None) -> None:
        subject = f"Model '{model}'" if model else "The requested model"
        hint = f" Pull it first: `ollama pull {model}`." if model else ""
        said = f" (Ollama said: {server_text})" if server_text else ""
        super().__init__(f"{subject} is not available on this Ollama server.{hint}{said}", status_code=404)
        self.model = model
        self.server_text = server_text


class ModelBusy(OllamaError):
    """Ollama's request queue is full (HTTP 503); waiting a moment and retrying is the remedy."""

    def __init__(self, server_text: str | None = None) -> None:
        said = f" (Ollama said: {server_text})" if server_text else ""
        super().__init__(
            f"Ollama is busy: too many requests are waiting. Try again in a moment.{said}", status_code=503
        )
        self.server_text = server_text


class BadRequest(OllamaError):
    """Ollama refused the request (HTTP 400); `error_text` is Ollama's own explanation, shown verbatim."""

    def __init__(self, error_text: str) -> None:
        super().__init__(f"Ollama rejected the request: {error_text}", status_code=400)
        self.error_text = error_text


class StreamError(OllamaError):
    """A stream that had already started failed (an `{"error": ...}` line or a dropped connection).

    `chunks_received` counts the good lines delivered before the failure and `partial` holds the text
    produced so far, so the UI can keep what the attendee already saw and mark it incomplete.
    """

    def __init__(self, error_text: str, *, chunks_received: int = 0, partial: str = "") -> None:
        super().__init__(f"Ollama stopped with an error: {error_text}")
        self.error_text = error_text
        self.chunks_received = chunks_received
        self.partial = partial


class Timeout(OllamaError):
    """Ollama went quiet for too long, or a whole call overran its deadline.

    `kind` is "read" (no bytes for `seconds`), "write", "pool" or "deadline" (the whole call).
    """

    def __init__(self, url: str, kind: str, seconds: float | None) -> None:
        limit = f" after {seconds:g} s" if seconds is not None else ""
        what = {
            "deadline": "did not finish in time",
            "read": "sent nothing for too long",
            "write": "did not accept the request in time",
            "pool": "had no free connection in time",
        }.get(kind, "timed out")
        super().__init__(f"Ollama at {url} {what}{limit}. The model may still be loading or the server is overloaded.")
        self.url = url
        self.kind = kind
        self.seconds = seconds


def _error_text(body: str) -> str:
    """Ollama's `{"error": "..."}` text, or the raw body when it is not that shape."""
    try:
        obj = json.loads(body)
    except ValueError:
        return body.strip()
    if isinstance(obj, dict) and isinstance(obj.get("error"), str):
        return obj["error"]
    return body.strip()


def error_from_status(url: str, status: int, body: str, model: str | None) -> OllamaError:
    """Map an HTTP error reply to our hierarchy. 404 means a missing model only for model calls."""
    text = _error_text(body)
    if status == 404 and model is not None:
        return ModelNotFound(model, text)
    if status == 503:
        return ModelBusy(text)
    if status == 400:
        return BadRequest(text)
    if status in (401, 403):
        return OllamaError(f"Ollama at {url} refused access ({status}): {text}. Check the API key.", status_code=status)
    return OllamaError(f"Ollama at {url} answered {status}: {text}", status_code=status)


def error_from_transport(
    url: str, exc: httpx.HTTPError, *, connect: float, read: float, write: float, streaming: bool = False
) -> OllamaError:
    """Map an httpx failure: no connection means Unreachable; silence means Timeout; a connection lost
    after a stream began is a StreamError (what was received so far stays valid)."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return Unreachable(url, f"no answer within {connect:g} s")
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(url, detail)
    if isinstance(exc, httpx.ReadTimeout):
        return Timeout(url, "read", read)
    if isinstance(exc, httpx.WriteTimeout):
        return Timeout(url, "write", write)
    if isinstance(exc, httpx.PoolTimeout):
        return Timeout(url, "pool", connect)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        if streaming:
            return StreamError(f"connection to {url} was lost ({detail})")
        return Unreachable(url, f"connection dropped: {detail}")
    return OllamaError(f"Talking to Ollama at {url} failed: {detail}")
