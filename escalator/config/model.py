"""The typed, frozen configuration the rest of the service reads.

The loader (`escalator.config.loader`) turns YAML into these; nothing else
reads YAML. Domain objects (parties, ladders, routes) are built directly so
the pure core never sees configuration syntax.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from escalator.config.board import BoardConfig
from escalator.config.calendar_rosters import RosterFeed
from escalator.config.deadman import DeadmanConfig
from escalator.domain.availability import Party, Roster
from escalator.domain.guards import MAX_SNOOZE
from escalator.domain.ladder import Ladder, Route
from escalator.domain.maintenance import DEFAULT_MAINTENANCE_MAX, MaintenanceWindow

LANGUAGES = ("fi", "sv", "en")
SOURCE_KINDS = ("webhook", "poll", "sia", "espa", "email", "mqtt", "bacnet", "modbus",
                "opcua")
CHANNELS = ("telegram", "email", "sms", "webhook", "voice", "dect", "pager")


@dataclass(frozen=True)
class Facility:
    id: str
    name: str
    timezone: str = "Europe/Helsinki"
    language: str = "fi"
    holidays: str | None = None  # ISO country code, e.g. FI, SE
    closed_days: tuple[date, ...] = ()  # the facility's own extra holidays
    country: str = "FI"  # phone numbers without "+" are read as dialled here (config/phones.py)


@dataclass(frozen=True)
class ApiToken:
    """One operator-API bearer token: a person or system by name, and what it may do."""

    name: str  # recorded as `by` on every action taken with this token
    token_env: str
    role: str = "operator"  # operator: read and act; viewer: read only


API_ROLES = ("operator", "viewer")


@dataclass(frozen=True)
class TlsConfig:
    """`http.tls`: the certificate chain and key files the service serves HTTPS with."""

    cert: str
    key: str


@dataclass(frozen=True)
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    api_token_env: str = "ESCALATOR_API_TOKEN"
    secret_env: str = "ESCALATOR_SECRET_KEY"  # signs ack links
    link_ttl: timedelta = timedelta(days=7)
    max_snooze: timedelta = MAX_SNOOZE  # the longest snooze any entry point accepts
    previous_secret_env: str | None = None  # the key before a rotation: still checks links
    api_tokens: tuple[ApiToken, ...] = ()
    api_token_env_set: bool = False  # `api_token_env` written in the file (not the default)
    tls: TlsConfig | None = None  # serve HTTPS itself (no reverse proxy in front)
    # local networks outgoing fetches may reach (escalator/config/outbound.py)
    outbound_allow: tuple[IPv4Network | IPv6Network, ...] = ()
    # addresses that keep reserved slots on the HTTP listener (the reverse proxy)
    trusted_clients: tuple[IPv4Network | IPv6Network, ...] = ()

    def tokens(self) -> tuple[ApiToken, ...]:
        """The named tokens and, beside them, `api_token_env` as one operator token
        "operator": always when no token is named, and when the file writes it out too
        (adding `api_tokens` never silently turns off a token that worked)."""
        legacy = (ApiToken("operator", self.api_token_env, "operator"),)
        if not self.api_tokens:
            return legacy
        return self.api_tokens + legacy if self.api_token_env_set else self.api_tokens


@dataclass(frozen=True)
class DeliveryConfig:
    """The `delivery:` section (escalator/config/delivery.py)."""

    fallback_after: timedelta = timedelta(seconds=60)
    send_timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class SourceConfig:
    id: str
    kind: str
    token_env: str | None = None
    heartbeat_timeout: timedelta | None = None
    ladder: str | None = None  # ladder for "source silent"; default: the routes decide
    options: Mapping[str, Any] = field(default_factory=dict)  # kind-specific keys


@dataclass(frozen=True)
class WeeklyReport:
    """`reports.weekly`: who gets the summary, and when (facility time)."""

    to: tuple[str, ...]  # e-mail addresses or party ids with an e-mail contact
    day: int = 0  # 0 = Monday
    at: time = time(8, 0)
    language: str | None = None  # default: the facility's
    false_alarm_threshold: int = 2  # more false alarms than this in 12 months is flagged


@dataclass(frozen=True)
class ReportsConfig:
    weekly: WeeklyReport | None = None


@dataclass(frozen=True)
class Config:
    facility: Facility
    http: HttpConfig
    storage: str
    sources: Mapping[str, SourceConfig]
    parties: Mapping[str, Party]
    rosters: Mapping[str, Roster]
    ladders: Mapping[str, Ladder]
    routes: tuple[Route, ...]
    channels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str | None = None
    codes: Mapping[str, Any] = field(default_factory=dict)  # code -> i18n.codes.CodeInfo
    maintenance: tuple[MaintenanceWindow, ...] = ()  # the file's windows (the API adds more)
    maintenance_max: timedelta = DEFAULT_MAINTENANCE_MAX
    deadman: DeadmanConfig | None = None  # outbound ping to an outside monitor
    reports: ReportsConfig | None = None
    board: BoardConfig | None = None  # who may sign in to the web board
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    roster_feeds: Mapping[str, RosterFeed] = field(default_factory=dict)  # calendars at URLs

    def secret_envs(self) -> list[tuple[str, str]]:
        """(config path, environment variable) of every secret the config names."""
        found = [(f"http.api_tokens[{i}].token_env", tok.token_env)
                 for i, tok in enumerate(self.http.api_tokens)]
        if not self.http.api_tokens or self.http.api_token_env_set:
            found.append(("http.api_token_env", self.http.api_token_env))
        found.append(("http.secret_env", self.http.secret_env))
        if self.http.previous_secret_env:
            found.append(("http.previous_secret_env", self.http.previous_secret_env))
        for sid, src in self.sources.items():
            if src.token_env:
                found.append((f"sources.{sid}.token_env", src.token_env))
            for key in ("username_env", "password_env"):
                if src.options.get(key):
                    found.append((f"sources.{sid}.{key}", src.options[key]))
            for i, acct in enumerate(src.options.get("accounts", ())):
                if acct.get("key_env"):
                    found.append((f"sources.{sid}.accounts[{i}].key_env", acct["key_env"]))
        for pid, party in self.parties.items():
            for i, contact in enumerate(party.contacts):
                env = contact.option("secret_env")
                if env:
                    found.append((f"people.{pid}.contact[{i}].secret_env", env))
        for i, user in enumerate(self.board.users if self.board else ()):
            found.append((f"board.users[{i}].password_hash_env", user.password_hash_env))
        if self.deadman and self.deadman.token_env:
            found.append(("deadman.token_env", self.deadman.token_env))
        for cid, ch in self.channels.items():
            for key, value in ch.items():
                if key.endswith("_env") and isinstance(value, str):
                    found.append((f"channels.{cid}.{key}", value))
        return found
