"""Who is told what: a viewer (the purchaser) hears of an incident once, read-only.

A party with `role: viewer` is not there to act: it reads the weekly summary and,
when a ladder names it in `on_exhausted` (the last resort), learns that the
incident happened. Every later message about the same incident (who took it,
notes, reminders, "taken but not resolved", the clear) is for the people doing
the work; sent to the purchaser it is noise at best (16 e-mails in 35 minutes)
and at worst reads as a request to act ("take it or answer"). So the rule is:

- staff are told everything the policy decides (`Telling.FULL`);
- a viewer gets the first notice about an incident, read-only, without
  instructions or a call to act (`Telling.READ_ONLY`), and nothing after it:
  no updates, no reminders, no second record (`Telling.NOTHING`).

"Told before" is `Incident.notified`: the policy adds a party there when it is
told, and a reopened alarm keeps the list, so "once" means once per incident.
Pure: no I/O, no clock; `escalator.domain.policy` asks it on every notice.
"""

from __future__ import annotations

from enum import StrEnum

from escalator.domain.availability import Party

VIEWER = "viewer"  # `people.<id>.role`: reads what it is sent, never acts


class Telling(StrEnum):
    FULL = "full"  # the notice as it is: the call, its instructions, the link to act
    READ_ONLY = "read_only"  # what happened, with the record's link; nothing to do
    NOTHING = "nothing"  # not sent, not logged as sent


def telling(role: str | None, *, update: bool, told_before: bool) -> Telling:
    """How a party of `role` is told a notice (an `update` or a call) about an incident
    it was or was not `told_before`."""
    if role != VIEWER:
        return Telling.FULL
    if told_before or update:
        return Telling.NOTHING
    return Telling.READ_ONLY


def muted(party: Party | None, told_before: bool, update: bool) -> bool:
    """The policy's question for each notice: is it left unsent (and unlogged)?"""
    return telling(party.role if party else None, update=update,
                   told_before=told_before) is Telling.NOTHING


def is_viewer(role: str | None) -> bool:
    """Read-only parties: their messages carry no instructions and no call to act."""
    return role == VIEWER
