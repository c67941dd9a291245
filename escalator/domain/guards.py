"""Who may answer an alarm, with what, how often, and what the answer is credited to.

Seven doors take answers (the ack page, a voice key, the operator API, the board, the
demo outbox, a Telegram button, an SMS reply). Each used to check its own subset of the rules; now
each turns its request into an `Actor` and an action, and the answer use case
(escalator/usecases/answering.py) asks `judge` here. One pure function, one table
test (tests/unit/test_guards.py), so a door cannot forget a rule and a new door
gets all of them by joining.

The order of the questions is the order a person would ask them:
1. is this actor allowed at all (role, party still in the config, link still bound
   to this incident, the incident addressed their party or is in their scope)?
2. is this the same answer again from the same actor (a no-op, nothing sent)?
3. is the incident over (only a note may still be written)?
4. does the answer make sense in the incident's state now (`FITS`), and is the form
   the one the actor saw (`version`)?
5. is the snooze one of the offered lengths, and a promised time (on my way, there by;
   fixed by) one that may be promised (`promise_ok`)?
6. may this party still pass it on, or is its "not ours" kept as a note?
7. has this actor answered too often (`PER_ACTOR` on this incident, and for notes
   `NOTES_PER_PERSON` on all, within `WINDOW`)?
8. does the incident still have room for a note (`NOTES_PER_INCIDENT`, from every door
   together: each note is kept in the timeline and the reports)?
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from escalator.domain import bounds
from escalator.domain.hours import format_duration
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, Incident, State

# -- snooze lengths: the one place ---------------------------------------------------
SNOOZE_CHOICES = (15, 60, 240)  # minutes; the page and the board offer these
DEFAULT_SNOOZE = SNOOZE_CHOICES[0]  # a snooze without a length
CARD_SNOOZES = SNOOZE_CHOICES[:2]  # a Telegram card has room for two buttons
MAX_SNOOZE = timedelta(hours=4)  # `http.max_snooze` by default


def snooze_choices(max_snooze: timedelta = MAX_SNOOZE) -> tuple[int, ...]:
    """The snooze lengths that may be offered and accepted under `http.max_snooze`."""
    return tuple(m for m in SNOOZE_CHOICES if timedelta(minutes=m) <= max_snooze)


def snooze_ok(minutes: int | None, max_snooze: timedelta = MAX_SNOOZE, *,
              typed: bool = False) -> bool:
    """Only the lengths a person is shown: a long snooze nobody agreed to is how an
    alarm is forgotten. `typed`: a length the person wrote themselves (an SMS reply
    "3 30", where no choices are shown) is any whole number of minutes within
    `max_snooze`."""
    if typed and minutes is not None:
        return 0 < minutes and timedelta(minutes=minutes) <= max_snooze
    return (DEFAULT_SNOOZE if minutes is None else minutes) in snooze_choices(max_snooze)


def whole_minutes(value: object) -> int | None:
    """A snooze length as a door reads it (form or JSON): a whole number or nothing;
    BadInput for anything else ("²" or 30 digits are a refusal, not a 500). Whether it
    is one of the offered lengths is `judge`'s question."""
    if value in (None, ""):
        return None
    try:  # ASCII digits only, bounded
        return bounds.whole(value, "minutes", 0, bounds.MAX_MINUTES)
    except bounds.BadInput:
        raise bounds.BadInput("minutes", "minutes must be a whole number, got "
                              f"{bounds.shown(value)}") from None


def snooze_refusal(max_snooze: timedelta = MAX_SNOOZE) -> str:
    """Why a snooze length was refused, in the API's technical words."""
    allowed = snooze_choices(max_snooze)
    return (f"minutes must be one of {', '.join(map(str, allowed))} "
            f"(the snooze lengths offered; at most {format_duration(max_snooze)})")


# -- promised times: "on my way, there by", "fixed by" ----------------------------------
ARRIVAL_CHOICES = (30, 60, 120, 240)  # minutes from now; "on my way, there in ..."
FIX_CHOICES = (60, 120, 240)  # minutes from now; "on site, fixed in about ..."
CARD_ARRIVALS = (60, 120)  # a Telegram card has room for two; voice key 4 is 60
DEFAULT_ARRIVAL = 60  # an "on my way" that came without a time (a direct service call)
MAX_ARRIVAL = timedelta(hours=8)  # a typed arrival time further away is a typo
MAX_FIX = timedelta(hours=24)  # a longer repair is a note, not a promise to measure


