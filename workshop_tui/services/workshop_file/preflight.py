"""The checks and preparations an import makes before writing anything.

Everything that can fail on account of the file is found here, while the database is untouched,
and reported like the loader's problems (file, line, column, field path): an empty or broken PDF,
an account the file would make the last super_admin's demotion, a guardian the file turns into a
family account, a link to a database entry its owner may not read. The slow work runs off the
event loop: document extraction in threads, password hashing in the argon2 pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import SecretStr

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Document, Prompt, User, VectorDb
from workshop_tui.services.access import Actor, can_read
from workshop_tui.services.extraction import ExtractionLimits, PastedEmpty, PastedTooLong, extract_file, extract_pasted
from workshop_tui.services.passwords import Passwords, generate_password
from workshop_tui.services.workshop_file.changes import Changes, DocumentText, Prepared
from workshop_tui.services.workshop_file.content import message_of
from workshop_tui.services.workshop_file.names import Ambiguous, Resolver
from workshop_tui.services.workshop_file.plan import (
    DocumentPlan,
    DocumentSource,
    PasswordSource,
    UserPlan,
    WorkshopPlan,
)
from workshop_tui.services.workshop_file.problems import Problems, join
from workshop_tui.services.workshop_file.result import Progress
from workshop_tui.services.workshop_file.state import DbState

_RANK = {Visibility.PRIVATE: 0, Visibility.CLASS: 1, Visibility.PUBLIC: 2}


async def read_documents(plan: WorkshopPlan, limits: ExtractionLimits, problems: Problems,
                         progress: Progress) -> dict[str, DocumentText]:
    """Every document's text, extracted (files) or normalised (inline) in the extraction threads,
    which also serve uploads (`extraction.EXTRACTING_AT_ONCE` at a time); a document that yields no
    text, or too much, is a problem at its ``path`` or ``text``."""
    texts: dict[str, DocumentText] = {}
    done = 0

    async def one(document: DocumentPlan) -> None:
        nonlocal done
        try:
            texts[document.title] = await _text_of(document, limits)
        except Invalid as error:
            key = "path" if document.source is DocumentSource.PATH else "text"
            problems.add(join(document.origin, key), message_of(error))
        done += 1
        progress.advance(f"reading '{document.title}'", done, len(plan.documents))

    await asyncio.gather(*(one(d) for d in plan.documents))
    return texts


async def _text_of(document: DocumentPlan, limits: ExtractionLimits) -> DocumentText:
    if document.source is DocumentSource.PATH:
        assert document.path is not None
        extracted = await extract_file(document.path, limits)
        return DocumentText(extracted.text, extracted.checksum, extracted.content_type, extracted.size_bytes,
                            extracted.page_count, "path", extracted.filename)
    try:
        pasted = await extract_pasted(document.text or "", document.content_type, limits)
    except PastedEmpty:
        raise Invalid("contains no text once control characters are removed") from None
    except PastedTooLong:
        raise Invalid(f"is over the {limits.max_chars:,}-character limit for one document") from None
    return DocumentText(pasted.text, pasted.checksum, document.content_type, pasted.size_bytes, None, "paste", None)


StoredHashes = Callable[[list[str]], Awaitable[dict[str, str | None]]]


async def prepare_passwords(plan: WorkshopPlan, state: DbState, passwords: Passwords, stored_hashes: StoredHashes,
                            prepared: Prepared, *, hash_them: bool, progress: Progress) -> None:
    """Generate passwords for new accounts only; find which existing accounts the file gives a new
    password (verified against the stored hash, so an unchanged one is not rewritten); hash what
    will be written. ``hash_them`` is False for a dry run, which writes nothing.

    ``stored_hashes`` reads the hashes of the given usernames at once (keyed by lowercase username)."""
    length = max(20, passwords.min_length)
    changed = await _changed_passwords(plan, state, passwords, stored_hashes)
    to_hash: dict[str, SecretStr] = {}
    for user in plan.users:
        secret = user.password.secret
        if user.username not in state.users:
            if user.password.source is PasswordSource.GENERATED:
                secret = SecretStr(generate_password(length)) if hash_them else None
                if secret is not None:
                    prepared.generated[user.username] = secret
            if secret is not None:
                to_hash[user.username] = secret
        elif secret is not None and user.username in changed:
            prepared.password_changes.add(user.username)
            to_hash[user.username] = secret
    if not hash_them or not to_hash:
        return
    done = 0

    async def one(username: str, secret: SecretStr) -> None:
        nonlocal done
        prepared.hashes[username] = await passwords.hash(secret)
        done += 1
        progress.advance("hashing passwords", done, len(to_hash))

    await asyncio.gather(*(one(name, secret) for name, secret in to_hash.items()))


async def _changed_passwords(plan: WorkshopPlan, state: DbState, passwords: Passwords,
                             stored_hashes: StoredHashes) -> set[str]:
    """The existing accounts whose password in the file differs from the stored one: the hashes are
    read in one query, then verified together (the argon2 pool bounds how many run at once)."""
    given = [(u.username, u.password.secret) for u in plan.users
             if u.username in state.users and u.password.secret is not None]
    if not given:
        return set()
    stored = await stored_hashes([name for name, _ in given])

    async def differs(username: str, secret: SecretStr) -> bool:
        current = stored.get(username.lower())
        return current is None or not await passwords.verify(current, secret)

    verdicts = await asyncio.gather(*(differs(name, secret) for name, secret in given))
    return {name for (name, _), differs_ in zip(given, verdicts, strict=True) if differs_}


def check_rules(plan: WorkshopPlan, state: DbState, changes: Changes, problems: Problems) -> None:
    """The database's rules that the file alone cannot show, reported at the file's entries."""
    for path, message in changes.problems:
        problems.add(path, message)
    _last_super_admin(plan, state, changes, problems)
    _guardians(plan, state, changes, problems)
    _Links(plan, state, problems).check()


def _last_super_admin(plan: WorkshopPlan, state: DbState, changes: Changes, problems: Problems) -> None:
    active = {n for n, u in state.users.items() if u.role is Role.SUPER_ADMIN and u.status is AccountStatus.ACTIVE}
    after = set(active)
    for change in changes.of("users"):
        if change.wanted["role"] is Role.SUPER_ADMIN and change.wanted["status"] is AccountStatus.ACTIVE:
            after.add(change.name)
        else:
            after.discard(change.name)
    if not active or after:
        return
    for change in changes.of("users"):
        if change.name in active:
            problems.add(join(change.plan.origin, "role"),
                         f"{change.name!r} is the last active super_admin and cannot become {change.wanted['role']}; "
                         "make another account super_admin first (in this file or with 'workshop-tui users set-role')")


def _guardians(plan: WorkshopPlan, state: DbState, changes: Changes, problems: Problems) -> None:
    """A guardian of family accounts in the database cannot become family itself (unless the file
    gives each of those accounts another guardian or another role)."""
    in_file = {u.username: u for u in plan.users}
    for change in changes.of("users"):
        user: User | None = change.existing
        if user is None or change.wanted["role"] is not Role.FAMILY or user.role is Role.FAMILY:
            continue
        wards = sorted(w.username for w in state.users.values()
                       if w.guardian_id == user.id and w.role is Role.FAMILY and w.status is not AccountStatus.REJECTED
                       and _still_ward(in_file.get(w.username), change.name))
        if wards:
            problems.add(join(change.plan.origin, "role"),
                         f"{change.name!r} is the guardian of {', '.join(map(repr, wards))} and so cannot be family; "
                         "give them another guardian first")


def _still_ward(entry: UserPlan | None, guardian: str) -> bool:
    return entry is None or (entry.role is Role.FAMILY and entry.guardian == guardian)


class _Links:
    """Links from the file's entries to entries that only the database holds: the owner must be able
    to read them, as the file's own links are checked by the loader (security item 1)."""

    def __init__(self, plan: WorkshopPlan, state: DbState, problems: Problems) -> None:
        self.plan, self.state, self.problems = plan, state, problems
        self.roles = {u.username: u.role for u in state.users.values()} | {u.username: u.role for u in plan.users}
        self.resolve = Resolver(plan, state)

    def _reader(self, owner: str | None) -> Actor | None:
        if owner is None:
            return None  # the operator reads everything
        existing = self.state.users.get(owner)
        user = User(id=existing.id if existing else 0, username=owner, display_name=owner, role=self.roles[owner],
                    status=AccountStatus.ACTIVE)
        return Actor(user=user)

    def _refused(self, path: str, owner: str | None, what: str, target: Document | Prompt | VectorDb) -> bool:
        reader = self._reader(owner)
        if reader is None or can_read(reader, target):
            return False
        holder = repr(self.state.username(target.creator_id)) if target.creator_id else "the operator"
        self.problems.add(path, f"{what} is {target.visibility} and owned by {holder}, so {owner!r} may not use it; "
                                "share it or give both the same owner")
        return True

    def check(self) -> None:
        in_file = {"documents": {d.title for d in self.plan.documents}, "prompts": {p.title for p in self.plan.prompts},
                   "vector_dbs": {v.name for v in self.plan.vector_dbs}}
        for vdb in self.plan.vector_dbs:
            for number, title in enumerate(vdb.documents):
                if title not in in_file["documents"]:
                    try:
                        document = self.state.documents[self.resolve.document(title, vdb.owner)]
                    except (Ambiguous, LookupError):
                        continue  # reported by the comparison
                    self._refused(join(join(vdb.origin, "documents"), number), vdb.owner, f"the document {title!r}",
                                  document)
        for tool in self.plan.tools:
            if tool.vector_db is not None and tool.vector_db not in in_file["vector_dbs"]:
                self._refused(join(join(tool.origin, "config"), "vector_db"), tool.owner,
                              f"the vector DB {tool.vector_db!r}", self.state.vector_dbs[tool.vector_db])
        for rag in self.plan.rag_systems:
            if rag.vector_db not in in_file["vector_dbs"]:
                target = self.state.vector_dbs[rag.vector_db]
                path = join(rag.origin, "vector_db")
                if not self._refused(path, rag.owner, f"the vector DB {rag.vector_db!r}", target) \
                        and _RANK[rag.visibility] > _RANK[target.visibility]:
                    self.problems.add(join(rag.origin, "visibility"),
                                      f"the RAG system is {rag.visibility} but its vector DB {target.name!r} is "
                                      f"{target.visibility}; share the vector DB at least as widely, or others could "
                                      "not use the RAG system")
            if rag.prompt is not None and rag.prompt not in in_file["prompts"]:
                try:
                    prompt = self.state.prompts[self.resolve.prompt(rag.prompt, rag.owner)]
                except (Ambiguous, LookupError):
                    continue
                self._refused(join(rag.origin, "prompt"), rag.owner, f"the prompt {rag.prompt!r}", prompt)

