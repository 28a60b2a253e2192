"""A small but complete workshop, written straight through the repositories, for the export tests.

It has every kind of entry the file format describes, plus what an export must handle with care:
real argon2 hashes, terminal escapes planted in names, titles and texts, a suspended and a rejected
account, two documents with the same title, embedding jobs that are not done, and a chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop_tui.cli import main
from workshop_tui.config.settings import AuthSettings
from workshop_tui.domain.enums import AccountStatus, JobStatus, MessageStatus, Role, ToolKind, Visibility
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.rag import DEFAULT_TEMPLATE
from workshop_tui.services.tools.kinds import spec_for
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository

OSC52 = "\x1b]52;c;SGVsbG8gd29ybGQ=\x07"
CLEAR = "\x1b[2J"
PASSWORDS = {"ada": "ada-secret-passphrase", "sam": "sam-secret-passphrase", "maria": "maria-secret-passphrase",
             "leo": "leo-secret-passphrase", "jordan": "jordan-secret-passphrase", "boss": "boss-secret-passphrase",
             "visitor": "visitor-secret-passphrase", "sus": "suspended-secret-passphrase",
             "rex": "rejected-secret-passphrase"}
RAG_TEMPLATE = "Use these passages:\n{{context}}\n\nQuestion: {{question}}\n"
HOUSE_RULES = f"# House rules\n\n- Be patient {OSC52}when the queue is long.\n- Ask the\thandbook first.{CLEAR}\n"


@dataclass
class Built:
    """Ids a test may need."""

    users: dict[str, int]
    documents: dict[str, int]
    vector_db: int
    conversation: int


async def build_workshop(db: Database) -> Built:
    passwords = Passwords(AuthSettings(), FAST_FOR_TESTS)
    hashes = {name: await passwords.hash(secret) for name, secret in PASSWORDS.items()}
    passwords.close()
    async with db.transaction() as session:
        models = ModelRepository(session)
        llama = await models.upsert("llama3.2:1b", capabilities=["completion", "tools"], description="Main model.")
        qwen = await models.upsert("qwen2.5:0.5b", capabilities=["completion"])
        await models.upsert("all-minilm:latest", capabilities=["embedding"], embedding_dimension=384)
        await models.upsert("old-model:latest", capabilities=["completion"], enabled=False)

        users = UserRepository(session)
        ids: dict[str, int] = {}

        async def person(name: str, role: Role, status: AccountStatus = AccountStatus.ACTIVE, **fields: object) -> int:
            user = await users.add(username=name, display_name=str(fields.pop("display_name", name.title())),
                                   role=role, status=status, password_hash=hashes[name], **fields)
            ids[name] = user.id
            return user.id

        await person("boss", Role.SUPER_ADMIN)
        await person("ada", Role.INSTRUCTOR, display_name=f"Ada {OSC52}Okafor [bold]", email="ada@example.org",
                     admin_notes="Runs the class.\nKnows everyone.")
        await person("sam", Role.STUDENT, email="sam@example.org", quota_messages_per_day=50)
        maria = await person("maria", Role.STUDENT)
        await person("leo", Role.FAMILY, guardian_id=maria, quota_concurrent_generations=1)
        await person("jordan", Role.STUDENT, AccountStatus.PENDING, admin_notes="Registered late.")
        await person("visitor", Role.GUEST)
        await person("sus", Role.INSTRUCTOR, AccountStatus.SUSPENDED)
        await person("rex", Role.STUDENT, AccountStatus.REJECTED)

        vdbs = VectorDbRepository(session)
        handbook = await vdbs.add(name="Handbook", embedding_model="all-minilm:latest", dimension=384,
                                  collection_name="vdb_handbook", visibility=Visibility.PUBLIC,
                                  creator_id=ids["ada"], description="Every document.")
        tools = ToolRepository(session)
        calculator = await tools.add(name="calculator", kind=ToolKind.CALCULATOR, visibility=Visibility.CLASS,
                                     creator_id=ids["ada"], parameters=spec_for(ToolKind.CALCULATOR).parameters)
        await tools.add(name="glossary", kind=ToolKind.LOOKUP_TABLE, visibility=Visibility.PUBLIC,
                        creator_id=ids["ada"], description="The glossary.",
                        config={"entries": {"token": f"A piece of a word{CLEAR}.", "RAG": "Retrieval first."}})
        search = await tools.add(name="handbook_search", kind=ToolKind.VECTOR_SEARCH, visibility=Visibility.CLASS,
                                 creator_id=ids["ada"], config={"vector_db_id": handbook.id}, enabled=False)
        for name in ("sam", "maria", "leo"):
            await users.set_model_ids(ids[name], [qwen.id] + ([llama.id] if name != "leo" else []))
            await users.set_tool_ids(ids[name], [calculator.id] + ([search.id] if name != "leo" else []))

        prompts = PromptRepository(session)
        await prompts.add(title=f"Explain {CLEAR}simply", template="Explain {{topic}} to {{audience}}.",
                          variables=[{"name": "topic", "type": "text", "default": None, "required": True,
                                      "choices": [], "description": "What to explain"},
                                     {"name": "audience", "type": "choice", "default": "a child", "required": False,
                                      "choices": ["a child", "an adult"], "description": ""}],
                          tags=["basics", "templates"], visibility=Visibility.CLASS, creator_id=ids["ada"])
        rag_prompt = await prompts.add(title="RAG answer", template=RAG_TEMPLATE, visibility=Visibility.CLASS,
                                       creator_id=ids["ada"],
                                       variables=[{"name": "context", "type": "multiline", "required": True},
                                                  {"name": "question", "type": "multiline", "required": True}])
        await prompts.add(title="My notes", template="Cards for {{date}}", visibility=Visibility.PRIVATE,
                          creator_id=ids["sam"])
        await prompts.add(title="Left behind", template="Hello", visibility=Visibility.CLASS, creator_id=ids["sus"])

        documents = DocumentRepository(session)
        docs: dict[str, int] = {}
        for key, title, owner, content_type, body, visibility in (
            ("rules", f"House {OSC52}rules", "ada", "text/markdown", HOUSE_RULES, Visibility.PUBLIC),
            ("cheat", "Cheat sheet", "ada", "application/pdf", "ollama run\nollama pull\n", Visibility.CLASS),
            ("rules2", "House rules", "sam", "text/plain", "My own rules.\n", Visibility.PRIVATE),
            ("draft", "Draft", "ada", "text/markdown", "A draft.\n", Visibility.CLASS),
        ):
            doc = await documents.add(title=title, content_type=content_type, checksum=key * 8, text=body,
                                      size_bytes=len(body), visibility=visibility, creator_id=ids[owner])
            docs[key] = doc.id
        jobs = EmbeddingJobRepository(session)
        for key, status in (("rules", JobStatus.DONE), ("cheat", JobStatus.FAILED), ("cheat", JobStatus.DONE),
                            ("draft", JobStatus.DONE), ("draft", JobStatus.QUEUED)):
            await jobs.add(document_id=docs[key], vector_db_id=handbook.id, status=status)

        rags = RagSystemRepository(session)
        await rags.add(name="Ask the handbook", chat_model="llama3.2:1b", vector_db_id=handbook.id,
                       prompt_id=rag_prompt.id, prompt_template=RAG_TEMPLATE, top_k=4, visibility=Visibility.PUBLIC,
                       creator_id=ids["ada"], description="Answers from the handbook.")
        await rags.add(name="Tutor", chat_model="qwen2.5:0.5b", vector_db_id=handbook.id,
                       prompt_template=DEFAULT_TEMPLATE, top_k=3, score_threshold=0.3,
                       visibility=Visibility.CLASS, creator_id=ids["ada"])

        chats = ConversationRepository(session)
        chat = await chats.add(user_id=ids["sam"], model="llama3.2:1b", title=f"Tokens {CLEAR}question")
        await chats.add_message(chat.id, "user", f"What is a token?{OSC52}")
        await chats.add_message(chat.id, "assistant", "A piece of a word.\n\n[bold]Really[/bold].",
                                model="llama3.2:1b")
        await chats.add_message(chat.id, "assistant", "Cut off mid", model="llama3.2:1b",
                                status=MessageStatus.STREAMING.value)
    return Built(users=ids, documents=docs, vector_db=handbook.id, conversation=chat.id)


def export(data_dir: str, *args: str) -> int:
    """`workshop-tui export ARGS --data-dir DATA_DIR`, in this process; its exit code."""
    return main(["export", *args, "--data-dir", data_dir])
