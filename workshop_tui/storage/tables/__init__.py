"""ORM tables. Importing this package registers every table on `Base.metadata`."""

from workshop_tui.storage.tables.audit import AuditRow
from workshop_tui.storage.tables.base import Base
from workshop_tui.storage.tables.broadcasts import BroadcastRow
from workshop_tui.storage.tables.catalog import ModelRow, PromptRow, ToolRow
from workshop_tui.storage.tables.chat import ConversationRow, MessageRow, UsageCounterRow, conversation_tools
from workshop_tui.storage.tables.knowledge import (
    CollectionToDropRow,
    DocumentRow,
    EmbeddingJobRow,
    RagSystemRow,
    VectorDbRow,
)
from workshop_tui.storage.tables.users import UserRow, user_allowed_models, user_allowed_tools

__all__ = [
    "AuditRow",
    "Base",
    "BroadcastRow",
    "CollectionToDropRow",
    "ConversationRow",
    "DocumentRow",
    "EmbeddingJobRow",
    "MessageRow",
    "ModelRow",
    "PromptRow",
    "RagSystemRow",
    "ToolRow",
    "UsageCounterRow",
    "UserRow",
    "VectorDbRow",
    "conversation_tools",
    "user_allowed_models",
    "user_allowed_tools",
]
