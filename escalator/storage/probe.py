"""The store write probe: can the database take a write right now?

The systemd watchdog and the dead man's switch vouch for the service only
while this succeeds; a read alone would pass on a database that went read-only
or ran out of disk.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from escalator.storage.rows import ts

if TYPE_CHECKING:
    from escalator.storage.sql import Tx


def write_probe(tx: Tx, at: datetime) -> None:
    tx.execute("INSERT INTO meta (key, value) VALUES ('alive_at', ?)"
               " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (ts(at),))
