"""SQL of cover shifts (`tx.covers`): kept, read, ended early, each audited.

A cover and its audit record are written in one transaction: "who said Ben covers
Anna tonight, and when" is in the chain the moment the ladder starts using it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalator.domain.covers import Cover
from escalator.storage import audit
from escalator.storage.not_ended import NotEndedAt
from escalator.storage.rows import dt, ts
from escalator.storage.txbase import TxBase

SET, ENDED = "shift_cover.set", "shift_cover.ended"  # audit kinds


@dataclass(frozen=True)
class StoredCover:
    cover: Cover
    created_by: str
    created_at: datetime
    ended_by: str | None = None


def _cover(row: dict[str, Any]) -> StoredCover:
    start, end, created = dt(row["starts_at"]), dt(row["until"]), dt(row["created_at"])
    assert start is not None and end is not None and created is not None
    return StoredCover(Cover(row["covered"], row["cover"], start, end, int(row["id"])),
                       row["created_by"], created, row["ended_by"])


class Covers:
    """`tx.covers` of an open transaction."""

    def __init__(self, tx: TxBase) -> None:
        self._tx = tx
        self._in_force = NotEndedAt[Cover](
            lambda now: (s.cover for s in self.ending_after(now)), lambda c: c.end)

    def add(self, cover: Cover, by: str, now: datetime) -> int:
        tx = self._tx
        self._in_force.forget()
        cover_id = tx.insert(
            "INSERT INTO covers (covered, cover, starts_at, until, created_by, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (cover.covered, cover.cover, ts(cover.start), ts(cover.end), by, ts(now)))
        audit.record(tx, SET, at=now, actor=by, payload={
            "cover": cover_id, "covered": cover.covered, "by": cover.cover,
            "from": ts(cover.start), "until": ts(cover.end)})
        return cover_id

    def ending_after(self, now: datetime) -> list[StoredCover]:
        """Current and planned covers, by start (ended ones stay as a record)."""
        rows = self._tx.rows("SELECT * FROM covers WHERE until > ? ORDER BY starts_at, id",
                             (ts(now),))
        return [_cover(r) for r in rows]

    def in_force(self, now: datetime) -> tuple[Cover, ...]:
        """What the directory needs at `now`: the covers not ended (planned included);
        read once per transaction and instant (the service asks for each incident)."""
        return self._in_force.at(now)

    def get(self, cover_id: int) -> StoredCover | None:
        row = self._tx.one("SELECT * FROM covers WHERE id = ?", (cover_id,))
        return _cover(row) if row else None

    def end(self, cover_id: int, by: str, now: datetime) -> None:
        """Ended now rather than erased; audited like the cover itself."""
        tx = self._tx
        self._in_force.forget()
        tx.execute("UPDATE covers SET until = ?, ended_by = ? WHERE id = ?",
                   (ts(now), by, cover_id))
        audit.record(tx, ENDED, at=now, actor=by, payload={"cover": cover_id, "until": ts(now)})