def promised_time(action: Action, minutes: int | None, until: datetime | None,
                  now: datetime) -> datetime | None:
    """The time an answer promises: a typed time, or a choice of minutes from now."""
    if action not in (Action.EN_ROUTE, Action.ON_SITE):
        return None
    if until is not None:
        return until
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    return now + timedelta(minutes=DEFAULT_ARRIVAL) if action is Action.EN_ROUTE else None


def promise_ok(action: Action, minutes: int | None, until: datetime | None,
               now: datetime) -> bool:
    """Only the offered choices, or a typed time ahead of now and within the bound: an
    arrival "in 3 days" or "yesterday" is a slip of the finger, not a promise. "We take
    it" with an arrival time is an arrival promise: the same bound."""
    if action is Action.ACKNOWLEDGE:
        return until is None or now < until <= now + MAX_ARRIVAL
    if action not in (Action.EN_ROUTE, Action.ON_SITE):
        return True
    if minutes is not None and until is not None:
        return False
    if minutes is not None:
        return minutes in (ARRIVAL_CHOICES if action is Action.EN_ROUTE else FIX_CHOICES)
    if until is None:
        return action is Action.ON_SITE  # on site without a fix time is fine; en route is not
    bound = MAX_ARRIVAL if action is Action.EN_ROUTE else MAX_FIX
    return now < until <= now + bound


# -- which answers make sense in which state: the one table -------------------------
_WHILE_OPEN = (Action.ACKNOWLEDGE, Action.EN_ROUTE, Action.ON_SITE, Action.ESCALATE,
               Action.FALSE_ALARM, Action.RESOLVE, Action.SNOOZE)
FITS: dict[State, tuple[Action, ...]] = {
    State.OPEN: _WHILE_OPEN,
    State.SNOOZED: _WHILE_OPEN,
    State.ACKNOWLEDGED: (Action.EN_ROUTE, Action.ON_SITE, Action.RESOLVE, Action.FALSE_ALARM,
                         Action.ESCALATE),
    State.FALSE_ALARM: (Action.RESOLVE, Action.ESCALATE),
    State.AWAITING_CLEAR: (Action.ESCALATE,),
    State.RESOLVED: (),
}


def fits(state: State, action: Action) -> bool:
    """A note always fits (after the end it is recorded, not sent); the rest by `FITS`."""
    return action is Action.NOTE or action in FITS[state]


def offered(state: State) -> tuple[Action, ...]:
    """The buttons and forms to show for this state (the board, Telegram, the ack page)."""
    return FITS[state]


def version(inc: Incident) -> str:
    """A fingerprint of what an answer changes (a form carries the one it was shown
    with); reminders and escalation leave it alone."""
    seen = "|".join(str(x) for x in (inc.state.value, inc.acked_at, inc.false_alarm_deadline,
                                     inc.resolved_at, inc.snoozed_until))
    if inc.promise is not None:  # a new promise changes what the form offers
        seen += f"|{inc.promise}|{inc.promised_at}"
    return hashlib.sha256(seen.encode()).hexdigest()[:12]


# What each answer leaves the incident in: a repeat while it still stands is a no-op.
LEAVES: dict[Action, tuple[State, ...]] = {
    Action.ACKNOWLEDGE: (State.ACKNOWLEDGED,),
    Action.SNOOZE: (State.SNOOZED,),
    Action.FALSE_ALARM: (State.FALSE_ALARM,),
    Action.RESOLVE: (State.RESOLVED, State.AWAITING_CLEAR),
    Action.ESCALATE: (State.OPEN,),
    Action.EN_ROUTE: (State.ACKNOWLEDGED,),
    Action.ON_SITE: (State.ACKNOWLEDGED,),
}

