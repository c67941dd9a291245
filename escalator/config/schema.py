"""JSON Schema (draft 2020-12) for the configuration file, for editors.

With it, an editor (VS Code's YAML extension, for one) completes keys and
underlines mistakes while the file is written. The loader stays the
authority: it checks cross-references and addresses the schema cannot. Key
sets and patterns are taken from the loader's modules so the two never
disagree about which keys exist.
"""

from __future__ import annotations

from typing import Any

from escalator.config import loader as keys
from escalator.config import sources as source_keys
from escalator.config.access import access_schema
from escalator.config.board import board_schema
from escalator.config.deadman import deadman_schema
from escalator.config.model import LANGUAGES, SOURCE_KINDS
from escalator.config.outbound import outbound_schema
from escalator.config.paging import PAGING_CONTACTS, PAGING_SCHEMA
from escalator.config.people import CONTACT_CHANNELS, EMAIL, TELEGRAM_CHAT
from escalator.config.promises import promise_schema
from escalator.config.rules import rules_schema, urgency_schema
from escalator.config.settings import (
    CHANNEL_CHOICES,
    CHANNEL_DEFAULTS,
    CHANNEL_KEYS,
    CHANNEL_OWN_CHOICES,
    SLUG,
    STORAGE_DEFAULT,
    STORAGE_PATTERN,
)
from escalator.config.tls import tls_schema
from escalator.config.validators import ENV_NAME
from escalator.domain.hours import DURATION_EXPECTED, HOURS_EXPECTED, UNIT_OF
from escalator.i18n.codes import SEVERITIES

_UNIT_WORDS = "|".join(sorted({*UNIT_OF, *(u.upper() for u in UNIT_OF if len(u) == 1)},
                              key=lambda w: (-len(w), w)))
DURATION_PATTERN = rf"^\s*(\d+([.,]\d+)?\s*({_UNIT_WORDS})\.?\s*)+$"
_LETTERS = r"[A-Za-zÅÄÖåäö]+\.?"
_DAYS = rf"{_LETTERS}(\s*[-–]\s*{_LETTERS})?"
_TIME = r"\d{1,2}([:.]\d{2})?"
_WINDOW = (rf"{_DAYS}(\s*[,/&]\s*{_DAYS})*\s+((klo|kl|KLO|Klo|Kl)\.?\s*)?"
           rf"{_TIME}\s*[-–]\s*{_TIME}")
HOURS_PATTERN = rf"^\s*{_WINDOW}\s*([,;]\s*{_WINDOW}\s*)*[,;]?\s*$"
_POINT = r"\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2})?)?"
PERIOD_PATTERN = rf"^\s*{_POINT}(\s*\.\.\s*{_POINT})?\s*$"
LOCAL_TIME_PATTERN = r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2})?\s*$"
# National forms ("040 123 4567", "070-123 45 67") too: the loader reads them with
# facility.country and checks the numbering plan; the schema only checks the shape.
PHONE_PATTERN = r"^\s*(\+|00)?\s*(\(?\d\)?[\s.-]*){6,17}$"
URL_PATTERN = r"^https?://[^\s/]+"

_REF = "#/$defs/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _obj(
    description: str, properties: dict[str, Any], required: tuple[str, ...] = (),
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object", "description": description, "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _names(description: str, *, min_items: int = 1) -> dict[str, Any]:
    """One id or a list of them, as the loader accepts both."""
    return {"description": description, "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": min_items},
    ]}


