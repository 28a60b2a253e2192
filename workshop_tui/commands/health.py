"""`workshop-tui health [--json]`: is everything the workshop needs reachable?

It also shows the SSH server's host key fingerprint, for attendees to compare with what their ssh
client shows the first time it connects.

Exit code 1 when a required part (database, vector store, an Ollama host) is down. The JSON form
is one stable object for monitoring: {"ok": bool, "checks": {name: {ok, required, detail, error}}}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from workshop_tui.commands.common import settings_from
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.health import Check
from workshop_tui.services.workshop import Workshop

VECTOR_STORE_WAIT_S = 30.0


async def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    workshop = await Workshop.open(settings)
    try:
        with contextlib.suppress(Exception):  # a store that fails to open is reported by its check
            await workshop.store.wait_ready(VECTOR_STORE_WAIT_S)
        report = await workshop.health.detailed(OPERATOR)
    finally:
        await workshop.close()
    report.checks.append(host_key_check(settings.ssh_host_key_path))
    if args.json:
        print(json.dumps(report.as_dict(), sort_keys=True, default=str))
    else:
        for check in report.checks:
            mark = "ok  " if check.ok else ("DOWN" if check.required else "warn")
            summary = check.error or ", ".join(f"{k}={v}" for k, v in check.detail.items() if v not in (None, [], {}))
            print(f"{mark}  {check.name}: {summary}")
        print("healthy" if report.ok else "NOT healthy: a required part is down")
    return 0 if report.ok else 1


def host_key_check(path: Path) -> Check:
    """The SSH host key's fingerprint (the server makes the key on its first start)."""
    from workshop_tui.ssh.host_key import fingerprint_of

    try:
        found = fingerprint_of(path)
    except (OSError, ValueError) as exc:
        return Check("ssh host key", False, required=False, detail={"file": str(path)}, error=f"unreadable: {exc}")
    if found is None:
        return Check("ssh host key", True, required=False,
                     detail={"file": str(path), "fingerprint": "not made yet: `workshop-tui serve` makes it"})
    return Check("ssh host key", True, required=False, detail={"file": str(path), "fingerprint": found})
