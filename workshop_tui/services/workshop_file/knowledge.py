"""The ``vector_dbs`` and ``rag_systems`` sections.

A vector DB names its embedding model and the documents to embed into it (each pair becomes an
embedding job when the plan is applied). A RAG system names its chat model and vector DB, and takes
its template inline, from a prompt, or from the app's default. A template is checked by the RAG
service's ``check_rag_template``: it must contain ``{{context}}`` and ``{{question}}`` and nothing
else but the built-ins.
"""

from __future__ import annotations

from typing import Any, Final

from workshop_tui.domain.errors import Invalid
from workshop_tui.services.rag import check_rag_template
from workshop_tui.services.workshop_file.content import DESCRIPTION_MAX, message_of
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import Entry
from workshop_tui.services.workshop_file.plan import RagSystemPlan, VectorDbPlan
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.users import model_name

NAME_MAX = 100
RAG_TEMPLATE_MAX = 8000
MAX_TOP_K = 20
VECTOR_DB_KEYS: Final = ("name", "embedding_model", "description", "owner", "visibility", "documents")
RAG_KEYS: Final = ("name", "chat_model", "vector_db", "prompt_template", "prompt", "top_k", "score_threshold",
                   "description", "owner", "visibility")


def rag_template_problem(template: str) -> str | None:
    """Why ``template`` cannot be a RAG template, or None when it can: the RAG service's own check,
    so a file is refused for exactly what creating the RAG system by hand would refuse."""
    try:
        check_rag_template(template)
    except Invalid as error:
        problem = message_of(error)
        if problem.startswith("must contain"):
            return problem
        return f"{problem}; a RAG template may use only {{{{context}}}}, {{{{question}}}} and the built-ins"
    return None


def read_vector_dbs(items: list[Any], ctx: Context) -> list[VectorDbPlan]:
    plans: list[VectorDbPlan] = []
    for index, item in enumerate(items):
        origin = join("vector_dbs", index)
        entry = Entry(item, origin, ctx.problems, VECTOR_DB_KEYS, what="a vector DB")
        name = entry.text("name", max_len=NAME_MAX, required=True)
        if name is not None and not ctx.declare("vector_db", name, entry.at("name"), noun="vector DB name"):
            name = None
        model = model_name(entry, "embedding_model", ctx)
        if model is not None:
            ctx.refer("model", model, entry.at("embedding_model"))
        owner, visibility = ctx.owner_and_visibility(entry, origin)
        description = entry.text("description", max_len=DESCRIPTION_MAX, multiline=True) or ""
        documents: list[str] = []
        for title, path in entry.names("documents", max_len=200, max_items=ctx.limits.max_list_items) or []:
            if title in documents:
                ctx.problems.add(path, f"the document {title!r} is listed twice")
                continue
            documents.append(title)
            ctx.refer("document", title, path)
        if name is not None and model is not None:
            plans.append(VectorDbPlan(name=name, embedding_model=model, owner=owner, visibility=visibility,
                                      description=description, documents=tuple(documents), origin=origin))
    return plans


def _template(entry: Entry, ctx: Context) -> tuple[str | None, str | None, bool]:
    """(inline template, prompt title, whether what was given is usable); neither means the default."""
    if entry.has("prompt_template") and entry.has("prompt"):
        entry.fail("prompt", "give either prompt_template or prompt, not both")
        return None, None, False
    if entry.has("prompt_template"):
        template = entry.text("prompt_template", max_len=RAG_TEMPLATE_MAX, required=True, multiline=True)
        if template is None:
            return None, None, False
        if (problem := rag_template_problem(template)) is not None:
            entry.fail("prompt_template", problem)
            return None, None, False
        return template, None, True
    if entry.has("prompt"):
        prompt = entry.text("prompt", max_len=200, required=True)
        if prompt is None:
            return None, None, False
        ctx.refer("prompt", prompt, entry.at("prompt"))
        return None, prompt, True
    return None, None, True


def read_rag_systems(items: list[Any], ctx: Context) -> list[RagSystemPlan]:
    plans: list[RagSystemPlan] = []
    for index, item in enumerate(items):
        origin = join("rag_systems", index)
        entry = Entry(item, origin, ctx.problems, RAG_KEYS, what="a RAG system")
        name = entry.text("name", max_len=NAME_MAX, required=True)
        if name is not None and not ctx.declare("rag_system", name, entry.at("name"), noun="RAG system name"):
            name = None
        chat_model = model_name(entry, "chat_model", ctx)
        if chat_model is not None:
            ctx.refer("model", chat_model, entry.at("chat_model"))
        vector_db = entry.text("vector_db", max_len=NAME_MAX, required=True)
        if vector_db is not None:
            ctx.refer("vector_db", vector_db, entry.at("vector_db"))
        owner, visibility = ctx.owner_and_visibility(entry, origin)
        description = entry.text("description", max_len=DESCRIPTION_MAX, multiline=True) or ""
        top_k = entry.integer("top_k", minimum=1, maximum=MAX_TOP_K)
        threshold = entry.number("score_threshold", minimum=-1.0, maximum=1.0)
        template, prompt, template_ok = _template(entry, ctx)
        if name is not None and chat_model is not None and vector_db is not None and template_ok:
            plans.append(RagSystemPlan(
                name=name, chat_model=chat_model, vector_db=vector_db, owner=owner, visibility=visibility,
                prompt_template=template, prompt=prompt, top_k=top_k or 4, score_threshold=threshold,
                description=description, origin=origin))
    return plans
