"""`/voice/{token}/{delivery}/...`: what a voice gateway reports about a call we placed.

`key`: the hotline pressed a key. 1 takes the alarm, 2 passes it on; both
go through the same answer use case (its guards: the link's party still in the
config, the link bound to this incident, how often, the state) and confirmation
as the ack page's "We take it" and "Not ours", so a phone answer and a page
answer leave the same record. The confirmation is read back in the party's language.
`ended`: the call is over. If no key was taken on it (no answer, busy,
failed, or answered and hung up), the delivery counts as not delivered and the
dispatcher tries the party's next contact, as for a failed send.

The token is the credential, as on the ack page: signed, bound to the
incident and the party, expiring; the delivery in the path must belong to
both. A forged token is refused with 403, an expired one with 410.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.guards import Actor, Door, Kind, Why
from escalator.domain.model import State
from escalator.entrypoints.http import answers
from escalator.entrypoints.http.keys import ANSWERING
from escalator.i18n import reader_language, t
from escalator.intake.clean import one_line
from escalator.links import LinkClaim, LinkError
from escalator.notify import speech
from escalator.storage import voicecalls
from escalator.storage.rows import DeliveryRow
from escalator.usecases.answering import Command

if TYPE_CHECKING:
    from escalator.usecases.answering import Answering

log = logging.getLogger(__name__)

KEYS = {"1": "acknowledge", "2": "escalate"}  # the answers' kinds (entrypoints/http/answers.py)
CHANNEL = "voice"


def setup(web_app: web.Application) -> None:
    web_app.router.add_post("/voice/{token}/{delivery}/key", key_pressed)
    web_app.router.add_post("/voice/{token}/{delivery}/ended", call_ended)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _call_of(request: web.Request) -> tuple[LinkClaim, DeliveryRow]:
    """The signed claim and the delivery it is about; Refused if they do not match."""
    answering = request.app[ANSWERING]
    try:
        claim = answering.claim(request.match_info["token"])
    except LinkError as exc:
        raise Refused(410, "link expired") if exc.expired else Refused(403, str(exc)) from exc
    try:
        delivery_id = bounds.row_id(request.match_info["delivery"], "delivery")
    except bounds.BadInput:
        raise Refused(404, "no such call") from None
    rows = await answering.read(lambda tx: tx.deliveries.of_incident(claim.incident_id))
    row = next((d for d in rows if d.id == delivery_id and d.party == claim.party), None)
    if row is None:
        raise Refused(404, "no such call")
    return claim, row


def _refused(exc: Refused) -> web.Response:
    return web.json_response({"error": exc.reason}, status=exc.status)


async def _fields(request: web.Request) -> Mapping[str, Any]:
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return await request.post()


def _lang(answering: Answering, party: str) -> str:
    found = answering.context.config.parties.get(party)
    return reader_language(found.language if found else None,
                           answering.context.config.facility.language)


def _preset(answering: Answering) -> str:
    return str(answering.context.config.channels.get(CHANNEL, {}).get("preset") or "generic")


async def key_pressed(request: web.Request) -> web.Response:
    try:
        claim, row = await _call_of(request)
    except Refused as exc:
        return _refused(exc)
    answering = request.app[ANSWERING]
    lang = _lang(answering, claim.party)
    fields = await _fields(request)
    digit = str(fields.get("digits") or fields.get("Digits") or "").strip()[:1]
    kind = KEYS.get(digit)
    if kind is None:
        said = t(lang, "voice.no_choice")
    else:
        now = answering.context.now()
        await answering.record(lambda tx: voicecalls.pressed(
            tx, row.id, claim.incident_id, claim.party, digit, now))
        said = await _answer(answering, claim, kind, lang)
    body, content_type = speech.reply(_preset(answering), lang, said)
    return web.Response(text=body, content_type=content_type)


async def _answer(answering: Answering, claim: LinkClaim, kind: str, lang: str) -> str:
    """The ack page's answer, given by phone: the same command, guards and confirmation."""
    config, now = answering.context.config, answering.context.now()
    tz, party = config.facility.timezone, claim.party
    found = config.parties.get(party)
    answer = answers.parse({"action": kind}, now, tz)
    actor = Actor(Door.VOICE, found.name if found else party, party, scope=party)
    outcome = await answering.answer(Command(
        actor, claim.incident_id, answer.action, note=answer.note, said=answer.said,
        link=claim))
    after = outcome.incident
    if outcome.why is Why.OK and after is not None:
        return answers.confirmation(lang, answer, after, party, tz, now,
                                    list(outcome.escalated_to))
    if outcome.why is Why.DEMOTED:  # the ladder already passed them: the word is kept
        return t(lang, "confirm.not_current")
    if outcome.why is Why.REPEAT:
        return t(lang, "answer.repeat")
    if after is not None and outcome.kind is Kind.CONFLICT:
        return t(lang, "page.closed" if after.state is State.RESOLVED else "page.changed",
                 state=t(lang, f"state.{after.state.value}"))
    if outcome.kind is Kind.REFUSED:
        return t(lang, "page.link_revoked")
    log.warning("voice answer %s on incident %s not applied: %s", kind, claim.incident_id,
                outcome.why)
    return t(lang, "voice.failed")


async def call_ended(request: web.Request) -> web.Response:
    try:
        claim, row = await _call_of(request)
    except Refused as exc:
        return _refused(exc)
    answering = request.app[ANSWERING]
    fields = await _fields(request)
    status = one_line(str(fields.get("CallStatus") or fields.get("state")  # a gateway's word:
                          or fields.get("status") or ""))[:40] or "ended"  # cleaned as intake
    now = answering.context.now()
    before = await answering.record(lambda tx: voicecalls.ended(tx, row.id, status, now))
    if before is not None and (before.ended or before.digit in KEYS):
        return web.json_response({"ok": True})  # answered with a key, or told already
    moved = await answering.not_reached(
        row.id, claim.incident_id, CHANNEL, f"call ended ({status}) with no key pressed")
    return web.json_response({"ok": True, "next_contact": moved})
