"""`workshop-tui health [--json]`: is everything the workshop needs reachable?

The basic checks for now: the database (reachable, migrated) and each Ollama host (reachable,
version). Exit code 1 when something required is down.
"""

from __future__ import annotations

import argparse
import json

import httpx

from workshop_tui.commands.common import settings_from
from workshop_tui.storage.database import Database


async def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    report: dict[str, object] = {"ok": True, "data_dir": str(settings.data_dir)}
    db = Database.from_url(settings.effective_database_url)
    try:
        state = await db.schema_state()
        report["database"] = {"ok": state.is_current, "revision": state.current, "head": state.head}
    except Exception as exc:
        report["database"] = {"ok": False, "error": str(exc)}
    finally:
        await db.close()
    hosts = []
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        for url in settings.ollama.urls:
            try:
                response = await client.get(url.rstrip("/") + "/api/version")
                hosts.append({"url": url, "ok": response.status_code == 200, "version": response.json().get("version")})
            except (httpx.HTTPError, ValueError) as exc:
                hosts.append({"url": url, "ok": False, "error": f"{type(exc).__name__}: is `ollama serve` running?"})
    report["ollama"] = hosts
    report["ok"] = bool(report["database"]["ok"]) and all(h["ok"] for h in hosts)  # type: ignore[index]
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        db_state = report["database"]
        print(f"database: {'ok' if db_state['ok'] else 'NOT READY'} {db_state}")  # type: ignore[index]
        for host in hosts:
            state = f"ok {host.get('version')}" if host["ok"] else f"DOWN: {host['error']}"
            print(f"ollama {host['url']}: {state}")
    return 0 if report["ok"] else 1
