"""The safety register: one patient-safety record, computed from what was stored.

A safety record (table `safety_incidents`, written by the policy) names an
incident and a cause. What a patient-safety report needs is derived here,
purely, from the incident, its timeline and its delivery log: who was
contacted how and when, who answered, who did not, who was skipped and why,
and how much of the care staff's attention it took. Nothing is stored twice,
so the record can never disagree with the timeline it came from.

Causes are open-ended text (the policy and the service add new ones), so
nothing here refuses a cause it does not know; the text renderer falls back
to the code itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from escalator.domain.model import Incident, Reason, read_params

CALL_REASONS = frozenset({Reason.FIRST.value, Reason.RENOTIFY.value, Reason.ESCALATED.value,
                          Reason.REOPENED.value, Reason.REWALK.value,
                          Reason.NOW_AVAILABLE.value})  # the calls that ask a party to act
ACTION_REASONS = frozenset({Reason.ACKED.value, Reason.FALSE_ALARM.value,
                            Reason.RESOLVED.value, Reason.AWAITING_CLEAR.value,
                            Reason.SNOOZED.value, Reason.NOTE.value, Reason.ESCALATED.value,
                            Reason.EN_ROUTE.value, Reason.ON_SITE.value})
# Answers that promise the terminal will clear by a time (kept if it did, with no safety record)
PROMISE_REASONS = frozenset({Reason.FALSE_ALARM.value, Reason.AWAITING_CLEAR.value})


@dataclass(frozen=True)
class SafetyRow:
    """A row of `safety_incidents`: the record the policy wrote."""

    id: int
    incident_id: int
    cause: str
    at: datetime
    detail: str


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    reason: str
    party: str | None
    detail: str
    step: int | None


@dataclass(frozen=True)
class DeliveryItem:
    """What the delivery log says about one notice: to whom, why, how, and if it arrived."""

    party: str
    reason: str
    step: int | None
    is_update: bool
    status: str  # pending | sent | failed
    created_at: datetime
    sent_at: datetime | None
    channel: str | None
    error: str | None


@dataclass(frozen=True)
class Note:
    at: datetime
    by: str
    note: str


@dataclass(frozen=True)
class Review:
    """How staff closed the record: the cause they found and the measures proposed."""

    closed_at: datetime
    closed_by: str
    cause: str
    measures: str


@dataclass(frozen=True)
class ContactLine:
    """One line of the contact timeline, in time order.

    kind: `called` (a call or reminder, with its channel and whether it arrived),
    `told` (any other message the record is about: the request to clear the alarm at
    the terminal sent to the vendor, the record itself to the last resort),
    `answered` (the party acted), `skipped` (closed or away, `detail` says why).
    """

    at: datetime
    party: str
    kind: str
    reason: str
    channel: str | None = None
    status: str | None = None
    detail: str = ""
    step: int | None = None


@dataclass(frozen=True)
class PartyOutcome:
    """Per party: contacted how often, on which channels, and what came of it."""

    party: str
    calls: int
    channels: tuple[str, ...]
    reached: bool  # at least one call arrived
    answered_at: datetime | None
    answer: str | None  # the reason of their first action (ACKED, FALSE_ALARM, ...)
    skipped: tuple[str, ...]  # why they were skipped, each time

    @property
    def outcome(self) -> str:
        if self.answer:
            return "answered"
        if self.calls and not self.reached:
            return "unreachable"
        if self.calls:
            return "no_answer"
        return "skipped" if self.skipped else "not_called"


@dataclass(frozen=True)
class Attention:
    """Care staff's part: their taps (actions) and the messages they received."""

    taps: int
    messages: int


@dataclass(frozen=True)
class SafetyView:
    safety: SafetyRow
    incident: Incident
    started_at: datetime  # when this alarm began (the incident's opening or a reopening)
    ended_at: datetime | None
    duration: timedelta
    contacts: tuple[ContactLine, ...]
    parties: tuple[PartyOutcome, ...]
    attention: Attention
    notes: tuple[Note, ...]
    review: Review | None

    @property
    def state(self) -> str:
        return "closed" if self.review else "open"


