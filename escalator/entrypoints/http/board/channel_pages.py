"""The board's channel health page: does each way of reaching people work, and a test.

A manager sees, per channel and per contact, when a message last got through and
when one last failed, with the reason in the reader's words ("could not be
reached", never an HTTP status), and may send a test message to one contact. The
test is an outbox row the dispatcher sends like any other, so its state on this
page (being sent, got through, failed) is the real one. The page translates only:
who may test, how often and what is recorded is the `ChannelHealth` use case's.
Nurses and viewers get 403, as for the config editor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from escalator.domain.channel_health import NoTest, Seen
from escalator.domain.delivery import Status
from escalator.domain.permits import Refusal
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.pages import forbidden, language, render, signed_in
from escalator.entrypoints.http.board.texts import bt, local
from escalator.entrypoints.http.keys import CHANNEL_HEALTH, CONTEXT
from escalator.usecases.channel_health import ContactLine, TestMessage
from escalator.usecases.shapes import Sent

HEALTH_ROLES = frozenset({"manager"})
REFUSED = {NoTest.TOO_SOON: ("health.test.too_soon", 429),
           NoTest.TOO_MANY: ("health.test.too_many", 429),
           NoTest.NOT_TESTABLE: ("health.test.not_testable", 400)}


def setup(web_app: web.Application) -> None:
    web_app.router.add_get("/board/channels", page)
    web_app.router.add_post("/board/channels/test", send_test)


@signed_in
async def page(request: web.Request, session: Session) -> web.Response:
    if session.role not in HEALTH_ROLES:
        return forbidden(request, session)
    said = ""
    done = request.query.get("done", "")
    if done:
        said = _done_text(request, session, done)
    return await _show(request, session, said)


async def _show(request: web.Request, session: Session, said: str = "", status: int = 200,
                bad: bool = False) -> web.Response:
    lang = language(request, session)
    tz, now = request.app[CONTEXT].config.facility.timezone, request.app[CONTEXT].now()
    health = await request.app[CHANNEL_HEALTH].board()

    def when(at: datetime | None) -> str:
        return local(at, tz, now, lang) if at else "–"

    def seen(s: Seen) -> dict[str, str]:
        why = bt(lang, f"failure.{s.failure}") if s.failure else ""
        return {"state": s.state, "state_words": bt(lang, f"health.state.{s.state}"),
                "ok": when(s.ok_at),
                "failed": f"{when(s.failed_at)}: {why}" if s.failed_at else "–"}

    def test(t: Sent | None) -> str:
        if t is None:
            return "–"
        if t.status == Status.SENT:
            return bt(lang, "health.test.sent", when=when(t.sent_at))
        if t.status == Status.FAILED:
            return bt(lang, "health.test.failed", when=when(t.created_at))
        return bt(lang, "health.test.pending", when=when(t.created_at))

    def contact(c: ContactLine) -> dict[str, Any]:
        return {"party": c.party, "who": c.party_name, "index": c.index,
                "channel": bt(lang, f"channel.{c.channel}"), "address": c.address,
                "testable": c.testable, "test": test(c.test),
                "test_state": c.test.status if c.test else "", **seen(c.seen)}

    channels = [{"channel": bt(lang, f"channel.{ch.channel}"), "contacts": ch.contacts,
                 **seen(ch.seen)} for ch in health.channels]
    return render(request, "channels.html", session, status, said=said, bad=bad,
                  channels=channels, contacts=[contact(c) for c in health.contacts])


def _done_text(request: web.Request, session: Session, done: str) -> str:
    """The sentence after a test was sent: `done` is "<party>:<index>" of the contact."""
    lang = language(request, session)
    party_id, _, index = done.rpartition(":")
    party = request.app[CONTEXT].config.parties.get(party_id)
    if party is None or not index.isdigit() or int(index) >= len(party.contacts):
        return ""
    channel = bt(lang, f"channel.{party.contacts[int(index)].channel}")
    return bt(lang, "health.test.done", who=party.name, channel=channel)


@signed_in
async def send_test(request: web.Request, session: Session) -> web.StreamResponse:
    if session.role not in HEALTH_ROLES:
        return forbidden(request, session)
    lang = language(request, session)
    form = await request.post()
    party, index = str(form.get("party", "")), str(form.get("index", ""))
    if not index.isdigit() or len(index) > 4:
        return await _show(request, session, bt(lang, "not_found"), 404, bad=True)
    done = await request.app[CHANNEL_HEALTH].send_test(
        TestMessage(session.name, session.role, party, int(index)))
    if done.refusal == Refusal.ROLE:
        return forbidden(request, session)
    if done.refusal == Refusal.MISSING:
        return await _show(request, session, bt(lang, "not_found"), 404, bad=True)
    if done.refusal is not None:
        key, status = REFUSED[done.refusal]
        return await _show(request, session, bt(lang, key), status, bad=True)
    raise web.HTTPSeeOther(f"/board/channels?done={quote(party, safe='')}:{index}")
