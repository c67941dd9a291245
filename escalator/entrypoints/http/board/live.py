"""The board's live stream (server-sent events): the open-alarms list follows the store.

On connecting, the reader gets the whole list once (`event: board`). After that,
each commit that changed incidents (`store.changed_sink` -> `Changes`) costs the
stream a read of just those incidents, and the reader gets each as one row
(`event: row`: "<id> <id of the row it goes before, or ->" then the row's HTML) or
its removal (`event: gone`). The read and the row's HTML are shared by all the
streams woken by the same change (`BoardState.shared`), and each stream places
the row by bisection: with 50 boards open and 400 alarms, a new alarm is one
small read and one render, not 50 reads and renders of 500. The whole list is read
again only when anything may have changed (a new config, new rosters), after a
reader falls too far behind, and every FULL_EVERY_S (who is on duty, "yesterday"),
at the same moment for every stream so that it too is read once.

The session is checked against the config in force on every round: a user
removed or given another role is signed out of the stream at once.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, insort
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from heapq import heapify, heappop, heappush

from aiohttp import web

from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board import listing, rows
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.pages import (
    COOKIE,
    HEADERS,
    board_state,
    current,
    language,
    signed_in,
)
from escalator.entrypoints.http.board.state import BoardState
from escalator.entrypoints.http.keys import CONTEXT, QUERIES
from escalator.usecases.holds import HeldAlarm
from escalator.usecases.queries import Queries

WAKE_S = 15.0  # a quiet stream looks at its session and sends a keep-alive this often
FULL_EVERY_S = 300.0  # the whole list again (who is on duty, "yesterday"), all at once


class Placed:
    """The rows a stream shows, as sorted `rows.order_key`s: where a changed row goes is
    a bisection, not a sort of the whole list."""

    def __init__(self, incidents: Iterable[Incident] = ()) -> None:
        self.key_of = {i.id: rows.order_key(i) for i in incidents}
        self.keys = sorted(self.key_of.values())
        self._ids = list(self.key_of)  # a heap of ids, for `oldest` (stale ones popped late)
        heapify(self._ids)

    def __len__(self) -> int:
        return len(self.key_of)

    def __contains__(self, incident_id: object) -> bool:
        return incident_id in self.key_of

    def put(self, incident: Incident, key: tuple[int, int, float, int] | None = None) -> None:
        if self.drop(incident.id) is None:
            heappush(self._ids, incident.id)
        key = key or rows.order_key(incident)
        insort(self.keys, key)
        self.key_of[incident.id] = key

    def oldest(self) -> int:
        """The lowest incident id shown: the first to go when the list is over its limit.
        A heap, not min() over the list: past the limit, every new alarm on every open
        board dropped one, and min() walked 500 ids each time."""
        while self._ids[0] not in self.key_of:
            heappop(self._ids)
        return self._ids[0]

    def drop(self, incident_id: int) -> tuple[int, int, float, int] | None:
        key = self.key_of.pop(incident_id, None)
        if key is not None:
            del self.keys[bisect_left(self.keys, key)]
        return key

    def after(self, incident_id: int) -> int | None:
        """The id of the row this one goes before (None: it is the last)."""
        at = bisect_left(self.keys, self.key_of[incident_id]) + 1
        return -self.keys[at][-1] if at < len(self.keys) else None

    def position(self, incident_id: int) -> tuple[int, int, float, int]:
        return self.key_of[incident_id]


@signed_in
async def events(request: web.Request, session: Session) -> web.StreamResponse:
    """Server-sent events: the open-alarms list, then each changed row, as it changes.
    Capped in all and per session (escalator/domain/limits.py): each holds a socket."""
    state = board_state(request)
    token = request.cookies.get(COOKIE) or ""
    if not state.streams.enter(token):
        raise web.HTTPTooManyRequests(headers={**HEADERS, "Retry-After": "30"})
    try:
        return await _stream(request, session)
    finally:
        state.streams.leave(token)


async def _stream(request: web.Request, session: Session) -> web.StreamResponse:
    state, app, queries = board_state(request), request.app[CONTEXT], request.app[QUERIES]
    lang = language(request, session)
    response = web.StreamResponse(headers={
        **HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    placed = Placed()
    seen, last_count, quiet, period = -1, -1, 0.0, -1
    try:
        while not state.changes.closing:
            if current(request) is None:  # expired, signed out, removed or demoted
                await response.write(b"event: signed-out\ndata: -\n\n")
                break
            changed = state.changes.since(seen) if seen >= 0 else None
            version, now_period = state.changes.version, int(time.time() // FULL_EVERY_S)
            if changed is None or now_period != period:
                found, html = await state.lists.get(
                    (version, lang, now_period),
                    lambda: _whole(queries, lang, app.now()))
                placed = Placed(found)
                await _send(response, "board", html)
                period, quiet = now_period, 0.0
            elif changed:
                await _push(response, state, placed, (seen, version), changed, queries, lang,
                            app.now())
                quiet = 0.0
            seen = version
            sent = state.outbox.count if state.outbox else 0
            if sent != last_count:
                await _send(response, "outbox", str(sent))
                last_count, quiet = sent, 0.0
            elif quiet >= WAKE_S:
                await response.write(b": keep-alive\n\n")
                quiet = 0.0
            started = loop.time()
            await state.changes.wait(seen, WAKE_S)
            quiet += loop.time() - started
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


@dataclass(frozen=True)
class Changed:
    """One changed incident as every stream needs it: made once per change and language."""

    incident: Incident | None  # None or resolved: the row goes
    key: tuple[int, int, float, int] | None = None  # its place (`rows.order_key`)
    data: bytes = b""  # its row's HTML as server-sent-event data lines
    held: HeldAlarm | None = None  # a maintenance window holds it (the row says so)


async def _rows(queries: Queries, changed: Collection[int], lang: str, now: datetime
                ) -> dict[int, Changed]:
    """The changed incidents and the rows of those still open: read and rendered once
    for every stream woken by the same change (each then resumes once, not per row)."""
    found, holds = await listing.these(queries, changed)
    return {i: Changed(inc, rows.order_key(inc),
                       _data(listing.row_html(inc, queries, lang, now, holds.get(i))).encode(),
                       holds.get(i))
            if inc is not None and inc.state is not State.RESOLVED else Changed(inc)
            for i, inc in found.items()}


async def _whole(queries: Queries, lang: str, now: datetime) -> tuple[list[Incident], str]:
    found, holds = await listing.open_incidents(queries)
    return found, listing.list_html(found, queries, lang, now, holds)


async def _push(response: web.StreamResponse, state: BoardState, placed: Placed,
                versions: tuple[int, int], changed: Collection[int], queries: Queries,
                lang: str, now: datetime) -> None:
    """The changed incidents as rows (or gone), each placed before its successor. The
    read and the rows' HTML are shared by every stream at the same versions."""
    found = await state.shared.get(("read", *versions, lang),
                                   lambda: _rows(queries, changed, lang, now))
    was_empty = not placed
    for incident_id, change in found.items():
        if change.incident is None or change.key is None:
            placed.drop(incident_id)
        else:
            placed.put(change.incident, change.key)
    gone = [i for i in changed if i not in placed]
    while len(placed) > listing.LIMIT:  # as the whole list: the newest LIMIT only
        oldest = placed.oldest()
        placed.drop(oldest)
        gone.append(oldest)
    if was_empty or not placed:  # the "no open alarms" line comes or goes: the list
        shown = rows.order([c.incident for c in found.values()
                            if c.incident is not None and c.incident.id in placed])
        holds = {i: c.held for i, c in found.items() if c.held is not None}
        await _send(response, "board", listing.list_html(shown, queries, lang, now, holds))
        return
    out = [_event("gone", str(incident_id)).encode() for incident_id in gone]
    # last first, so the row each one goes before is already where it belongs
    for incident_id in sorted((i for i in changed if i in placed), key=placed.position,
                              reverse=True):
        after = placed.after(incident_id)
        out += [f"event: row\ndata: {incident_id} {after or '-'}\n".encode(),
                found[incident_id].data, b"\n"]  # the row's data lines, made once
    await response.write(b"".join(out))  # one write for the lot


def _data(text: str) -> str:
    return "".join(f"data: {line}\n" for line in text.split("\n"))


def _event(event: str, text: str) -> str:
    return f"event: {event}\n{_data(text)}\n"


async def _send(response: web.StreamResponse, event: str, text: str) -> None:
    await response.write(_event(event, text).encode())