# -- how often -----------------------------------------------------------------------
WINDOW = timedelta(minutes=10)
PER_ACTOR = 5  # answers (notes included) per actor and incident per window
NOTES_PER_PERSON = 10  # notes per actor across incidents per window


def wait_for(times: Sequence[datetime], limit: int, now: datetime,
             window: timedelta = WINDOW) -> timedelta | None:
    """None when one more is allowed; else how long until it is."""
    recent = sorted(t for t in times if t > now - window)
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + window - now


# -- who acts ----------------------------------------------------------------------
class Door(StrEnum):
    ACK_PAGE = "ack_page"
    VOICE = "voice"
    API = "api"
    BOARD = "board"
    OUTBOX = "outbox"
    TELEGRAM = "telegram"
    SMS = "sms"  # a reply to an alarm SMS: the length of a snooze is typed


class Role(StrEnum):
    PARTY = "party"  # holds a party's link, or is one of its Telegram users
    NURSE = "nurse"  # board: acts on what their ward was told of
    MANAGER = "manager"  # board: acts on every alarm
    STAFF = "staff"  # Telegram staff user: every alarm, in the facility's chats
    OPERATOR = "operator"  # an operator API token
    VIEWER = "viewer"  # reads, never acts
    STRANGER = "stranger"  # not authorised where they pressed (Telegram)


@dataclass(frozen=True)
class Actor:
    """Who answers: the person recorded, the party credited, how far their rights go.

    `party`: the party the answer is credited to (the register and the weekly report
    count it as that party's answer); None for an operator or an unattached board
    user. `scope`: the party whose alarms this actor may answer (a link's party, a
    nurse's ward); None for every alarm. `link_bound`: for a link, whether it is still
    bound to this incident (its nonce); None when no link is involved."""

    door: Door
    person: str
    party: str | None = None
    role: Role = Role.PARTY
    scope: str | None = None
    link_bound: bool | None = None

    @property
    def key(self) -> tuple[str, str]:
        """Whom the limits count: the party, else the person."""
        return ("party", self.party) if self.party else ("person", f"{self.door}:{self.person}")


# -- the verdict -------------------------------------------------------------------
class Why(StrEnum):
    """Reason codes; each door says them in the reader's language."""

    OK = "ok"
    DEMOTED = "demoted"  # "not ours" from a party the ladder has passed: kept as a note
    REPEAT = "repeat"  # the same answer again: nothing new happens, nobody is told again
    VIEWER = "viewer"  # reads only
    NOT_YOURS = "not_yours"  # the alarm did not address this actor's party / ward
    PARTY_REMOVED = "party_removed"  # the link's or user's party is gone from the config
    LINK_REVOKED = "link_revoked"  # the link was made for another incident instance
    CLOSED = "closed"  # resolved: only a note may still be written
    CHANGED = "changed"  # the answer does not fit the state now, or the form is stale
    SNOOZE_TOO_LONG = "snooze_too_long"
    BAD_TIME = "bad_time"  # a promised time that is not offered, in the past or too far
    TOO_MANY = "too_many"
    NOTES_FULL = "notes_full"  # the incident holds NOTES_PER_INCIDENT notes: no more
    NOT_FOUND = "not_found"
    BAD = "bad"  # the door could not read the request


class Kind(StrEnum):
    """What the reader of the outcome needs to know first (the HTTP status class)."""

    DONE = "done"
    NOOP = "noop"
    REFUSED = "refused"
    CONFLICT = "conflict"
    INVALID = "invalid"
    LIMITED = "limited"
    MISSING = "missing"


KIND: dict[Why, Kind] = {
    Why.OK: Kind.DONE, Why.DEMOTED: Kind.DONE, Why.REPEAT: Kind.NOOP,
    Why.VIEWER: Kind.REFUSED, Why.NOT_YOURS: Kind.REFUSED, Why.PARTY_REMOVED: Kind.REFUSED,
    Why.LINK_REVOKED: Kind.REFUSED, Why.CLOSED: Kind.CONFLICT, Why.CHANGED: Kind.CONFLICT,
    Why.SNOOZE_TOO_LONG: Kind.INVALID, Why.BAD_TIME: Kind.INVALID, Why.BAD: Kind.INVALID,
    Why.TOO_MANY: Kind.LIMITED, Why.NOTES_FULL: Kind.INVALID,
    Why.NOT_FOUND: Kind.MISSING,
}


