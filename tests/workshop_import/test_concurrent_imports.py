"""Two organisers importing the same class file at the same moment, on a real SQLite file: the
imports take turns at their final write, so the second re-checks what the first wrote and ends as
an import of an existing class, never with a database error or a half-written class."""

from __future__ import annotations

import asyncio
from pathlib import Path

from workshop_tui.domain.enums import Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop

from .support import TIMEOUT, run_import

CLASS = """\
version: 1
workshop:
  name: Concurrent class
users:
{users}
"""


def class_file(folder: Path, names: list[str]) -> Path:
    users = "".join(f"  - username: {name}\n    display_name: {name.title()}\n    role: student\n" for name in names)
    path = folder / "class.yaml"
    path.write_text(CLASS.format(users=users), encoding="utf-8")
    return path


async def test_two_imports_of_one_class_at_once_create_each_account_once(workshop: Workshop, tmp_path: Path) -> None:
    for round_number in range(3):
        folder = tmp_path / f"round{round_number}"
        folder.mkdir()
        names = [f"r{round_number}student{i}" for i in range(4)]
        path = class_file(folder, names)
        first, second = await asyncio.wait_for(asyncio.gather(
            run_import(workshop, path), run_import(workshop, path), return_exceptions=True), TIMEOUT * 3)
        assert not isinstance(first, BaseException), first
        assert not isinstance(second, BaseException), second
        created = [r.counts()["users"]["created"] for r in (first, second)]
        assert sorted(created) == [0, 4]  # one created the class; the other found it in place
        users = [u for u in await workshop.accounts.list_users(OPERATOR) if u.username in names]
        assert sorted(u.username for u in users) == names and {u.role for u in users} == {Role.STUDENT}