def actions(timeline: Iterable[TimelineItem],
            deliveries: Iterable[DeliveryItem]) -> list[TimelineItem]:
    """Timeline entries that are a party's own action, not a notice they were sent.

    The policy logs each notice it sends as a timeline entry too (same time,
    reason and party as the delivery row); an action is an entry with a party
    and an action reason that no delivery row matches.
    """
    told = {(d.party, d.reason, d.created_at) for d in deliveries}
    return [e for e in timeline if e.party and e.reason in ACTION_REASONS
            and (e.party, e.reason, e.at) not in told]


def contact_lines(timeline: Sequence[TimelineItem],
                  deliveries: Sequence[DeliveryItem]) -> tuple[ContactLine, ...]:
    lines = [ContactLine(d.sent_at or d.created_at, d.party,
                         "called" if d.reason in CALL_REASONS else "told", d.reason, d.channel,
                         d.status, d.error or "", d.step)
             for d in deliveries if not d.is_update]
    lines += [ContactLine(e.at, e.party or "", "skipped", e.reason, detail=e.detail, step=e.step)
              for e in timeline if e.reason == Reason.SKIPPED_UNAVAILABLE.value]
    lines += [ContactLine(e.at, e.party or "", "answered", e.reason, detail=e.detail,
                          step=e.step) for e in actions(timeline, deliveries)]
    # at the same moment: the calls, then skips and answers, then what they led to
    return tuple(sorted(lines, key=lambda c: (c.at, {"called": 0, "told": 2}.get(c.kind, 1))))


def party_outcomes(lines: Sequence[ContactLine]) -> tuple[PartyOutcome, ...]:
    """Who was called and what came of it; a message that asked for no answer (`told`)
    makes nobody a party that failed to answer."""
    lines = [c for c in lines if c.kind != "told"]
    order = list(dict.fromkeys(c.party for c in lines if c.party))
    found = []
    for party in order:
        mine = [c for c in lines if c.party == party]
        calls = [c for c in mine if c.kind == "called"]
        answers = [c for c in mine if c.kind == "answered"]
        found.append(PartyOutcome(
            party=party, calls=len(calls),
            channels=tuple(dict.fromkeys(c.channel for c in calls if c.channel)),
            reached=any(c.status == "sent" for c in calls),
            answered_at=answers[0].at if answers else None,
            answer=answers[0].reason if answers else None,
            skipped=tuple(c.detail for c in mine if c.kind == "skipped")))
    return tuple(found)


def attention(timeline: Sequence[TimelineItem], deliveries: Sequence[DeliveryItem],
              care_staff: Collection[str]) -> Attention:
    """Taps: the care staff's own actions. Messages: what reached them (calls and updates)."""
    taps = sum(1 for e in actions(timeline, deliveries) if e.party in care_staff)
    messages = sum(1 for d in deliveries if d.party in care_staff and d.status == "sent")
    return Attention(taps, messages)


def _stamp(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def build(safety: SafetyRow, incident: Incident, timeline: Sequence[TimelineItem],
          deliveries: Sequence[DeliveryItem], notes: Sequence[Note], review: Review | None,
          care_staff: Collection[str], now: datetime) -> SafetyView:
    """The full record of the alarm the safety record belongs to.

    An incident that was reopened holds several alarms; the record covers the one
    it was written in: from its opening (or reopening) to its resolution. `now`
    only measures how long a still-open alarm has lasted.
    """
    reopens = [e for e in timeline if e.reason == Reason.REOPENED.value and e.party is None]
    before = [e.at for e in reopens if e.at <= safety.at]
    after = [e for e in reopens if e.at > safety.at]
    start = before[-1] if before else incident.opened_at
    until = after[0].at if after else None
    ended: datetime | None
    if after:
        ended = _stamp(read_params(after[0].detail).get("resolved_at")) or after[0].at
    else:
        ended = incident.resolved_at if not incident.is_open else None
    inside = lambda at: at >= start and (until is None or at < until)  # noqa: E731
    timeline = [e for e in timeline if inside(e.at)]
    deliveries = [d for d in deliveries if inside(d.created_at)]
    lines = contact_lines(timeline, deliveries)
    return SafetyView(
        safety=safety, incident=incident, started_at=start, ended_at=ended,
        duration=(ended or now) - start,
        contacts=lines, parties=party_outcomes(lines),
        attention=attention(timeline, deliveries, care_staff),
        notes=tuple(notes), review=review)


def parameters(detail: str) -> dict[str, Any]:
    """A record's stored parameters (see `model.params`); older free text as {"text": ...}."""
    return read_params(detail)
