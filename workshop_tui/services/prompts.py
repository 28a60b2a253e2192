"""Prompt templates: declared variables, built-ins, tags, and sharing with the class.

Templates are rendered by the project's own tiny renderer (`domain.templates`): named placeholders
only, no expressions, so an attendee filling in an instructor's template (or the reverse) can never
run code. Declarations are checked when a prompt is saved, so a broken template fails for its
author, not later for the class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Conflict, Invalid
from workshop_tui.domain.models import Prompt
from workshop_tui.domain.templates import MAX_VALUE_CHARS, TemplateVariable, Value, check_template, render
from workshop_tui.domain.text import one_line
from workshop_tui.domain.text_fields import one_line_text
from workshop_tui.services.access import Action, Actor, Kind, authorize, can_read
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.knowledge_access import (
    bounded_text,
    check_new_visibility,
    check_visibility_change,
    clean_name,
    load,
    readable_visibilities,
)
from workshop_tui.storage.repositories.prompts import PromptRepository

NOUN = "prompt"
MAX_TEMPLATE_CHARS = 20_000
MAX_VARIABLES = 30
MAX_TAGS = 20
MAX_TAG_CHARS = 32
MAX_CHOICE_CHARS = 200
MAX_DESCRIPTION_CHARS = 200  # a variable's description, shown beside its field
_VARIABLE_KEYS = frozenset({"name", "type", "default", "required", "choices", "description"})


def variables_of(prompt: Prompt) -> list[TemplateVariable]:
    """The prompt's declared variables, for a fill-in form."""
    return [_variable(v) for v in prompt.variables]


def _variable(spec: TemplateVariable | Mapping[str, Any]) -> TemplateVariable:
    if isinstance(spec, TemplateVariable):
        spec = stored_variable(spec)  # cleaned like any other declaration
    if not isinstance(spec, Mapping):
        raise Invalid("each variable needs a name, a type, a default and whether it is required", field="variables")
    unknown = set(spec) - _VARIABLE_KEYS
    if unknown:
        raise Invalid(f"unknown setting {sorted(unknown)[0]!r} in a variable", field="variables")
    name, kind = str(spec.get("name", "")), str(spec.get("type", "text"))
    at = f"variables.{name}"
    choices = spec.get("choices") or ()
    if isinstance(choices, str):
        raise Invalid("give choices as a list, one choice per item", field=f"{at}.choices")
    default = spec.get("default")
    if isinstance(default, str):  # a choice's default must match a (cleaned, one-line) choice
        default = (one_line_text(default, f"{at}.default", MAX_CHOICE_CHARS) if kind == "choice"
                   else bounded_text(default, f"{at}.default", MAX_VALUE_CHARS))
    return TemplateVariable(
        name=name, type=kind, default=default, required=bool(spec.get("required", False)),
        choices=tuple(clean_name(str(c), f"{at}.choices", MAX_CHOICE_CHARS) for c in choices),
        description=one_line_text(str(spec.get("description") or ""), f"{at}.description", MAX_DESCRIPTION_CHARS))


def stored_variable(variable: TemplateVariable) -> dict[str, Any]:
    """A variable as the prompts table keeps it (the headless import writes the same shape)."""
    return {"name": variable.name, "type": variable.type, "default": variable.default,
            "required": variable.required, "choices": list(variable.choices), "description": variable.description}


