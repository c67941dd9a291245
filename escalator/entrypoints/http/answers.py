"""What a party can answer on the ack page, and what the page says back.

The answers are the ones an outside company actually gives: *We take it*
(with an optional arrival time), *On our way, there by ...* (a time or a choice of
+30 min ... +4 h: an arrival promise), *On site, working on it* (optionally with
the expected fix time), *Not ours: escalate now*, *False alarm: we will clear it
remotely by ...*, *Fixed, please check the terminal*, and a free note. Times are
typed as a clock time in the facility's zone ("14:30") and mean the next such
moment. What the others read (the ETA, the promised clearing time) is written once
in the facility's language and travels as the action's note: into the timeline and
into the ACKED / FALSE_ALARM / ... update every other notified party receives.

Each form carries a fingerprint of the incident's state when the page was shown
(`guards.version`); the answer use case refuses a stale or replayed form, and keeps
"not ours" from a party the ladder has already passed as a note (domain/guards.py).
The forms shown are the ones the one state table offers (`guards.fits`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from escalator.domain import bounds
from escalator.domain.guards import (
    ARRIVAL_CHOICES,
    MAX_SNOOZE,
    fits,
    snooze_choices,
    version,
    whole_minutes,
)
from escalator.domain.model import Action, Incident
from escalator.i18n import dates, t

MAX_NOTE = 2000
# Page answer -> the action it performs.
KINDS: dict[str, Action] = {
    "acknowledge": Action.ACKNOWLEDGE, "on_way": Action.EN_ROUTE,
    "en_route": Action.EN_ROUTE, "on_site": Action.ON_SITE, "escalate": Action.ESCALATE,
    "false_alarm": Action.FALSE_ALARM, "resolve": Action.RESOLVE, "snooze": Action.SNOOZE,
    "note": Action.NOTE,
}
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.]?(\d{2}))?\s*$", re.ASCII)  # "٣" is not a time


@dataclass(frozen=True)
class Answer:
    kind: str  # a key of KINDS
    note: str  # the party's own words, if any
    said: str = ""  # what the answer means beyond its action: on_way, not_ours
    eta: datetime | None = None
    clear_by: datetime | None = None
    minutes: int | None = None
    version: str | None = None  # the page's state fingerprint; machines may leave it out
    fix_by: datetime | None = None  # on site: the fix time typed

    @property
    def action(self) -> Action:
        return KINDS[self.kind]


class AnswerError(Exception):
    """The form cannot be used; `key` is the catalogue text telling the person why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_time(text: str, now: datetime, tz: str) -> datetime | None:
    """"14:30", "14.30", "1430" or "9" -> the next such local time after `now`."""
    m = _TIME.match(text or "")
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    for days in (0, 1):
        day = (local + timedelta(days=days)).date()
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if at > now:
            return at
    return None


def clock_text(at: datetime, now: datetime, tz: str, lang: str) -> str:
    """14.30 today, 25.11. 14.30 on another day (facility's zone, reader's locale)."""
    return dates.moment(at, tz, lang, now)


def parse(form: Mapping[str, Any], now: datetime, tz: str) -> Answer:
    kind = form.get("action")
    if not isinstance(kind, str) or kind not in KINDS:
        raise AnswerError("page.bad_form")
    free = form.get("note", "")
    free = free.replace("\r\n", "\n").strip()[:MAX_NOTE] if isinstance(free, str) else ""
    if bounds.unstorable(free):  # a NUL or a lone surrogate: no store keeps it
        raise AnswerError("page.bad_input")
    version = form.get("version") if isinstance(form.get("version"), str) else None
    try:
        given = form.get("minutes")
        timed = kind == "snooze" or (kind in ("en_route", "on_site") and given not in (None, ""))
        minutes = whole_minutes(given) if timed else None
    except bounds.BadInput:
        raise AnswerError("page.bad_form") from None
    eta = _time_field(form, "eta", now, tz)
    clear_by = _time_field(form, "clear_by", now, tz)
    fix_by = _time_field(form, "fix_by", now, tz) if kind == "on_site" else None
    said = ""
    if kind in ("on_way", "en_route"):
        if eta is None and minutes is None:
            raise AnswerError("page.need_time")
        said = "on_way"
    elif kind == "escalate":
        said = "not_ours"
    elif kind == "note" and not free:
        raise AnswerError("page.note_empty")
    return Answer(kind, free, said, eta, clear_by, minutes, version, fix_by)


