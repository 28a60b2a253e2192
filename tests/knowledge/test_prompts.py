"""Prompts: declared variables, built-ins, validation messages, tags and visibility."""

from __future__ import annotations

from datetime import date

import pytest

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotFound
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.services.prompts import variables_of

from .support import People, bounded

TEMPLATE = "Dear {{user_name}}, explain {{topic}} at {{level}} level in {{words}} words.{{extra}} ({{date}})"
VARIABLES = [
    {"name": "topic", "type": "text", "required": True, "description": "what to explain"},
    {"name": "level", "type": "choice", "choices": ["beginner", "expert"], "default": "beginner"},
    {"name": "words", "type": "number", "default": 100},
    {"name": "extra", "type": "multiline"},
]


async def test_render_fills_values_defaults_and_built_ins(k: KnowledgeServices, people: People) -> None:
    prompt = await bounded(k.prompts.create(people.alice, "Explainer", TEMPLATE, variables=VARIABLES,
                                            tags=["Teaching", "teaching", " basics "]))
    assert prompt.tags == ("teaching", "basics")
    assert [v.name for v in variables_of(prompt)] == ["topic", "level", "words", "extra"]

    text = await bounded(k.prompts.render(people.alice, prompt.id, {"topic": "embeddings", "words": "50"}))

    assert text == f"Dear Alice, explain embeddings at beginner level in 50 words. ({date.today().isoformat()})"
    expert = await bounded(k.prompts.render(people.alice, prompt.id, {"topic": "RAG {{user_name}}",
                                                                      "level": "expert"}))
    assert "explain RAG {{user_name}} at expert level in 100 words" in expert  # values are inserted literally


async def test_render_refuses_bad_values_with_the_variable_named(k: KnowledgeServices, people: People) -> None:
    prompt = await bounded(k.prompts.create(people.alice, "Explainer", TEMPLATE, variables=VARIABLES))
    with pytest.raises(Invalid, match="^topic: is required"):
        await k.prompts.render(people.alice, prompt.id, {})
    with pytest.raises(Invalid, match="^colour: is not a variable of this template"):
        await k.prompts.render(people.alice, prompt.id, {"topic": "x", "colour": "red"})
    with pytest.raises(Invalid, match="^level: must be one of beginner, expert"):
        await k.prompts.render(people.alice, prompt.id, {"topic": "x", "level": "guru"})
    with pytest.raises(Invalid, match="^words: must be a number"):
        await k.prompts.render(people.alice, prompt.id, {"topic": "x", "words": "many"})
    with pytest.raises(Invalid, match="^topic: must be a single line"):
        await k.prompts.render(people.alice, prompt.id, {"topic": "a\nb"})
    with pytest.raises(Invalid, match="^date: is supplied by the app"):
        await k.prompts.render(people.alice, prompt.id, {"topic": "x", "date": "yesterday"})


async def test_templates_and_declarations_are_checked_when_saved(k: KnowledgeServices, people: People) -> None:
    with pytest.raises(Invalid, match=r"template uses \{\{missing\}\}, which is not declared"):
        await k.prompts.create(people.alice, "Broken", "Hello {{missing}}")
    with pytest.raises(Invalid, match="is never closed"):
        await k.prompts.create(people.alice, "Broken", "Hello {{name")
    with pytest.raises(Invalid, match="not a valid placeholder"):
        await k.prompts.create(people.alice, "Broken", "Hello {{ user.__class__ }}")
    with pytest.raises(Invalid, match="type 'date' is not one of"):
        await k.prompts.create(people.alice, "Broken", "{{when}}", variables=[{"name": "when", "type": "date"}])
    with pytest.raises(Invalid, match="unknown setting 'secret'"):
        await k.prompts.create(people.alice, "Broken", "{{a}}", variables=[{"name": "a", "secret": 1}])
    with pytest.raises(Invalid, match="give tags as a list"):
        await k.prompts.create(people.alice, "Tagged", "hi", tags="a, b")  # type: ignore[arg-type]
    with pytest.raises(Invalid, match="title: must not be empty"):
        await k.prompts.create(people.alice, "  ", "hi")

    prompt = await bounded(k.prompts.create(people.alice, "Greeting", "Hi {{who}}", variables=[{"name": "who"}]))
    with pytest.raises(Invalid, match="not declared"):
        await k.prompts.update(people.alice, prompt.id, variables=[])
    updated = await bounded(k.prompts.update(people.alice, prompt.id, template="Hello {{who}}!", tags=["x"]))
    assert updated.template == "Hello {{who}}!" and updated.tags == ("x",)
    with pytest.raises(Conflict):
        await k.prompts.create(people.alice, "Greeting", "again")
    assert (await bounded(k.prompts.create(people.bob, "Greeting", "mine"))).creator_id == people.bob.id


async def test_visibility_private_class_and_public(k: KnowledgeServices, people: People) -> None:
    private = await bounded(k.prompts.create(people.alice, "Mine", "secret"))
    with pytest.raises(Forbidden, match="only create private"):
        await k.prompts.create(people.alice, "Shared", "hi", visibility=Visibility.CLASS)
    for_class = await bounded(k.prompts.create(people.teacher, "Class", "hi", tags=["week1"],
                                               visibility=Visibility.CLASS))
    for_all = await bounded(k.prompts.create(people.teacher, "Public", "hi", visibility=Visibility.PUBLIC))

    with pytest.raises(NotFound):
        await k.prompts.get(people.bob, private.id)
    with pytest.raises(NotFound):
        await k.prompts.render(people.bob, private.id, {})
    assert await bounded(k.prompts.render(people.bob, for_class.id, {})) == "hi"
    assert [p.title for p in await k.prompts.list(people.bob)] == ["Class", "Public"]
    assert [p.title for p in await k.prompts.list(people.alice, tag="WEEK1")] == ["Class"]
    assert [p.title for p in await k.prompts.list(people.guest)] == ["Public"]
    with pytest.raises(NotFound):
        await k.prompts.get(people.guest, for_class.id)
    with pytest.raises(Forbidden):
        await k.prompts.update(people.bob, for_class.id, template="defaced")
    with pytest.raises(Forbidden):
        await k.prompts.delete(people.bob, for_all.id)
    with pytest.raises(Forbidden, match="guest may not create a prompt"):
        await k.prompts.create(people.guest, "Guest", "hi")
    await bounded(k.prompts.update(people.teacher, for_class.id, visibility=Visibility.PRIVATE))
    with pytest.raises(NotFound):
        await k.prompts.get(people.bob, for_class.id)
    await bounded(k.prompts.delete(people.admin, for_all.id))
    assert [p.title for p in await k.prompts.list(people.guest)] == []
