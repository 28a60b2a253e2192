"""docs/CAPABILITIES.md carries the role × action table generated from access.py; a change to the
table in code without the document (or the other way round) fails here, printing the new table."""

from __future__ import annotations

from pathlib import Path

from workshop_tui.domain.enums import Role
from workshop_tui.services.access import CREATE, IMPLICIT_GRANTS, MANAGE, MANAGES_ROLES, READ_ALL, SHARE, Kind

DOC = Path(__file__).resolve().parents[2] / "docs" / "CAPABILITIES.md"
START, END = "<!-- capability-table:start -->", "<!-- capability-table:end -->"
NAMES = {Kind.VECTOR_DB: "vector DBs", Kind.EMBEDDING_JOB: "embedding jobs", Kind.RAG_SYSTEM: "RAG systems",
         Kind.USER: "accounts", Kind.AUDIT: "the audit log", Kind.USAGE: "everyone's usage", Kind.SETTINGS: "settings",
         Kind.MODEL: "models (pull)", Kind.HEALTH: "the health report's details",
         Kind.BROADCAST: "class broadcasts", Kind.ACTIVITY: "live activity (who is online, what they generate)"}
READ_NAMES = {Kind.USER: "the account list", Kind.MODEL: "models (sync, pull, delete, unload)"}


def noun(kind: Kind) -> str:
    return NAMES.get(kind, f"{kind.value.replace('_', ' ')}s")


def capability_table() -> str:
    """The markdown table of docs/CAPABILITIES.md, computed from the tables in access.py."""
    rows: list[tuple[str, dict[Role, str]]] = []

    def yes(label: str, roles: frozenset[Role]) -> None:
        rows.append((label, {role: "yes" if role in roles else "—" for role in Role}))

    for kind, roles in CREATE.items():
        yes(f"create {noun(kind)}", roles)
    yes("share own resources with the class or publicly", SHARE)
    yes("use every enabled model and tool without a grant", IMPLICIT_GRANTS)
    for kind, roles in MANAGE.items():
        yes(f"manage {READ_NAMES.get(kind, noun(kind))}", roles)
    for kind, roles in READ_ALL.items():
        yes(f"read {READ_NAMES.get(kind, noun(kind))}", roles)
    yes("approve or reject registrations", frozenset(MANAGES_ROLES))
    rows.append(("manage accounts (role, status, grants) of", {
        role: ", ".join(r.value for r in Role if r in MANAGES_ROLES.get(role, frozenset())) or "—" for role in Role}))
    lines = ["| action | " + " | ".join(role.value for role in Role) + " |",
             "|---|" + "---|" * len(Role)]
    lines += [f"| {label} | " + " | ".join(cells[role] for role in Role) + " |" for label, cells in rows]
    return "\n".join(lines)


def test_capabilities_doc_matches_access_py() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"{DOC} lacks the table markers"
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()
    generated = capability_table()
    assert documented == generated, f"docs/CAPABILITIES.md is out of date; the table is now:\n{generated}"
