"""Answering an alarm: the one way every door's answer takes.

The ack page, a voice key, the operator API, the board, the demo outbox and a
Telegram button each turn their request into a `Command` (who, through which door,
what, on which incident) and call `Answering.answer`. It loads the incident, asks the
one guard table (escalator/domain/guards.py), acts through the service's one
rulebook (`EscalationService.act`, which re-checks the guard inside its transaction
so two presses at once give one owner), counts who was told, and returns an
`Outcome`: a reason code and the facts a door needs to say it in its reader's
language. A handler only translates its protocol in and the outcome out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from escalator.domain.answering import AlreadyHandled, Call, already_handled, may_escalate
from escalator.domain.availability import Directory
from escalator.domain.errors import ActionError
from escalator.domain.guards import (
    Actor,
    Ask,
    Facts,
    Kind,
    Past,
    Verdict,
    Why,
    judge,
    version,
)
from escalator.domain.model import Action, Incident, Reason, params
from escalator.escalation.service import EscalationService
from escalator.security.links import LinkClaim, LinkSigner, bound
from escalator.storage import limits
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context
from escalator.usecases.ledger import Ledger
from escalator.usecases.shapes import Entry


@dataclass(frozen=True)
class Command:
    """One answer, as a door read it."""

    actor: Actor
    incident_id: int
    action: Action
    minutes: int | None = None
    note: str = ""
    eta: datetime | None = None  # an arrival time (acknowledge, EN_ROUTE's arrive_by)
    clear_by: datetime | None = None
    fix_by: datetime | None = None  # ON_SITE: the fix time typed
    said: str = ""  # what the answer means beyond its action: on_way, not_ours
    version: str | None = None  # the form's fingerprint of the state it was shown in
    link: LinkClaim | None = None  # the signed link the actor holds, if any
    where: int | str | None = None  # where it was pressed (a Telegram chat), for the record


@dataclass(frozen=True)
class Outcome:
    why: Why
    incident: Incident | None = None  # after the answer (or as it stands, if refused)
    wait: timedelta | None = None  # TOO_MANY: until one more is allowed
    handled: AlreadyHandled | None = None  # CHANGED/CLOSED/REPEAT: who answered first
    notices: int = 0  # deliveries this answer created (0 for anything but a done answer)
    escalated_to: tuple[str, ...] = ()  # parties the answer's escalation called
    detail: str | None = None  # BAD: the rulebook's reason, for the API's technical reader

    @property
    def kind(self) -> Kind:
        return Verdict(self.why).kind


@dataclass(frozen=True)
class _Seen:
    """What the guards need from the store beyond the incident."""

    may_pass_on: bool  # "not ours" skips a step only from a party called on it
    notes: int  # notes the incident holds (a note, or a demoted "not ours", adds one)


def _seen(tx: Tx, incident: Incident, cmd: Command, actor: Actor) -> _Seen:
    pass_on = True
    if cmd.action is Action.ESCALATE and actor.party is not None:
        calls = (Call(d.party, d.reason, d.step, d.loop, d.is_update)
                 for d in tx.deliveries.of_incident(incident.id))
        pass_on = may_escalate(incident, actor.party, calls)
    notes = limits.notes_on(tx, incident.id) \
        if cmd.action in (Action.NOTE, Action.ESCALATE) else 0
    return _Seen(pass_on, notes)


class _Refused(Exception):
    def __init__(self, verdict: Verdict, incident: Incident) -> None:
        super().__init__(verdict.why.value)
        self.verdict = verdict
        self.incident = incident


@dataclass(frozen=True)
class Answering:
    context: Context
    service: EscalationService
    ledger: Ledger
    signer: LinkSigner
    store: Store

    async def answer(self, cmd: Command) -> Outcome:
        """Guard, act, tell: the same for every door."""
        now = self.context.now()
        loaded = await self.store.transaction(lambda tx: self._load(tx, cmd))
        if loaded is None:
            return Outcome(Why.NOT_FOUND)
        incident, actor, known, seen = loaded
        verdict = judge(actor, self._ask(cmd), self._facts(actor, incident, now, seen), now)
        if not verdict.acts:
            return await self._refused(cmd, actor, verdict, incident)
        action = Action.NOTE if verdict.why is Why.DEMOTED else cmd.action
        try:
            after = await self.service.act(
                incident.id, action, actor.person, party=actor.party, minutes=cmd.minutes,
                note=cmd.note, clear_by=cmd.clear_by, eta=cmd.eta, said=cmd.said,
                check=self._recheck(cmd, actor, verdict, now), fix_by=cmd.fix_by)
        except _Refused as exc:
            return await self._refused(cmd, actor, exc.verdict, exc.incident)
        except ActionError as exc:
            return Outcome(Why.BAD, incident, detail=str(exc))
        rows = await self.store.transaction(lambda tx: tx.deliveries.of_incident(incident.id))
        new = [d for d in rows if d.id not in known]
        names = {pid: p.name for pid, p in self.context.config.parties.items()}
        called = tuple(names.get(d.party, d.party) for d in new
                       if d.reason == Reason.ESCALATED.value and not d.is_update)
        return Outcome(verdict.why, after, notices=len(new), escalated_to=called)

    # -- the parts ---------------------------------------------------------------
    def _load(self, tx: Tx, cmd: Command
              ) -> tuple[Incident, Actor, set[int], _Seen] | None:
        incident = tx.incidents.get(cmd.incident_id)
        if incident is None:
            return None
        actor = cmd.actor
        if cmd.link is not None:
            nonce = tx.nonces.get(incident.id)
            actor = replace(actor, link_bound=cmd.link.incident_id == incident.id
                            and bound(cmd.link, incident.opened_at, nonce))
        return (incident, actor, {d.id for d in tx.deliveries.of_incident(incident.id)},
                _seen(tx, incident, cmd, actor))

    @staticmethod
    def _until(cmd: Command) -> datetime | None:
        """The promised time typed with the answer, if it is a promise."""
        return {Action.EN_ROUTE: cmd.eta, Action.ACKNOWLEDGE: cmd.eta,
                Action.ON_SITE: cmd.fix_by}.get(cmd.action)

    def _ask(self, cmd: Command) -> Ask:
        return Ask(cmd.action, cmd.minutes, cmd.version, self._until(cmd))

    def _facts(self, actor: Actor, incident: Incident, now: datetime, seen: _Seen) -> Facts:
        config = self.context.config
        return Facts(
            incident=incident, parties=config.parties.keys(),
            viewers={pid for pid, p in config.parties.items() if p.role == "viewer"},
            version=version(incident), past=self.ledger.past(actor.key, incident.id, now),
            notes_elsewhere=self.ledger.notes(actor.key, now),
            max_snooze=config.http.max_snooze, may_pass_on=seen.may_pass_on,
            notes_on_incident=seen.notes)

    def _recheck(self, cmd: Command, actor: Actor, first: Verdict, now: datetime
                 ) -> Callable[[Tx, Incident], None]:
        """Inside the action's transaction: the incident as it is now, whether the party
        may still pass it on (the calls made so far), and the notes it holds (two notes
        at once on the last free place: the second is refused)."""
        def check(tx: Tx, incident: Incident) -> None:
            verdict = judge(actor, self._ask(cmd),
                            self._facts(actor, incident, now, _seen(tx, incident, cmd, actor)),
                            now)
            if verdict.why is not first.why:
                raise _Refused(verdict if not verdict.acts else Verdict(Why.CHANGED), incident)
            # counted here, under the service's lock: a second press at the same moment
            # already sees this one (a transaction that fails after this only counts
            # one answer too many, the safe direction)
            self.ledger.record(actor.key, incident.id,
                               Past(cmd.action, cmd.minutes, now, self._until(cmd)),
                               note=verdict.why is Why.DEMOTED or cmd.action is Action.NOTE)
        return check

    async def _refused(self, cmd: Command, actor: Actor, verdict: Verdict,
                       incident: Incident) -> Outcome:
        """Nothing changes; an attempt without rights is written down for the audit."""
        if verdict.why is Why.NOT_YOURS:
            detail = params(who=actor.person, action=cmd.action.value, chat=cmd.where)
            await self.service.refused(incident.id, detail)
        handled = already_handled(incident, cmd.action) \
            if verdict.kind in (Kind.CONFLICT, Kind.NOOP) else None
        return Outcome(verdict.why, incident, wait=verdict.wait, handled=handled)

    # -- what else the doors may ask --------------------------------------------------
    @property
    def directory(self) -> Directory:
        """Who is who and on duty now (follows a config reload)."""
        return self.service.directory

    def claim(self, token: str) -> LinkClaim:
        """What a signed link allows; LinkError if it is forged, bent or too old."""
        return self.signer.check(token, self.context.now())

    async def shown(self, claim: LinkClaim) -> tuple[Incident, list[Entry]] | None:
        """The link's incident and its timeline, for the page it opens; None if the link
        is not bound to it any more (made for another incident with the same number in an
        earlier database, or its nonce was revoked)."""
        def read(tx: Tx) -> tuple[Incident, list[Entry]] | None:
            incident = tx.incidents.get(claim.incident_id)
            if incident is None or not bound(claim, incident.opened_at,
                                             tx.nonces.get(incident.id)):
                return None
            return incident, tx.timeline.of_incident(incident.id)
        return await self.store.transaction(read)
