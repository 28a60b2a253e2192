"""Fixed models, prompts and tools beside the snapshot class of `snapshot_world`, so the screenshots
of Models, Prompts and Tools change only when those screens do. The Ollama address answers
nothing, so Models shows its catalogue under the banner that says Ollama is down."""

from __future__ import annotations

import asyncio
from pathlib import Path

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.services.access import OPERATOR
from workshop_tui.storage.repositories.models import ModelRepository

from ..snapshot_world import PASSWORD, open_snapshot_workshop, prepare_snapshot_data

HOST = "http://gpu-box.workshop.lan:11434"
MODELS = [
    ("all-minilm:latest", {"family": "bert", "parameter_size": "23M", "quantization": "F16",
                           "size_bytes": 45_960_996, "capabilities": ["embedding"], "context_length": 512,
                           "embedding_dimension": 384, "description": "Small embedding model (384 dimensions)."}),
    ("llama3.2:1b", {"family": "llama", "parameter_size": "1.2B", "quantization": "Q8_0", "context_length": 131072,
                     "capabilities": ["completion", "tools"], "description": "The main chat model."}),
    ("qwen3:0.6b", {"family": "qwen3", "parameter_size": "751.63M", "quantization": "Q4_K_M",
                    "size_bytes": 522_653_767, "capabilities": ["completion", "tools", "thinking"],
                    "context_length": 40960, "enabled": False}),
]
TEMPLATE = "Explain {{topic}} to {{audience}} in at most {{sentences}} sentences.\nUse one everyday comparison."
VARIABLES = [{"name": "topic", "type": "text", "required": True, "description": "What to explain"},
             {"name": "audience", "type": "choice", "choices": ["a child", "an adult beginner"],
              "default": "an adult beginner"},
             {"name": "sentences", "type": "number", "default": 4}]


async def _add(data_dir: Path) -> None:
    workshop = await open_snapshot_workshop(data_dir)
    try:
        await workshop.accounts.add_user(OPERATOR, "ada", Role.ADMIN, AccountStatus.ACTIVE, "Ada Admin", PASSWORD)
        async with workshop.ctx.db.transaction() as session:
            for name, fields in MODELS:
                await ModelRepository(session).upsert(name, hosts=[HOST], host=HOST, **fields)
        ines = await workshop.accounts.login("ines", PASSWORD)
        prompts = workshop.knowledge.prompts
        await prompts.create(ines, "Explain like I'm new", TEMPLATE, variables=VARIABLES, tags=["basics"],
                             visibility=Visibility.CLASS, description="A concept, at the reader's level.")
        await prompts.create(ines, "Summarise [bold]a passage[/bold]", "Summarise in {{n}} bullet points:\n{{text}}",
                             variables=[{"name": "n", "type": "number", "default": 3},
                                        {"name": "text", "type": "multiline", "required": True}],
                             tags=["prompting"])
        calculator = await workshop.tools.create(ines, "calculator", ToolKind.CALCULATOR,
                                                 description="Exact arithmetic.", visibility=Visibility.CLASS)
        sam = await workshop.accounts.find_user(OPERATOR, "sam")
        await workshop.accounts.set_grants(OPERATOR, sam.id, tool_ids=[calculator.id])
        await workshop.tools.create(ines, "glossary", ToolKind.LOOKUP_TABLE, description="Workshop terms.",
                                    config={"entries": {"RAG": "retrieval-augmented generation",
                                                        "token": "a piece of a word"}})
    finally:
        await workshop.close()


def prepare_resource_snapshots(data_dir: Path) -> None:
    prepare_snapshot_data(data_dir)
    asyncio.run(_add(data_dir))
