"""Everything the first alarm would load, loaded before the first alarm.

Why: Babel reads a locale's data from disk (a pickle) the first time a date is
formatted in that language, and a zone's rules are read the first time a time is
shown in it. Done on the first alarm's path, that was a 70-85 ms stall of the
event loop (measured at 100 alarms a second: the first notice and the ten
requests behind it waited for it), the largest the issue's bench saw. So the
service renders one sample notice per language - the body, the subject, the
SMS, the e-mail, the webhook payload and, when the Telegram channel is in use, a
card's buttons - at start, before `freeze_startup_objects` moves what that loaded
out of the collector's sight. Nothing is stored or sent.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage

from escalator.config.model import Facility
from escalator.domain.model import Incident, State
from escalator.i18n import LANGUAGES, dates
from escalator.notify import render
from escalator.notify.base import Message
from escalator.notify.email import build_mail
from escalator.notify.sms import sms_text
from escalator.notify.webhook import payload
from escalator.runtime.clock import SystemClock

SAMPLE_REASONS = ("FIRST", "REMINDER", "ESCALATED", "CLEAR_REQUEST")


def sample_incident(at: datetime) -> Incident:
    return Incident(id=1, source="warmup", code="FT", point="warm-up", text="", severity="",
                    ladder="", state=State.OPEN, opened_at=at, last_seen_at=at)


def warm_texts(timezone: str, facility: str, languages: tuple[str, ...] = LANGUAGES) -> float:
    """Render one sample notice per language and reason; returns the seconds it took."""
    started = time.monotonic()
    at = datetime.now(UTC)
    incident = sample_incident(at)
    # Telegram's cards only when the channel is in use (the service built it, which loaded
    # the module): a service without Telegram does not load python-telegram-bot for this
    cards = sys.modules.get("escalator.notify.telegram.cards")
    for lang in languages:
        dates.weekday(at, timezone, lang)
        dates.day_month(at, lang)
        dates.decimal(1.5, lang)
        for reason in SAMPLE_REASONS:
            message = Message(
                delivery_id=0, incident=incident, party="warmup", party_name="Warm-up",
                reason=reason, step=0, detail="", update=False, language=lang,
                subject=render.subject(incident, lang, facility),
                text=render.body(incident, reason, "", False, lang, timezone,
                                 "http://warm.invalid/ack/x", at),
                ack_url="http://warm.invalid/ack/x", tz=timezone)
            sms_text(message, facility, replies=True)
            payload(message)
        if cards is not None:
            cards.markup(incident, lang)
    _warm_mail(message, facility)
    return time.monotonic() - started


def _warm_mail(message: Message, facility: str) -> EmailMessage:
    """The e-mail package loads its header and charset machinery on first use."""
    return build_mail(message, {"from": "warmup@warm.invalid"}, "x@warm.invalid",
                      Facility(id="warmup", name=facility), SystemClock())
