"""YAML configuration -> a validated `Config`, or every problem at once.

The person fixing the file is a facility manager, not a developer: each
problem is one line, `FILE:LINE: PATH: found X, expected Y`, and all of them
are reported in one run. Warnings are things that load but are probably not
what was meant (a step that can never repeat, an unset secret).

The key sets below are the single source of truth for what each section
accepts; `escalator.config.schema` is built from them so the two cannot
drift.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from escalator.config.board import BOARD_KEYS, USER_KEYS, parse_board
from escalator.config.calendar_rosters import (
    CALENDAR_ROSTER_KEYS,
    CALENDAR_ROSTER_REQUIRED,
    ICAL_KEYS,
    RosterFeed,
)
from escalator.config.channels import SETTINGS_OF
from escalator.config.codes import CODE_ENTRY_KEYS, parse_codes
from escalator.config.deadman import DEADMAN_KEYS, parse_deadman
from escalator.config.delivery import DELIVERY_KEYS, parse_delivery
from escalator.config.ladders import (
    LADDER_KEYS,
    LADDER_REQUIRED,
    MATCH_KEYS,
    ROUTE_KEYS,
    ROUTE_REQUIRED,
    STEP_KEYS,
    STEP_REQUIRED,
    parse_ladders,
    parse_routes,
    warn_viewers_on_steps,
)
from escalator.config.maintenance import (
    MAINTENANCE_KEYS,
    MAINTENANCE_MATCH_KEYS,
    MAINTENANCE_REQUIRED,
    parse_maintenance,
    parse_maintenance_max,
)
from escalator.config.model import Config, Facility
from escalator.config.outbound import warn_local_urls
from escalator.config.people import (
    CONTACT_CHANNELS,
    CONTACT_OPTIONS,
    PARTY_KEYS,
    PARTY_REQUIRED,
    ROSTER_ENTRY_KEYS,
    ROSTER_ENTRY_REQUIRED,
    parse_people,
    parse_rosters,
)
from escalator.config.phones import country_of_timezone
from escalator.config.problem import ConfigProblem, phrase
from escalator.config.reports import REPORTS_KEYS, WEEKLY_KEYS, parse_reports
from escalator.config.secretnames import LINK_KEYS, declared, refusal
from escalator.config.settings import (
    BUILT_SOURCE_KINDS,
    CHANNEL_CHOICES,
    CHANNEL_KEYS,
    FACILITY_KEYS,
    FACILITY_REQUIRED,
    HTTP_KEYS,
    SOURCE_KEYS,
    SOURCE_REQUIRED,
    parse_channels,
    parse_facility,
    parse_http,
    parse_sources,
    parse_storage,
)
from escalator.config.sources import key_sets as source_key_sets
from escalator.config.validators import At, Problems, mapping
from escalator.config.voicecheck import warn_unreachable_callbacks
from escalator.config.yamlmarks import parse
from escalator.domain.audience import is_viewer
from escalator.domain.errors import ConfigError

TOP_KEYS = ("facility", "http", "storage", "sources", "people", "rosters", "ladders", "routes",
            "channels", "codes", "deadman", "maintenance", "maintenance_max", "reports",
            "board", "delivery")
TOP_REQUIRED = ("facility", "people", "ladders", "routes")

__all__ = [
    "BUILT_SOURCE_KINDS", "CHANNEL_CHOICES", "CHANNEL_KEYS", "CONTACT_CHANNELS",
    "CONTACT_OPTIONS", "FACILITY_KEYS", "FACILITY_REQUIRED", "HTTP_KEYS", "LADDER_KEYS",
    "LADDER_REQUIRED", "MAINTENANCE_KEYS", "MAINTENANCE_MATCH_KEYS", "MAINTENANCE_REQUIRED",
    "CALENDAR_ROSTER_KEYS", "CALENDAR_ROSTER_REQUIRED", "ICAL_KEYS", "MATCH_KEYS", "PARTY_KEYS",
    "PARTY_REQUIRED", "ROSTER_ENTRY_KEYS",
    "ROSTER_ENTRY_REQUIRED", "ROUTE_KEYS", "ROUTE_REQUIRED", "SOURCE_KEYS", "SOURCE_REQUIRED",
    "STEP_KEYS", "STEP_REQUIRED", "TOP_KEYS", "TOP_REQUIRED", "load_config", "load_config_text",
]


MAX_CONFIG_BYTES = 1024 * 1024  # a facility's config is a few KB; a bigger one is a mistake


def _too_big(name: str, size: int) -> ConfigProblem:
    return ConfigProblem(name, 0, "", "cfg.file_too_big",
                         {"size": f"{size:,}", "most": f"{MAX_CONFIG_BYTES:,}"})


Ready = Callable[[Config], Collection[str]]  # the channels that can send, for a config


def configured_channels(config: Config) -> frozenset[str]:
    """What `escalator run` can send through: the channels the config sets up, and
    webhooks (a contact's URL is all one needs); `channels.paging` carries `dect`
    and `pager` contacts."""
    kinds = {kind for kind, name in SETTINGS_OF.items() if name in config.channels}
    return frozenset({"webhook", *config.channels, *kinds})


def load_config(
    path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None,
    strict_secrets: bool = False, ready: Ready | None = None,
) -> tuple[Config, list[str]]:
    """Load and validate a file; returns (config, warnings), raises ConfigError.

    `ready`: the channels that can send (`configured_channels` for `escalator run`):
    a contact through any other is an error at its line, since nobody would get its
    messages. None (a demo, the simulator, tests with their own channels): not checked."""
    name = os.fspath(path)
    try:
        size = os.stat(name).st_size
        if size > MAX_CONFIG_BYTES:  # refused before reading: parsing it would take seconds
            raise ConfigError([_too_big(name, size)])
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, 0, "", "cfg.cannot_read_file",
                                         {"reason": exc.strerror or str(exc)})]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigProblem(name, 0, "", "cfg.not_utf8",
                                         {"reason": exc.reason, "byte": exc.start})]) from None
    return _load(text, name, env, strict_secrets, config_path=name, ready=ready)


def load_config_text(
    text: str, *, filename: str = "<config>", env: Mapping[str, str] | None = None,
    strict_secrets: bool = False, ready: Ready | None = None,
) -> tuple[Config, list[str]]:
    """Like `load_config` for text in hand (tests, the simulator, an upload)."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError([_too_big(filename, len(text))])
    return _load(text, filename, env, strict_secrets, config_path=None, ready=ready)


def _load(
    text: str, filename: str, env: Mapping[str, str] | None, strict_secrets: bool,
    config_path: str | None, ready: Ready | None = None,
) -> tuple[Config, list[str]]:
    data, duplicates = parse(text, filename)
    problems = Problems(filename)
    for line, found in duplicates:
        problems.add(line, found.code, **dict(found.params))
    config = _build(problems, data, config_path)
    if config is not None:
        _check_secrets(problems, config, os.environ if env is None else env, strict_secrets)
        if ready is not None:
            _contacts_set_up(problems, At(data, 1, "").key("people"), ready(config))
    if problems.count or config is None:
        raise ConfigError(problems.errors, warnings=problems.warnings)
    return config, problems.warnings


def _build(problems: Problems, data: Any, path: str | None) -> Config | None:
    root = At(data, 1, "")
    if data is None:
        problems.error(root, "cfg.file_empty")
        return None
    if mapping(problems, root, TOP_KEYS, TOP_REQUIRED,
               expected=phrase("cfg.want.top")) is None:
        return None
    ladder_ids = _declared(root.key("ladders"))
    party_ids = _declared(root.key("people"))
    facility = parse_facility(problems, root.key("facility"))
    http = parse_http(problems, root.key("http"))
    storage = parse_storage(problems, root.key("storage"))
    sources = parse_sources(problems, root.key("sources"), ladder_ids)
    parties = parse_people(problems, root.key("people"),
                           facility.country if facility else country_of_timezone(""))
    feeds: dict[str, RosterFeed] = {}
    rosters = parse_rosters(problems, root.key("rosters"), party_ids, parties=parties,
                            base_dir=_base_dir(path or problems.filename),
                            timezone=(facility or Facility("", "")).timezone, feeds=feeds)
    targets = party_ids | _declared(root.key("rosters"))
    ladders = parse_ladders(problems, root.key("ladders"), targets)
    routes = parse_routes(problems, root.key("routes"), ladder_ids,
                          _declared(root.key("sources")), party_ids)
    channels = parse_channels(problems, root.key("channels"), party_ids)
    config = Config(facility or Facility("", ""), http, storage, sources, parties, rosters,
                    ladders, routes, channels, path,
                    codes=parse_codes(problems, root.key("codes")),
                    deadman=parse_deadman(problems, root.key("deadman")),
                    reports=parse_reports(problems, root.key("reports"), parties),
                    board=parse_board(problems, root.key("board"), party_ids),
                    delivery=parse_delivery(problems, root.key("delivery")))
    config = replace(config, roster_feeds=feeds)
    maximum = parse_maintenance_max(problems, root.key("maintenance_max"))
    windows = parse_maintenance(problems, root.key("maintenance"), _declared(root.key("sources")),
                                config.facility.timezone, maximum)
    config = replace(config, maintenance=windows, maintenance_max=maximum)
    _unused_ladders(problems, root.key("ladders"), config)
    warn_viewers_on_steps(problems, root.key("ladders"),
                          {p for p, x in config.parties.items() if is_viewer(x.role)},
                          {r: r_.members for r, r_ in config.rosters.items()})
    warn_unreachable_callbacks(problems, root.key("channels"), config)
    warn_local_urls(problems, root, config.http.outbound_allow)
    return config


def _base_dir(name: str) -> Path:
    """Where files the config names (a roster's `ical: {file: ...}`) are looked for: beside
    the config file, also when its text is checked in hand (the editor's Check)."""
    return Path(name).parent if name and not name.startswith("<") else Path.cwd()


def _declared(at: At | None) -> set[str]:
    """Ids a section declares, valid or not, so one bad entry is not also "unknown" elsewhere."""
    if at is None or not isinstance(at.value, dict):
        return set()
    return {key for key in at.value if isinstance(key, str)}


def _unused_ladders(problems: Problems, at: At | None, config: Config) -> None:
    if at is None or not isinstance(at.value, dict):
        return
    used = {r.ladder for r in config.routes} | {s.ladder for s in config.sources.values()}
    for lid, entry in at.entries():
        if lid in config.ladders and lid not in used:
            problems.warn(entry, "cfg.ladder_unused")


def _contacts_set_up(problems: Problems, people: At | None, ready: Collection[str]) -> None:
    """A contact whose channel cannot send is an error at its line: outside a demo its
    messages would reach nobody (and must never read "sent"), while the party's next
    contact, which could reach them, would never be tried."""
    if people is None or not isinstance(people.value, dict):
        return
    for pid, party in people.entries():
        contacts = party.key("contact") if isinstance(party.value, dict) else None
        if contacts is None or not isinstance(contacts.value, list):
            continue
        for item in contacts.items():
            if not isinstance(item.value, dict):
                continue
            for channel in (k for k in item.value if k in CONTACT_CHANNELS):
                if channel not in ready:
                    at = item.key(channel)
                    assert at is not None
                    problems.error(at, "cfg.contact_not_set_up", party=repr(str(pid)),
                                   channel=SETTINGS_OF.get(channel, channel))


def _check_secrets(
    problems: Problems, config: Config, env: Mapping[str, str], strict: bool,
) -> None:
    """Secrets come from the environment; at check time they may not be set yet.

    Which variables may be named at all is the deployment's to say
    (`escalator.config.secretnames`): a refused name is an error, strict or not."""
    links = {path: name for path, name in config.secret_envs() if path in LINK_KEYS}
    allowed = declared(env)
    for path, name in config.secret_envs():
        refused = refusal(path, name, links, allowed)
        if refused is not None:
            code, params = refused
            problems.error(At(name, problems.line_for(path), path), code, **params)
            continue
        if env.get(name):
            continue
        at = At(name, problems.line_for(path), path)
        if strict:
            problems.error(at, "cfg.env_not_set", name=name)
        else:
            problems.warn(at, "cfg.env_not_set", name=name)


def key_sets() -> dict[str, Collection[str]]:
    """Every section's accepted keys, by the schema's name for that section."""
    sets: dict[str, Collection[str]] = {
        "top": TOP_KEYS, "facility": FACILITY_KEYS, "http": HTTP_KEYS, "party": PARTY_KEYS,
        "contact": (*CONTACT_CHANNELS, *{k for ks in CONTACT_OPTIONS.values() for k in ks}),
        "roster_entry": ROSTER_ENTRY_KEYS, "calendar_roster": CALENDAR_ROSTER_KEYS,
        "ical": ICAL_KEYS, "ladder": LADDER_KEYS, "step": STEP_KEYS,
        "route": ROUTE_KEYS, "match": MATCH_KEYS, "channels": tuple(CHANNEL_KEYS),
        "delivery": DELIVERY_KEYS,
    }
    for kind, keys in SOURCE_KEYS.items():
        sets[f"source_{kind}"] = keys
    sets.update(source_key_sets())
    sets["code_entry"] = CODE_ENTRY_KEYS
    sets["maintenance_window"] = MAINTENANCE_KEYS
    sets["maintenance_match"] = MAINTENANCE_MATCH_KEYS
    sets["deadman"] = DEADMAN_KEYS
    sets["board"], sets["board_user"] = BOARD_KEYS, USER_KEYS
    sets["reports"], sets["weekly_report"] = REPORTS_KEYS, WEEKLY_KEYS
    for name, keys in CHANNEL_KEYS.items():
        sets[f"channel_{name}"] = keys
    return sets
