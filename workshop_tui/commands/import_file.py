"""`workshop-tui import FILE [--dry-run] [--skip-vectors] [--passwords-file FILE]`.

Applies a workshop file (``.yaml``/``.yml``) or a users CSV as the built-in operator. Output:

- stdout: what was (or, with ``--dry-run``, would be) created, updated, left unchanged and skipped,
  per section with names; then, once, the generated passwords of the new accounts (or only where
  ``--passwords-file`` put them);
- stderr: progress (a bar on a terminal, one line per step otherwise) and every problem;
- exit 2 for a bad file (every problem listed, nothing written), 1 when the import could not run
  or its vector work failed after the commit, 0 otherwise.

The workshop is opened with ``run_jobs=False``: an import runs its own embedding jobs and never
resumes unrelated jobs a stopped server left behind (the server does that when it starts).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

from workshop_tui.commands.common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, fail, settings_from
from workshop_tui.commands.progress import progress_for
from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file import WorkshopFileErrors
from workshop_tui.services.workshop_file.importer import ImportService
from workshop_tui.services.workshop_file.result import Entry, ImportResult, SectionReport

TITLES = {"models": "models", "users": "users", "prompts": "prompts", "documents": "documents",
          "vector_dbs": "vector DBs", "tools": "tools", "rag_systems": "RAG systems",
          "embedding_jobs": "embedding jobs", "conversations": "conversations"}
LISTED = 40  # names shown per list; a class of hundreds is summarised, not scrolled past


class PasswordsFile:
    """The file generated passwords go to: created up front (mode 0600, never over an existing file),
    so a name that cannot be used stops the import before it writes anything."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                                          0o600)
        except FileExistsError:
            raise Invalid(f"{path} already exists; the import never overwrites a file, so name a new one",
                          field="--passwords-file") from None
        except OSError as error:
            raise Invalid(f"{path} cannot be created: {error.strerror}", field="--passwords-file") from None

    def write(self, result: ImportResult) -> None:
        lines = ["username,password"] + [f"{name},{secret.get_secret_value()}"
                                         for name, secret in result.passwords.items()]
        assert self.fd is not None
        with os.fdopen(self.fd, "w", encoding="utf-8") as handle:
            self.fd = None
            handle.write("\n".join(lines) + "\n")

    def discard(self) -> None:
        """Nothing was imported: remove the empty file this command created."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            with contextlib.suppress(OSError):
                self.path.unlink()


def _names(entries: list[Entry]) -> str:
    shown = [str(e) for e in entries[:LISTED]]
    more = f" ... and {len(entries) - LISTED} more" if len(entries) > LISTED else ""
    return ", ".join(shown) + more


def _section(out: TextIO, name: str, report: SectionReport, dry_run: bool) -> None:
    verbs = ("to create", "to update", "unchanged", "to skip") if dry_run else ("created", "updated", "unchanged",
                                                                                 "skipped")
    lists = (report.created, report.updated, report.unchanged)
    counts = [f"{len(items)} {verb}" for verb, items in zip(verbs, lists, strict=False)]
    if report.skipped:
        counts.append(f"{len(report.skipped)} {verbs[3]}")
    out.write(f"{TITLES[name]}: {', '.join(counts)}\n")
    for verb, items in zip(verbs, lists, strict=False):
        if items:
            out.write(f"  {verb}: {_names(items)}\n")
    reasons: dict[str, list[Entry]] = {}
    for entry in report.skipped:  # skipped entries mostly share one reason: say it once
        reasons.setdefault(entry.reason or "", []).append(Entry(entry.name))
    for reason, items in reasons.items():
        out.write(f"  {verbs[3]}{f' ({reason})' if reason else ''}: {_names(items)}\n")


def print_summary(result: ImportResult, out: TextIO) -> None:
    heading = "Dry run of" if result.dry_run else "Imported"
    out.write(f"{heading} {result.source}{': nothing was written' if result.dry_run else ''}\n")
    for name, report in result.sections.items():
        if report:
            _section(out, name, report, result.dry_run)
    if result.pulled:
        out.write(f"models {'to pull' if result.dry_run else 'pulled'}: {', '.join(result.pulled)}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
    if result.skipped_vectors:
        out.write(f"note: {result.skipped_vectors}\n")


def print_jobs(result: ImportResult, out: TextIO) -> None:
    """How the embedding jobs ended (after the commit, so after the summary and the passwords)."""
    if not result.jobs:
        return
    done = sum(job.status is JobStatus.DONE for job in result.jobs)
    out.write(f"embedding: {done} of {len(result.jobs)} job(s) done\n")
    for job in result.jobs:
        if job.status is not JobStatus.DONE:
            why = f": {job.error}" if job.error else ""
            out.write(f"  '{job.document}' into '{job.vector_db}': {job.status}{why}\n")


def print_passwords(result: ImportResult, out: TextIO, passwords_file: PasswordsFile | None) -> None:
    """The generated passwords, once: into the file when one was named, else as one clear block."""
    if passwords_file is not None:
        passwords_file.write(result)
        out.write(f"{len(result.passwords)} generated password(s) written to {passwords_file.path} (mode 0600)\n")
        return
    if not result.passwords:
        return
    width = max(len(name) for name in result.passwords)
    out.write("\nGenerated passwords (shown only now; hand each to its owner):\n")
    for name, secret in result.passwords.items():
        out.write(f"  {name:<{width}}  {secret.get_secret_value()}\n")
    out.write("\n")


async def run(args: argparse.Namespace) -> int:
    if args.dry_run and args.passwords_file:
        raise Invalid("a dry run generates no passwords; leave out --passwords-file", field="--passwords-file")
    settings = settings_from(args)
    path = Path(args.file)
    passwords_file = PasswordsFile(Path(args.passwords_file)) if args.passwords_file else None
    progress = progress_for(sys.stderr)
    committed = False

    def on_commit(result: ImportResult) -> None:
        """The accounts exist from now on: show what was written and the passwords before the vector
        work, which may take long or be interrupted."""
        nonlocal committed
        committed = True
        progress.finish()
        print_summary(result, sys.stdout)
        print_passwords(result, sys.stdout, passwords_file)
        sys.stdout.flush()

    try:
        workshop = await Workshop.open(settings, run_jobs=False)
        try:
            result = await ImportService(workshop, progress=progress).run(
                path, dry_run=args.dry_run, skip_vectors=args.skip_vectors, on_commit=on_commit)
        finally:
            await workshop.close()
    except WorkshopFileErrors as errors:
        progress.finish()
        print(str(errors), file=sys.stderr)
        count = len(errors.problems) + errors.omitted
        return fail(f"{count} problem(s) in {path}; nothing was imported", EXIT_BAD_INPUT)
    finally:
        progress.finish()
        if passwords_file is not None and not committed:
            passwords_file.discard()
    if result.dry_run:
        print_summary(result, sys.stdout)
    print_jobs(result, sys.stdout)
    if result.blocked:
        return fail(f"the import would stop: {result.blocked}", EXIT_FAILURE)
    if result.vector_failure:
        return fail(result.vector_failure, EXIT_FAILURE)
    return EXIT_OK
