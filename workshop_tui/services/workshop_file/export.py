"""Headless export: the database, read as the operator, turned into the workshop file's structure.

The result is the plain data of a workshop file (docs/WORKSHOP_FILE.md) that an import into an empty
data directory turns back into the same class, so it obeys the loader's rules rather than the
database's, and where the two differ the exporter decides and says so in a note:

- **No passwords and no hashes** (security item 10): every exported user gets a generated password
  on import.
- **Only active and pending accounts**, as those are the statuses a file can give. Suspended and
  rejected accounts are skipped, and so is a family account whose guardian is not exported as an
  active account; what they owned is exported as the operator's.
- **An owner the file could not name** (skipped, deleted, or whose role may no longer create or share
  the entry) is left out, so the entry becomes the operator's with its visibility unchanged.
- **Titles and names are unique in a file** but prompt and document titles are not in the database:
  later duplicates get `` (2)``, `` (3)``… and every reference uses the exported title.
- **Every string is cleaned** of terminal escapes and control characters (security item 8): one-line
  fields also lose newlines and runs of spaces, exactly as the loader cleans them, so references
  match; multi-line fields keep newlines and tabs.
- **Order is by name**, with ids only to break ties, so exporting the same data twice gives the same
  bytes.

Documents are built here with their text inline; writing the export (``export_file.py``) moves each
text to a file in the folder beside the workshop file (``export_documents.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import User
from workshop_tui.ollama.types import model_key, normalize_model_name
from workshop_tui.services.workshop_file import export_sections as sections
from workshop_tui.services.workshop_file.export_state import ExportState, line, optional_text, put
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.services.workshop_file.state import read_grants
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository

EXPORTED_STATUSES = (AccountStatus.ACTIVE, AccountStatus.PENDING)
SECTIONS = ("models", "users", "prompts", "tools", "documents", "vector_dbs", "rag_systems", "conversations")


@dataclass(frozen=True)
class WorkshopExport:
    """A workshop file's data (dicts and lists in file order) and the notes about what changed."""

    data: dict[str, Any]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {key: len(self.data[key]) for key in SECTIONS if key in self.data}


async def read_users(state: ExportState) -> list[User]:
    """Decide which accounts are exported; the rest are noted and skipped."""
    everyone = await UserRepository(state.session).list()
    by_id = {u.id: u for u in everyone}
    kept = {u.id: u for u in everyone if u.status in EXPORTED_STATUSES}
    for user in sorted(everyone, key=lambda u: u.username):
        if user.id not in kept:
            state.note(f"the {user.status} account {line(user.username)!r} is not exported: a workshop file "
                       "describes active and pending accounts only")
    for user in sorted(kept.values(), key=lambda u: u.username):
        if user.role is not Role.FAMILY:
            continue
        guardian = kept.get(user.guardian_id) if user.guardian_id is not None else None
        if guardian is None or guardian.status is not AccountStatus.ACTIVE or guardian.role is Role.FAMILY:
            former = by_id.get(user.guardian_id) if user.guardian_id is not None else None
            why = f"its guardian {former.username!r} is {former.status}" if former else "it has no guardian"
            state.note(f"the family account {line(user.username)!r} is not exported: {why}, and a family account "
                       "needs an active guardian")
            del kept[user.id]
    state.users = kept
    return sorted(kept.values(), key=lambda u: u.username)


async def read_models(state: ExportState) -> None:
    """The whole catalogue; an enabled model is pulled on import, a disabled one only registered."""
    for model in await ModelRepository(state.session).list():
        name = normalize_model_name(line(model.name))
        entry: dict[str, Any] = {"name": name, "pull": model.enabled, "enabled": model.enabled}
        put(entry, "description", optional_text(model.description))
        state.models[model_key(name)] = entry
        state.model_names[model.id] = name


async def user_entries(state: ExportState, users: list[User]) -> list[dict[str, Any]]:
    """Users with their grants by name; never a password or a hash (the repository returns neither)."""
    model_grants, tool_grants = await read_grants(state.session)
    names = state.model_names
    entries: list[dict[str, Any]] = []
    for user in users:
        entry: dict[str, Any] = {"username": line(user.username)}
        put(entry, "display_name", line(user.display_name) if line(user.display_name) != user.username else None)
        put(entry, "email", line(user.email))
        entry["role"] = user.role.value
        if user.status is not AccountStatus.ACTIVE:
            entry["status"] = user.status.value
        if user.role is Role.FAMILY:
            entry["guardian"] = state.username(user.guardian_id)
        entry["models"] = sorted(names[i] for i in model_grants.get(user.id, ()) if i in names)
        entry["tools"] = sorted(state.tools[i] for i in tool_grants.get(user.id, ()) if i in state.tools)
        put(entry, "notes", optional_text(user.admin_notes))
        quota = {"messages_per_day": user.quota_messages_per_day, "tokens_per_day": user.quota_tokens_per_day,
                 "concurrent_generations": user.quota_concurrent_generations}
        put(entry, "quota", {key: value for key, value in quota.items() if value is not None})
        entries.append(entry)
    return entries


async def build_export(db: Database, info: WorkshopInfo, *, include_chats: bool = False) -> WorkshopExport:
    """Read the whole workshop (one read-only session) into a workshop file's data."""
    async with db.reading() as session:
        state = ExportState(session)
        users = await read_users(state)
        await read_models(state)
        vector_dbs = await sections.vector_db_names(state)
        tools = await sections.tool_entries(state)
        user_list = await user_entries(state, users)
        prompts = await sections.prompt_entries(state)
        documents = await sections.document_entries(state)
        vector_db_list = await sections.vector_db_entries(state, vector_dbs)
        rag_systems = await sections.rag_entries(state)
        conversations = await sections.conversation_entries(state) if include_chats else None
    workshop: dict[str, Any] = {"name": line(info.name)}
    put(workshop, "description", optional_text(info.description))
    data: dict[str, Any] = {"version": 1, "workshop": workshop,
                            "models": sorted(state.models.values(), key=lambda m: (str(m["name"]).casefold(),
                                                                                   m["name"])),
                            "users": user_list, "prompts": prompts, "tools": tools, "documents": documents,
                            "vector_dbs": vector_db_list, "rag_systems": rag_systems}
    if conversations is not None:
        data["conversations"] = conversations
    return WorkshopExport(data=data, notes=tuple(state.notes))
