"""The ``models`` and ``users`` sections (the users CSV is read through the same user rules).

Usernames and email addresses go through the account services' own checks
(``services/account_rules.py``: 3–32 characters of a-z, digits, dot, dash and underscore, stored
lower-cased, not a reserved name), so anything a file creates could also have been registered by
hand, and the two can never drift apart. Passwords are never echoed in a message, only their length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from pydantic import SecretStr

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Invalid
from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.services.account_rules import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    NOTES_MAX,
    USERNAME_MAX,
    check_email,
)
from workshop_tui.services.account_rules import check_username as check_account_name
from workshop_tui.services.workshop_file.content import message_of
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import Entry
from workshop_tui.services.workshop_file.plan import ModelPlan, PasswordPlan, PasswordSource, QuotaPlan, UserPlan
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.values import control_message, describe, first_control

MODEL_NAME_MAX = 200
TOOL_NAME_MAX = 48
ROLES: Final = tuple(r.value for r in Role)
IMPORT_STATUSES: Final = (AccountStatus.ACTIVE.value, AccountStatus.PENDING.value)
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")

MODEL_KEYS: Final = ("name", "pull", "enabled", "description")
USER_KEYS: Final = ("username", "display_name", "email", "role", "status", "password", "password_env", "models",
                    "tools", "guardian", "notes", "quota")
QUOTA_KEYS: Final = ("messages_per_day", "tokens_per_day", "concurrent_generations")


def model_name(entry: Entry, key: str, ctx: Context, *, required: bool = True) -> str | None:
    """A model name with its tag made explicit (``all-minilm`` → ``all-minilm:latest``)."""
    name = entry.text(key, max_len=MODEL_NAME_MAX, required=required)
    if name is None:
        return None
    if not _MODEL_NAME.fullmatch(name):
        entry.fail(key, f"{name!r} is not a model name like llama3.2:1b")
        return None
    return normalize_model_name(name)


def read_models(items: list[Any], ctx: Context) -> list[ModelPlan]:
    plans: list[ModelPlan] = []
    for index, item in enumerate(items):
        origin = join("models", index)
        entry = Entry(item, origin, ctx.problems, MODEL_KEYS, what="a model")
        name = model_name(entry, "name", ctx)
        pull = entry.boolean("pull", True)
        enabled = entry.boolean("enabled", True)
        description = entry.text("description", max_len=500, multiline=True) or ""
        if name is not None and ctx.declare("model", name, entry.at("name"), noun="model"):
            plans.append(ModelPlan(name, pull=pull, enabled=enabled, description=description, origin=origin))
    return plans


def check_username(entry: Entry, key: str) -> str | None:
    """The stored (lower-case) form of a username, or None after reporting the rule it breaks."""
    name = entry.text(key, max_len=200, required=True)
    if name is None:
        return None
    try:
        return check_account_name(name)
    except Invalid as error:
        problem = message_of(error)
        entry.fail(key, problem if problem.startswith(repr(name.lower())) else f"{name.lower()!r} {problem}")
        return None


def _password(entry: Entry, ctx: Context) -> PasswordPlan | None:
    low, high = ctx.limits.password_min, ctx.limits.password_max

    def length_problem(length: int, what: str) -> str | None:
        if length < low:
            return f"{what} is {length} characters long; passwords need at least {low}"
        if length > high:
            return f"{what} is {length} characters long; passwords may have at most {high}"
        return None

    if entry.has("password") and entry.has("password_env"):
        entry.fail("password_env", "give either password or password_env, not both")
        return None
    if entry.has("password"):
        value = entry.raw("password")
        if not isinstance(value, str):
            entry.fail("password", f"expected text, got {describe(value, show=False)}; put it in quotes")
        elif (char := first_control(value, multiline=False)) is not None:
            entry.fail("password", control_message(char))
        elif problem := length_problem(len(value), "the password"):
            entry.fail("password", problem)
        else:
            return PasswordPlan(PasswordSource.LITERAL, secret=SecretStr(value))
        return None
    if entry.has("password_env"):
        var = entry.text("password_env", max_len=200)
        if var is None:
            return None
        if not _ENV_VAR.fullmatch(var):
            entry.fail("password_env", f"{var!r} is not an environment variable name")
            return None
        secret = ctx.environ.get(var)
        if secret is None:
            entry.fail("password_env", f"the environment variable {var} is not set; set it before importing")
        elif problem := length_problem(len(secret), f"the password in {var}"):
            entry.fail("password_env", problem)
        else:
            return PasswordPlan(PasswordSource.ENV, secret=SecretStr(secret), env_var=var)
        return None
    return PasswordPlan(PasswordSource.GENERATED)


def _quota(entry: Entry, ctx: Context) -> QuotaPlan | None:
    if not entry.has("quota"):
        return None
    quota = Entry(entry.raw("quota"), entry.at("quota"), ctx.problems, QUOTA_KEYS, what="a quota")
    return QuotaPlan(messages_per_day=quota.integer("messages_per_day", minimum=0, maximum=1_000_000),
                     tokens_per_day=quota.integer("tokens_per_day", minimum=0, maximum=10_000_000_000),
                     concurrent_generations=quota.integer("concurrent_generations", minimum=1, maximum=64))


def read_user(item: Any, origin: str, ctx: Context, *, allowed: tuple[str, ...] = USER_KEYS) -> UserPlan | None:
    """One user; None when something required is wrong (its problems are recorded)."""
    entry = Entry(item, origin, ctx.problems, allowed, what="a user")
    username = check_username(entry, "username")
    if username is not None and not ctx.declare("user", username, entry.at("username"), noun="username"):
        username = None
    display_name = entry.text("display_name", max_len=DISPLAY_NAME_MAX) or username
    email = entry.text("email", max_len=EMAIL_MAX)
    if email is not None:
        try:
            check_email(email)
        except Invalid as error:
            entry.fail("email", f"{email!r} {message_of(error)}")
    role = entry.choice("role", ROLES, noun="a role", default=Role.STUDENT.value)
    status = entry.choice("status", IMPORT_STATUSES, noun="a status an import can set",
                          default=AccountStatus.ACTIVE.value)
    password = _password(entry, ctx)
    models = entry.names("models", max_len=MODEL_NAME_MAX, max_items=ctx.limits.max_list_items)
    tools = entry.names("tools", max_len=TOOL_NAME_MAX, max_items=ctx.limits.max_list_items)
    for name, path in models or []:
        ctx.refer("model", normalize_model_name(name), path)
    for name, path in tools or []:
        ctx.refer("tool", name, path)
    guardian = entry.text("guardian", max_len=USERNAME_MAX)
    if guardian is not None:
        guardian = guardian.lower()
        ctx.refer("user", guardian, entry.at("guardian"))
    if role == Role.FAMILY and guardian is None and not entry.has("guardian"):
        entry.fail("role", "a family account needs a guardian: add 'guardian: USERNAME' naming an active account "
                           "that is not itself family")
    if role is not None and role != Role.FAMILY and guardian is not None:
        entry.fail("guardian", "only family accounts have a guardian")
    notes = entry.text("notes", max_len=NOTES_MAX, multiline=True)
    quota = _quota(entry, ctx)
    if username is None or role is None or status is None or password is None or display_name is None:
        return None
    return UserPlan(
        username=username, display_name=display_name, role=Role(role), status=AccountStatus(status),
        password=password, email=email, models=_unique(models, normalize_model_name), tools=_unique(tools),
        guardian=guardian, notes=notes or None, quota=quota, origin=origin)


def _unique(found: list[tuple[str, str]] | None, clean: Callable[[str], str] = str) -> tuple[str, ...] | None:
    """The names in file order, each once; None when the key was absent (leave grants as they are)."""
    if found is None:
        return None
    return tuple(dict.fromkeys(clean(name) for name, _ in found))


def read_users(items: list[Any], ctx: Context) -> list[UserPlan]:
    plans = [read_user(item, join("users", index), ctx) for index, item in enumerate(items)]
    return [p for p in plans if p is not None]
