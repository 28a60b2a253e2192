"""``load_workshop_file``: from a YAML file to a validated :class:`WorkshopPlan`, or every problem.

Loading reads the workshop file and stats the documents it names, and nothing else: it writes
nowhere and contacts nothing, so ``import --dry-run`` and a real import validate identically, and a
file with any problem is refused before a single row is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from workshop_tui.domain.text import one_line
from workshop_tui.services.workshop_file.content import DESCRIPTION_MAX, read_prompts, read_tools
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.conversations import read_conversations
from workshop_tui.services.workshop_file.documents import read_documents
from workshop_tui.services.workshop_file.fields import Entry
from workshop_tui.services.workshop_file.knowledge import read_rag_systems, read_vector_dbs
from workshop_tui.services.workshop_file.limits import DEFAULT_FILE_LIMITS, FileLimits
from workshop_tui.services.workshop_file.plan import EMPTY_CATALOGUE, CatalogueView, WorkshopInfo, WorkshopPlan
from workshop_tui.services.workshop_file.problems import Problems
from workshop_tui.services.workshop_file.references import Sections, check_references
from workshop_tui.services.workshop_file.users import read_models, read_users
from workshop_tui.services.workshop_file.values import UNREADABLE, describe
from workshop_tui.services.workshop_file.yaml_source import parse_yaml, read_text

FORMAT_VERSION: Final = 1
TOP_KEYS: Final = ("version", "workshop", "models", "users", "prompts", "tools", "documents", "vector_dbs",
                   "rag_systems", "conversations")
WORKSHOP_KEYS: Final = ("name", "description")


def shown_name(path: Path) -> str:
    """The file as named in messages: as the caller gave it, on one line, without controls."""
    return one_line(str(path), 500)


WORKSHOP_NAME_MAX = 200


def new_context(path: Path, problems: Problems, catalogue: CatalogueView | None, limits: FileLimits,
                environ: Mapping[str, str] | None) -> Context:
    return Context(problems=problems, limits=limits, catalogue=catalogue or EMPTY_CATALOGUE,
                   folder=path.absolute().parent, environ=os.environ if environ is None else environ)


def load_workshop_file(path: Path, *, catalogue: CatalogueView | None = None,
                       limits: FileLimits = DEFAULT_FILE_LIMITS,
                       environ: Mapping[str, str] | None = None,
                       problems: Problems | None = None) -> WorkshopPlan:
    """Validate a workshop file and return its plan; raise WorkshopFileErrors listing every problem.

    ``catalogue`` is what the database already holds (None: an empty database). ``environ`` is
    where ``password_env`` variables are looked up (default: this process's environment). A caller
    that passes ``problems`` keeps that collector, which after a successful load locates every
    field path of the file.
    """
    path = Path(path)
    problems = Problems(shown_name(path), limit=limits.max_problems) if problems is None else problems
    text = read_text(path, problems, limits)
    parsed = parse_yaml(text, problems, limits) if text is not None else None
    if parsed is None:
        raise problems.error()
    data, problems.index = parsed
    ctx = new_context(path, problems, catalogue, limits, environ)
    plan = _read(data, path, ctx)
    problems.raise_if_any()
    assert plan is not None
    return plan


def _workshop(data: dict[str, Any], ctx: Context) -> WorkshopInfo | None:
    value = data.get("workshop")
    if value is None:
        ctx.problems.add("workshop", "is required: give the workshop a name, e.g. 'workshop: {name: Intro to LLMs}'")
        return None
    if isinstance(value, list):
        ctx.problems.add("workshop", f"lists {len(value)} workshops; a file describes exactly one workshop, so give "
                                     "'workshop:' as one mapping (name, description) and use one file per workshop")
        return None
    entry = Entry(value, "workshop", ctx.problems, WORKSHOP_KEYS, what="the workshop")
    name = entry.text("name", max_len=WORKSHOP_NAME_MAX, required=True)
    description = entry.text("description", max_len=DESCRIPTION_MAX, multiline=True) or ""
    return WorkshopInfo(name, description) if name is not None else None


def _version(data: dict[str, Any], ctx: Context) -> None:
    version = data.get("version")
    if version is UNREADABLE:
        return
    if version is None:
        ctx.problems.add("version", f"is required: start the file with 'version: {FORMAT_VERSION}'")
    elif isinstance(version, bool) or version != FORMAT_VERSION:
        ctx.problems.add("version", f"{version!r} is not a format version this program reads; expected "
                                    f"{FORMAT_VERSION}")


def _read(data: Any, path: Path, ctx: Context) -> WorkshopPlan | None:
    if not isinstance(data, dict):
        if data is not UNREADABLE:
            ctx.problems.add("", f"the file must be a mapping that starts with 'version: {FORMAT_VERSION}', not "
                                 f"{describe(data)}")
        return None
    Entry(data, "", ctx.problems, TOP_KEYS, what="the workshop file")
    _version(data, ctx)
    workshop = _workshop(data, ctx)
    models = read_models(ctx.section(data, "models", "models"), ctx)
    users = read_users(ctx.section(data, "users", "users"), ctx)
    prompts = read_prompts(ctx.section(data, "prompts", "prompts"), ctx)
    tools = read_tools(ctx.section(data, "tools", "tools"), ctx)
    documents = read_documents(ctx.section(data, "documents", "documents"), ctx)
    vector_dbs = read_vector_dbs(ctx.section(data, "vector_dbs", "vector DBs"), ctx)
    rag_systems = read_rag_systems(ctx.section(data, "rag_systems", "RAG systems"), ctx)
    conversations = read_conversations(ctx.section(data, "conversations", "conversations"), ctx)
    settled = check_references(ctx, Sections(users, prompts, tools, documents, vector_dbs, rag_systems))
    return WorkshopPlan(source=path, workshop=workshop, models=tuple(models), users=tuple(settled.users),
                        prompts=tuple(settled.prompts), tools=tuple(settled.tools),
                        documents=tuple(settled.documents), vector_dbs=tuple(settled.vector_dbs),
                        rag_systems=tuple(settled.rag_systems), conversations=tuple(conversations))
