"""The `meta` table's writes that say the store can take a write right now.

`tx.meta` of an open transaction. The systemd watchdog and the dead man's switch
vouch for the service only while `write_alive` succeeds, and /healthz is "ok" only
while the store's own `heartbeat` does: a read alone would pass on a database that
went read-only or ran out of disk.
"""

from __future__ import annotations

from datetime import datetime

from escalator.storage.rows import ts
from escalator.storage.txbase import POSTGRES, TxBase


class Meta:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def write_alive(self, at: datetime) -> None:
        """The liveness probe's write (escalator/monitoring/liveness.py)."""
        self._tx.execute("INSERT INTO meta (key, value) VALUES ('alive_at', ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (ts(at),))

    def heartbeat(self, host: str, at: datetime) -> None:
        """The store's write probe (`SqlStore.probe`): one row per host."""
        if self._tx.dialect is POSTGRES:  # the table locks intake's writes take: a writer
            self._tx.execute("LOCK TABLE events, incidents, timeline, deliveries"  # holding
                             " IN ROW EXCLUSIVE MODE")  # any of them makes intake busy
        self._tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                         " DO UPDATE SET value = excluded.value", (f"heartbeat {host}", ts(at)))
