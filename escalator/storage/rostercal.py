"""The last good copy of each roster calendar fetched from a URL (escalator/rosters/feeds.py).

Kept so that a restart while the staffing system is down still knows who is
on shift. Rows are keyed by a hash of the URL, never the URL itself: calendar
URLs often carry a secret token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from escalator.storage.rows import dt, ts
from escalator.storage.sql import Tx


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def save(tx: Tx, url: str, body: bytes, fetched_at: datetime) -> None:
    tx.execute("INSERT INTO roster_calendars (url_hash, body, fetched_at) VALUES (?,?,?)"
               " ON CONFLICT (url_hash) DO UPDATE SET body = excluded.body,"
               " fetched_at = excluded.fetched_at",
               (url_hash(url), body.decode("utf-8", "replace"), ts(fetched_at)))


def load(tx: Tx, urls: Iterable[str]) -> dict[str, tuple[bytes, datetime]]:
    """url -> (body, when it was fetched), for those of `urls` with a kept copy."""
    found = {}
    for url in urls:
        row = tx.one("SELECT body, fetched_at FROM roster_calendars WHERE url_hash = ?",
                     (url_hash(url),))
        when = dt(row["fetched_at"]) if row else None
        if row and when:
            found[url] = (str(row["body"]).encode(), when)
    return found
