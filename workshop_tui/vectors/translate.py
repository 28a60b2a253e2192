"""Turning Qdrant's exceptions into the project's errors.

Local mode raises ValueError and RuntimeError, server mode raises UnexpectedResponse (with an HTTP
status) or ResponseHandlingException (transport failures). Callers should see one vocabulary for
both: NotFound for a missing collection, Invalid for a request Qdrant rejected, Unavailable for
anything that means "the vector store cannot serve you right now".
"""

from __future__ import annotations

import json

from workshop_tui.domain.errors import Invalid, NotFound, ServiceError, Unavailable
from workshop_tui.domain.text import one_line

_DETAIL_CHARS = 300


def _server_detail(content: bytes) -> str:
    """The error text of a Qdrant server answer (``{"status": {"error": ...}}``), else the raw body."""
    try:
        detail = json.loads(content)["status"]["error"]
    except (ValueError, KeyError, TypeError):
        detail = content.decode("utf-8", "replace")
    return one_line(str(detail), _DETAIL_CHARS)


def translate_error(error: BaseException, action: str) -> ServiceError:
    """Map an exception raised while ``action`` (e.g. "searching 'vdb_3'") to a ServiceError."""
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    if isinstance(error, UnexpectedResponse):
        status = error.status_code or 0
        detail = _server_detail(error.content)
        if status == 404:
            return NotFound(f"{action}: not found ({detail})")
        if status in (401, 403):
            return Unavailable(f"{action}: the Qdrant server refused the API key")
        if 400 <= status < 500:
            return Invalid(f"{action}: Qdrant rejected the request ({detail})")
        return Unavailable(f"{action}: the Qdrant server answered {status} ({detail})")
    if isinstance(error, ResponseHandlingException | OSError | TimeoutError):
        source = getattr(error, "source", error)
        return Unavailable(f"{action}: cannot reach the Qdrant server ({one_line(str(source), _DETAIL_CHARS)})")
    message = one_line(str(error), _DETAIL_CHARS)
    if isinstance(error, ValueError):
        if "not found" in message:
            return NotFound(f"{action}: {message}")
        return Invalid(f"{action}: {message}")
    if "already accessed by another instance" in message:
        return Unavailable(
            f"{action}: the vector data folder is already open in another process; only one process "
            "may use embedded storage (run a Qdrant server to share it)"
        )
    return Unavailable(f"{action} failed: {message}")