def _time_field(form: Mapping[str, Any], name: str, now: datetime, tz: str) -> datetime | None:
    value = form.get(name)
    if value in (None, ""):
        return None
    at = parse_time(str(value), now, tz)
    if at is None:
        raise AnswerError("page.need_time")
    return at


# -- what the page says back ---------------------------------------------------

def confirmation(lang: str, answer: Answer, after: Incident, party: str, tz: str,
                 now: datetime, escalated_to: list[str]) -> str:
    nurse_first = bool(after.notified) and after.notified[0] != party
    told = t(lang, "confirm.told.nurse" if nurse_first else "confirm.told.others")
    kind = answer.kind
    if kind == "acknowledge" and answer.eta is not None:
        return t(lang, "confirm.take_eta", told=told, time=clock_text(answer.eta, now, tz, lang))
    if kind == "acknowledge":
        return t(lang, "confirm.take", told=told)
    if kind in ("on_way", "en_route") and after.eta is not None:
        return t(lang, "confirm.on_way", told=told, time=clock_text(after.eta, now, tz, lang))
    if kind == "on_site" and after.fix_by is not None:
        return t(lang, "confirm.on_site_fix", told=told,
                 time=clock_text(after.fix_by, now, tz, lang))
    if kind == "false_alarm":
        deadline = after.false_alarm_deadline or now
        promised = answer.clear_by or deadline
        return t(lang, "confirm.false_alarm", told=told, time=clock_text(promised, now, tz, lang),
                 deadline=clock_text(deadline, now, tz, lang))
    if kind == "escalate":
        if escalated_to:
            return t(lang, "confirm.escalate", names=", ".join(escalated_to))
        return t(lang, "confirm.escalate_next")
    if kind == "snooze" and after.snoozed_until is not None:
        return t(lang, "confirm.snooze", time=clock_text(after.snoozed_until, now, tz, lang))
    return t(lang, f"confirm.{kind}", told=told)


# -- the forms (laid out by templates/_answers.html) ------------------------------

@dataclass(frozen=True)
class Field:
    """The one input a form may carry: a time (`options` empty) or a choice of minutes."""

    id: str
    name: str
    label: str
    required: bool = False
    options: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Form:
    action: str  # one of KINDS
    version: str  # the incident as the page showed it (see `version`)
    button: str
    field: Field | None = None


def forms(lang: str, inc: Incident, max_snooze: timedelta = MAX_SNOOZE) -> list[Form]:
    """The answers, likeliest first; each a form of its own so it works without JavaScript."""
    v = version(inc)
    out = [
        Form("acknowledge", v, t(lang, "ack.take"),
             Field("eta-take", "eta", t(lang, "ack.eta_optional"))),
        Form("on_way", v, t(lang, "ack.on_way"),
             Field("eta-way", "eta", t(lang, "ack.on_way_label"), required=True)),
        Form("en_route", v, t(lang, "ack.en_route"),
             Field("arrive-in", "minutes", t(lang, "ack.en_route_label"),
                   options=tuple((m, _duration(lang, m)) for m in ARRIVAL_CHOICES))),
        Form("on_site", v, t(lang, "ack.on_site"),
             Field("fix-by", "fix_by", t(lang, "ack.on_site_label"))),
        Form("escalate", v, t(lang, "ack.not_ours")),
        Form("false_alarm", v, t(lang, "ack.false_alarm"),
             Field("clear-by", "clear_by", t(lang, "ack.false_alarm_label"), required=True)),
        Form("resolve", v, t(lang, "ack.resolve")),
    ]
    out = [f for f in out if fits(inc.state, KINDS[f.action])]
    if fits(inc.state, Action.SNOOZE):
        options = tuple((m, _duration(lang, m)) for m in snooze_choices(max_snooze))
        out.append(Form("snooze", v, t(lang, "action.snooze"),
                        Field("minutes", "minutes", t(lang, "label.snooze_for"),
                              options=options)))
    return out


def _duration(lang: str, minutes: int) -> str:
    if minutes % 60 == 0:
        return t(lang, "unit.hours", n=minutes // 60)
    return t(lang, "unit.minutes", n=minutes)