def _or_null(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Optional sections may be left empty (every entry commented out)."""
    return {"description": description, "oneOf": [{"type": "null"}, schema]}


def _common_defs() -> dict[str, Any]:
    return {
        "duration": {"type": "string", "pattern": DURATION_PATTERN,
                     "description": f"{DURATION_EXPECTED[0].upper()}{DURATION_EXPECTED[1:]}"
                                    " (parts may be combined: 1h30m, 1 h 30 min; units in "
                                    "English, Finnish or Swedish: min, t, tim, sek)."},
        "hours": {"type": "string", "pattern": HOURS_PATTERN,
                  "description": f"Weekly {HOURS_EXPECTED}; an overnight window such as "
                                 "Mon-Sun 21:00-07:00 belongs to the day it starts."},
        "env": {"type": "string", "pattern": ENV_NAME.pattern,
                "description": "Name of an environment variable holding a secret; the secret "
                               "itself never goes in this file."},
        "url": {"type": "string", "pattern": URL_PATTERN,
                "description": "An http:// or https:// URL."},
        "language": {"enum": list(LANGUAGES), "description": "Language of messages."},
        "user_id": {"type": "integer", "description": "A Telegram user id."},
    }


def _facility() -> dict[str, Any]:
    return _obj("The facility this service escalates alarms for.", {
        "id": {"type": "string", "pattern": SLUG, "description": "Short lowercase id."},
        "name": {"type": "string", "minLength": 1, "description": "Name shown in messages."},
        "timezone": {"type": "string", "default": "Europe/Helsinki",
                     "description": "IANA time zone of opening hours and rosters."},
        "language": {**_ref("language"), "default": "fi"},
        "holidays": {"type": ["string", "null"], "pattern": "^[A-Za-z]{2,3}$",
                     "description": "Country code (FI, SE, ...) whose public holidays close "
                                    "parties with opening hours; null: none."},
        "country": {"type": "string", "pattern": "^[A-Za-z]{2}$",
                    "description": "Country (FI, SE, ...) in which phone numbers without '+' "
                                   "are read, e.g. 040 123 4567; default: the time zone's "
                                   "country, else FI."},
        "closed_days": {"type": "array", "description": "The facility's own extra holidays.",
                        "items": {"type": "string", "format": "date"}},
    }, keys.FACILITY_REQUIRED)


def _http() -> dict[str, Any]:
    return _obj("The web server: REST API, acknowledgement links, webhooks.", {
        "listen": {"type": "string", "pattern": r"^\S+:\d{1,5}$", "default": "127.0.0.1:8080",
                   "description": "HOST:PORT to listen on."},
        "public_url": {**_ref("url"),
                       "description": "Base URL of links put into messages "
                                      "(default: http://HOST:PORT)."},
        "api_token_env": {**_ref("env"), "default": "ESCALATOR_API_TOKEN",
                          "description": "Environment variable with the operators' bearer token."},
        "secret_env": {**_ref("env"), "default": "ESCALATOR_SECRET_KEY",
                       "description": "Environment variable with the key signing ack links."},
        "link_ttl": {**_ref("duration"), "default": "7d",
                     "description": "Acknowledgement links stop working after this."},
        "tls": tls_schema(),
        **access_schema(_ref),
        **outbound_schema(_ref),
    })


def _sources() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    planned = [k for k in SOURCE_KINDS if k not in keys.SOURCE_KEYS]
    described = {
        "kind": {"enum": list(keys.BUILT_SOURCE_KINDS),
                 "description": f"How events arrive. Built: {', '.join(keys.BUILT_SOURCE_KINDS)}"
                                f"; planned: {', '.join(planned)}."},
        "token_env": {**_ref("env"),
                      "description": "Environment variable with the token the source sends."},
        "heartbeat_timeout": {**_ref("duration"),
                              "description": "Silence longer than this opens a "
                                             "'source silent' incident."},
        "ladder": {"type": "string", "description": "Ladder for 'source silent' incidents."},
    }
    for kind in keys.SOURCE_KEYS:
        defs[f"source_{kind}"] = _obj(f"A {kind} alarm source.",
                                      source_keys.schema_properties(kind, described),
                                      keys.SOURCE_REQUIRED[kind])
    defs.update(source_keys.schema_defs())
    lang_texts = {lang: {"type": "string", "minLength": 1} for lang in LANGUAGES}
    defs["code_entry"] = _obj("Names of one alarm code, a severity and what to do.", {
        **lang_texts,
        "severity": {"enum": list(SEVERITIES), "default": "medium"},
        "todo": {"description": "What to do: one text, or one per language.",
                 "oneOf": [{"type": "string", "minLength": 1},
                           {"type": "object", "properties": lang_texts,
                            "additionalProperties": False}]},
    })
    defs["code_entry"]["anyOf"] = [{"required": [lang]} for lang in LANGUAGES]
    defs["source"] = {"oneOf": [_ref(f"source_{kind}") for kind in keys.SOURCE_KEYS]}
    return defs


def _contact() -> dict[str, Any]:
    addresses = {
        "telegram": {"description": "Telegram chat id (negative for groups) or @username.",
                     "oneOf": [{"type": "integer"},
                               {"type": "string", "pattern": TELEGRAM_CHAT.pattern}]},
        "email": {"type": "string", "pattern": EMAIL.pattern, "description": "Email address."},
        "sms": {"type": "string", "pattern": PHONE_PATTERN,
                "description": "Phone number in quotes, like \"+358 40 123 4567\" or "
                               "\"040 123 4567\" (read with facility.country)."},
        "webhook": {**_ref("url"), "description": "URL to POST the notice to."},
        "voice": {"type": "string", "pattern": PHONE_PATTERN,
                  "description": "A hotline to phone, in quotes, like \"+358 20 123 4567\" "
                                 "or \"020 123 4567\" (read with facility.country); the alarm "
                                 "is read aloud and a key press answers it."},
    }
    options = {"secret_env": {**_ref("env"), "description": "Environment variable with the "
                                                            "HMAC secret signing webhook posts."}}
    properties = {ch: addresses.get(ch) or PAGING_CONTACTS[ch] for ch in CONTACT_CHANNELS}
    for names in keys.CONTACT_OPTIONS.values():
        properties.update({name: options[name] for name in names})
    schema = _obj("One way to reach a party: exactly one channel key.", properties)
    schema["oneOf"] = [{"required": [ch]} for ch in CONTACT_CHANNELS]
    schema["dependentRequired"] = {name: [channel] for channel, names
                                   in keys.CONTACT_OPTIONS.items() for name in names}
    return schema


def _party() -> dict[str, Any]:
    return _obj("A person, chat or company that can be notified.", {
        "name": {"type": "string", "minLength": 1, "description": "Name shown in messages."},
        "contact": {"type": "array", "items": _ref("contact"),
                    "description": "Contact methods, in order of preference."},
        "hours": {**_ref("hours"), "description": "When reachable; outside these the party "
                                                  "is skipped. Absent: always."},
        "absent": {"type": "array", "description": "Absences and closures.",
                   "items": {"type": "string", "pattern": PERIOD_PATTERN}},
        "open_on_holidays": {"type": "boolean", "description":
                             "Reachable on public holidays (default: only if hours are 24/7)."},
        "language": _ref("language"),
        "telegram_user": {"description": "Telegram user ids that may act for this party.",
                          "oneOf": [_ref("user_id"), {"type": "array", "items": _ref("user_id")}]},
        "role": {"enum": ["staff", "viewer"], "default": "staff", "description":
                 "viewer: its links show the alarm and the record, never act (the purchaser)."},
        "promise": promise_schema(_ref("duration")), "rules": rules_schema(_ref("duration")),
    }, keys.PARTY_REQUIRED)


def _ladder_defs() -> dict[str, Any]:
    step = _obj("One rung: notify these, then escalate if nobody acknowledges.", {
        "notify": _names("Party or roster ids to notify."),
        "repeat_every": {**_ref("duration"), "description": "Re-notify while unacknowledged."},
        "escalate_after": {**_ref("duration"), "description": "Then go to the next step."},
    }, keys.STEP_REQUIRED)
    ladder = _obj("An escalation ladder.", {
        "steps": {"type": "array", "items": _ref("step"), "minItems": 1},
        "loops": {"type": "integer", "minimum": 0, "default": 0,
                  "description": "Walk the ladder again this many times."},
        "on_exhausted": _names("Notified when nobody took the alarm.", min_items=0),
        "ack_timeout": {**_ref("duration"), "default": "4h",
                        "description": "Taken but not resolved within this: the calls resume "
                                       "(a route's ack_timeout wins)."},
        "rewalk_every": {**_ref("duration"), "default": "1h",
                         "description": "Nobody took it: walk the whole ladder again this "
                                        "often (at least 5m)."},
    }, keys.LADDER_REQUIRED)
    code = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}
    match = _obj("Which events this route takes; absent or empty: every event.", {
        "code": {"description": "Alarm code(s).",
                 "oneOf": [code, {"type": "array", "items": code, "minItems": 1}]},
        "source": _names("Source id(s)."),
    })
    route = _obj("Routes are read top to bottom; the first match picks the ladder.", {
        "match": _ref("match"),
        "ladder": {"type": "string", "description": "Ladder id."}, "urgency": urgency_schema(),
        "false_alarm_clear_within": {**_ref("duration"),
                                     "description": "A false alarm (or a 'resolved' on a source "
                                                    "that sends clears) must clear at the "
                                                    "source within this."},
        "ack_timeout": {**_ref("duration"), "default": "4h",
                        "description": "Taken but not resolved within this: the calls resume."},
        "eta_grace": {**_ref("duration"), "default": "30m",
                      "description": "Taken with an arrival time and not resolved this long "
                                     "after it: the calls resume."},
        "clears": _names("Parties asked to clear the alarm at the terminal when it is called "
                         "false or fixed.", min_items=0),
        "reopen_within": {**_ref("duration"), "default": "24h",
                          "description": "The same alarm within this after it was resolved "
                                         "reopens the same incident (0s: never)."},
    }, keys.ROUTE_REQUIRED)
    roster_entry = _obj("One shift.", {
        "who": {"type": "string", "description": "Party id."},
        "when": _ref("hours"),
    }, keys.ROSTER_ENTRY_REQUIRED)
    calendar_roster = _obj("Shifts from a staffing system's calendar (iCalendar).", {
        "ical": _ref("ical"),
        "match": {"type": ["object", "null"], "additionalProperties": {"type": "string"},
                  "description": "Names or e-mails in the calendar -> party ids (a party's "
                                 "own id, name and e-mail match without this)."},
        "entries": {"type": "array", "minItems": 1, "items": _ref("roster_entry"),
                    "description": "Weekly entries on top of the calendar's shifts."},
    }, keys.CALENDAR_ROSTER_REQUIRED)
    ical = _obj("Where the calendar is: a file or a URL (one of them).", {
        "file": {"type": "string", "minLength": 1,
                 "description": "An .ics file, relative to this config file; read at load."},
        "url": {**_ref("url"), "description": "An .ics URL the service fetches; the last "
                                              "good copy is kept while it fails."},
        "refresh": {**_ref("duration"), "default": "15 min",
                    "description": "How often the URL is fetched (at least 1 min)."},
        "timeout": {**_ref("duration"), "default": "10 s",
                    "description": "The longest one fetch may take (at most 60 s)."},
    })
    ical["oneOf"] = [{"required": ["file"]}, {"required": ["url"]}]
    return {"step": step, "ladder": ladder, "match": match, "route": route,
            "roster_entry": roster_entry, "calendar_roster": calendar_roster, "ical": ical}


def _channel_key(key: str, channel: str = "") -> dict[str, Any]:
    if key.endswith("_env"):
        return _ref("env")
    if key in CHANNEL_OWN_CHOICES.get(channel, {}):
        return {"enum": list(CHANNEL_OWN_CHOICES[channel][key])}
    if key in CHANNEL_CHOICES:
        return {"enum": list(CHANNEL_CHOICES[key])}
    if key in ("url", "api_url"):
        return _ref("url")
    if key == "port":
        return {"type": "integer", "minimum": 1, "maximum": 65535}
    if key == "staff_users":
        return {"type": "array", "items": _ref("user_id"),
                "description": "Telegram users allowed to use staff commands."}
    if key == "webhook_path":
        return {"type": "string", "pattern": "^/"}
    if key == "alert_after":
        return {**_ref("duration"), "default": "10m",
                "description": "Tell alert_to through another channel when Telegram has been "
                               "unreachable this long."}
    if key == "fallback_after":
        return {**_ref("duration"),
                "description": "A contact on this channel failing this long hands over to the "
                               "party's next contact (default: delivery.fallback_after)."}
    if key == "ring_for":
        return {**_ref("duration"), "default": "40s",
                "description": "Let the phone ring this long before the call counts as "
                               "unanswered."}
    if key == "alert_to":
        return _names("Parties told when Telegram is down (default: every ladder's on_exhausted).")
    if key == "params":
        return {"type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean"]}}
    return {"type": "string", "minLength": 1}


def _channels() -> dict[str, Any]:
    defs = {}
    for name, channel_keys in CHANNEL_KEYS.items():
        props = {k: PAGING_SCHEMA.get((name, k)) or _channel_key(k, name) for k in channel_keys}
        for key, default in CHANNEL_DEFAULTS.get(name, {}).items():
            props[key] = {**props[key], "default": default}
        defs[f"channel_{name}"] = _obj(f"Settings of the {name} channel.", props)
    defs["channels"] = _obj("Delivery channel settings.",
                            {name: _ref(f"channel_{name}") for name in CHANNEL_KEYS})
    return defs


def _delivery() -> dict[str, Any]:
    return _obj("How deliveries are retried and handed over.", {
        "fallback_after": {**_ref("duration"), "default": "60s",
                           "description": "A contact failing this long hands over to the "
                                          "party's next contact; none left: the ladder moves on."},
        "send_timeout": {**_ref("duration"), "default": "10s",
                         "description": "One send attempt never takes longer (at most 2m)."}})


def _reports() -> dict[str, Any]:
    from escalator.config.reports import DAY_NAMES, TIME

    weekly = _obj("The weekly summary by e-mail (HTML, PDF and CSV).", {
        "to": _names("E-mail addresses, or ids of parties with an e-mail contact."),
        "day": {"enum": list(DAY_NAMES), "default": "mon",
                "description": "Day of the week it is sent (facility time)."},
        "at": {"type": "string", "pattern": TIME.pattern, "default": "08:00",
               "description": "Time of day it is sent (facility time)."},
        "language": _ref("language"),
        "false_alarm_threshold": {"type": "integer", "minimum": 0, "default": 2,
                                  "description": "Flag points with more false alarms than "
                                                 "this in 12 months."},
    }, ("to",))
    return {"weekly_report": weekly,
            "reports": _obj("Reports to the purchaser.", {"weekly": _ref("weekly_report")})}
def _maintenance_defs() -> dict[str, Any]:
    code = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}
    local = {"type": "string", "pattern": LOCAL_TIME_PATTERN,
             "description": "The facility's local time, like \"2026-12-01 08:00\"."}
    match = _obj("Which alarms the window holds; every key optional, absent: all alarms.", {
        "source": _names("Source id(s)."),
        "code": {"description": "Alarm code(s).",
                 "oneOf": [code, {"type": "array", "items": code, "minItems": 1}]},
        "point": {"type": "string", "minLength": 1,
                  "description": "A point or a pattern like \"B-wing*\" (* any text, "
                                 "? one character; case is ignored)."},
    })
    window = _obj("Planned work: matching alarms are recorded but not escalated until the "
                  "window ends; still active then, they start their ladder.", {
        "match": _ref("maintenance_match"),
        "from": {**local, "description": "Start, the facility's local time."},
        "until": {**local, "description": "End, the facility's local time; at most "
                                          "maintenance_max after from."},
        "reason": {"type": "string", "minLength": 1,
                   "description": "What the work is; shown on the alarm's timeline."},
    }, keys.MAINTENANCE_REQUIRED)
    return {"maintenance_match": match, "maintenance_window": window}


def json_schema() -> dict[str, Any]:
    defs = {**_common_defs(), "facility": _facility(), "http": _http(), **_sources(),
            "contact": _contact(), "party": _party(), **_ladder_defs(), **_channels(),
            "deadman": deadman_schema(_ref), "delivery": _delivery(), **_maintenance_defs(),
            **_reports(), **board_schema(_ref)}
    top = {
        "facility": _ref("facility"),
        "http": _or_null(_ref("http"), "The web server; absent: defaults."),
        "storage": {"type": ["string", "null"], "pattern": STORAGE_PATTERN,
                    "default": STORAGE_DEFAULT,
                    "description": "sqlite:///relative.db, sqlite:////abs/path.db, "
                                   "sqlite:///:memory: or postgresql://user@host/dbname."},
        "sources": {"type": ["object", "null"], "additionalProperties": _ref("source"),
                    "description": "Where alarms come from, by source id."},
        "people": {"type": "object", "minProperties": 1, "additionalProperties": _ref("party"),
                   "description": "Parties (persons, chats, companies) by id."},
        "rosters": {"type": ["object", "null"], "description": "Shifts; a step may name one.",
                    "additionalProperties": {"oneOf": [
                        {"type": "array", "minItems": 1, "items": _ref("roster_entry")},
                        _ref("calendar_roster")]}},
        "ladders": {"type": "object", "minProperties": 1, "additionalProperties": _ref("ladder"),
                    "description": "Escalation ladders by id."},
        "routes": {"type": "array", "minItems": 1, "items": _ref("route"),
                   "description": "Which ladder an event gets; first match wins."},
        "channels": _or_null(_ref("channels"), "Delivery channel settings."),
        "delivery": _or_null(_ref("delivery"), "How deliveries are retried and handed over."),
        "codes": {"type": ["object", "null"], "additionalProperties": _ref("code_entry"),
                  "description": "Your own names for alarm codes (override the built-in "
                                 "SIA / Contact ID texts)."},
        "deadman": _or_null(_ref("deadman"), "Optional ping to an outside monitor."),
        "reports": _or_null(_ref("reports"), "Reports to the purchaser."),
        "maintenance": {"type": ["array", "null"], "items": _ref("maintenance_window"),
                        "description": "Maintenance windows (the operator API can add more)."},
        "maintenance_max": {**_ref("duration"), "default": "7d",
                            "description": "The longest a maintenance window may last; "
                                           "renewing one extends it at most this far from now."},
        "board": _or_null(_ref("board"), "Who may sign in to the web board."),
    }
    schema = _obj("Escalator configuration: one facility's alarm escalation.",
                  {k: top[k] for k in keys.TOP_KEYS}, keys.TOP_REQUIRED)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Escalator configuration", **schema, "$defs": defs}
