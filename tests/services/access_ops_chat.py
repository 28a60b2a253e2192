"""Access-matrix operations of the chat service: conversations, sending and asking a RAG system,
called as the front ends call them, with every resource a request names checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from workshop_tui.domain.models import Conversation
from workshop_tui.services.access import Action, Actor, Kind
from workshop_tui.services.chat_events import ChatEvent, ReplyFinished

from .access_registry import (
    expect_conversation,
    expect_kind,
    expect_model,
    expect_owned,
    expect_rag_use,
    register,
)
from .access_resources import (
    CONVERSATIONS,
    MODELS,
    RAG_USE,
    TOOLS,
    Case,
    conversation_owner,
    make_conversation,
    make_tool,
    rag_case,
    ward_exists,
)
from .access_world import CHAT_MODELS, GRANTED_MODEL, World

SEND = ("own", "other", "ward", "own:ungranted", "own:disabled", "own:unlisted",
        "own+tool:other_private", "own+tool:other_class", "own+tool:other_class_granted",
        "own+tool:other_class_granted_disabled", "own+rag:own/own/granted", "own+rag:other_class/other_private/granted",
        "own+rag:other_public/other_public/granted", "own+rag:other_public/other_public/ungranted")


async def drain(stream: AsyncIterator[ChatEvent]) -> list[ChatEvent]:
    async with aclosing(stream) as events:
        return [event async for event in events]


async def answered(stream: AsyncIterator[ChatEvent]) -> None:
    events = await drain(stream)
    assert events and isinstance(events[-1], ReplyFinished), f"the reply did not finish: {events[-1:]}"


def uses(actor: Actor, case: Case) -> bool:
    """Every resource a conversation request names: its model, each tool, its RAG system."""
    return ((case.model is None or expect_model(actor, Action.USE, case.model))
            and all(expect_owned(actor, Action.USE, tool) for tool in case.tools)
            and (case.rag is None or expect_rag_use(actor, case.rag.target, case.rag.vector_db, case.rag.model)))


def creates_conversation(actor: Actor, case: Case) -> bool:
    return expect_kind(actor, Action.CREATE, Kind.CONVERSATION) and uses(actor, case)


def changes_conversation(actor: Actor, case: Case) -> bool:
    return expect_conversation(actor, Action.UPDATE, case.target) and uses(actor, case)


def nested(case: Case) -> dict[str, Any]:
    """The request's nested ids: tools and RAG system, when the case names them."""
    fields: dict[str, Any] = {}
    if case.tools:
        fields["tool_ids"] = [tool.id for tool in case.tools]
    if case.rag is not None:
        fields["rag_system_id"] = case.rag.target.id
    return fields


# Creating conversations: the model, each tool and the RAG system are checked. -----------------
async def with_model(world: World, actor: Actor, variant: str) -> Case:
    return Case(model=await world.model_info(CHAT_MODELS[variant]))


async def with_tool(world: World, actor: Actor, variant: str) -> Case:
    return Case(model=await world.model_info(GRANTED_MODEL), tools=(await make_tool(world, actor, variant),))


async def with_rag(world: World, actor: Actor, variant: str) -> Case:
    return Case(model=await world.model_info(GRANTED_MODEL), rag=await rag_case(world, actor, variant))


