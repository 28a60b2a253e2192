"""Comparing the file's models and users with the database.

Rules where the file alone cannot say what to do with an existing account:

- ``email`` and ``notes`` left out (None) leave the account's values alone, like ``models``,
  ``tools`` and ``quota``. So does a ``display_name`` left out: the plan then holds the username,
  and a display name equal to the username is not applied to an existing account (a file cannot
  tell "left out" from "the same as the username", and wiping a real name is the worse mistake).
- Status: an import activates a pending account (an approval by the operator). It never sends an
  active account back to pending, and never lifts a suspension or a rejection: those are decisions
  taken in the app, and a re-import of the class list must not silently undo them. Such accounts
  keep their status and the result says so.
- Password: an existing account keeps its password unless the file gives one (literal or from the
  environment) that differs from it; a generated password is only ever made for a new account.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import User
from workshop_tui.domain.text import normalize_text
from workshop_tui.services.account_rules import check_notes
from workshop_tui.services.workshop_file.changes import Change, Prepared, settle
from workshop_tui.services.workshop_file.plan import ModelPlan, UserPlan, WorkshopPlan
from workshop_tui.services.workshop_file.result import Outcome
from workshop_tui.services.workshop_file.state import DbState
from workshop_tui.services.workshop_file.users import QUOTA_KEYS

PASSWORD, HIDDEN, CHANGED = "password", "(not shown)", "(changed)"


def model_changes(plan: WorkshopPlan, state: DbState, prepared: Prepared) -> list[Change]:
    return [_model(model, state, prepared) for model in plan.models]


def _model(model: ModelPlan, state: DbState, prepared: Prepared) -> Change:
    """A listed model is registered so grants can name it. Its description applies only when the file
    gives one (an admin's wording is not wiped by an empty default). Hosts are filled in when Ollama
    serves a model the catalogue has no host for (registered earlier while Ollama was down)."""
    wanted: dict[str, Any] = {"enabled": model.enabled}
    if model.description:
        wanted["description"] = normalize_text(model.description)
    existing = state.models.get(model.name)
    hosts = prepared.served.get(model.name)
    if hosts and (existing is None or not existing.hosts):
        wanted["hosts"] = sorted(hosts)
    change = Change("models", model.name, Outcome.CREATE, plan=model, existing=existing, wanted=wanted,
                    key=model.name)
    if existing is None:
        return change
    return settle(change, {"enabled": existing.enabled, "description": existing.description,
                           "hosts": sorted(existing.hosts)})


def user_changes(plan: WorkshopPlan, state: DbState, prepared: Prepared, skipped_tools: set[str],
                 notes: list[str]) -> list[Change]:
    changes = [_user(user, state, prepared, skipped_tools, notes) for user in plan.users]
    for tool in sorted(skipped_tools):
        waiting = [u.username for u in plan.users if u.tools is not None and tool in u.tools]
        if waiting:
            notes.append(f"the grant of {tool} to {', '.join(waiting)} waits for the tool, which waits for its "
                         "vector DB; the import that creates them grants it")
    return changes


def _wanted(user: UserPlan, existing: User | None, skipped_tools: set[str]) -> dict[str, Any]:
    wanted: dict[str, Any] = {"display_name": user.display_name, "role": user.role, "status": user.status,
                              "guardian": user.guardian if user.role is Role.FAMILY else None}
    if existing is not None and user.display_name == user.username:
        del wanted["display_name"]
    if user.email is not None:
        wanted["email"] = user.email
    if user.notes is not None:
        wanted["notes"] = check_notes(user.notes)
    if user.quota is not None:
        for column in QUOTA_KEYS:
            wanted[f"quota_{column}"] = getattr(user.quota, column)
    if user.models is not None:
        wanted["models"] = sorted(user.models)
    if user.tools is not None:
        wanted["tools"] = sorted(t for t in user.tools if t not in skipped_tools)
    return wanted


def _user(user: UserPlan, state: DbState, prepared: Prepared, skipped_tools: set[str], notes: list[str]) -> Change:
    existing = state.users.get(user.username)
    wanted = _wanted(user, existing, skipped_tools)
    change = Change("users", user.username, Outcome.CREATE, plan=user, existing=existing, wanted=wanted,
                    key=user.username)
    if existing is None:
        return change
    if wanted["status"] != existing.status and not (existing.status is AccountStatus.PENDING
                                                    and wanted["status"] is AccountStatus.ACTIVE):
        wanted["status"] = existing.status
        change.reason = f"kept {existing.status}"
        notes.append(f"{user.username} stays {existing.status}: an import only activates pending accounts; "
                     "change the status in the app")
    current = {"display_name": existing.display_name, "role": existing.role, "status": existing.status,
               "guardian": state.username(existing.guardian_id), "email": existing.email,
               "notes": existing.admin_notes, "models": sorted(state.model_grants.get(existing.id, ())),
               "tools": sorted(state.tool_grants.get(existing.id, ()))}
    current.update({f"quota_{c}": getattr(existing, f"quota_{c}") for c in QUOTA_KEYS})
    settle(change, current)
    if user.username in prepared.password_changes:
        change.before[PASSWORD] = HIDDEN  # audit records and reports say only that it changed
        change.wanted[PASSWORD] = CHANGED
        change.outcome = Outcome.UPDATE
    return change
