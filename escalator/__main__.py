"""Command line: `escalator run | demo | config check | config schema | simulate | roster show |
audit | backup | restore | safety | report`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import sys
import threading
from importlib import resources
from zoneinfo import ZoneInfo

from escalator.config.model import Config
from escalator.domain.errors import ConfigError, StorageError, StoreLocked
from escalator.runtime.clock import SystemClock

DEMO_SECRETS = ("ESCALATOR_API_TOKEN", "ESCALATOR_SECRET_KEY", "ESCALATOR_TERMINAL_TOKEN")


def _example_path() -> str:
    return str(resources.files("escalator").joinpath("examples/example.yaml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="escalator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the service")
    run.add_argument("--config", help="YAML file (default with --demo: the bundled example)")
    run.add_argument("--demo", action="store_true",
                     help="no set-up: bundled example config, SQLite, random tokens for unset"
                          " secrets (printed at start)")
    run.add_argument("--log-level", default="INFO")
    run.add_argument("--listen", metavar="HOST:PORT",
                     help="HTTP address of this instance instead of http.listen (several"
                          " instances on one machine and one PostgreSQL)")
    demo = sub.add_parser("demo", help="the whole story in one minute: a simulated terminal, "
                                       "the board and every message on screen")
    demo.add_argument("--dir", default="escalator-demo", help="working directory (SQLite)")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--log-level", default="WARNING")
    demo.add_argument("--bms", choices=("modbus",),
                      help="the building's alarm contacts come from a Modbus TCP controller "
                           "(simulated on 127.0.0.1) instead of a webhook terminal")
    cfg = sub.add_parser("config", help="check a config or print its JSON Schema")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    check = cfg_sub.add_parser("check", help="validate a config file")
    check.add_argument("file")
    cfg_sub.add_parser("schema", help="print the JSON Schema for editors")
    sim = sub.add_parser("simulate", help="print who would be reached, when")
    sim.add_argument("--config", required=True)
    sim.add_argument("--code", required=True)
    sim.add_argument("--source", default="terminal")
    sim.add_argument("--point", default="")
    sim.add_argument("--at", help='local time, e.g. "2026-12-24 02:00" (default: now)')
    sim.add_argument("--hours", type=float, default=48, help="how far ahead (default 48)")
    sim.add_argument("--taken-at", help='someone takes it at this local time (shows the ack '
                                        'timeout): "2026-12-24 02:20"')
    sim.add_argument("--taken-by", help="the party that takes it (default: step 1's first)")
    sim.add_argument("--eta", help='the arrival time they give: "2026-12-24 03:00"')
    sim.add_argument("--covers", action="store_true",
                     help="use the cover shifts kept in the database the config names")
    from escalator.commands import ops as ops_cli
    from escalator.reports.cli import add_commands as add_report_commands

    ops_cli.add_parsers(sub)
    from escalator.rosters import show as rostershow

    rostershow.add_parser(sub)  # roster show: who is on duty when
    add_report_commands(sub)  # safety list|show|export, report weekly
    args = parser.parse_args(argv)
    if args.command in ("audit", "backup", "restore"):
        return ops_cli.run(args)
    if args.command in ("safety", "report"):
        from escalator.reports.cli import run as run_reports

        return run_reports(args)
    if args.command == "config":
        from escalator.config.cli import cmd_check, cmd_schema

        return cmd_check(args.file) if args.config_command == "check" else cmd_schema()
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "roster":
        return rostershow.run(args)
    if args.command == "demo":
        return _demo(args)
    return _run(args)


def _simulate(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from escalator.commands.simulate import Taken, parse_at, timeline
    from escalator.config import load_config

    taken = None
    try:
        config, _ = load_config(args.config)
        zone = ZoneInfo(config.facility.timezone)
        at = parse_at(args.at, zone, SystemClock().now())
        if args.taken_at:
            who = args.taken_by or _first_party(config)
            if who not in config.parties:
                raise ValueError(f"--taken-by {who!r}: no such party in the config")
            eta = parse_at(args.eta, zone, at) if args.eta else None
            taken = Taken(parse_at(args.taken_at, zone, at), who, eta)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    from escalator.rosters.show import fetched_calendars

    calendars, failures = asyncio.run(fetched_calendars(config, "en"))  # rosters at URLs
    for why in failures.values():
        print(why, file=sys.stderr)
    from escalator.commands.ops import stored_covers
    from escalator.domain.covers import Cover

    covers: tuple[Cover, ...] = ()
    if args.covers:  # kept in the database by the board, Telegram or the API

        try:
            covers = asyncio.run(stored_covers(config.storage, at))
        except StorageError as exc:
            print(exc, file=sys.stderr)
            return 1
    print("\n".join(timeline(config, args.code, at, source=args.source, point=args.point,
                             horizon=timedelta(hours=args.hours), taken=taken,
                             calendars=calendars, covers=covers)))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from escalator.commands.demo import serve

    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(serve(Path(args.dir), "127.0.0.1", args.port, os.environ,
                             bms=args.bms))


def _first_party(config: Config) -> str:
    """The first party the first ladder's first step names (a roster: its first member)."""
    target = next(iter(config.ladders.values())).steps[0].notify[0]
    roster = config.rosters.get(target)
    return (roster.members or (target,))[0] if roster else target


