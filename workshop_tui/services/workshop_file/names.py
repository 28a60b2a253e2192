"""Turning the titles a file uses into the prompt or document they mean.

A file names documents and prompts by title, but titles are unique only per owner. An entry of the
file wins; otherwise the database's same-titled entries are tried in this order: the referring
entry's owner's own, the operator's, and a title only one owner uses. Two other owners with the
same title and neither preferred is ambiguous, and the import refuses it rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop_tui.services.workshop_file.plan import WorkshopPlan
from workshop_tui.services.workshop_file.state import DbState, OwnedKey


class Ambiguous(Exception):
    """More than one owner has an entry with this title and nothing says which one is meant."""

    def __init__(self, kind: str, title: str, owners: list[str | None]) -> None:
        shown = ", ".join(repr(o) if o else "the operator" for o in owners)
        super().__init__(f"several {kind}s are titled {title!r} (owned by {shown}); give the {kind} in this file "
                         "or rename one of them")


@dataclass
class Resolver:
    plan: WorkshopPlan
    state: DbState

    def __post_init__(self) -> None:
        self._file_documents = {d.title: (d.owner, d.title) for d in self.plan.documents}
        self._file_prompts = {p.title: (p.owner, p.title) for p in self.plan.prompts}

    def document(self, title: str, referrer: str | None) -> OwnedKey:
        """The document titled ``title`` that an entry owned by ``referrer`` means."""
        return self._pick("document", title, referrer, self._file_documents, list(self.state.documents))

    def prompt(self, title: str, referrer: str | None) -> OwnedKey:
        return self._pick("prompt", title, referrer, self._file_prompts, list(self.state.prompts))

    @staticmethod
    def _pick(kind: str, title: str, referrer: str | None, in_file: dict[str, OwnedKey],
              in_db: list[OwnedKey]) -> OwnedKey:
        if title in in_file:
            return in_file[title]
        found = [key for key in in_db if key[1] == title]
        for preferred in (referrer, None):
            if (preferred, title) in found:
                return preferred, title
        if len(found) == 1:
            return found[0]
        if not found:  # the loader checked every reference, so only a concurrent delete gets here
            raise LookupError(f"no {kind} titled {title!r}")
        raise Ambiguous(kind, title, sorted((k[0] for k in found), key=lambda o: o or ""))
