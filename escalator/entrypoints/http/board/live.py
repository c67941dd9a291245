"""The board's live stream (server-sent events): the open-alarms list follows the store.

On connecting, the reader gets the whole list once (`event: board`). After that,
each commit that changed incidents (`store.changed_sink` -> `Changes`) costs the
stream a read of just those incidents, and the reader gets each as one row
(`event: row`: "<id> <id of the row it goes before, or ->" then the row's HTML) or
its removal (`event: gone`). With 50 boards open and 400 alarms, a new alarm is
one row read and rendered per board, not 50 x 500. The whole list is read again
only when anything may have changed (a new config, new rosters), after a reader
falls too far behind, and every FULL_EVERY_S for the times the rows show.

The session is checked against the config in force on every round: a user
removed or given another role is signed out of the stream at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime

from aiohttp import web

from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board import listing, rows
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.pages import (
    HEADERS,
    board_state,
    current,
    language,
    signed_in,
)
from escalator.entrypoints.http.keys import CONTEXT, QUERIES
from escalator.usecases.queries import Queries

WAKE_S = 15.0  # a quiet stream looks at its session and sends a keep-alive this often
FULL_EVERY_S = 60.0  # the whole list again: "since" and "next" read relative times


@signed_in
async def events(request: web.Request, session: Session) -> web.StreamResponse:
    state, app, queries = board_state(request), request.app[CONTEXT], request.app[QUERIES]
    lang = language(request, session)
    response = web.StreamResponse(headers={
        **HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    shown: dict[int, Incident] = {}
    seen, last_count, quiet, full_at = -1, -1, 0.0, float("-inf")
    try:
        while not state.changes.closing:
            if current(request) is None:  # expired, signed out, removed or demoted
                await response.write(b"event: signed-out\ndata: -\n\n")
                break
            changed = state.changes.since(seen) if seen >= 0 else None
            seen = state.changes.version
            if changed is None or loop.time() - full_at >= FULL_EVERY_S:
                shown = {i.id: i for i in await listing.open_incidents(queries)}
                await _send(response, "board", listing.list_html(
                    rows.order(list(shown.values())), queries, lang, app.now()))
                full_at, quiet = loop.time(), 0.0
            elif changed:
                await _push(response, shown, changed, queries, lang, app.now())
                quiet = 0.0
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


async def _push(response: web.StreamResponse, shown: dict[int, Incident],
                changed: Collection[int], queries: Queries, lang: str,
                now: datetime) -> None:
    """The changed incidents as rows (or gone), each placed before its successor."""
    was_empty = not shown
    for incident_id, incident in (await listing.these(queries, changed)).items():
        if incident is None or incident.state is State.RESOLVED:
            shown.pop(incident_id, None)
        else:
            shown[incident_id] = incident
    gone = [i for i in changed if i not in shown]
    while len(shown) > listing.LIMIT:  # as the full list: the newest LIMIT only
        oldest = min(shown)
        del shown[oldest]
        gone.append(oldest)
    ordered = rows.order(list(shown.values()))
    if was_empty or not shown:  # the "no open alarms" line comes or goes: the list
        await _send(response, "board", listing.list_html(ordered, queries, lang, now))
        return
    for incident_id in gone:
        await _send(response, "gone", str(incident_id))
    place = {inc.id: n for n, inc in enumerate(ordered)}
    # last first, so the row each one goes before is already where it belongs
    for incident_id in sorted((i for i in changed if i in place), key=place.__getitem__,
                              reverse=True):
        n = place[incident_id]
        after = str(ordered[n + 1].id) if n + 1 < len(ordered) else "-"
        html = listing.row_html(shown[incident_id], queries, lang, now)
        await _send(response, "row", f"{incident_id} {after}\n{html}")


async def _send(response: web.StreamResponse, event: str, text: str) -> None:
    data = "".join(f"data: {line}\n" for line in text.split("\n"))
    await response.write(f"event: {event}\n{data}\n".encode())
