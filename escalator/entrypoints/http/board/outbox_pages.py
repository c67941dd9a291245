"""The demo's outbox on screen: every message as its reader got it, with working buttons.

A Telegram card's buttons act exactly as a press in the chat would: as the
party the card was sent to, through the answer use case and its guards, and
answered with the chat's own popup ("already taken by ..." when someone else
was quicker). E-mails and SMS carry the real
ack link, which opens the real ack page.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from escalator.domain import bounds
from escalator.domain.answering import CALLS
from escalator.domain.guards import Door, Kind, Why
from escalator.domain.model import Action, Incident
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.pages import (
    board_actor,
    board_state,
    forbidden,
    language,
    render,
    say,
    signed_in,
)
from escalator.entrypoints.http.board.texts import bt
from escalator.entrypoints.http.keys import ANSWERING, CONTEXT, QUERIES
from escalator.notify.outbox import Kept
from escalator.notify.telegram import callback
from escalator.notify.telegram.presses import popup
from escalator.storage.sql import Tx
from escalator.usecases.answering import Command

SHOWN = 60


@signed_in
async def outbox(request: web.Request, session: Session) -> web.Response:
    box = board_state(request).outbox
    lang = language(request, session)
    if box is None:
        return say(request, session, bt(lang, "outbox.none"), 404)
    app = request.app[CONTEXT]
    said = request.query.get("said", "")[:300]
    messages = await _cards(request, _latest_cards(box.messages()[:SHOWN]))
    return render(request, "outbox.html", session, messages=messages, said=said, count=box.count,
                  tz=app.config.facility.timezone)


def _latest_cards(kept: list[Kept]) -> list[Kept]:
    """A chat shows one card per alarm (Telegram edits it): keep its newest message."""
    seen: set[tuple[str, int]] = set()
    shown = []
    for k in kept:
        if k.channel == "telegram":
            key = (k.party, k.incident_id)
            if key in seen:
                continue
            seen.add(key)
        shown.append(k)
    return shown


async def _cards(request: web.Request, kept: list[Kept]) -> list[dict[str, Any]]:
    box = board_state(request).outbox
    app = request.app[CONTEXT]
    tz, now = app.config.facility.timezone, app.clock.now()
    from escalator.notify.telegram.layout import local

    found = []
    for k in kept:
        item: dict[str, Any] = {"k": k, "when": local(k.at, tz, now, k.language), "card": "",
                                "buttons": []}  # as the one it went to reads it
        if k.channel == "telegram" and box is not None and box.card is not None:
            incident = await request.app[QUERIES].read(partial(_incident, k.incident_id))
            if incident is not None:
                item["card"], item["buttons"] = await box.card(incident, k.language)
        elif k.channel == "voice" and k.reason in CALLS and not k.update:
            item["buttons"] = [[  # the keys the caller is told about
                (f"1 – {bt(k.language, 'act.take')}",
                 callback.encode(Action.ACKNOWLEDGE, k.incident_id)),
                (f"2 – {bt(k.language, 'act.pass_on')}",
                 callback.encode(Action.ESCALATE, k.incident_id))]]
        found.append(item)
    return found


@signed_in
async def press(request: web.Request, session: Session) -> web.Response:
    """A card's button, pressed as the card's reader: the reader's party, through the
    answer use case, under the signed-in person's rights (a viewer never acts, a nurse
    only for her ward)."""
    box = board_state(request).outbox
    lang = language(request, session)
    form = await request.post()
    try:
        kept = box.get(bounds.row_id(str(form.get("kept", "")), "kept")) if box else None
    except bounds.BadInput:  # "²" passed isdigit() and then failed int(): a 500
        kept = None
    pressed = callback.parse(str(form.get("data", "")))
    if kept is None or pressed is None or pressed.incident_id != kept.incident_id:
        return say(request, session, bt(lang, "act.bad"), 400)
    signed = board_actor(request, session, Door.OUTBOX)  # a viewer is refused by the guard
    actor = replace(signed, person=kept.party_name, party=kept.party)
    outcome = await request.app[ANSWERING].answer(Command(
        actor, pressed.incident_id, pressed.action, minutes=pressed.minutes))
    reader = kept.language
    if outcome.why is Why.NOT_FOUND:
        return say(request, session, bt(lang, "not_found"), 404)
    if outcome.kind is Kind.REFUSED:
        return forbidden(request, session)
    if outcome.kind is Kind.INVALID:
        return say(request, session, bt(lang, "act.bad"), 400)
    if outcome.kind is Kind.LIMITED and outcome.wait is not None:
        minutes = max(1, -(-int(outcome.wait.total_seconds()) // 60))
        return say(request, session, bt(reader, "answer.too_many", minutes=minutes), 429)
    said = popup(reader, outcome, pressed.action, pressed.minutes)
    text = bt(lang, "outbox.pressed_as", who=kept.party_name, said=said)
    raise web.HTTPSeeOther(f"/board/outbox?said={quote(text)}#m{kept.id}")


def _incident(incident_id: int, tx: Tx) -> Incident | None:
    return tx.incidents.get(incident_id)