def _run(args: argparse.Namespace) -> int:
    from escalator.config import load_config
    from escalator.config.loader import configured_channels

    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.config and not args.demo:
        print("escalator run: give --config FILE, or --demo to try it", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.demo:
        for name in DEMO_SECRETS:
            if not env.get(name):
                env[name] = secrets.token_urlsafe(24)
                print(f"demo: {name}={env[name]}", file=sys.stderr)
    try:
        config, warnings = load_config(args.config or _example_path(), env=env,
                                       strict_secrets=not args.demo,
                                       ready=None if args.demo else configured_channels)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    for w in warnings:
        logging.warning("config: %s", w)
    if args.demo and not args.config:
        from dataclasses import replace

        config = replace(config, path=None)
    if args.listen:
        try:
            config = _listen_at(config, args.listen)
        except ValueError as exc:
            print(f"escalator run: --listen {args.listen}: {exc}", file=sys.stderr)
            return 2
    from escalator.runtime import eventloop

    return eventloop.run(_serve(config, env, demo=args.demo), env)


def _listen_at(config, listen: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("expected HOST:PORT, e.g. 0.0.0.0:8081")
    return replace(config, http=replace(config.http, host=host, port=int(port)))


async def _serve(config, env, demo: bool = False) -> int:  # type: ignore[no-untyped-def]
    from escalator.app import Escalator

    try:
        # e.g. channels.sms without a url: say so, no trace
        app = Escalator(config, env=env, demo=demo)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    reloads: set[asyncio.Task[list[str]]] = set()

    def reload() -> None:  # the file is read and checked off the loop (Escalator.reload_async)
        task = loop.create_task(app.reload_async())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    try:
        await app.start()
    except StoreLocked as exc:  # a second instance on one SQLite file: say so, no trace
        print(f"escalator run: {exc}", file=sys.stderr)
        await app.stop()
        return 1
    from escalator.monitoring.supervisor import Supervision

    supervision = Supervision(app, env)  # systemd READY/WATCHDOG, dead man's switch
    supervision.start()
    from escalator.runtime.eventloop import freeze_startup_objects
    from escalator.runtime.warmup import warm_texts

    warm_texts(config.facility.timezone, config.facility.name)  # before the first alarm
    freeze_startup_objects()
    logging.info("escalator running for %s; SIGHUP reloads the config", config.facility.name)
    await stop.wait()
    _exit_by(EXIT_WITHIN_S)
    await supervision.stop()
    await app.stop()
    return 0


EXIT_WITHIN_S = 9.5  # SIGTERM to the end of the process, at most (design: 10 s)


def _exit_by(seconds: float) -> threading.Timer:
    """End the process `seconds` from now if it has not ended by itself.

    `Escalator.stop` keeps its own deadline, but what runs in a worker thread cannot
    be cancelled, and Python joins those threads before it exits: a DNS lookup for a
    peer whose name server is gone would hold the exit for as long as the resolver
    tries. Everything that matters is committed by then (each outcome in its own
    transaction), so the exit is forced, and said."""
    def force() -> None:
        logging.getLogger("escalator").error(
            "not stopped %.1f s after the signal (a worker thread is still busy); "
            "exiting now", seconds)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(0)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()
    return timer


if __name__ == "__main__":
    sys.exit(main())
