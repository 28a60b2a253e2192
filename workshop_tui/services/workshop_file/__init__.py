"""Headless import, first half: reading and validating a workshop file into a plan.

``load_workshop_file`` (YAML) and ``load_users_csv`` (a class list) return a fully resolved
:class:`WorkshopPlan`, or raise :class:`WorkshopFileErrors` listing every problem with its file,
line, column and field path. Nothing is written while loading; applying a plan is the importer's
job. docs/WORKSHOP_FILE.md describes the format.
"""

from workshop_tui.services.workshop_file.conversations import ConversationPlan, MessagePlan
from workshop_tui.services.workshop_file.csv_source import CSV_COLUMNS, load_users_csv
from workshop_tui.services.workshop_file.limits import DEFAULT_FILE_LIMITS, FileLimits
from workshop_tui.services.workshop_file.loader import FORMAT_VERSION, load_workshop_file
from workshop_tui.services.workshop_file.plan import (
    CatalogueUser,
    CatalogueView,
    DocumentPlan,
    DocumentSource,
    EmbeddingJobPlan,
    ModelPlan,
    PasswordPlan,
    PasswordSource,
    PromptPlan,
    QuotaPlan,
    RagSystemPlan,
    ToolPlan,
    UserPlan,
    VectorDbPlan,
    WorkshopInfo,
    WorkshopPlan,
)
from workshop_tui.services.workshop_file.problems import Location, Problem, WorkshopFileErrors

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_FILE_LIMITS",
    "FORMAT_VERSION",
    "CatalogueUser",
    "CatalogueView",
    "ConversationPlan",
    "DocumentPlan",
    "DocumentSource",
    "EmbeddingJobPlan",
    "FileLimits",
    "Location",
    "MessagePlan",
    "ModelPlan",
    "PasswordPlan",
    "PasswordSource",
    "Problem",
    "PromptPlan",
    "QuotaPlan",
    "RagSystemPlan",
    "ToolPlan",
    "UserPlan",
    "VectorDbPlan",
    "WorkshopFileErrors",
    "WorkshopInfo",
    "WorkshopPlan",
    "load_users_csv",
    "load_workshop_file",
]
