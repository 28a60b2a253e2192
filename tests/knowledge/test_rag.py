"""RAG retrieval with citations, the vector-search tool, and the access rules of RAG systems."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import ToolKind, Visibility
from workshop_tui.domain.errors import Forbidden, Invalid, NotFound
from workshop_tui.services.access import Actor
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.services.rag import DEFAULT_TEMPLATE
from workshop_tui.services.tools.kinds import KINDS, ToolRuntime
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository

from .support import CHAT, MINILM, People, bounded, embed

LLAMA_CARE = (
    "# Feeding\n\nLlamas eat hay and fresh grass every morning, with clean water always available.\n\n"
    "# Shearing\n\nShear llamas once a year in late spring, before the summer heat arrives.\n\n"
    "# Health\n\nA vet checks teeth and hooves twice a year.\n"
)
OLLAMA_SETUP = (
    "# Install\n\nRun the installer script to put ollama on a Linux machine.\n\n"
    "# Models\n\nPull a model with ollama pull before chatting with it.\n"
)


async def knowledge_base(k: KnowledgeServices, owner: Actor, name: str,
                         visibility: Visibility = Visibility.PRIVATE) -> int:
    """A vector DB holding two embedded documents; returns its id."""
    vector_db = await bounded(k.vector_dbs.create(owner, name, MINILM, visibility=visibility))
    for title, text in (("Llama care", LLAMA_CARE), ("Ollama setup", OLLAMA_SETUP)):
        document = await bounded(k.documents.import_text(owner, title, text, content_type="text/markdown",
                                                         as_new=True))
        await embed(k, owner, document.id, vector_db.id)
    return vector_db.id


async def test_citations_point_at_the_chunks_that_hold_the_answer(k: KnowledgeServices, people: People) -> None:
    vector_db_id = await knowledge_base(k, people.alice, "farm")
    rag = await bounded(k.rag.create(people.alice, "Farm helper", CHAT, vector_db_id))
    assert rag.top_k == 4 and rag.prompt_template == DEFAULT_TEMPLATE and rag.chat_model == CHAT

    retrieval = await bounded(k.rag.retrieve(people.alice, rag.id, "When should I shear llamas in spring?"))

    best = retrieval.citations[0]
    assert best.document_title == "Llama care" and "late spring" in best.text
    assert best.location.startswith("Shearing") and best.chunk_index == 1
    assert LLAMA_CARE.index("Shear llamas") >= int(best.location.split("chars ")[1].split("–")[0])
    assert [c.score for c in retrieval.citations] == sorted((c.score for c in retrieval.citations), reverse=True)
    assert len(retrieval.citations) == 4
    assert retrieval.model == CHAT
    assert "[1] Llama care (Shearing, chars" in retrieval.prompt
    assert retrieval.prompt.endswith("Question: When should I shear llamas in spring?")
    assert retrieval.messages == [{"role": "user", "content": retrieval.prompt}]
    assert retrieval.citation_dicts()[0]["document_title"] == "Llama care"

    other = await bounded(k.rag.retrieve(people.alice, rag.id, "how do I pull a model with ollama"))
    assert other.citations[0].document_title == "Ollama setup" and "ollama pull" in other.citations[0].text


async def test_threshold_top_k_and_custom_templates(k: KnowledgeServices, people: People) -> None:
    vector_db_id = await knowledge_base(k, people.alice, "farm")
    strict = await bounded(k.rag.create(
        people.alice, "Strict", CHAT, vector_db_id, top_k=2, score_threshold=0.99,
        prompt_template="Hi {{user_name}}. Facts:\n{{context}}\nQ: {{question}}"))
    retrieval = await bounded(k.rag.retrieve(people.alice, strict.id, "shear llamas"))
    assert retrieval.citations == ()
    assert retrieval.prompt == "Hi Alice. Facts:\n(no matching passages were found)\nQ: shear llamas"
    loose = await bounded(k.rag.update(people.alice, strict.id, clear_threshold=True))
    assert loose.score_threshold is None
    assert len((await bounded(k.rag.retrieve(people.alice, strict.id, "shear llamas"))).citations) == 2

    with pytest.raises(Invalid, match=r"must contain \{\{context\}\}"):
        await k.rag.create(people.alice, "Bad", CHAT, vector_db_id, prompt_template="Q: {{question}}")
    with pytest.raises(Invalid, match="not declared"):
        await k.rag.create(people.alice, "Bad", CHAT, vector_db_id,
                           prompt_template="{{context}} {{question}} {{shell}}")
    with pytest.raises(Invalid, match="top_k"):
        await k.rag.create(people.alice, "Bad", CHAT, vector_db_id, top_k=0)
    with pytest.raises(Invalid, match="query"):
        await k.rag.retrieve(people.alice, strict.id, "   ")


async def test_a_rag_system_can_take_its_template_from_a_prompt(k: KnowledgeServices, people: People) -> None:
    vector_db_id = await knowledge_base(k, people.alice, "farm")
    prompt = await bounded(k.prompts.create(people.alice, "RAG style", "Sources:\n{{context}}\n\nAsk: {{question}}",
                                            variables=[{"name": "context", "type": "multiline"},
                                                       {"name": "question", "type": "multiline"}]))
    rag = await bounded(k.rag.create(people.alice, "From prompt", CHAT, vector_db_id, prompt_id=prompt.id))
    assert rag.prompt_id == prompt.id and rag.prompt_template.startswith("Sources:")
    private = await bounded(k.prompts.create(people.bob, "Bob's", "{{context}} {{question}}",
                                             variables=[{"name": "context"}, {"name": "question"}]))
    with pytest.raises(NotFound):  # a nested prompt id is checked too
        await k.rag.create(people.alice, "Stolen", CHAT, vector_db_id, prompt_id=private.id)


async def test_private_vector_dbs_stay_private(k: KnowledgeServices, people: People) -> None:
    vector_db_id = await knowledge_base(k, people.alice, "alice-farm")
    own = await bounded(k.rag.create(people.alice, "Mine", CHAT, vector_db_id))
    assert (await bounded(k.rag.retrieve(people.alice, own.id, "shear llamas"))).citations

    bob_doc = await bounded(k.documents.import_text(people.bob, "Bob", "Bob's notes on llamas"))
    with pytest.raises(NotFound):
        await k.rag.create(people.bob, "Borrowed", CHAT, vector_db_id)
    with pytest.raises(NotFound):
        await k.rag.retrieve(people.bob, own.id, "shear llamas")
    with pytest.raises(NotFound):
        await k.search.search(people.bob, vector_db_id, "shear llamas")
    with pytest.raises(NotFound):
        await k.jobs.enqueue(people.bob, bob_doc.id, vector_db_id)  # no documents into another's DB
    alice_doc = (await k.documents.list(people.alice))[0]
    bob_db = await bounded(k.vector_dbs.create(people.bob, "bob-db", MINILM))
    with pytest.raises(NotFound):
        await k.jobs.enqueue(people.bob, alice_doc.id, bob_db.id)  # nor another's documents into one's own


async def test_class_and_public_sharing_and_the_vector_db_behind_a_shared_rag_system(
        k: KnowledgeServices, people: People) -> None:
    class_db = await knowledge_base(k, people.teacher, "class-farm", Visibility.CLASS)
    class_rag = await bounded(k.rag.create(people.teacher, "Class helper", CHAT, class_db,
                                           visibility=Visibility.CLASS))
    assert (await bounded(k.rag.retrieve(people.alice, class_rag.id, "shear llamas"))).citations
    mine = await bounded(k.rag.create(people.alice, "My view", CHAT, class_db))  # building on a class DB is fine
    assert (await bounded(k.rag.retrieve(people.alice, mine.id, "shear llamas"))).citations
    alice_doc = await bounded(k.documents.import_text(people.alice, "Mine", "my notes"))
    with pytest.raises(Forbidden):
        await k.jobs.enqueue(people.alice, alice_doc.id, class_db)  # reading a DB is not writing to it
    with pytest.raises(NotFound):
        await k.rag.retrieve(people.guest, class_rag.id, "shear llamas")  # class is not public

    public_db = await knowledge_base(k, people.teacher, "public-farm", Visibility.PUBLIC)
    public_rag = await bounded(k.rag.create(people.teacher, "Public helper", CHAT, public_db,
                                            visibility=Visibility.PUBLIC))
    assert (await bounded(k.rag.retrieve(people.guest, public_rag.id, "shear llamas"))).citations

    # The teacher narrows the vector DB: the shared RAG system no longer opens it to the class.
    await bounded(k.vector_dbs.update(people.teacher, class_db, visibility=Visibility.PRIVATE))
    with pytest.raises(Forbidden, match="not shared with you"):
        await k.rag.retrieve(people.alice, class_rag.id, "shear llamas")
    with pytest.raises(Forbidden, match="not shared with you"):
        await k.rag.retrieve(people.alice, mine.id, "shear llamas")
    assert (await bounded(k.rag.retrieve(people.teacher, class_rag.id, "shear llamas"))).citations
    # And a shared RAG system cannot be built on a private vector DB in the first place.
    with pytest.raises(Invalid, match="share it at least as widely"):
        await k.rag.create(people.teacher, "Leaky", CHAT, class_db, visibility=Visibility.CLASS)
    with pytest.raises(Invalid, match="share it at least as widely"):
        await k.rag.update(people.teacher, public_rag.id, vector_db_id=class_db)


async def test_the_chat_model_must_be_granted_enabled_and_current(
        k: KnowledgeServices, people: People, database: Database) -> None:
    class_db = await knowledge_base(k, people.teacher, "class-farm", Visibility.CLASS)
    rag = await bounded(k.rag.create(people.teacher, "Helper", CHAT, class_db, visibility=Visibility.CLASS))
    with pytest.raises(Forbidden, match="not allowed to use model llama3.2:1b"):
        await k.rag.retrieve(people.carol, rag.id, "shear llamas")
    with pytest.raises(Forbidden, match="not allowed to use model"):
        await k.rag.create(people.carol, "Mine", CHAT, class_db)
    with pytest.raises(Forbidden, match="not allowed to use model"):
        await k.rag.create(people.alice, "Unknown model", "mystery-model", class_db)
    with pytest.raises(Forbidden, match="waiting for approval"):
        await k.rag.retrieve(people.pending, rag.id, "shear llamas")

    assert (await bounded(k.rag.retrieve(people.alice, rag.id, "shear llamas"))).citations
    async with database.transaction() as session:  # revoke Alice's grants while her session is open
        await UserRepository(session).set_model_ids(people.alice.id, [])
    with pytest.raises(Forbidden, match="not allowed to use model"):
        await k.rag.retrieve(people.alice, rag.id, "shear llamas")
    async with database.transaction() as session:
        await ModelRepository(session).upsert(CHAT, enabled=False)
    with pytest.raises(Forbidden, match="disabled"):
        await k.rag.retrieve(people.teacher, rag.id, "shear llamas")


async def test_only_owners_and_admins_change_rag_systems(k: KnowledgeServices, people: People) -> None:
    class_db = await knowledge_base(k, people.teacher, "class-farm", Visibility.CLASS)
    rag = await bounded(k.rag.create(people.teacher, "Helper", CHAT, class_db, visibility=Visibility.CLASS))
    with pytest.raises(Forbidden):
        await k.rag.update(people.alice, rag.id, top_k=8)
    with pytest.raises(Forbidden):
        await k.rag.delete(people.alice, rag.id)
    assert [r.name for r in await k.rag.list(people.alice)] == ["Helper"]
    assert (await bounded(k.rag.update(people.admin, rag.id, top_k=8))).top_k == 8
    await bounded(k.rag.delete(people.teacher, rag.id))
    assert await k.rag.list(people.teacher) == []


async def test_the_vector_search_tool_uses_the_same_retrieval_and_access(
        k: KnowledgeServices, people: People) -> None:
    vector_db_id = await knowledge_base(k, people.alice, "farm")
    spec = KINDS[ToolKind.VECTOR_SEARCH]

    hits = await bounded(k.search.search(people.alice, vector_db_id, "shear llamas in spring", 2))
    assert len(hits) == 2 and hits[0]["title"] == "Llama care" and "late spring" in hits[0]["text"]
    assert set(hits[0]) >= {"title", "location", "text", "score"}

    result = await bounded(spec.run({"query": "shear llamas in spring", "top_k": 1}, {"vector_db_id": vector_db_id},
                                    ToolRuntime(search=k.search.search_function(people.alice))))
    assert result.startswith("[1] Llama care (Shearing, chars") and "late spring" in result
    with pytest.raises(NotFound):
        await spec.run({"query": "llamas"}, {"vector_db_id": vector_db_id},
                       ToolRuntime(search=k.search.search_function(people.bob)))
