"""The ``prompts`` and ``tools`` sections.

A prompt's template is checked with the same renderer rules the app uses when a prompt is saved
(declared variables and the built-ins only), so a broken template fails here, before the class
meets it. A tool is an instance of a vetted kind, and its config is validated against that kind's
own schema; a vector-search tool names its vector DB instead of giving an id.
"""

from __future__ import annotations

from typing import Any, Final

from workshop_tui.domain.enums import ToolKind
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.templates import BUILTIN_VARIABLES, VARIABLE_TYPES, TemplateVariable, check_template
from workshop_tui.services.tool_resources import TOOL_NAME
from workshop_tui.services.tools import schema
from workshop_tui.services.tools.kinds import spec_for
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import Entry, expect_list
from workshop_tui.services.workshop_file.plan import PromptPlan, ToolPlan
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.values import UNREADABLE, control_message, describe, first_control

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
TEMPLATE_MAX = 20_000
MAX_VARIABLES = 30
MAX_TAGS, TAG_MAX = 20, 32
TOOL_KINDS: Final = tuple(k.value for k in ToolKind)
PROMPT_KEYS: Final = ("title", "template", "owner", "visibility", "description", "variables", "tags")
VARIABLE_KEYS: Final = ("name", "type", "default", "required", "choices", "description")
TOOL_KEYS: Final = ("name", "kind", "description", "config", "visibility", "owner", "enabled")
_NAME_RULE = "use letters, digits and underscores, not starting with a digit"


def message_of(error: Invalid) -> str:
    """An Invalid's message without its ``field:`` prefix (the field path says that already)."""
    text = str(error)
    prefix = f"{error.field}: " if error.field else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


def _variable(item: Any, path: str, ctx: Context, seen: set[str]) -> TemplateVariable | None:
    entry = Entry(item, path, ctx.problems, VARIABLE_KEYS, what="a template variable")
    name = entry.text("name", max_len=64, required=True)
    if name is not None:
        if not name.isidentifier() or not name.isascii():
            entry.fail("name", f"{name!r}: {_NAME_RULE}")
            name = None
        elif name in BUILTIN_VARIABLES:
            entry.fail("name", f"{name!r} is a built-in variable supplied by the app; choose another name")
            name = None
        elif name in seen:
            entry.fail("name", f"the variable {name!r} is declared twice")
            name = None
        else:
            seen.add(name)
    kind = entry.choice("type", VARIABLE_TYPES, noun="a variable type", default="text")
    required = entry.boolean("required", False)
    description = entry.text("description", max_len=200) or ""
    choices: list[str] = []
    for value, choice_path in entry.names("choices", max_len=200, max_items=100) or []:
        if value in choices:
            ctx.problems.add(choice_path, f"the choice {value!r} is listed twice")
        choices.append(value)
    if kind == "choice" and not choices and entry.raw("choices") is not UNREADABLE:
        entry.fail("choices" if entry.has("choices") else "type", "a choice variable needs at least one choice")
        return None
    if kind not in (None, "choice") and entry.has("choices"):
        entry.fail("choices", "only variables of type choice take choices")
        return None
    default = entry.raw("default")
    if default is not None and not isinstance(default, str | int | float | bool):
        entry.fail("default", f"expected text, a number or true/false, got {describe(default)}")
        return None
    if isinstance(default, str) and (char := first_control(default, multiline=True)):
        entry.fail("default", control_message(char))
        return None
    if name is None or kind is None:
        return None
    try:
        return TemplateVariable(name=name, type=kind, default=default, required=required,
                                choices=tuple(dict.fromkeys(choices)), description=description)
    except Invalid as error:
        entry.fail("default", message_of(error))
        return None


def _tags(entry: Entry) -> tuple[str, ...]:
    tags: list[str] = []
    for tag, path in entry.names("tags", max_len=TAG_MAX, max_items=100) or []:
        if "," in tag:
            entry.problems.add(path, f"{tag!r}: a tag cannot contain a comma; give separate tags")
        elif tag.casefold() not in tags:
            tags.append(tag.casefold())
    if len(tags) > MAX_TAGS:
        entry.fail("tags", f"has {len(tags)} tags; at most {MAX_TAGS} are allowed")
    return tuple(tags)


