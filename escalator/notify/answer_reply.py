"""The short reply to an answer given by a button: "done", "already taken by X at 12:03",
or why nothing happened, in the reader's language.

One function for every place a button is pressed: the Telegram chat's popup and the
demo outbox's cards on the board (which shows what the chat would say). The board
renders it from here, never through Telegram's modules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from escalator.domain.answering import AlreadyHandled, Handled
from escalator.domain.guards import DEFAULT_SNOOZE, Why
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, Incident
from escalator.i18n import dates, t
from escalator.notify.guidance import false_alarm_at

ALREADY = "ℹ️ "  # marks "already handled" answers, which deserve an alert box


class Outcome(Protocol):
    """What an answer came to (`usecases.answering.Outcome`), as far as a reply says it."""

    @property
    def why(self) -> Why: ...
    @property
    def incident(self) -> Incident | None: ...
    @property
    def wait(self) -> timedelta | None: ...
    @property
    def handled(self) -> AlreadyHandled | None: ...


def duration(lang: str, minutes: int) -> str:
    """"15 min", "1 h": a snooze's length as the buttons name it."""
    if minutes % 60 == 0:
        return t(lang, "unit.hours", n=minutes // 60)
    return t(lang, "unit.minutes", n=minutes)


def reply(lang: str, outcome: Outcome, action: Action, minutes: int | None,
          tz: str = "UTC", now: datetime | None = None) -> str:
    """The answer to a press, from the answer's outcome: done; "already taken by X at
    12:03"; or why nothing happened."""
    why, inc = outcome.why, outcome.incident
    if why is Why.OK:
        return t(lang, f"pop.done.{action.value}",
                 duration=duration(lang, minutes or DEFAULT_SNOOZE))
    if why is Why.DEMOTED:
        return t(lang, "confirm.not_current")
    if outcome.handled is not None and inc is not None:
        return ALREADY + _handled(lang, outcome.handled, inc, tz, now)
    if why is Why.REPEAT:
        return ALREADY + t(lang, "answer.repeat")
    if why in (Why.CHANGED, Why.CLOSED) and inc is not None:
        return ALREADY + t(lang, "act.refused", state=t(lang, f"state.{inc.state.value}"))
    if why is Why.TOO_MANY and outcome.wait is not None:
        return t(lang, "answer.too_many",
                 minutes=max(1, -(-int(outcome.wait.total_seconds()) // 60)))
    if why is Why.NOTES_FULL:
        return t(lang, "answer.notes_full", count=NOTES_PER_INCIDENT)
    return t(lang, "pop.unknown", id=inc.id if inc else "?")


def _handled(lang: str, handled: AlreadyHandled, incident: Incident, tz: str,
             now: datetime | None) -> str:
    """"Already taken by X at 12:03" instead of acting twice."""
    def when(at: datetime | None) -> str:
        return dates.moment(at, tz, lang, now) if at and now else "?"

    if handled.kind is Handled.RESOLVED:
        who = t(lang, "who.terminal") if handled.who == "source" else handled.who or "?"
        return t(lang, "pop.handled", who=who, time=when(handled.at))
    if handled.kind is Handled.TAKEN:
        return t(lang, "pop.taken", who=handled.who or "?", time=when(handled.at))
    if handled.kind is Handled.AWAITING_CLEAR:
        return t(lang, "pop.awaiting_clear", who=handled.who or "?")
    return t(lang, "pop.false_alarm", who=handled.who or "?",
             time=when(false_alarm_at(incident)))
