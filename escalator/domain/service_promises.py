"""Service promises per party: "answer within 15 min, on site within 4 h, cleared within 24 h".

A maintenance or security contract promises how fast the party acts. Each
promise is measured for every alarm the party was asked to handle (called,
reminded or escalated to), from the moment it was first asked:

- answer: the party's first answer, whatever the door (link, button, board, call);
- on_site: the party's first "on site" answer ("on my way" is not on site);
- cleared: the alarm's end (the terminal's clear, or its resolution).

Per alarm and promise the outcome is kept (the figure is within the promise),
broken (later, or not at all by the deadline while the alarm still needed it),
pending (the deadline is still ahead) or moot (the alarm ended before the
deadline without it: nobody needed the party to answer or come any more).
Pure: the tick (`usecases/promises.py`) and the weekly summary both use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalator.domain.register import ACTION_REASONS, CALL_REASONS, DeliveryItem, TimelineItem

KINDS = ("answer", "on_site", "cleared")
ON_SITE = "on_site"  # Action.ON_SITE's value: matched as a string, whatever the reason code
# Answers another round adds ("on my way", "on site"): answers, whatever their reason code.
EXTRA_ANSWERS = frozenset({"EN_ROUTE", "ON_SITE"})
ANSWER_REASONS = ACTION_REASONS | EXTRA_ANSWERS  # and any entry that says "on site"
KEPT, BROKEN, PENDING, MOOT = "kept", "broken", "pending", "moot"


@dataclass(frozen=True)
class Promise:
    """What one party's contract promises; a None is not promised."""

    answer_within: timedelta | None = None
    on_site_within: timedelta | None = None
    cleared_within: timedelta | None = None

    def limit(self, kind: str) -> timedelta | None:
        return {"answer": self.answer_within, "on_site": self.on_site_within,
                "cleared": self.cleared_within}[kind]

    def items(self) -> list[tuple[str, timedelta]]:
        """The promised kinds with their limits, in KINDS order."""
        return [(k, x) for k in KINDS if (x := self.limit(k)) is not None]

    def __bool__(self) -> bool:
        return bool(self.items())


@dataclass(frozen=True)
class Handled:
    """One party in one alarm: when it was first asked, and when each measured thing came."""

    party: str
    asked_at: datetime
    answered_at: datetime | None
    on_site_at: datetime | None
    ended_at: datetime | None  # the alarm's end (None: still open)

    def at(self, kind: str) -> datetime | None:
        return getattr(self, _FIELD[kind])  # type: ignore[no-any-return]


_FIELD = {"answer": "answered_at", "on_site": "on_site_at", "cleared": "ended_at"}


@dataclass(frozen=True)
class Outcome:
    party: str
    kind: str
    limit: timedelta
    state: str  # kept | broken | pending | moot
    figure: timedelta | None  # from first asked to the thing; None: it has not come
    deadline: datetime


def spoken(limit: timedelta) -> str:
    """A promise's limit as a contract says it: "15 min", "4 h", "1 h 30 min", "24 h"
    (the same words in fi, sv and en)."""
    hours, minutes = divmod(int(limit.total_seconds() // 60), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def is_on_site(e: TimelineItem) -> bool:
    """An "on site" answer: its reason is ON_SITE, or its parameters hold the value
    "on_site" (the action may be recorded either way; the store's query reads the same
    rule, `storage.register.ON_SITE_SQL`); "en_route" ("on my way") is not."""
    return e.reason == "ON_SITE" or f'"{ON_SITE}"' in e.detail.lower()


def answers(timeline: Iterable[TimelineItem],
            deliveries: Iterable[DeliveryItem]) -> list[TimelineItem]:
    """The parties' own answers: `register.actions`, plus the newer answer codes. A notice
    the policy logged (same party, reason and time as a delivery row) is not an answer."""
    told = {(d.party, d.reason, d.created_at) for d in deliveries}
    return [e for e in timeline if e.party
            and (e.reason in ANSWER_REASONS or is_on_site(e))
            and (e.party, e.reason, e.at) not in told]


def handled(timeline: Sequence[TimelineItem], deliveries: Sequence[DeliveryItem],
            ended_at: datetime | None, parties: Iterable[str] | None = None
            ) -> dict[str, Handled]:
    """Per party asked in this alarm (only `parties`, if given): its Handled. `timeline`
    and `deliveries` are the alarm's own (one cycle of a reopened incident)."""
    wanted = None if parties is None else set(parties)
    asked: dict[str, datetime] = {}
    for d in deliveries:
        if d.is_update or d.reason not in CALL_REASONS:
            continue
        if wanted is not None and d.party not in wanted:
            continue
        if d.party not in asked or d.created_at < asked[d.party]:
            asked[d.party] = d.created_at
    if not asked:
        return {}
    first: dict[str, datetime] = {}
    on_site: dict[str, datetime] = {}
    for a in answers(timeline, deliveries):
        party = a.party or ""
        if party not in asked:
            continue
        if party not in first or a.at < first[party]:
            first[party] = a.at
        if is_on_site(a) and (party not in on_site or a.at < on_site[party]):
            on_site[party] = a.at
    return {p: Handled(p, at, first.get(p), on_site.get(p), ended_at) for p, at in asked.items()}


def judge(h: Handled, kind: str, limit: timedelta, now: datetime) -> Outcome:
    """The promise as of `now`. The figure counts from the first ask (an answer before it,
    on the board say, is 0)."""
    deadline = h.asked_at + limit
    came = h.at(kind)
    if came is not None and came <= now:
        figure = max(came - h.asked_at, timedelta(0))
        return Outcome(h.party, kind, limit, KEPT if figure <= limit else BROKEN, figure,
                       deadline)
    if h.ended_at is not None and h.ended_at <= min(now, deadline):
        return Outcome(h.party, kind, limit, MOOT, None, deadline)  # not needed any more
    return Outcome(h.party, kind, limit, BROKEN if now >= deadline else PENDING, None,
                   deadline)


def outcomes(found: Mapping[str, Handled], promises: Mapping[str, Promise],
             now: datetime) -> list[Outcome]:
    """Every promised kind of every party asked, as of `now`."""
    return [judge(h, kind, limit, now) for party, h in sorted(found.items())
            if (p := promises.get(party)) for kind, limit in p.items()]


def newly_broken(found: Mapping[str, Handled], promises: Mapping[str, Promise], now: datetime,
                 recorded: Iterable[tuple[str, str]]) -> list[Outcome]:
    """Broken promises not recorded yet: one record per alarm, party and promise."""
    done = set(recorded)
    return [o for o in outcomes(found, promises, now)
            if o.state == BROKEN and (o.party, o.kind) not in done]


def next_deadline(found: Mapping[str, Handled], promises: Mapping[str, Promise],
                  now: datetime) -> datetime | None:
    """When the next pending promise of this alarm runs out (the tick's due time)."""
    pending = [o.deadline for o in outcomes(found, promises, now) if o.state == PENDING]
    return min(pending) if pending else None
