"""One delivery attempt as a chain of small stages, like Alertmanager's notify pipeline.

A claimed row goes through `BEFORE_SEND` in order; the first stage that returns an
`Outcome` ends the attempt with it (its docstring says when and why), None lets the
row go on. A row that passes them all is composed (`compose`) and sent
(escalator/dispatch/attempt.py, the only stage with I/O), and what the channel did
becomes an outcome here (`accepted`, `held`, `failed`). A held notice's check has
its own short chain (`check_early`, then the channel's release, then `after_release`).
Everything here is pure: a stage reads an `Attempt` and returns a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.config.delivery import fallback_after
from escalator.config.model import Config
from escalator.dispatch.fallback import move_on, retry_or_move_on
from escalator.dispatch.outcome import KEEP, Outcome
from escalator.domain import contact_rules
from escalator.domain.answering import superseded
from escalator.domain.availability import Contact, Party
from escalator.domain.channel_health import TEST, gives_up_at_once
from escalator.domain.contact_rules import DEFAULT_URGENCY, Send
from escalator.domain.delivery import Move, deadline
from escalator.domain.errors import NotifyError
from escalator.domain.ladder import route_for
from escalator.domain.model import Incident, State
from escalator.domain.retry import overdue
from escalator.i18n import reader_language, t
from escalator.notify import render
from escalator.notify.base import Message, delivery_key
from escalator.security.links import LinkSigner
from escalator.storage.rows import DeliveryRow

NO_PARTY = "party no longer in the config"
NO_CONTACT = "no contact method left"


@dataclass(frozen=True)
class Attempt:
    """A claimed row about to be tried, and all a stage may read about it."""

    row: DeliveryRow
    incident: Incident
    state: State  # the incident's state: as claimed, or taken since (the service said so)
    party: Party | None  # None: no longer in the config
    config: Config
    now: datetime  # when the attempt began
    failing_since: datetime | None  # this contact has failed since then (None: it has not)
    carries_updates: Callable[[str], bool]  # whether a channel's sender carries updates

    @property
    def contact(self) -> Contact | None:
        """The contact this row is for; None when the party or that contact is gone."""
        if self.party is None or self.row.contact_index >= len(self.party.contacts):
            return None
        return self.party.contacts[self.row.contact_index]

    def limit(self, contact: Contact) -> timedelta:
        """How long this contact may fail before the next one is tried."""
        return fallback_after(self.config.delivery, self.config.channels, contact.channel)

    @property
    def stale(self) -> bool:
        return superseded(self.row.reason, self.row.is_update, self.state)


Stage = Callable[[Attempt], Outcome | None]
Spread = tuple[tuple[int, datetime], ...]  # further rows of a spread notice: (contact, due)


def still_wanted(a: Attempt) -> Outcome | None:
    """Dropped: a call to act on an incident someone took (or that ended) since it was
    decided; "come now" after "taken by the vendor" only confuses."""
    if a.stale:
        return Outcome(a.row, Move.DROP, {"error": "incident_closed"}, failing_since=None)
    return None


def reachable(a: Attempt) -> Outcome | None:
    """Given up: the party left the config, or has no contact at this index any more
    (a reload removed it); the ladder is told the party was not reached."""
    if a.contact is None:
        return _gone(a)
    return None


def carried(a: Attempt) -> Outcome | None:
    """An update is not phoned: it passes to the next contact that carries updates, or,
    when there is none (a hotline reached only by phone), to nobody, and that is fine."""
    contact = a.contact
    if contact is None or not a.row.is_update or a.carries_updates(contact.channel):
        return None
    assert a.party is not None
    for nxt in range(a.row.contact_index + 1, len(a.party.contacts)):
        if a.carries_updates(a.party.contacts[nxt].channel):
            return Outcome(a.row, Move.FALL_BACK, {"contact_index": nxt,
                                                   "next_attempt_at": a.now})
    return Outcome(a.row, Move.SKIP, {"error": "no contact carries updates"})


def not_overdue(a: Attempt) -> Outcome | None:
    """Fallen back: this contact has failed for longer than its `fallback_after`."""
    contact = a.contact
    if contact is None or not overdue(a.now, a.failing_since, a.limit(contact)):
        return None
    assert a.party is not None
    why = a.row.error or f"{contact.channel} {contact.address}: failing"
    return move_on(a.row, a.party, why, a.now, contact.channel, "kept_failing")


def in_order(a: Attempt) -> Outcome | None:
    """Waits: an earlier message to this party is still being retried, and this one
    must not overtake it; it is due again at the contact's fallback deadline."""
    contact = a.contact
    if contact is None or not a.row.behind or a.failing_since is None:
        return None
    return Outcome(a.row, Move.RETRY,
                   {"next_attempt_at": deadline(a.failing_since, a.limit(contact))})


def spread(a: Attempt) -> tuple[Send, ...] | None:
    """The contacts a notice goes to under its party's contact rules, at its first
    attempt (the route's urgency picks the rules); None: no rules, or spread already."""
    party = a.party
    if party is None or party.rules is None or a.row.spread_of is not None:
        return None
    route = route_for(a.config.routes, a.incident.source, a.incident.code)
    return contact_rules.plan(party.rules, route.urgency if route else DEFAULT_URGENCY,
                              a.row.reason, a.row.is_update,
                              [c.channel for c in party.contacts], a.carries_updates)


