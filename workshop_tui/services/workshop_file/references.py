"""Checks across sections, run once every section has been read.

- Every name used as a reference exists in the file or in the catalogue (the database).
- A guardian is an active account that is not family, and not the ward itself.
- An owner's role may create what it owns, and only staff may share (class or public visibility),
  as ``services/access.py`` rules for the same actions done by hand; an unset visibility becomes
  ``class`` for staff-owned and operator-owned entries and ``private`` for the rest.
- A parent-child link only joins what its owner may read (security item 1): a vector DB's
  documents, a RAG system's vector DB and prompt, a search tool's vector DB; and a RAG system is not
  more visible than its vector DB, or others could not use it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.ollama.types import model_key
from workshop_tui.services.access import ADMINS, CREATE, SHARE, Kind
from workshop_tui.services.workshop_file.context import Context, Reference
from workshop_tui.services.workshop_file.fields import suggestion
from workshop_tui.services.workshop_file.knowledge import rag_template_problem
from workshop_tui.services.workshop_file.plan import (
    DocumentPlan,
    PromptPlan,
    RagSystemPlan,
    ToolPlan,
    UserPlan,
    VectorDbPlan,
)
from workshop_tui.services.workshop_file.problems import join

NOUNS = {"user": "user", "tool": "tool", "prompt": "prompt", "document": "document", "vector_db": "vector DB"}
_KINDS = {"prompts": Kind.PROMPT, "tools": Kind.TOOL, "documents": Kind.DOCUMENT, "vector_dbs": Kind.VECTOR_DB,
          "rag_systems": Kind.RAG_SYSTEM}
_RANK = {Visibility.PRIVATE: 0, Visibility.CLASS: 1, Visibility.PUBLIC: 2}
Owned = TypeVar("Owned", PromptPlan, ToolPlan, DocumentPlan, VectorDbPlan, RagSystemPlan)


@dataclass(frozen=True)
class Account:
    role: Role
    status: AccountStatus


@dataclass
class Sections:
    users: list[UserPlan]
    prompts: list[PromptPlan]
    tools: list[ToolPlan]
    documents: list[DocumentPlan]
    vector_dbs: list[VectorDbPlan]
    rag_systems: list[RagSystemPlan]


def check_references(ctx: Context, sections: Sections) -> Sections:
    """Report every cross-section problem; returns the sections with default visibilities settled."""
    accounts = {u: Account(c.role, c.status) for u, c in ctx.catalogue.users.items()}
    accounts.update({u.username: Account(u.role, u.status) for u in sections.users})
    for reference in ctx.references:
        _exists(ctx, reference)
    for user in sections.users:
        _guardian(ctx, user, accounts)
    settled = Sections(
        users=sections.users,
        prompts=[_owner(ctx, p, "prompts", accounts) for p in sections.prompts],
        tools=[_owner(ctx, t, "tools", accounts) for t in sections.tools],
        documents=[_owner(ctx, d, "documents", accounts) for d in sections.documents],
        vector_dbs=[_owner(ctx, v, "vector_dbs", accounts) for v in sections.vector_dbs],
        rag_systems=[_owner(ctx, r, "rag_systems", accounts) for r in sections.rag_systems],
    )
    _Links(ctx, settled, accounts).check()
    return settled


def _known(ctx: Context, kind: str) -> set[str]:
    file_names = set(ctx.names.get(kind, {}))
    catalogue = ctx.catalogue
    if kind == "model":
        return file_names | {model_key(m) for m in catalogue.models}
    extra: dict[str, Any] = {"user": catalogue.users, "tool": catalogue.tools, "prompt": catalogue.prompts,
                             "document": catalogue.documents, "vector_db": catalogue.vector_dbs}
    return file_names | set(extra[kind])


def _exists(ctx: Context, reference: Reference) -> None:
    known = _known(ctx, reference.kind)
    if reference.kind == "model":
        if model_key(reference.name) not in known:
            ctx.problems.add(reference.path, f"the model {reference.name!r} is not in the catalogue; list it under "
                                             f"'models:' so the import pulls it{suggestion(reference.name, known)}")
    elif reference.name not in known:
        noun = NOUNS[reference.kind]
        ctx.problems.add(reference.path, f"no {noun} named {reference.name!r} in this file or in the database"
                                         f"{suggestion(reference.name, sorted(known))}")


def _guardian(ctx: Context, user: UserPlan, accounts: dict[str, Account]) -> None:
    if user.guardian is None or user.role is not Role.FAMILY:
        return
    path = join(user.origin, "guardian")
    if user.guardian == user.username:
        ctx.problems.add(path, "a family account cannot be its own guardian")
        return
    guardian = accounts.get(user.guardian)
    if guardian is None:
        return  # reported as a dangling reference
    rule = "a guardian must be an active account that is not itself family"
    if guardian.role is Role.FAMILY:
        ctx.problems.add(path, f"{user.guardian!r} cannot be a guardian: it is a family account; {rule}")
    elif guardian.status is not AccountStatus.ACTIVE:
        ctx.problems.add(path, f"{user.guardian!r} cannot be a guardian: the account is {guardian.status}; {rule}")


def _owner(ctx: Context, plan: Owned, section: str, accounts: dict[str, Account]) -> Owned:
    """Check the owner may create and share this, and settle a defaulted visibility."""
    kind = _KINDS[section]
    noun = kind.value.replace("_", " ").replace("vector db", "vector DB").replace("rag", "RAG")
    owner = accounts.get(plan.owner) if plan.owner is not None else None
    if plan.owner is not None and owner is None:
        return plan  # dangling owner, already reported; keep the defaults quiet
    role = owner.role if owner is not None else Role.SUPER_ADMIN
    if owner is not None and role not in CREATE.get(kind, frozenset()):
        ctx.problems.add(join(plan.origin, "owner"), f"{plan.owner!r} is a {role} and a {role} may not create a "
                                                     f"{noun}; choose another owner")
        return plan
    if plan.origin in ctx.defaulted_visibility:
        return plan if role in SHARE else replace(plan, visibility=Visibility.PRIVATE)
    if plan.visibility is not Visibility.PRIVATE and role not in SHARE:
        ctx.problems.add(join(plan.origin, "visibility"),
                         f"{plan.owner!r} is a {role} and may not share a {noun} with the class; use 'visibility: "
                         "private' or make a member of staff the owner")
    return plan


def may_read(reader: str | None, accounts: dict[str, Account], owner: str | None, visibility: Visibility) -> bool:
    """Mirrors access.can_read for entries of the file; None as reader is the operator."""
    account = accounts.get(reader) if reader is not None else None
    if reader is None or account is None or account.role in ADMINS or reader == owner:
        return True
    if visibility is Visibility.PUBLIC:
        return True
    return visibility is Visibility.CLASS and account.role is not Role.GUEST


def _link_paths(ctx: Context, prefix: str, kind: str) -> list[Reference]:
    return [r for r in ctx.references if r.kind == kind and r.path.startswith(prefix)]


Linked = DocumentPlan | VectorDbPlan | PromptPlan


class _Links:
    """Parent-child links between entries of the file, checked as the owner of the parent."""

    def __init__(self, ctx: Context, sections: Sections, accounts: dict[str, Account]) -> None:
        self.ctx = ctx
        self.sections = sections
        self.accounts = accounts

    def _refused(self, path: str, reader: str | None, what: str, target: Linked | None) -> bool:
        """Report and return True when ``reader`` may not read ``target`` (an entry of this file)."""
        if target is None or may_read(reader, self.accounts, target.owner, target.visibility):
            return False
        owner = repr(target.owner) if target.owner else "the operator"
        self.ctx.problems.add(path, f"{what} is {target.visibility} and owned by {owner}, so {reader!r} may not use "
                                    "it; share it or give both the same owner")
        return True

    def check(self) -> None:
        documents = {d.title: d for d in self.sections.documents}
        vector_dbs = {v.name: v for v in self.sections.vector_dbs}
        prompts = {p.title: p for p in self.sections.prompts}
        for vdb in self.sections.vector_dbs:
            for ref in _link_paths(self.ctx, f"{vdb.origin}.documents[", "document"):
                self._refused(ref.path, vdb.owner, f"the document {ref.name!r}", documents.get(ref.name))
        for tool in self.sections.tools:
            if tool.vector_db is not None:
                self._refused(join(join(tool.origin, "config"), "vector_db"), tool.owner,
                              f"the vector DB {tool.vector_db!r}", vector_dbs.get(tool.vector_db))
        for rag in self.sections.rag_systems:
            self._rag(rag, vector_dbs.get(rag.vector_db), prompts.get(rag.prompt or ""))

    def _rag(self, rag: RagSystemPlan, vdb: VectorDbPlan | None, prompt: PromptPlan | None) -> None:
        problems = self.ctx.problems
        if model_key(rag.chat_model) in {model_key(m) for m in self.ctx.catalogue.embedding_models}:
            problems.add(join(rag.origin, "chat_model"), f"{rag.chat_model!r} is an embedding model; a RAG system "
                                                         "needs a chat model to write its answers")
        path = join(rag.origin, "vector_db")
        if vdb is not None and not self._refused(path, rag.owner, f"the vector DB {vdb.name!r}", vdb) \
                and _RANK[rag.visibility] > _RANK[vdb.visibility]:
            problems.add(join(rag.origin, "visibility"),
                         f"the RAG system is {rag.visibility} but its vector DB {vdb.name!r} is {vdb.visibility}; "
                         "share the vector DB at least as widely, or others could not use the RAG system")
        path = join(rag.origin, "prompt")
        if prompt is not None and not self._refused(path, rag.owner, f"the prompt {prompt.title!r}", prompt) \
                and (problem := rag_template_problem(prompt.template)) is not None:
            problems.add(path, f"the template of prompt {prompt.title!r} cannot serve a RAG system: {problem}")
