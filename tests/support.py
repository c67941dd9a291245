"""Test fakes: a clock you move by hand and a channel that records what it was given.

Fakes, not mocks: they implement the same protocols as the real adapters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalator.domain.availability import Contact
from escalator.domain.errors import NotifyError
from escalator.notify.base import Message
from escalator.runtime.clock import SteadyClock

TOKENS = {
    "ESCALATOR_API_TOKEN": "operator-token-123",
    "ESCALATOR_SECRET_KEY": "link-secret-0123456789abcdef",
    "ESCALATOR_TERMINAL_TOKEN": "terminal-token-456",
    "MAINT_HOOK_SECRET": "hook-secret-789",
}

# config/example.yaml ships with its channels as comments: outside a demo, `config
# check` then names every contact they would carry. Tests that check the example as a
# facility would run it append these (at the end: the example's line numbers stay) and
# make its links public (a voice gateway must reach them); the secrets they name:
EXAMPLE_CHANNELS = """
channels:
  telegram: {token_env: TELEGRAM_BOT_TOKEN}
  email: {host: smtp.example.fi, from: "Lehtioja alarms <alarms@lehtioja.example>"}
  sms: {preset: 46elks, from: Lehtioja, auth_header_env: SMS_AUTH}
  voice: {preset: 46elks, from: "+46766861004", auth_header_env: VOICE_AUTH}
"""
EXAMPLE_CHANNEL_SECRETS = {"TELEGRAM_BOT_TOKEN": "c", "SMS_AUTH": "d", "VOICE_AUTH": "e"}


def example_set_up(text: str, channels: str = EXAMPLE_CHANNELS) -> str:
    """The example's text with its channels set up, as a facility would run it."""
    return text.replace("public_url: http://127.0.0.1:8080",
                        "public_url: https://alarms.lehtioja.example") + channels


class FakeClock(SteadyClock):
    """The service's steady clock over a fake wall clock and a fake monotonic clock.

    `advance` moves both (time passes); `step_wall` moves only the wall clock, as an
    NTP correction or a restored VM does; `set` jumps to a time as if it had passed."""

    def __init__(self, start: datetime | None = None) -> None:
        # A Tuesday morning in Helsinki (09:00 local): everyone's office is open.
        self._wall_now = start or datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
        self._mono = timedelta(0)  # exact: every reading is whole microseconds
        super().__init__(lambda: self._wall_now, self.monotonic)

    def monotonic(self) -> float:
        return self._mono.total_seconds()

    def advance(self, **kwargs: float) -> datetime:
        delta = timedelta(**kwargs)
        self._wall_now += delta
        self._mono += delta
        return self.now()

    def set(self, when: datetime) -> None:
        delta = when - self.now()
        self._wall_now += delta
        self._mono += delta

    def step_wall(self, **kwargs: float) -> None:
        """The wall clock jumps; the monotonic clock does not move."""
        self._wall_now += timedelta(**kwargs)


class RecordingNotifier:
    """Accepts messages and keeps them; can be told to fail the next N sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[Contact, Message]] = []
        self.failures: list[NotifyError] = []

    async def send(self, contact: Contact, message: Message) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((contact, message))

    def to(self, party: str) -> list[Message]:
        return [m for _, m in self.sent if m.party == party]

    def reasons(self, party: str | None = None) -> list[tuple[str, str]]:
        return [(m.party, m.reason) for _, m in self.sent if party in (None, m.party)]

    def clear(self) -> None:
        self.sent.clear()


BASE_YAML = """
facility:
  id: lehtioja
  name: Lehtiojan palvelukeskus
  timezone: Europe/Helsinki
  language: fi
  holidays: FI
http:
  listen: 127.0.0.1:8089
  public_url: http://escalator.test
  outbound_allow: [127.0.0.1/32]  # the tests' fake peers are local
storage: "{storage}"
sources:
  terminal:
    kind: webhook
    token_env: ESCALATOR_TERMINAL_TOKEN
    heartbeat_timeout: 15m
people:
  ward-a:
    name: Ward A nurse on duty
    contact:
      - telegram: -1001234567890
  night-nurse:
    name: Night nurse
    contact:
      - telegram: -1009876543210
  alarm-vendor:
    name: Security company fault hotline
    hours: Mon-Sun 00:00-24:00
    contact:
      - email: faults@security.example
      - sms: "+358401234567"
  contractor:
    name: Local electrical contractor
    hours: Mon-Fri 07:00-16:00
    contact:
      - email: duty@contractor.example
  maintenance:
    name: Property maintenance
    hours: Mon-Fri 07:00-15:00
    absent: ["2026-12-24..2026-12-26"]
    contact:
      - webhook: {hook_url}
        secret_env: MAINT_HOOK_SECRET
  manager:
    name: Facility manager
    contact:
      - email: manager@lehtioja.example
rosters:
  nurse-on-duty:
    - {{who: ward-a, when: "Mon-Sun 07:00-21:00"}}
    - {{who: night-nurse, when: "Mon-Sun 21:00-07:00"}}
ladders:
  technical-fault:
    steps:
      - notify: [nurse-on-duty]
        repeat_every: 5m
        escalate_after: 10m
      - notify: [alarm-vendor]
        repeat_every: 15m
        escalate_after: 30m
      - notify: [contractor]
        escalate_after: 1h
      - notify: [maintenance]
        escalate_after: 2h
    loops: 2
    on_exhausted: [manager]
routes:
  - match: {{code: [FT, fire_loop_fault, YX, earth_leakage]}}
    ladder: technical-fault
    false_alarm_clear_within: 4h
    clears: [alarm-vendor]
  - ladder: technical-fault
"""


def config_text(storage: str = "sqlite:///:memory:",
                hook_url: str = "http://127.0.0.1:9/hook") -> str:
    return BASE_YAML.format(storage=storage, hook_url=hook_url)


def said(row: object, lang: str = "fi", tz: str = "Europe/Helsinki") -> str:
    """A stored timeline entry or notice as the reader sees it (rendered from its params)."""
    from escalator.i18n.explain import explain

    if isinstance(row, dict):
        reason, detail, update = row["reason"], row["detail"] or "", False
    else:
        reason = row.reason
        reason = getattr(reason, "value", reason)
        detail = row.detail
        update = bool(getattr(row, "update", getattr(row, "is_update", False)))
    return explain(lang, reason, detail, update=update, tz=tz)
