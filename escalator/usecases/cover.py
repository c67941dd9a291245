"""Cover shifts as commands: "I cover Anna's shift tonight" from the board, Telegram or
the API, checked, kept and audited in one transaction.

Each door reads its request into an `Asker` (who, with which role, which party they
are) and a period, and says the result back in its own words. The rule is
`domain/covers.py` (`check_cover`); the row and its audit record are
`storage/covers.py`. The ladder reads the covers in its own transactions
(`EscalationService._dir`); `directory()` here is the same view for the duty page and
`/oncall`. A cover ends by itself: after its end nothing reads it any more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from escalator.domain.availability import Directory
from escalator.domain.covers import (
    Asker,
    Cover,
    CoverProblem,
    check_cover,
    may_cover,
    party_named,
    tonight,
)
from escalator.domain.hours import Period, Unreadable
from escalator.storage.covers import StoredCover
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context

TONIGHT_WORDS = frozenset({"tonight", "tänään", "tänäyönä", "yöllä", "ikväll", "inatt"})


@dataclass(frozen=True)
class CoverResult:
    cover: Cover | None = None  # as kept (None if refused)
    problem: CoverProblem | None = None
    missing: bool = False  # end: no such cover, or it has ended


@dataclass(frozen=True)
class KeptCover:
    """A cover with the names to show and who said it."""

    cover: Cover
    covered_name: str
    cover_name: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Covering:
    context: Context
    store: Store
    current_directory: Callable[[], Directory]
    poke: Callable[[], None]

    def party(self, said: str) -> str | None:
        """The party a person named (id or name)."""
        return party_named(said, {pid: p.name for pid, p in self.context.config.parties.items()})

    def tonight(self) -> tuple[datetime, datetime]:
        return tonight(self.context.now(), self.current_directory().tz)

    def period(self, said: str) -> tuple[datetime, datetime] | None:
        """"tonight" (or nothing), or a period in local time as the config writes one
        (`2026-12-24T21:00..2026-12-25T07:00`, `2026-12-24`); None if unreadable."""
        text = said.strip()
        if not text or text.casefold() in TONIGHT_WORDS:
            return self.tonight()
        try:
            span = Period.parse(text)
        except Unreadable:
            return None
        zone = self.current_directory().tz
        return (span.start.replace(tzinfo=zone).astimezone(UTC),
                span.end.replace(tzinfo=zone).astimezone(UTC))

    async def cover(self, asker: Asker, covered: str, cover: str, start: datetime,
                    end: datetime) -> CoverResult:
        """Keep "`cover` works instead of `covered` during [start, end)" if allowed."""
        now = self.context.now()
        roles = {pid: p.role for pid, p in self.context.config.parties.items()}
        draft = Cover(covered, cover, start, end)

        def work(tx: Tx) -> CoverResult:
            problem = check_cover(asker, draft, now, roles, tx.covers.in_force(now))
            if problem is not None:
                return CoverResult(problem=problem)
            return CoverResult(replace(draft, id=tx.covers.add(draft, asker.name, now)))
        result = await self.store.transaction(work)
        if result.cover is not None:
            self.poke()
        return result

    async def end(self, asker: Asker, cover_id: int) -> CoverResult:
        """End it now (the covered person is back); the row stays as the record."""
        now = self.context.now()

        def work(tx: Tx) -> CoverResult:
            found = tx.covers.get(cover_id)
            if found is None or found.cover.end <= now:
                return CoverResult(missing=True)
            if not may_cover(asker, found.cover.cover):
                return CoverResult(problem=CoverProblem.ROLE)
            tx.covers.end(cover_id, asker.name, now)
            return CoverResult(replace(found.cover, end=now))
        result = await self.store.transaction(work)
        if result.cover is not None:
            self.poke()
        return result

    async def listed(self) -> list[KeptCover]:
        """Current and planned covers, with names, by start."""
        now = self.context.now()
        found = await self.store.transaction(lambda tx: tx.covers.ending_after(now))
        directory = self.current_directory()
        return [_kept(s, directory) for s in found]

    async def directory(self) -> Directory:
        """Who is who and on duty now, with the covers in force (the duty page, /oncall)."""
        now = self.context.now()
        covers = await self.store.transaction(lambda tx: tx.covers.in_force(now))
        return self.current_directory().with_covers(covers)


def _kept(s: StoredCover, directory: Directory) -> KeptCover:
    return KeptCover(s.cover, directory.name(s.cover.covered), directory.name(s.cover.cover),
                     s.created_by, s.created_at)