def spread_first(a: Attempt, sends: tuple[Send, ...]) -> tuple[Outcome | None, Spread]:
    """The row's own part of the plan and the rows to add for the rest. An outcome when
    the row cannot go on as it is: nobody in the plan (an update to a party reached only
    by phone: skipped), or its first contact is not the row's (moved to it, due now)."""
    if not sends:
        return Outcome(a.row, Move.SKIP, {"error": "no contact carries updates"},
                       spread=()), ()
    own, rest = sends[0], sends[1:]
    extra = tuple((s.contact, a.now + s.after) for s in rest)
    if own.contact != a.row.contact_index or own.after:
        return Outcome(a.row, Move.RETRY, {"contact_index": own.contact,
                                           "next_attempt_at": a.now + own.after},
                       spread=extra), extra
    return None, extra


BEFORE_SEND: tuple[Stage, ...] = (still_wanted, reachable, carried, not_overdue, in_order)


def before_send(a: Attempt) -> Outcome | None:
    """The first stage's outcome that ends the attempt; None: compose and send."""
    for stage in BEFORE_SEND:
        outcome = stage(a)
        if outcome is not None:
            return outcome
    return None


def compose(a: Attempt, signer: LinkSigner, nonce: bytes | None) -> Message:
    """The message in the reader's language, with a link bound to the incident's nonce."""
    row, incident, config, party = a.row, a.incident, a.config, a.party
    assert party is not None
    lang, ro = reader_language(party.language, config.facility.language), party.role == "viewer"
    if row.reason == TEST:
        return compose_test(a, lang)
    token = signer.make(incident.id, party.id, a.now, nonce)
    ack_url = f"{config.http.public_url.rstrip('/')}/ack/{token}"
    route = route_for(config.routes, incident.source, incident.code)
    return Message(
        delivery_id=row.id, key=delivery_key(config.facility.id, row.id, row.created_at),
        incident=incident, party=party.id, party_name=party.name,
        reason=row.reason, step=row.step, detail=row.detail, update=row.is_update,
        language=lang, subject=render.subject(incident, lang, config.facility.name),
        text=render.body(incident, row.reason, row.detail, row.is_update, lang,
                         config.facility.timezone, ack_url, a.now, read_only=ro),
        ack_url=ack_url, tz=config.facility.timezone, read_only=ro,  # a viewer's: no acts
        urgency=route.urgency if route else DEFAULT_URGENCY)


def compose_test(a: Attempt, lang: str) -> Message:
    """A test message: says it is a test, from whom, and that nothing needs doing. No
    link: there is nothing to answer."""
    row, config, party = a.row, a.config, a.party
    assert party is not None
    facility = config.facility.name
    return Message(
        delivery_id=row.id, key=delivery_key(config.facility.id, row.id, row.created_at),
        incident=a.incident, party=party.id, party_name=party.name, reason=row.reason,
        step=None, detail=row.detail, update=False, language=lang,
        subject=t(lang, "health.test.subject", facility=facility),
        text=t(lang, "health.test.text", facility=facility, by=row.detail),
        ack_url="", tz=config.facility.timezone)


def accepted(a: Attempt, label: str, at: datetime) -> Outcome:
    """Sent: the peer accepted it, and only this makes `sent`, at the time it did."""
    return Outcome(a.row, Move.ACCEPT, {"sent_at": at, "channel": label,
                                        "attempts": a.row.attempts + 1, "error": None},
                   failing_since=None if a.failing_since else KEEP)


def held(a: Attempt, label: str) -> Outcome:
    """Held: in the channel's queue (a digest), checked at this contact's fallback
    deadline counted from its first attempt."""
    contact = a.contact
    assert contact is not None
    first = a.failing_since or a.now
    return Outcome(a.row, Move.HOLD, {"channel": label, "attempts": a.row.attempts + 1,
                                      "next_attempt_at": deadline(first, a.limit(contact)),
                                      "error": None}, failing_since=first)


def failed(a: Attempt, exc: NotifyError, finished: datetime, jitter: float) -> Outcome:
    """Retried, or fallen back: the retry policy (escalator.domain.retry) decides."""
    contact = a.contact
    assert contact is not None and a.party is not None
    if gives_up_at_once(a.row.reason):  # a test says whether this one contact works
        return Outcome(a.row, Move.GIVE_UP, {
            "attempts": a.row.attempts + 1, "channel": contact.channel,
            "error": f"{contact.channel} {contact.address}: {exc}"}, True,
            failing_since=None, failure=exc.kind)
    return retry_or_move_on(a.row, a.party, contact, exc, a.now, finished, a.failing_since,
                            a.limit(contact), jitter)


# -- a held notice's check ---------------------------------------------------------------

def check_early(a: Attempt) -> Outcome | None:
    """Back in the queue: checked before its deadline (recovered after a restart)."""
    contact = a.contact
    if contact is None or a.stale or a.failing_since is None:
        return None
    due = deadline(a.failing_since, a.limit(contact))
    if a.now < due:
        return Outcome(a.row, Move.KEEP_HELD, {"next_attempt_at": due})
    return None


def after_release(a: Attempt, verdict: str) -> Outcome:
    """The check at the deadline, after the channel took the notice out of its queue:
    nothing to write if a digest carried it meanwhile; dropped if no longer wanted;
    otherwise it was held too long, and the next contact is tried (or the ladder told)."""
    if verdict == "sent":  # the digest carried it meanwhile: it wrote `sent` itself
        return Outcome(a.row, None, {})
    if a.stale:
        return Outcome(a.row, Move.DROP, {"error": "incident_closed"}, failing_since=None)
    contact = a.contact
    if contact is None:
        return _gone(a)
    assert a.party is not None
    error = f"{contact.channel} {contact.address}: held too long without going out"
    return move_on(a.row, a.party, error, a.now, contact.channel, "down_too_long")


def _gone(a: Attempt) -> Outcome:
    why = NO_PARTY if a.party is None else NO_CONTACT
    return Outcome(a.row, Move.GIVE_UP, {"error": why}, True,
                   {"failure": "no_contact", "error": why}, failing_since=None)
