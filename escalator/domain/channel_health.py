"""Channel health: does each way of reaching a person work, and a manager's test message.

A manager cannot trust a contact list nobody has tried. The board shows, per
contact and per channel, when a message last got through and when one last failed
(and why, in words). A test message is an ordinary outbox row, sent and recorded
by the dispatcher like any other, so what it proves is what an alarm would meet.

It belongs to no incident (`NO_INCIDENT`): the weekly figures, the safety register,
the audit cross-check and the board's lists all start from incidents, so a test row
can never count in them, and its failure moves no ladder (`TEST` is no call to act).
It tries the one contact it names and nothing else: a failure is final at once
(`gives_up_at_once`), never a fallback to the party's next contact or a retry that
would keep a test in flight for minutes. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.domain.model import Incident, State

TEST = "TEST"  # the outbox row's reason: a test message, not a notice about an alarm
NO_INCIDENT = 0  # a test row's incident id: no incident has it (ids start at 1)
TEST_CODE = "TEST"
# the channels whose message is its text (a mail, an SMS); Telegram posts a card with
# buttons for an incident and voice speaks an alarm, so neither is offered a test yet
TESTABLE = frozenset({"email", "sms"})
TEST_EVERY = timedelta(minutes=1)  # one test per contact per minute
TESTS_PER_HOUR = 20  # per manager: a script pressing the button is stopped


def is_test(reason: str, incident_id: int) -> bool:
    return reason == TEST or incident_id == NO_INCIDENT


def gives_up_at_once(reason: str) -> bool:
    """A failed test is final: it names one contact and says whether that one works."""
    return reason == TEST


def placeholder_incident(now: datetime) -> Incident:
    """What the dispatcher and the channels read as a test row's incident: none is stored,
    nothing is open; `RESOLVED` so no stage takes it for something to act on."""
    return Incident(id=NO_INCIDENT, source="board", code=TEST_CODE, point="", text="",
                    severity="info", ladder="", state=State.RESOLVED, opened_at=now,
                    last_seen_at=now)


class NoTest:
    """Why a test message was not sent (besides the role: `permits.Refusal.ROLE`)."""

    NO_CONTACT = "no_contact"  # no such party or contact in the config in force
    NOT_TESTABLE = "not_testable"  # a channel that cannot take a test message
    TOO_SOON = "too_soon"  # this contact was tested less than TEST_EVERY ago
    TOO_MANY = "too_many"  # this manager sent TESTS_PER_HOUR in the last hour


def may_test(channel: str, last_to_contact: datetime | None, by_this_person: int,
             now: datetime) -> str | None:
    """None if a test may go to this contact now; else why not (`NoTest`)."""
    if channel not in TESTABLE:
        return NoTest.NOT_TESTABLE
    if last_to_contact is not None and now - last_to_contact < TEST_EVERY:
        return NoTest.TOO_SOON
    if by_this_person >= TESTS_PER_HOUR:
        return NoTest.TOO_MANY
    return None


@dataclass(frozen=True)
class Seen:
    """A contact's or a channel's last success and last failure (None: none yet)."""

    ok_at: datetime | None = None
    failed_at: datetime | None = None
    failure: str = ""  # the failure's kind (`errors.FAILURES`): said in words per reader
    error: str = ""  # the technical error, as the API shows it

    @property
    def state(self) -> str:
        """works | failing | unknown: the newer of the two decides."""
        if self.ok_at is None and self.failed_at is None:
            return "unknown"
        if self.failed_at is None or (self.ok_at is not None and self.ok_at >= self.failed_at):
            return "works"
        return "failing"


def newest(seen: list[Seen]) -> Seen:
    """A channel's health from its contacts': the newest success and the newest failure."""
    ok = max((s.ok_at for s in seen if s.ok_at), default=None)
    failed = [s for s in seen if s.failed_at]
    last = max(failed, key=lambda s: s.failed_at.timestamp() if s.failed_at else 0.0,
               default=None)
    return Seen(ok, last.failed_at if last else None, last.failure if last else "",
                last.error if last else "")
