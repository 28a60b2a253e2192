"""The Ollama layer: an async REST client, a multi-host pool and a fair queue in front of generations.

Everything the rest of the app needs is re-exported here, so callers import from `workshop_tui.ollama`.
"""

from workshop_tui.ollama.client import OllamaClient, OllamaTimeouts
from workshop_tui.ollama.errors import (
    BadRequest,
    ModelBusy,
    ModelNotFound,
    OllamaError,
    StreamError,
    Timeout,
    Unreachable,
)
from workshop_tui.ollama.fair_queue import FairQueue, Ticket
from workshop_tui.ollama.model_types import ModelDetails, ModelEntry, PullProgress, RunningModel
from workshop_tui.ollama.pool import HostHealth, HostLease, OllamaPool
from workshop_tui.ollama.types import (
    DEFAULT_HOST,
    ChatChunk,
    EmbedResult,
    Metrics,
    ToolCall,
    model_key,
    normalize_model_name,
    parse_ollama_host,
)

__all__ = [
    "DEFAULT_HOST",
    "BadRequest",
    "ChatChunk",
    "EmbedResult",
    "FairQueue",
    "HostHealth",
    "HostLease",
    "Metrics",
    "ModelBusy",
    "ModelDetails",
    "ModelEntry",
    "ModelNotFound",
    "OllamaClient",
    "OllamaError",
    "OllamaPool",
    "OllamaTimeouts",
    "PullProgress",
    "RunningModel",
    "StreamError",
    "Ticket",
    "Timeout",
    "ToolCall",
    "Unreachable",
    "model_key",
    "normalize_model_name",
    "parse_ollama_host",
]
