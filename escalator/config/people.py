"""The `people:` and `rosters:` sections: who can be notified, and when.

Addresses are checked here, at load time, because a typo in a phone number
found at three in the morning is a missed alarm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from escalator.config.calendar_rosters import RosterFeed, parse_calendar_roster
from escalator.config.model import CHANNELS, LANGUAGES
from escalator.config.paging import call_address
from escalator.config.phones import DEFAULT_COUNTRY, phone
from escalator.config.problem import phrase
from escalator.config.promises import parse_promise
from escalator.config.rules import parse_rules
from escalator.config.validators import (
    At,
    Problems,
    boolean,
    choice,
    did_you_mean,
    env_name,
    hours,
    http_url,
    identifier,
    integer,
    mapping,
    one_of,
    reference,
    sequence,
    text,
    why_of,
)
from escalator.domain.availability import Contact, Party, Roster, RosterEntry
from escalator.domain.hours import Period, WeeklyHours

PARTY_ID = phrase("cfg.want.party_id_text")
PARTY_KEYS = ("name", "contact", "hours", "absent", "open_on_holidays", "language",
              "telegram_user", "role", "promise", "rules")
ROLES = ("staff", "viewer")  # viewer: the purchaser; links show, never act
PARTY_REQUIRED = ("name", "contact")
CONTACT_CHANNELS = CHANNELS
CONTACT_OPTIONS: dict[str, tuple[str, ...]] = {"webhook": ("secret_env",)}
ROSTER_ENTRY_KEYS = ("who", "when")
ROSTER_ENTRY_REQUIRED = ("who", "when")

TELEGRAM_CHAT = re.compile(r"^(-?\d+|@[A-Za-z0-9_]{3,})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
TELEGRAM_EXPECTED = phrase("cfg.want.telegram")
EMAIL_EXPECTED = phrase("cfg.want.email")
PERIOD_EXPECTED = phrase("cfg.want.period")
CONTACT_EXPECTED = phrase("cfg.want.contact")
ROSTER_ENTRY_EXPECTED = phrase("cfg.want.roster_entry")


def parse_people(
    problems: Problems, at: At | None, country: str = DEFAULT_COUNTRY,
) -> dict[str, Party]:
    """`country`: the facility's, for phone numbers written without "+" (040 123 4567)."""
    if at is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.people"))
        return {}
    if not at.value:
        problems.error(at, "cfg.no_people")
    parties = {}
    for pid, entry in at.entries():
        if identifier(problems, At(pid, entry.line, at.path), PARTY_ID) is None:
            continue
        party = _party(problems, pid, entry, country)
        if party is not None:
            parties[pid] = party
    return parties


def _party(problems: Problems, pid: str, at: At, country: str) -> Party | None:
    if mapping(problems, at, PARTY_KEYS, PARTY_REQUIRED, expected=phrase("cfg.want.party")) \
            is None:
        return None
    before = problems.count
    name = _opt(problems, at.key("name"), text)
    contacts = _contacts(problems, at.key("contact"), country)
    open_hours = _opt(problems, at.key("hours"), hours)
    absent = _absent(problems, at.key("absent"))
    holidays_open = _opt(problems, at.key("open_on_holidays"), boolean)
    language = _opt(problems, at.key("language"), lambda p, a: choice(p, a, LANGUAGES))
    users = _telegram_users(problems, at.key("telegram_user"))
    role = _opt(problems, at.key("role"), lambda p, a: choice(p, a, ROLES))
    promise = _opt(problems, at.key("promise"), parse_promise)
    rules = _opt(problems, at.key("rules"), lambda p, a: parse_rules(p, a, contacts))
    if problems.count > before or name is None:
        return None
    return Party(pid, name, contacts, open_hours, absent, holidays_open, language, users,
                 role or "staff", promise or None, rules)


def _opt(problems: Problems, at: At | None, check: Callable) -> Any:
    return None if at is None else check(problems, at)


