"""A throwaway PostgreSQL server for the tests that prove the same code runs there.

It is started from the machine's PostgreSQL binaries in a temporary folder, listening on
127.0.0.1 only, and removed afterwards. Where PostgreSQL is not installed the tests are skipped
with a reason (`.ci/run` installs it, so CI always runs them).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from workshop_tui.storage.database import Database


def _binaries() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; run it as the `postgres` account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _binaries()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    # As root, the server runs as `postgres`, which may not be able to enter the usual temp folder.
    base = pwd.getpwnam("postgres").pw_dir if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="workshop-pg-", dir=base))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        os.chmod(root, 0o700)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(
        _as_owner([str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
                   "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            ready = subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                   capture_output=True, timeout=10)
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("PostgreSQL did not start within 10 s")
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    """A fresh database on the shared server for each test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database.from_url(postgres_url)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.close()
    db = Database.from_url(postgres_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield db
    finally:
        await db.close()
