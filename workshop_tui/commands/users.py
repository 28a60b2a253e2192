"""`workshop-tui users add|approve|reject|set-role|suspend|list`.

Whoever can run the CLI on the server can already read the data directory, so these verbs act as
the built-in operator (`access.OPERATOR`, "operator" in the audit log) through the same services
the TUI uses: the same checks, the same audit records, the same events. Each verb opens the
database and upgrades it first, so it also works on a fresh data directory.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from workshop_tui.commands.common import settings_from
from workshop_tui.commands.progress import is_terminal
from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import User
from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import generate_password
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.tools import ToolRepository

PAGE = 500


@dataclass
class Services:
    ctx: ServiceContext
    accounts: AccountService
    approvals: ApprovalService


@asynccontextmanager
async def open_services(args: argparse.Namespace, settings: Settings | None = None) -> AsyncIterator[Services]:
    settings = settings or settings_from(args)
    db = Database.from_url(settings.effective_database_url)
    try:
        await db.upgrade_on_start()
        ctx = ServiceContext(settings=settings, db=db)
        accounts = AccountService(ctx)
        try:
            yield Services(ctx, accounts, ApprovalService(ctx))
        finally:
            accounts.passwords.close()
    finally:
        await db.close()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def read_password(args: argparse.Namespace, min_length: int) -> tuple[str, bool]:
    """(password, generated?): from --password-env, else a terminal prompt, else generated."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise Invalid(f"environment variable {args.password_env} is not set or empty", field="--password-env")
        return value, False
    if _interactive():
        first = getpass.getpass(f"password for {args.username}: ")
        if first != getpass.getpass("again: "):
            raise Invalid("the two passwords differ", field="password")
        return first, False
    return generate_password(max(20, min_length)), True


def _interactive() -> bool:
    return is_terminal(sys.stdin)


async def add(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    password, generated = read_password(args, settings.auth.password_min_length)
    async with open_services(args, settings) as services:
        user = await services.accounts.add_user(OPERATOR, args.username, Role(args.role), AccountStatus(args.status),
                                                args.display_name, password)
    print(f"added {user.username}: {user.role}, {user.status}")
    if generated:
        print(f"password for {user.username} (shown only now): {password}")
    return 0


async def _model_ids(services: Services, value: str | None) -> list[int]:
    given = {name: normalize_model_name(name) for name in _split(value)}  # as typed → name:tag
    async with services.ctx.db.reading() as session:
        repo = ModelRepository(session)
        found = await repo.by_names(given.values())
        unknown = [typed for typed, name in given.items() if name not in found]
        if unknown:
            known = ", ".join(m.name for m in await repo.list()) or "none yet; sync the catalogue first"
            raise Invalid(f"unknown model {unknown[0]!r} (known models: {known})", field="--models")
    return [found[name].id for name in given.values()]


async def _tool_ids(services: Services, value: str | None) -> list[int]:
    ids = []
    async with services.ctx.db.reading() as session:
        repo = ToolRepository(session)
        for name in _split(value):
            tool = await repo.get_by_name(name)
            if tool is None:
                known = ", ".join(t.name for t in await repo.list()) or "none"
                raise Invalid(f"unknown tool {name!r} (known tools: {known})", field="--tools")
            ids.append(tool.id)
    return ids


async def approve(args: argparse.Namespace) -> int:
    async with open_services(args) as services:
        user = await services.accounts.find_user(OPERATOR, args.username)
        model_ids = await _model_ids(services, args.models)
        tool_ids = await _tool_ids(services, args.tools)
        guardian = (await services.accounts.find_user(OPERATOR, args.guardian)).id if args.guardian else None
        approved = await services.approvals.approve(OPERATOR, user.id, Role(args.role), model_ids, tool_ids,
                                                    args.notes, guardian_id=guardian)
    grants = f"models: {', '.join(_split(args.models)) or 'none'}; tools: {', '.join(_split(args.tools)) or 'none'}"
    print(f"approved {approved.username} as {approved.role} ({grants})")
    return 0


async def reject(args: argparse.Namespace) -> int:
    async with open_services(args) as services:
        user = await services.accounts.find_user(OPERATOR, args.username)
        rejected = await services.approvals.reject(OPERATOR, user.id, args.notes)
    print(f"rejected {rejected.username}")
    return 0


async def set_role(args: argparse.Namespace) -> int:
    async with open_services(args) as services:
        user = await services.accounts.find_user(OPERATOR, args.username)
        changed = await services.accounts.set_role(OPERATOR, user.id, Role(args.role))
    print(f"{changed.username} is now {changed.role}")
    return 0


async def suspend(args: argparse.Namespace) -> int:
    async with open_services(args) as services:
        user = await services.accounts.find_user(OPERATOR, args.username)
        changed = await services.accounts.suspend(OPERATOR, user.id)
    print(f"suspended {changed.username}")
    return 0


def as_json(user: User) -> dict[str, object]:
    """The stable JSON shape of one account in `users list --json` (no secrets: none are loaded)."""
    def iso(value: object) -> str | None:
        return value.isoformat() if value is not None and hasattr(value, "isoformat") else None

    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role.value,
            "status": user.status.value, "email": user.email, "guardian_id": user.guardian_id,
            "created_at": iso(user.created_at), "approved_at": iso(user.approved_at),
            "last_login_at": iso(user.last_login_at)}


async def list_users(args: argparse.Namespace) -> int:
    status = AccountStatus(args.status) if args.status else None
    role = Role(args.role) if args.role else None
    users: list[User] = []
    async with open_services(args) as services:
        while True:
            page = await services.accounts.list_users(OPERATOR, status=status, role=role, offset=len(users),
                                                      limit=PAGE)
            users += page
            if len(page) < PAGE:
                break
    if args.json:
        print(json.dumps([as_json(u) for u in users], ensure_ascii=False))
        return 0
    if not users:
        print("no accounts match")
        return 0
    width = max(len(u.username) for u in users)
    for user in users:
        created = user.created_at.strftime("%Y-%m-%d %H:%M") if user.created_at else ""
        print(f"{user.username:<{width}}  {user.role.value:<11}  {user.status.value:<9}  {created}  "
              f"{user.display_name}")
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], Awaitable[int]]] = {
    "add": add, "approve": approve, "reject": reject, "set-role": set_role, "suspend": suspend, "list": list_users,
}