async def create_conversation(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.chat.create(actor, case.model.name, title="matrix", **nested(case))


for _name, _variants, _prepare in (("model", MODELS, with_model), ("tools", TOOLS, with_tool),
                                   ("rag", RAG_USE, with_rag)):
    register(f"chat.create({_name})", "conversation", _variants, _prepare, creates_conversation)(create_conversation)


# One conversation: its owner, a guardian reading a ward's, an admin. --------------------------
async def conversation(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_conversation(world, conversation_owner(world, actor, variant)))


def on_conversation(action: Action) -> Any:
    return lambda actor, case: expect_conversation(actor, action, case.target)


@register("chat.get", "conversation", CONVERSATIONS, conversation, on_conversation(Action.READ), ward_exists)
async def get_conversation(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.chat.get(actor, case.target.id)


@register("chat.messages", "conversation", CONVERSATIONS, conversation, on_conversation(Action.READ), ward_exists)
async def messages(world: World, actor: Actor, case: Case) -> Any:
    assert await world.stack.chat.messages(actor, case.target.id)


@register("chat.update(title)", "conversation", CONVERSATIONS, conversation, on_conversation(Action.UPDATE),
          ward_exists)
async def rename_conversation(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.chat.update(actor, case.target.id, title="renamed")


@register("chat.delete", "conversation", CONVERSATIONS, conversation, on_conversation(Action.DELETE), ward_exists)
async def delete_conversation(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.chat.delete(actor, case.target.id)


async def listing(world: World, actor: Actor, variant: str) -> Case:
    if variant == "self":
        return Case()
    owner = conversation_owner(world, actor, variant)
    await make_conversation(world, owner)
    return Case(Conversation(id=0, user_id=owner, model=""))


@register("chat.list", "conversation", ("self", "other", "ward"), listing,
          lambda actor, case: actor.active if case.target is None
          else expect_conversation(actor, Action.READ, case.target), ward_exists)
async def list_conversations(world: World, actor: Actor, case: Case) -> Any:
    owner = None if case.target is None else case.target.user_id
    found = await world.stack.chat.list(actor, owner)
    assert {c.user_id for c in found} <= {owner or actor.id}


# Changing what a conversation uses: the same checks as on creation. ----------------------------
async def own_with(prepare: Any, world: World, actor: Actor, variant: str) -> Case:
    case = await prepare(world, actor, variant)
    assert actor.id is not None
    return Case(await make_conversation(world, actor.id), model=case.model if prepare is with_model else None,
                tools=case.tools, rag=case.rag)


async def change_conversation(world: World, actor: Actor, case: Case) -> Any:
    model = {"model": case.model.name} if case.model is not None else {}
    return await world.stack.chat.update(actor, case.target.id, **model, **nested(case))


for _name, _variants, _prepare in (("model", MODELS, with_model), ("tools", TOOLS, with_tool),
                                   ("rag", RAG_USE, with_rag)):
    register(f"chat.update({_name})", "conversation", _variants,
             lambda w, a, v, p=_prepare: own_with(p, w, a, v), changes_conversation)(change_conversation)


# Sending and asking: a short reply from the fake Ollama, everything checked at the moment of use. --
async def sending(world: World, actor: Actor, variant: str) -> Case:
    base, _, extra = variant.partition("+")
    owner, _, model = base.partition(":")
    case = Case()
    if extra.startswith("tool:"):
        case = Case(tools=(await make_tool(world, actor, extra.removeprefix("tool:")),))
    elif extra.startswith("rag:"):
        case = Case(rag=await rag_case(world, actor, extra.removeprefix("rag:"), stored=True))
    name = CHAT_MODELS[model or "granted"]
    made = await make_conversation(world, conversation_owner(world, actor, owner), name,
                                   tool_ids=tuple(t.id for t in case.tools),
                                   rag_system_id=case.rag.target.id if case.rag else None)
    return Case(made, model=await world.model_info(name), tools=case.tools, rag=case.rag)


@register("chat.send", "conversation", SEND, sending, changes_conversation, ward_exists)
async def send(world: World, actor: Actor, case: Case) -> Any:
    await answered(world.stack.chat.send(actor, case.target.id, "What port does Ollama use?"))


async def asking(world: World, actor: Actor, variant: str) -> Case:
    return Case(rag=await rag_case(world, actor, variant, stored=True))


@register("chat.ask", "ragsystem", RAG_USE, asking, creates_conversation)
async def ask(world: World, actor: Actor, case: Case) -> Any:
    assert case.rag is not None
    await answered(world.stack.chat.ask(actor, case.rag.target.id, "What port does Ollama use?"))
