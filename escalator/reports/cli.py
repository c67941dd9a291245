"""`escalator safety list|show|export` and `escalator report weekly`: the register and
the weekly summary from the command line, reading the same store the service writes.

Exit codes: 0 done, 1 a bad config or a failed send (said on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from escalator.config import load_config
from escalator.config.model import Config
from escalator.domain.errors import ConfigError, NotifyError, StorageError
from escalator.reports import data
from escalator.reports.safety_text import as_csv, as_json, as_text, cause_text, local, span
from escalator.reports.when import parse_when
from escalator.runtime.clock import SystemClock
from escalator.storage import open_store


def add_commands(sub: Any) -> None:
    safety = sub.add_parser("safety", help="the safety register: list, show, export")
    ssub = safety.add_subparsers(dest="safety_command", required=True)
    for name, help_text in (("list", "one line per record, newest first"),
                            ("show", "one record as the text for HaiPro"),
                            ("export", "records as csv, json or text")):
        p = ssub.add_parser(name, help=help_text)
        p.add_argument("--config", required=True)
        if name == "show":
            p.add_argument("id", type=int)
            p.add_argument("--format", choices=("text", "json"), default="text")
            continue
        p.add_argument("--from", dest="start", help="date (facility time) or ISO time")
        p.add_argument("--to", dest="end")
        p.add_argument("--cause")
        p.add_argument("--state", choices=("open", "closed"))
        p.add_argument("--limit", type=int, default=1000)
        if name == "export":
            p.add_argument("--format", choices=("csv", "json", "text"), default="csv")
            p.add_argument("--out", help="file (default: standard output)")
    report = sub.add_parser("report", help="the weekly summary by hand")
    rsub = report.add_subparsers(dest="report_command", required=True)
    weekly = rsub.add_parser("weekly", help="write (and optionally send) one week's summary")
    weekly.add_argument("--config", required=True)
    weekly.add_argument("--week", required=True, help="an ISO week like 2026-W48")
    weekly.add_argument("--out", help="directory for the HTML, PDF, CSV and chart")
    weekly.add_argument("--send", action="store_true",
                        help="send it to reports.weekly.to now (even if it was sent before)")


def run(args: argparse.Namespace) -> int:
    try:
        config, _ = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        if args.command == "safety":
            return asyncio.run(_safety(args, config))
        return asyncio.run(_weekly(args, config))
    except (ValueError, StorageError, NotifyError) as exc:
        print(f"escalator {args.command}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1


def _when(raw: str | None, tz: str) -> Any:
    if not raw:
        return None
    return parse_when(raw, tz, "date")  # ValueError: exit status 2 with the reason


async def _safety(args: argparse.Namespace, config: Config) -> int:
    fac = config.facility
    tz, lang = fac.timezone, fac.language
    names = {pid: p.name for pid, p in config.parties.items()}
    staff, now = data.care_staff(config), SystemClock().now()
    db = open_store(config.storage)
    await db.open()
    try:
        if args.safety_command == "show":
            v = await db.transaction(lambda tx: data.view(tx, args.id, staff, now))
            if v is None:
                print(f"no safety incident {args.id}", file=sys.stderr)
                return 1
            print(as_text(v, lang, tz, names) if args.format == "text"
                  else json.dumps(as_json(v, lang, names, tz), ensure_ascii=False, indent=2))
            return 0
        start, end = _when(args.start, tz), _when(args.end, tz)
        views = await db.transaction(lambda tx: data.views(tx, tx.register.safety_page(
            start=start, end=end, cause=args.cause, state=args.state,
            limit=args.limit), staff, now))
    finally:
        await db.close()
    if args.safety_command == "list":
        for v in views:
            print(f"{v.safety.id:>6}  {local(v.safety.at, tz, lang)}  {v.state:<6}  "
                  f"{v.incident.point or '-':<20}  {span(v.duration):>10}  "
                  f"{cause_text(lang, v.safety.cause, v.safety.detail, tz)}")
        return 0
    if args.format == "csv":
        text = as_csv(views, lang, tz)
    elif args.format == "json":
        text = json.dumps([as_json(v, lang, names, tz) for v in views], ensure_ascii=False,
                          indent=2) + "\n"
    else:
        text = "\n\n".join(as_text(v, lang, tz, names) for v in views)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def _weekly(args: argparse.Namespace, config: Config) -> int:
    from escalator.reports import mail
    from escalator.reports.produce import mail as build_mail
    from escalator.reports.produce import produce, recipients
    from escalator.reports.weekly import week

    w = week(args.week, config.facility.timezone)
    now = SystemClock().now()
    db = open_store(config.storage)
    await db.open()
    try:
        produced = await produce(db, config, w, now)
    finally:
        await db.close()
    out = Path(args.out or ".")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{config.facility.id}-{w.label}"
    (out / f"{stem}.html").write_text(produced.html.replace("cid:trend", f"{stem}.png"),
                                      encoding="utf-8")
    (out / f"{stem}.pdf").write_bytes(produced.pdf)
    (out / f"{stem}.csv").write_text(produced.csv, encoding="utf-8")
    if produced.summary.promises:
        (out / f"{stem}-promises.csv").write_text(produced.promises_csv, encoding="utf-8")
    (out / f"{stem}.png").write_bytes(produced.chart)
    print(f"{produced.model.title}: {produced.model.total}; written to {out}/{stem}.*")
    if not args.send:
        return 0
    weekly = config.reports.weekly if config.reports else None
    if weekly is None:
        print("escalator report: --send needs reports.weekly.to in the config", file=sys.stderr)
        return 1
    settings = config.channels.get("email", {})
    to = recipients(config, weekly)
    await mail.send(build_mail(produced, config, to, str(settings.get("from") or ""), now),
                    settings, os.environ.get)
    print(f"sent to {', '.join(to)}")
    return 0