@dataclass(frozen=True)
class Past:
    """One answer this actor gave on this incident (kept for the window)."""

    action: Action
    minutes: int | None
    at: datetime
    until: datetime | None = None  # the promised time, if the answer typed one


@dataclass(frozen=True)
class Ask:
    """What is asked: the action and what comes with it."""

    action: Action
    minutes: int | None = None
    version: str | None = None  # the form's fingerprint of the state it was shown in
    until: datetime | None = None  # a promised time typed (arrive by, fix by)


@dataclass(frozen=True)
class Facts:
    """What the judge needs to know, loaded by the use case."""

    incident: Incident
    parties: Collection[str]  # in the config now
    viewers: Collection[str]  # parties that read only
    version: str  # the incident's fingerprint now
    past: Sequence[Past] = ()  # this actor's answers on this incident, oldest first
    notes_elsewhere: Sequence[datetime] = ()  # this actor's notes on every incident
    max_snooze: timedelta = MAX_SNOOZE
    may_pass_on: bool = True  # `answering.may_escalate` for this actor's party
    notes_on_incident: int = 0  # notes the incident holds, from every door


@dataclass(frozen=True)
class Verdict:
    why: Why
    wait: timedelta | None = None  # TOO_MANY: until one more is allowed

    @property
    def kind(self) -> Kind:
        return KIND[self.why]

    @property
    def acts(self) -> bool:
        return self.why in (Why.OK, Why.DEMOTED)


def who(actor: Actor, incident: Incident, parties: Collection[str],
        viewers: Collection[str]) -> Why | None:
    """None if this actor may answer this incident; else why not."""
    if actor.role is Role.VIEWER:
        return Why.VIEWER
    if actor.role is Role.STRANGER:
        return Why.NOT_YOURS
    if actor.party is not None and actor.party not in parties:
        return Why.PARTY_REMOVED
    if actor.party is not None and actor.party in viewers:
        return Why.VIEWER
    if actor.link_bound is False:
        return Why.LINK_REVOKED
    if actor.scope is not None and actor.scope not in incident.notified:
        return Why.NOT_YOURS
    return None


def judge(actor: Actor, ask: Ask, facts: Facts, now: datetime) -> Verdict:
    """The one guard every door's answer passes (see the module's doc for the order)."""
    inc, action = facts.incident, ask.action
    refused = who(actor, inc, facts.parties, facts.viewers)
    if refused is not None:
        return Verdict(refused)
    last = facts.past[-1] if facts.past else None
    if last is not None and action is not Action.NOTE and last.action is action \
            and last.minutes == ask.minutes and last.until == ask.until \
            and inc.state in LEAVES[action]:
        return Verdict(Why.REPEAT)
    if inc.state is State.RESOLVED and action is not Action.NOTE:
        return Verdict(Why.CLOSED)
    if not fits(inc.state, action):
        return Verdict(Why.CHANGED)
    if action is not Action.NOTE and ask.version is not None and ask.version != facts.version:
        return Verdict(Why.CHANGED)
    if action is Action.SNOOZE and not snooze_ok(ask.minutes, facts.max_snooze,
                                                 typed=actor.door is Door.SMS):
        return Verdict(Why.SNOOZE_TOO_LONG)
    if not promise_ok(action, ask.minutes, ask.until, now):
        return Verdict(Why.BAD_TIME)
    demoted = action is Action.ESCALATE and actor.party is not None and not facts.may_pass_on
    wait = wait_for([p.at for p in facts.past], PER_ACTOR, now)
    if wait is None and (action is Action.NOTE or demoted):
        wait = wait_for(facts.notes_elsewhere, NOTES_PER_PERSON, now)
    if wait is not None:
        return Verdict(Why.TOO_MANY, wait)
    if (action is Action.NOTE or demoted) and facts.notes_on_incident >= NOTES_PER_INCIDENT:
        return Verdict(Why.NOTES_FULL)
    return Verdict(Why.DEMOTED if demoted else Why.OK)
