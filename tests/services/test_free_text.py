"""Free text that people type (or an import sets) is stored without terminal escape sequences.

Other people's screens show these fields: an approver reads a registration's email, an admin reads
a suspension reason in the audit log, attendees read a prompt's choices. An email with an escape
sequence in it is refused (an address is no place for one, and silently changing it would deliver
mail elsewhere); names, notes, reasons and descriptions are cleaned. Every field has a length cap,
refused with the field and the limit named.
"""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind
from workshop_tui.domain.errors import Invalid, NotFound
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.conversations import ConversationService
from workshop_tui.services.prompts import PromptService
from workshop_tui.services.tool_resources import ToolService
from workshop_tui.storage.repositories.audit import AuditRepository

from .support import actor_for, add_model, make_user

PASSWORD = "correct horse battery"
OSC52 = "\x1b]52;c;aGk=\x07"  # writes "hi" to the clipboard of whoever's terminal shows it
CLEAR = "\x1b[2J"


async def test_an_email_with_an_escape_sequence_is_refused(accounts: AccountService) -> None:
    with pytest.raises(Invalid, match="^email: .*control characters"):
        await accounts.register("sam", "Sam", PASSWORD, f"a{OSC52}@x.org")
    with pytest.raises(Invalid, match="^email: .*control characters"):
        await accounts.add_user(OPERATOR, "tim", Role.STUDENT, AccountStatus.ACTIVE, "Tim", PASSWORD,
                                email="t\x9b2J@x.org")
    for name in ("sam", "tim"):
        with pytest.raises(NotFound):
            await accounts.find_user(OPERATOR, name)


async def test_an_overlong_email_is_refused_naming_the_limit(accounts: AccountService) -> None:
    with pytest.raises(Invalid, match="^email: .*at most 254 characters"):
        await accounts.register("sam", "Sam", PASSWORD, "a" * 250 + "@x.org")
    assert (await accounts.register("sam", "Sam", PASSWORD, " sam@x.org ")).email == "sam@x.org"


async def test_display_names_are_cleaned_and_bounded(accounts: AccountService) -> None:
    user = await accounts.register("sam", f"Sam{OSC52} {CLEAR}Smith", PASSWORD)
    assert user.display_name == "Sam Smith"
    with pytest.raises(Invalid, match="^display_name: .*at most 64 characters"):
        await accounts.register("tim", "T" * 65, PASSWORD)


async def test_a_suspension_reason_is_cleaned_and_bounded(accounts: AccountService, ctx: ServiceContext) -> None:
    uid = await make_user(ctx.db, "tom")
    with pytest.raises(Invalid, match="^reason: .*at most 2,000 characters"):
        await accounts.suspend(OPERATOR, uid, reason="x" * 2001)
    assert (await accounts.get_user(OPERATOR, uid)).status is AccountStatus.ACTIVE
    async with ctx.events.subscribe("user.suspended", user_id=uid) as feed:
        await accounts.suspend(OPERATOR, uid, reason=f"left early{OSC52}\r\n{CLEAR}")
        event = await feed.get(timeout=5)
    async with ctx.db.reading() as session:
        [entry] = await AuditRepository(session).list(target_id=uid)
    assert entry.after == {"status": "suspended", "reason": "left early"}
    assert event.data["changes"]["reason"]["after"] == "left early"


async def test_reject_and_approval_notes_are_cleaned_and_bounded(accounts: AccountService,
                                                                 approvals: ApprovalService) -> None:
    first = await accounts.register("sam", "Sam", PASSWORD)
    second = await accounts.register("tim", "Tim", PASSWORD)
    with pytest.raises(Invalid, match="^notes: .*at most 2,000 characters"):
        await approvals.reject(OPERATOR, first.id, "n" * 2001)
    rejected = await approvals.reject(OPERATOR, first.id, f"not in the class{OSC52}")
    approved = await approvals.approve(OPERATOR, second.id, Role.STUDENT, notes=f"{CLEAR}ok\nsee you")
    assert (rejected.admin_notes, approved.admin_notes) == ("not in the class", "ok\nsee you")


async def test_prompt_variable_choices_defaults_and_descriptions_are_cleaned(ctx: ServiceContext) -> None:
    prompts = PromptService(ctx)
    variables = [
        {"name": "tone", "type": "choice", "choices": [f"calm{OSC52}", "fun"], "default": f"calm{CLEAR}",
         "description": f"how{OSC52} it sounds"},
        {"name": "who", "type": "multiline", "default": f"you{CLEAR}\nand me"},
    ]
    prompt = await prompts.create(OPERATOR, "Greeting", "Hi {{who}}, {{tone}}", variables=variables)
    tone, who = prompt.variables
    assert (tone["choices"], tone["default"], tone["description"]) == (["calm", "fun"], "calm", "how it sounds")
    assert who["default"] == "you\nand me"
    too_long = [{"name": "tone", "type": "choice", "choices": ["c" * 201]}]
    with pytest.raises(Invalid, match="choices.*at most 200 characters"):
        await prompts.create(OPERATOR, "Other", "{{tone}}", variables=too_long)
    with pytest.raises(Invalid, match="description.*at most 200 characters"):
        await prompts.create(OPERATOR, "Other", "{{tone}}", variables=[{"name": "tone", "description": "d" * 201}])


async def test_tool_descriptions_and_config_text_are_cleaned(ctx: ServiceContext) -> None:
    tools = ToolService(ctx)
    tool = await tools.create(OPERATOR, "glossary", ToolKind.LOOKUP_TABLE, description=f"Terms{OSC52} we use",
                              config={"entries": {f"rag{CLEAR}": f"retrieval{OSC52}\naugmented", "n": 1}})
    assert tool.description == "Terms we use"
    assert tool.config == {"entries": {"rag": "retrieval\naugmented", "n": 1}}
    updated = await tools.update(OPERATOR, tool.id, description=f"{CLEAR}Words")
    assert updated.description == "Words"
    with pytest.raises(Invalid, match="^description: .*at most 500 characters"):
        await tools.update(OPERATOR, tool.id, description="d" * 501)


async def test_a_conversation_system_prompt_and_stop_words_are_cleaned(ctx: ServiceContext) -> None:
    await add_model(ctx.db, "llama3.2:1b")
    sam = await actor_for(ctx.db, await make_user(ctx.db, "sam", Role.INSTRUCTOR))
    conversations = ConversationService(ctx)
    conversation = await conversations.create(sam, "llama3.2:1b", title=f"Notes{OSC52}",
                                              system_prompt=f"Be brief.{OSC52}\nBe kind.")
    assert (conversation.title, conversation.system_prompt) == ("Notes", "Be brief.\nBe kind.")
    with pytest.raises(Invalid, match="parameters.stop"):
        await conversations.update(sam, conversation.id, parameters={"stop": [f"User:{OSC52}"]})
    with pytest.raises(Invalid, match="parameters.stop"):
        await conversations.update(sam, conversation.id, parameters={"stop": ["s" * 201]})
    changed = await conversations.update(sam, conversation.id, parameters={"stop": ["User:", "\n\n"]})
    assert changed.parameters == {"stop": ["User:", "\n\n"]}