def check_variables(specs: Iterable[TemplateVariable | Mapping[str, Any]]) -> list[TemplateVariable]:
    variables = [_variable(s) for s in specs]
    if len(variables) > MAX_VARIABLES:
        raise Invalid(f"at most {MAX_VARIABLES} variables", field="variables")
    return variables


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags are a real list: each one line, lower case, without commas, unique, and few."""
    if isinstance(tags, str):
        raise Invalid("give tags as a list, one tag per item", field="tags")
    result: list[str] = []
    for tag in tags:
        text = one_line(str(tag), MAX_TAG_CHARS + 1).casefold()
        if not text:
            continue
        if "," in text:
            raise Invalid(f"{text!r}: a tag cannot contain a comma; give separate tags", field="tags")
        if len(text) > MAX_TAG_CHARS:
            raise Invalid(f"{text!r} is longer than {MAX_TAG_CHARS} characters", field="tags")
        if text not in result:
            result.append(text)
    if len(result) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} tags", field="tags")
    return result


class PromptService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def create(self, actor: Actor, title: str, template: str, *,
                     variables: Sequence[TemplateVariable | Mapping[str, Any]] = (), description: str = "",
                     tags: Sequence[str] = (), visibility: Visibility = Visibility.PRIVATE) -> Prompt:
        """A prompt whose placeholders are all declared (or built in: user_name, date, time)."""
        title = clean_name(title, "title", 200)
        text = bounded_text(template, "template", MAX_TEMPLATE_CHARS)
        declared = check_variables(variables)
        check_template(text, declared)
        fields = {"description": bounded_text(description, "description", 2000), "tags": clean_tags(tags),
                  "variables": [stored_variable(v) for v in declared]}
        try:
            async with self.ctx.db.transaction() as session:
                actor = await fresh_actor(session, actor)
                authorize(actor, Action.CREATE, Kind.PROMPT)
                vis = check_new_visibility(actor, visibility)
                repo = PromptRepository(session)
                if await repo.get_by_title(actor.id, title) is not None:
                    raise Conflict(f"you already have a prompt titled '{title}'")
                return await repo.add(title=title, template=text, visibility=vis, creator_id=actor.id, **fields)
        except IntegrityError:
            raise Conflict(f"you already have a prompt titled '{title}'") from None

    async def get(self, actor: Actor, prompt_id: int) -> Prompt:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await load(PromptRepository(session), actor, prompt_id, Action.READ, NOUN)

    async def list(self, actor: Actor, *, tag: str | None = None, text: str | None = None) -> list[Prompt]:
        """Readable prompts by title, optionally with a tag and/or containing `text` in title or description."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            found = await PromptRepository(session).list_readable(actor.id, readable_visibilities(actor))
        wanted_tag = tag.casefold().strip() if tag else None
        needle = text.casefold().strip() if text else None
        return sorted(
            (p for p in found if can_read(actor, p)
             and (wanted_tag is None or wanted_tag in p.tags)
             and (needle is None or needle in p.title.casefold() or needle in p.description.casefold())),
            key=lambda p: p.title.casefold())

    async def update(self, actor: Actor, prompt_id: int, *, title: str | None = None, template: str | None = None,
                     variables: Sequence[TemplateVariable | Mapping[str, Any]] | None = None,
                     description: str | None = None, tags: Sequence[str] | None = None,
                     visibility: Visibility | None = None) -> Prompt:
        """Change any part; the template and its declarations are checked together."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = PromptRepository(session)
            prompt = await load(repo, actor, prompt_id, Action.UPDATE, NOUN)
            changes: dict[str, Any] = {}
            if title is not None:
                changes["title"] = clean_name(title, "title", 200)
                other = await repo.get_by_title(prompt.creator_id, changes["title"])
                if other is not None and other.id != prompt_id:
                    raise Conflict(f"a prompt titled '{changes['title']}' already exists")
            new_template = bounded_text(template, "template", MAX_TEMPLATE_CHARS) if template is not None \
                else prompt.template
            declared = check_variables(variables) if variables is not None else variables_of(prompt)
            check_template(new_template, declared)
            if template is not None:
                changes["template"] = new_template
            if variables is not None:
                changes["variables"] = [stored_variable(v) for v in declared]
            if description is not None:
                changes["description"] = bounded_text(description, "description", 2000)
            if tags is not None:
                changes["tags"] = clean_tags(tags)
            if visibility is not None:
                changes["visibility"] = check_visibility_change(actor, prompt, visibility)
            return await repo.update(prompt_id, **changes) if changes else prompt

    async def delete(self, actor: Actor, prompt_id: int) -> None:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = PromptRepository(session)
            await load(repo, actor, prompt_id, Action.DELETE, NOUN)
            await repo.delete(prompt_id)

    async def render(self, actor: Actor, prompt_id: int, values: Mapping[str, Value | None]) -> str:
        """Fill the prompt; unknown or missing required variables are refused, naming the variable."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            prompt = await load(PromptRepository(session), actor, prompt_id, Action.USE, NOUN)
        user_name = actor.user.display_name if actor.user else "operator"
        return render(prompt.template, variables_of(prompt), values, builtins={"user_name": user_name})
