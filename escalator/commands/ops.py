"""Operator commands: `escalator audit verify|show`, `escalator backup`, `escalator restore`.

They open the store the config names (or `--storage URL`) without starting
the service, so they can run beside it (verify, show, backup) or in its place
(restore). Secrets are not needed for any of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from escalator.domain.covers import Cover
from escalator.domain.errors import ConfigError, StorageError
from escalator.i18n.ops import say, tn

DEFAULT_CONFIG = "/var/lib/escalator/config/escalator.yaml"  # deploy/escalator.service reads it
IMAGE_CONFIG = "/etc/escalator/escalator.yaml"  # where the Docker image reads it


def add_parsers(sub: Any) -> None:
    """Register the commands on the main parser's subparsers."""
    def store_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="the service's YAML file (its `storage:` is used;"
                                        f" default {DEFAULT_CONFIG} if it exists)")
        p.add_argument("--storage", help="a storage URL instead of --config")
        p.add_argument("--lang", choices=("fi", "sv", "en"),
                       help="language of the output (default: the facility's)")

    aud = sub.add_parser("audit", help="check or show the tamper-evident audit log")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True)
    store_args(aud_sub.add_parser("verify", help="walk the hash chain; exit 1 if broken"))
    show = aud_sub.add_parser("show", help="print audit rows as JSON lines")
    store_args(show)
    show.add_argument("--incident", type=int, help="only this incident's rows")
    show.add_argument("--limit", type=int, default=1000, help="newest N rows (default 1000)")
    bak = sub.add_parser("backup", help="copy the SQLite database while the service runs")
    store_args(bak)
    bak.add_argument("out", help="new file to write")
    res = sub.add_parser("restore", help="put a SQLite backup in place (service stopped)")
    store_args(res)
    res.add_argument("backup", help="a file written by `escalator backup`")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        url, lang = _target(args)
    except ConfigError as exc:
        print(exc, file=err)
        return 2
    lang = args.lang or lang
    try:
        if args.command == "audit":
            if args.audit_command == "verify":
                return asyncio.run(_verify(url, lang, out))
            return asyncio.run(_show(url, args.incident, args.limit, out))
        if args.command == "backup":
            return _backup(url, args.out, lang, out, err)
        return _restore(url, args.backup, lang, out)
    except StorageError as exc:
        print(f"{args.command}: {exc}", file=err)
        return 1


def _target(args: argparse.Namespace) -> tuple[str, str]:
    if args.storage:
        return args.storage, "en"
    path = args.config or next((p for p in (DEFAULT_CONFIG, IMAGE_CONFIG) if Path(p).is_file()),
                               None)
    if not path:
        raise ConfigError([say("en", "ops.no_storage")])
    from escalator.config import load_config

    config, _ = load_config(path)  # secrets are not needed here
    return config.storage, config.facility.language


def verdict_text(lang: str, verdict: Any, last_hash: str) -> str:
    if verdict.ok:
        return tn(lang, "audit.intact", verdict.count, count=verdict.count, hash=last_hash[:16])
    b = verdict.broken
    why = say(lang, f"audit.{b.problem}", **b.params)
    if not getattr(b, "chain", True):  # the chain is whole; a table does not match it
        return tn(lang, "audit.records_broken", verdict.count, why=why, count=verdict.count)
    return tn(lang, "audit.broken", verdict.count, id=b.id, why=why, count=verdict.count)


async def _with_store(url: str, fn: Any) -> Any:
    """Open an existing database only: a mistyped or relative SQLite path must not
    create an empty one that then "verifies" with 0 rows."""
    from escalator.storage import open_store

    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        path = url[len("sqlite:///"):]
        if not Path(path).is_file():
            raise StorageError(say("en", "ops.no_database", path=str(Path(path).absolute())))

    store = open_store(url)
    await store.open()
    try:
        return await store.transaction(fn)
    finally:
        await store.close()


async def stored_covers(url: str, at: datetime) -> tuple[Cover, ...]:
    """The cover shifts not ended at `at`, for `escalator simulate --covers`."""
    found: tuple[Cover, ...] = await _with_store(url, lambda tx: tx.covers.in_force(at))
    return found


async def _verify(url: str, lang: str, out: TextIO) -> int:
    from escalator.storage import audit

    verdict, (_, last_hash) = await _with_store(
        url, lambda tx: (audit.verify_tx(tx), audit.head_tx(tx)))
    print(verdict_text(lang, verdict, last_hash), file=out)
    return 0 if verdict.ok else 1


async def _show(url: str, incident: int | None, limit: int, out: TextIO) -> int:
    from escalator.storage import audit

    rows = await _with_store(url, lambda tx: audit.rows_tx(tx, incident, limit))
    for r in rows:
        print(json.dumps({k: r[k] for k in ("id", "at", "kind", "actor", "incident_id",
                                            "payload", "hash")}, ensure_ascii=False), file=out)
    return 0


def _backup(url: str, target: str, lang: str, out: TextIO, err: TextIO) -> int:
    from escalator.storage import backup

    if not url.startswith("sqlite:///"):
        print(say(lang, "backup.postgres"), file=err)
        return 2
    checked = backup.backup(url, target)
    print(tn(lang, "backup.done", checked.incidents, out=target, incidents=checked.incidents,
              audit=verdict_text(lang, checked.audit, "")), file=out)
    return 0 if checked.audit.ok else 1


def _restore(url: str, source: str, lang: str, out: TextIO) -> int:
    from escalator.runtime.clock import SystemClock
    from escalator.storage import backup

    checked, moved = backup.restore(source, url, SystemClock().now())
    print(tn(lang, "restore.done", checked.incidents, source=source, target=backup.sqlite_path(url),
              incidents=checked.incidents, audit=verdict_text(lang, checked.audit, "")),
          file=out)
    if moved:
        print(say(lang, "restore.moved", moved=moved), file=out)
    return 0
