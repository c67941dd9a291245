"""After a contact failed: retry it (escalator.domain.retry), try the party's next
contact, or give the party up (the ladder is then told). Pure: no I/O."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from escalator.dispatch.outcome import Outcome
from escalator.domain.availability import Contact, Party
from escalator.domain.delivery import Move, Status
from escalator.domain.errors import NotifyError
from escalator.domain.retry import Next, after_failure
from escalator.storage.rows import DeliveryRow

log = logging.getLogger(__name__)


def move_on(row: DeliveryRow, party: Party, error: str, now: datetime, channel: str,
            failure: str, moves: tuple[Move, Move] = (Move.FALL_BACK, Move.GIVE_UP)
            ) -> Outcome:
    """The next contact, or the end of this party (a party with contact rules has
    no next contact: its other rows carry the notice): the timeline is told in words
    each reader gets in their own language (`failure`), the API gets `error`."""
    note = {"channel": channel, "failure": failure, "error": error}
    nxt = row.contact_index + 1
    # with contact rules each row is one contact; the other groups are the fallback
    if nxt < len(party.contacts) and party.rules is None:
        log.warning("delivery %s to %s: %s; trying %s next", row.id, row.party, error,
                    party.contacts[nxt].channel)
        fields: dict[str, object] = {"contact_index": nxt, "attempts": 0, "error": error,
                                     "next_attempt_at": now}
        if row.status == Status.SENT:  # accepted, then not answered: not sent after all
            fields["sent_at"] = None
        return Outcome(row, moves[0], fields, note={**note, "next": party.contacts[nxt].channel},
                       failing_since=None, failure=failure)
    return Outcome(row, moves[1], {"attempts": row.attempts, "error": error},
                   True, note, failing_since=None, failure=failure)


def retry_or_move_on(row: DeliveryRow, party: Party, contact: Contact, exc: NotifyError,
                     started: datetime, finished: datetime, failing_since: datetime | None,
                     limit: timedelta, jitter: float) -> Outcome:
    """A send failed: the retry policy says when to try this contact again, or (failing
    too long, or for good) the next contact is tried."""
    attempts = row.attempts + 1
    error = f"{contact.channel} {contact.address}: {exc}"
    plan = after_failure(
        now=finished, attempt_started=started, failing_since=failing_since,
        attempts=attempts, recoverable=exc.recoverable, retry_after=exc.retry_after,
        fallback_after=limit, contacts_left=len(party.contacts) - row.contact_index - 1,
        jitter=jitter)
    if plan.next is Next.RETRY:
        log.info("delivery %s to %s failed (%s); retry at %s", row.id, row.party, error,
                 plan.at.isoformat())
        return Outcome(row, Move.RETRY, {"attempts": attempts, "error": error,
                                         "channel": contact.channel,
                                         "next_attempt_at": plan.at},
                       failing_since=plan.failing_since, failure=exc.kind)
    return move_on(replace(row, attempts=attempts), party, error, started, contact.channel,
                   exc.kind)
