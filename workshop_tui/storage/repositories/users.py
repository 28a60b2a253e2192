"""Users and their model and tool grants."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import User
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import UserRow, user_allowed_models, user_allowed_tools


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        row = await self.session.get(UserRow, user_id, populate_existing=True)
        return to_domain(User, row) if row else None

    async def get_by_username(self, username: str) -> User | None:
        row = await self._row_by_username(username)
        return to_domain(User, row) if row else None

    async def password_hash(self, username: str) -> tuple[User, str | None] | None:
        row = await self._row_by_username(username)
        return (to_domain(User, row), row.password_hash) if row else None

    async def password_hashes(self, usernames: Iterable[str]) -> dict[str, str | None]:
        """The stored hash of each of these accounts that exists, by (lowercase) username, in one query."""
        names = sorted({name.lower() for name in usernames})
        if not names:
            return {}
        rows = await self.session.execute(
            select(UserRow.username, UserRow.password_hash).where(UserRow.username.in_(names))
        )
        return {username: password_hash for username, password_hash in rows}

    async def _row_by_username(self, username: str) -> UserRow | None:
        result = await self.session.execute(select(UserRow).where(UserRow.username == username.lower()))
        return result.scalar_one_or_none()

    async def add(self, *, username: str, display_name: str, role: Role, status: AccountStatus,
                  password_hash: str | None, **fields: Any) -> User:
        row = UserRow(username=username.lower(), display_name=display_name, role=role.value,
                      status=status.value, password_hash=password_hash, **fields)
        self.session.add(row)
        await self.session.flush()
        return to_domain(User, row)

    async def update(self, user_id: int, *, bump_auth: bool = False, **fields: Any) -> User:
        """Change columns of one user; `bump_auth` marks new credentials: sessions opened before end."""
        row = await self.session.get(UserRow, user_id)
        if row is None:
            raise LookupError(user_id)
        for name, value in fields.items():
            setattr(row, name, value.value if hasattr(value, "value") else value)
        if bump_auth:
            row.auth_version = (row.auth_version or 0) + 1
        await self.session.flush()
        return to_domain(User, row)

    async def delete(self, user_id: int) -> None:
        await self.session.execute(delete(UserRow).where(UserRow.id == user_id))

    async def list(self, *, status: AccountStatus | None = None, role: Role | Sequence[Role] | None = None,
                   offset: int = 0, limit: int | None = None, oldest_first: bool = True,
                   text: str | None = None) -> list[User]:
        """Accounts by status and role; `text` keeps those whose username, display name or email
        contains it (any case)."""
        query = select(UserRow)
        if text:
            needle = text.lower()
            query = query.where(or_(*(func.lower(column).contains(needle, autoescape=True)
                                      for column in (UserRow.username, UserRow.display_name, UserRow.email))))
        if status is not None:
            query = query.where(UserRow.status == status.value)
        if isinstance(role, Role):
            query = query.where(UserRow.role == role.value)
        elif role is not None:
            query = query.where(UserRow.role.in_([r.value for r in role]))
        order = UserRow.created_at.asc() if oldest_first else UserRow.created_at.desc()
        query = query.order_by(order, UserRow.id.asc() if oldest_first else UserRow.id.desc())
        query = query.offset(offset).limit(limit)
        return [to_domain(User, row) for row in (await self.session.scalars(query)).all()]

    async def wards(self, guardian_id: int) -> list[User]:
        """The family accounts `guardian_id` guards, by name."""
        query = select(UserRow).where(UserRow.guardian_id == guardian_id, UserRow.role == Role.FAMILY.value,
                                      UserRow.status != AccountStatus.REJECTED.value).order_by(UserRow.username)
        return [to_domain(User, row) for row in (await self.session.scalars(query)).all()]

    async def count(self, *, status: AccountStatus | None = None, role: Role | None = None) -> int:
        query = select(func.count()).select_from(UserRow)
        if status is not None:
            query = query.where(UserRow.status == status.value)
        if role is not None:
            query = query.where(UserRow.role == role.value)
        return int(await self.session.scalar(query) or 0)

    async def model_ids(self, user_id: int) -> set[int]:
        rows = await self.session.execute(
            select(user_allowed_models.c.model_id).where(user_allowed_models.c.user_id == user_id))
        return {r[0] for r in rows}

    async def tool_ids(self, user_id: int) -> set[int]:
        rows = await self.session.execute(
            select(user_allowed_tools.c.tool_id).where(user_allowed_tools.c.user_id == user_id))
        return {r[0] for r in rows}

    async def set_model_ids(self, user_id: int, model_ids: Iterable[int]) -> None:
        await self._replace(user_allowed_models, "model_id", user_id, model_ids)

    async def set_tool_ids(self, user_id: int, tool_ids: Iterable[int]) -> None:
        await self._replace(user_allowed_tools, "tool_id", user_id, tool_ids)

    async def _replace(self, table: Any, column: str, user_id: int, ids: Iterable[int]) -> None:
        await self.session.execute(delete(table).where(table.c.user_id == user_id))
        values = [{"user_id": user_id, column: i} for i in sorted(set(ids))]
        if values:
            await self.session.execute(insert(table), values)
