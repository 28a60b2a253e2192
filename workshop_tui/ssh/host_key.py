"""The server's host key: made on first start, kept readable by its owner only.

Attendees' ssh clients remember it, so it must survive restarts; its fingerprint is printed at start
and by `workshop-tui health`, for attendees to compare with what their client shows the first time.
Several server processes behind one address share the same file.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

KEY_TYPE = "ssh-ed25519"


def load_or_create(path: Path) -> asyncssh.SSHKey:
    """The key in `path`, created (mode 0600, with `<path>.pub` beside it) when there is none."""
    if not path.exists():
        _create(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        path.chmod(0o600)  # a copied key may have come with loose permissions
    return asyncssh.read_private_key(str(path))


def _create(path: Path) -> None:
    key = asyncssh.generate_private_key(KEY_TYPE, comment="workshop-tui host key")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:  # another server process made it at the same moment
        return
    with os.fdopen(descriptor, "wb") as private:
        private.write(key.export_private_key())
    public = path.with_name(path.name + ".pub")
    public.write_bytes(key.export_public_key())


def fingerprint(key: asyncssh.SSHKey) -> str:
    """`SHA256:…`, as `ssh-keygen -lf` and a connecting client show it."""
    return str(key.get_fingerprint("sha256"))


def fingerprint_of(path: Path) -> str | None:
    """The fingerprint of the key in `path`, or None when the server has not made one yet."""
    public = path.with_name(path.name + ".pub")
    if public.is_file():
        return fingerprint(asyncssh.import_public_key(public.read_bytes()))
    if path.is_file():
        return fingerprint(asyncssh.read_private_key(str(path)))
    return None
