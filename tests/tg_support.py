"""Fixtures for the Telegram tests: the fake Bot API and an app wired to it.

Import the fixtures into a test module (`from tg_support import fake_tg, tg_app`).
The app runs python-telegram-bot for real (polling the fake server); time is
the FakeClock, so reminders and escalations happen on `clock.advance` +
`app.tick()`. python-telegram-bot's AIORateLimiter counts wall-clock time,
which a test compresses (an hour of alarms runs in a second), so its limits
are lifted here; the per-chat budget under test runs on the FakeClock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fake_telegram import FakeTelegram
from support import TOKENS, FakeClock, RecordingNotifier

from escalator.app import Escalator
from escalator.config import load_config_text
from escalator.domain.model import AlarmEvent
from escalator.notify.telegram.bot_settings import RateLimits

CHAT_A = -1001234567890  # ward A's group
CHAT_B = -1009876543210  # ward B's group
NURSE_A, NURSE_A2, NURSE_B, STAFF, STRANGER = 1001, 1002, 2001, 9001, 5555

TG_YAML = """
facility:
  id: lehtioja
  name: Lehtiojan palvelukeskus
  timezone: Europe/Helsinki
  language: {language}
http:
  listen: 127.0.0.1:8089
  public_url: http://escalator.test
storage: "{storage}"
people:
  ward-a:
    name: Ward A nurse on duty
    telegram_user: [{nurse_a}, {nurse_a2}]
    contact:
      - telegram: {chat_a}
      - email: ward-a@lehtioja.example
  ward-b:
    name: Ward B nurse on duty
    telegram_user: {nurse_b}
    {ward_b_language}
    contact:
      - telegram: {chat_b}
  vendor:
    name: Security company fault hotline
    contact:
      - email: faults@security.example
  manager:
    name: Facility manager
    contact:
      - telegram: {manager_chat}
      - email: manager@lehtioja.example
ladders:
  technical-fault:
    steps:
      - notify: {step1}
        repeat_every: 5m
        escalate_after: 10m
      - notify: [vendor]
        escalate_after: 30m
    on_exhausted: [manager]
routes:
  - ladder: technical-fault
{route_extra}
channels:
  telegram:
    token_env: TG_TOKEN
    api_url: {api_url}
    staff_users: [{staff}]
    {extra}
"""


def tg_config(storage: str, api_url: str, *, language: str = "fi",
              step1: str = "[ward-a, ward-b]", ward_b_language: str = "", extra: str = "",
              route_extra: str = "") -> str:
    return TG_YAML.format(
        storage=storage, api_url=api_url, language=language, step1=step1, extra=extra,
        route_extra=route_extra,
        ward_b_language=f"language: {ward_b_language}" if ward_b_language else "",
        chat_a=CHAT_A, chat_b=CHAT_B, manager_chat=4242, nurse_a=NURSE_A, nurse_a2=NURSE_A2,
        nurse_b=NURSE_B, staff=STAFF)


@pytest.fixture
async def fake_tg(clock: FakeClock):
    fake = await FakeTelegram(clock=clock).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def tg_app(tmp_path, clock: FakeClock, recorder: RecordingNotifier, fake_tg: FakeTelegram):
    """make(**tg_config options) -> a started Escalator talking to the fake Bot API."""
    apps: list[Escalator] = []

    async def make(*, db: str = "tg.db", connect: bool = True, token: str | None = None,
                   more: str = "", edit: Callable[[str], str] = lambda text: text,
                   **options: Any) -> Escalator:
        """`more`: YAML added at the end (a `delivery:` section); `edit`: any other change."""
        env = {**TOKENS, "TG_TOKEN": token or fake_tg.token}
        text = edit(tg_config(f"sqlite:///{tmp_path}/{db}", fake_tg.url, **options)) + more
        cfg, _ = load_config_text(text, env=env)
        app = Escalator(cfg, clock=clock, env=env, notifiers={"email": recorder, "sms": recorder})
        assert app.telegram is not None
        conn = app.telegram.connection
        # short long-polls: a recovered fake server is noticed within a second
        conn.settings = replace(conn.settings, limits=RateLimits(1000, 100_000), poll_timeout=1)
        await app.start(serve_http=False, schedule=False)
        apps.append(app)
        if connect:
            await fake_tg.wait_for(conn.connected.is_set)
        return app

    yield make
    for app in apps:
        await app.stop()


async def alarm(app: Escalator, point: str = "Loop 2, wing B", code: str = "FT",
                text: str = "") -> int:
    result = await app.service.ingest(AlarmEvent(source="terminal", code=code, state="alarm",
                                                 received_at=app.clock.now(), point=point,
                                                 text=text))
    assert result.incident_id is not None
    return result.incident_id


async def incident(app: Escalator, incident_id: int):
    return await app.store.transaction(lambda tx: tx.incidents.get(incident_id))


async def timeline(app: Escalator, incident_id: int) -> list[dict[str, Any]]:
    return await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))


async def deliveries(app: Escalator, incident_id: int):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))
