"""Contact rules: which of a party's contacts get a notice, and when.

A party without rules is reached as before: its contacts one after another, the
next only when one fails (escalator/dispatch/fallback.py). A party with rules has
its contacts in groups, like PagerDuty's notification rules: every contact of a
group is tried at once, and the next group `then_after` the previous one, whether
or not the first was accepted (an e-mail that was accepted is not a person who
read it). The route's `urgency` (high for a fire, low for a fault) picks which
rules. What asks the party to act goes through every group, the phone included;
an update goes only to the written contacts of the first group that has any,
because "taken by the vendor" read out at three in the morning helps nobody.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from escalator.domain.answering import CALLS
from escalator.domain.model import Reason

URGENCIES = ("high", "low")
DEFAULT_URGENCY = "high"
# what asks a party to act: the calls, and the request to clear the terminal
ACTS = CALLS | {Reason.CLEAR_REQUESTED.value}


@dataclass(frozen=True)
class Group:
    """Contacts tried at once (indexes into the party's contacts), `after` the
    previous group was started (zero for the first)."""

    contacts: tuple[int, ...]
    after: timedelta = timedelta(0)


@dataclass(frozen=True)
class ContactRules:
    """The groups per urgency; an urgency without its own rules uses the other's."""

    by_urgency: tuple[tuple[str, tuple[Group, ...]], ...]

    def groups(self, urgency: str) -> tuple[Group, ...]:
        rules = dict(self.by_urgency)
        if urgency in rules:
            return rules[urgency]
        return self.by_urgency[0][1] if self.by_urgency else ()


@dataclass(frozen=True)
class Send:
    """One contact to try, `after` the notice's first attempt."""

    contact: int
    after: timedelta = timedelta(0)


def is_act(reason: str, update: bool) -> bool:
    """Whether a notice asks the party to act (first notice, escalation, ack overdue,
    clear requested...) rather than telling it what happened."""
    return not update and reason in ACTS


def plan(rules: ContactRules, urgency: str, reason: str, update: bool,
         channels: Sequence[str], written: Callable[[str], bool]) -> tuple[Send, ...]:
    """The contacts a notice goes to, each with its delay from the first attempt.

    `channels`: the party's contacts' channel names, by index; `written`: whether a
    channel carries text (not a phone call). An act goes to every group at its
    offset; anything else to the written contacts of the first group with any, at
    once (none: nobody, the party is only reached by phone)."""
    groups = rules.groups(urgency)
    valid = [Group(tuple(i for i in g.contacts if 0 <= i < len(channels)), g.after)
             for g in groups]
    if is_act(reason, update):
        sends: list[Send] = []
        offset = timedelta(0)
        seen: set[int] = set()
        for n, g in enumerate(valid):
            offset += g.after if n else timedelta(0)
            for i in g.contacts:
                if i not in seen:
                    seen.add(i)
                    sends.append(Send(i, offset))
        return tuple(sends)
    for g in valid:
        texts = tuple(i for i in g.contacts if written(channels[i]))
        if texts:
            return tuple(Send(i) for i in texts)
    return ()
