"""The open-alarms list as HTML: the whole list (a page load) or one row (a live change).

Apart from the handlers so the page (`pages.board`) and the live stream
(`live.events`) render rows the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from escalator.domain.model import Incident, State
from escalator.entrypoints.http.board import rows
from escalator.entrypoints.http.board.texts import bt
from escalator.usecases.holds import HeldAlarm
from escalator.usecases.queries import Queries

Holds = Mapping[int, HeldAlarm]  # the open alarms a maintenance window holds, by id

LIMIT = 500  # the newest incidents the list looks at

_ENV = Environment(loader=PackageLoader("escalator.entrypoints.http.board", "templates"),
                   autoescape=select_autoescape(default=True), trim_blocks=True,
                   lstrip_blocks=True)


async def open_incidents(queries: Queries) -> tuple[list[Incident], Holds]:
    """The open ones among the newest LIMIT incidents, in the board's order, and those
    of them a maintenance window holds (one read)."""
    found, holds = await queries.listed_with_holds(LIMIT)
    return rows.order([i for i in found if i.state is not State.RESOLVED]), holds


async def these(queries: Queries, ids: Iterable[int]
                ) -> tuple[dict[int, Incident | None], Holds]:
    """Just the named incidents and their holds, in one read (a live change: one row,
    not the list)."""
    wanted = sorted(ids)
    found, holds = await queries.these_with_holds(wanted)
    return dict(zip(wanted, found, strict=True)), holds


def _t(lang: str) -> Any:
    return lambda key, **kw: bt(lang, key, **kw)


def list_html(incidents: Iterable[Incident], queries: Queries, lang: str,
              now: datetime, holds: Holds | None = None) -> str:
    config, holds = queries.context.config, holds or {}
    shown = [rows.row(i, config, queries.directory, lang, now, holds.get(i.id))
             for i in incidents]
    return _ENV.get_template("_list.html").render(rows=shown, t=_t(lang), lang=lang)


def row_html(incident: Incident, queries: Queries, lang: str, now: datetime,
             hold: HeldAlarm | None = None) -> str:
    r = rows.row(incident, queries.context.config, queries.directory, lang, now, hold)
    return _ENV.get_template("_row.html").render(r=r, t=_t(lang), lang=lang).strip()