def read_prompts(items: list[Any], ctx: Context) -> list[PromptPlan]:
    plans: list[PromptPlan] = []
    for index, item in enumerate(items):
        origin = join("prompts", index)
        entry = Entry(item, origin, ctx.problems, PROMPT_KEYS, what="a prompt")
        title = entry.text("title", max_len=TITLE_MAX, required=True)
        if title is not None and not ctx.declare("prompt", title, entry.at("title"), noun="prompt title"):
            title = None
        template = entry.text("template", max_len=TEMPLATE_MAX, required=True, multiline=True)
        owner, visibility = ctx.owner_and_visibility(entry, origin)
        description = entry.text("description", max_len=DESCRIPTION_MAX, multiline=True) or ""
        tags = _tags(entry)
        variables: list[TemplateVariable] = []
        complete = True
        if entry.has("variables"):
            listed = expect_list(entry.raw("variables"), entry.at("variables"), ctx.problems, "variables") or []
            if len(listed) > MAX_VARIABLES:
                entry.fail("variables", f"has {len(listed)} variables; at most {MAX_VARIABLES} are allowed")
            seen: set[str] = set()
            for number, spec in enumerate(listed):
                variable = _variable(spec, join(entry.at("variables"), number), ctx, seen)
                complete = complete and variable is not None
                if variable is not None:
                    variables.append(variable)
        if template is not None and complete:
            try:
                check_template(template, variables)
            except Invalid as error:
                entry.fail("template", message_of(error))
                template = None
        if title is not None and template is not None:
            plans.append(PromptPlan(title=title, template=template, owner=owner, visibility=visibility,
                                    description=description, variables=tuple(variables), tags=tags, origin=origin))
    return plans


def _config(entry: Entry, kind: ToolKind, ctx: Context) -> tuple[dict[str, Any], str | None] | None:
    """The kind's config, checked against its schema, and the vector DB a search tool names."""
    raw = entry.raw("config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        if raw is not UNREADABLE:
            entry.fail("config", f"expected a mapping of settings for a {kind} tool, got {describe(raw)}")
        return None
    config = dict(raw)
    vector_db: str | None = None
    if kind is ToolKind.VECTOR_SEARCH:
        if "vector_db_id" in config:
            ctx.problems.add(join(entry.at("config"), "vector_db_id"),
                             "workshop files name things instead of using ids; write 'vector_db: NAME'", at_key=True)
            return None
        config_entry = Entry(config, entry.at("config"), ctx.problems, ("vector_db",), what="a vector_search config")
        vector_db = config_entry.text("vector_db", max_len=100, required=True)
        if vector_db is None:
            return None
        ctx.refer("vector_db", vector_db, config_entry.at("vector_db"))
        return {}, vector_db
    if kind is ToolKind.LOOKUP_TABLE and isinstance(config.get("entries"), dict):
        for key, value in config["entries"].items():
            path = join(join(entry.at("config"), "entries"), key)
            bad = first_control(key, multiline=False) or (first_control(value, multiline=True)
                                                          if isinstance(value, str) else None)
            if bad:
                ctx.problems.add(path, control_message(bad))
                return None
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                ctx.problems.add(path, f"expected text or a number, got {describe(value)}")
                return None
    if _contains_unreadable(config):
        return None  # already reported where it was read
    try:
        schema.validate(config, spec_for(kind).config_schema, entry.at("config"))
    except Invalid as error:
        ctx.problems.add(error.field or entry.at("config"), message_of(error).replace("is not an argument of this tool",
                                                                           f"is not a setting of a {kind} tool"))
        return None
    return config, vector_db


def _contains_unreadable(value: Any) -> bool:
    if value is UNREADABLE:
        return True
    if isinstance(value, dict):
        return any(_contains_unreadable(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unreadable(v) for v in value)
    return False


def read_tools(items: list[Any], ctx: Context) -> list[ToolPlan]:
    plans: list[ToolPlan] = []
    for index, item in enumerate(items):
        origin = join("tools", index)
        entry = Entry(item, origin, ctx.problems, TOOL_KEYS, what="a tool")
        name = entry.text("name", max_len=64, required=True)
        if name is not None and not TOOL_NAME.match(name):
            entry.fail("name", f"{name!r}: use 2–48 lower-case letters, digits and underscores, starting with a "
                               "letter (models call tools by this name)")
            name = None
        if name is not None and not ctx.declare("tool", name, entry.at("name"), noun="tool name"):
            name = None
        kind = entry.choice("kind", TOOL_KINDS, noun="a tool kind", required=True)
        description = entry.text("description", max_len=500) or ""
        enabled = entry.boolean("enabled", True)
        owner, visibility = ctx.owner_and_visibility(entry, origin)
        settings = _config(entry, ToolKind(kind), ctx) if kind is not None else None
        if name is not None and settings is not None:
            config, vector_db = settings
            plans.append(ToolPlan(name=name, kind=ToolKind(kind), owner=owner, visibility=visibility,
                                  description=description, config=config, vector_db=vector_db, enabled=enabled,
                                  origin=origin))
    return plans