def _contacts(problems: Problems, at: At | None, country: str) -> tuple[Contact, ...]:
    if at is None or not sequence(problems, at, phrase("cfg.want.contacts")):
        return ()
    if not at.value:
        problems.warn(at, "cfg.no_contacts")
    found = (_contact(problems, item, country) for item in at.items())
    return tuple(c for c in found if c is not None)


def _contact(problems: Problems, at: At, country: str) -> Contact | None:
    if not isinstance(at.value, dict):
        problems.bad(at, CONTACT_EXPECTED)
        return None
    channels = [k for k in at.value if k in CONTACT_CHANNELS]
    allowed = (*channels[:1], *CONTACT_OPTIONS.get(channels[0], ())) if channels \
        else (*CONTACT_CHANNELS, *_all_options())
    unknown = _contact_keys(problems, at, allowed, bool(channels))
    if len(channels) > 1:
        problems.error(at, "cfg.contact_channels", n=len(channels), channels=", ".join(channels))
        return None
    if not channels:
        if not unknown:
            problems.error(at, "cfg.contact_no_channel", channels=one_of(CONTACT_CHANNELS))
        return None
    channel = channels[0]
    address_at = at.key(channel)
    assert address_at is not None  # channels were taken from this mapping's keys
    address = (phone(problems, address_at, country) if channel in PHONE_CHANNELS
               else _ADDRESS[channel](problems, address_at))
    options = tuple((key, value) for key in CONTACT_OPTIONS.get(channel, ())
                    if (entry := at.key(key)) is not None
                    and (value := env_name(problems, entry)) is not None)
    if address is None or unknown:
        return None
    return Contact(channel, address, options)


def _all_options() -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for keys in CONTACT_OPTIONS.values() for k in keys))


def _contact_keys(problems: Problems, at: At, allowed: Collection[str], has_channel: bool) -> int:
    """Report keys a contact may not have; an option on the wrong channel says which fits."""
    bad = 0
    for key, entry in at.entries():
        if key in allowed or (has_channel and key in CONTACT_CHANNELS):
            problems.lines[entry.path] = entry.line
            continue
        bad += 1
        owners = [ch for ch, keys in CONTACT_OPTIONS.items() if key in keys]
        where = At(key, entry.line, at.path)
        if owners and has_channel:
            problems.error(where, "cfg.key_only_for", keyname=repr(key), channels=one_of(owners))
        else:
            problems.error(where, "cfg.unknown_key", keyname=repr(str(key)),
                           hint=did_you_mean(key, allowed))
    return bad


def _telegram(problems: Problems, at: At) -> str | None:
    value = at.value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and TELEGRAM_CHAT.match(value.strip()):
        return value.strip()
    problems.bad(at, TELEGRAM_EXPECTED)
    return None


def _email(problems: Problems, at: At) -> str | None:
    if isinstance(at.value, str) and EMAIL.match(at.value.strip()):
        return at.value.strip()
    problems.bad(at, EMAIL_EXPECTED)
    return None


_ADDRESS: dict[str, Callable[[Problems, At], str | None]] = {
    "telegram": _telegram, "email": _email, "webhook": http_url,
    "dect": call_address, "pager": call_address,  # config/paging.py
}
PHONE_CHANNELS = ("sms", "voice")  # read with the facility's country (config/phones.py)


def _absent(problems: Problems, at: At | None) -> tuple[Period, ...]:
    if at is None or not sequence(problems, at, phrase("cfg.want.periods")):
        return ()
    periods = []
    for item in at.items():
        if not isinstance(item.value, str | date):
            problems.bad(item, PERIOD_EXPECTED)
            continue
        try:
            periods.append(Period.parse(str(item.value)))
        except ValueError as exc:
            problems.bad(item, PERIOD_EXPECTED, why_of(exc))
    return tuple(periods)


def _telegram_users(problems: Problems, at: At | None) -> tuple[int, ...]:
    """Telegram user ids allowed to act for this party; one id or a list."""
    if at is None:
        return ()
    if not isinstance(at.value, list):
        user = integer(problems, at)
        return () if user is None else (user,)
    sequence(problems, at, phrase("cfg.want.telegram_users"))
    users = (integer(problems, item) for item in at.items())
    return tuple(u for u in users if u is not None)


def parse_rosters(
    problems: Problems, at: At | None, party_ids: Collection[str], *,
    parties: Mapping[str, Party] | None = None, base_dir: Path | None = None,
    timezone: str = "Europe/Helsinki", feeds: dict[str, RosterFeed] | None = None,
) -> dict[str, Roster]:
    """Rosters as lists of weekly entries, or with a calendar (config/calendar_rosters.py);
    a roster whose calendar is at a URL is added to `feeds` for the service to fetch."""
    if at is None or at.value is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.rosters"))
        return {}
    rosters = {}
    for rid, entry in at.entries():
        if identifier(problems, At(rid, entry.line, at.path), phrase("cfg.want.roster_id")) is None:
            continue
        if rid in party_ids:
            problems.error(entry, "cfg.roster_is_party", id=repr(rid))
        if isinstance(entry.value, dict):
            entries_at = entry.key("entries")
            weekly = () if entries_at is None else _entries(
                problems, entries_at, party_ids, set(at.value))
            roster = parse_calendar_roster(
                problems, rid, entry, parties or {}, party_ids, weekly,
                base_dir=base_dir or Path.cwd(), timezone=timezone,
                feeds={} if feeds is None else feeds)
        else:
            roster = _roster(problems, rid, entry, party_ids, set(at.value))
        if roster is not None:
            rosters[rid] = roster
    return rosters


def _roster(
    problems: Problems, rid: str, at: At, party_ids: Collection[str], roster_ids: Collection[str],
) -> Roster | None:
    entries = _entries(problems, at, party_ids, roster_ids)
    if entries is None:
        return None
    gap = first_gap([w for e in entries for w in e.when.windows])
    if gap:
        day, hhmm = gap.split(" ")
        when = phrase("cfg.gap_at", day=phrase(f"cfg.day.{day}"), time=hhmm)
        problems.warn(at, "cfg.roster_gap", gap=when)
    return Roster(rid, entries)


def _entries(
    problems: Problems, at: At, party_ids: Collection[str], roster_ids: Collection[str],
) -> tuple[RosterEntry, ...] | None:
    if not sequence(problems, at, phrase("cfg.want.roster_entries"), non_empty=True):
        return None
    before = problems.count
    entries = []
    for item in at.items():
        if mapping(problems, item, ROSTER_ENTRY_KEYS, ROSTER_ENTRY_REQUIRED,
                   expected=ROSTER_ENTRY_EXPECTED) is None:
            continue
        who = _who(problems, item.key("who"), party_ids, roster_ids)
        when = _opt(problems, item.key("when"), hours)
        if who is not None and isinstance(when, WeeklyHours):
            entries.append(RosterEntry(who, when))
    if problems.count > before:
        return None
    return tuple(entries)


def _who(
    problems: Problems, at: At | None, party_ids: Collection[str], roster_ids: Collection[str],
) -> str | None:
    """Rosters do not nest: a shift is worked by a party."""
    if at is None or identifier(problems, at, phrase("cfg.want.one.party_id")) is None:
        return None
    if at.value in roster_ids and at.value not in party_ids:
        problems.error(at, "cfg.entry_names_roster", name=repr(at.value))
        return None
    return reference(problems, at, party_ids, "party")


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def first_gap(windows: list) -> str | None:
    """The first minute of the week no window covers, as "Mon 03:00"; None if covered."""
    week = 7 * 24 * 60
    covered = bytearray(week)
    for w in windows:
        for minute in range(w.start, w.end):
            covered[(w.weekday * 1440 + minute) % week] = 1
    gap = covered.find(0)
    if gap < 0:
        return None
    day, minute = divmod(gap, 1440)
    return f"{_DAY_NAMES[day]} {minute // 60:02d}:{minute % 60:02d}"
