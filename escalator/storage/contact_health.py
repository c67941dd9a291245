"""Each contact's last success and last failure, and the manager's test messages.

`tx.contact_health` of an open transaction. The dispatcher writes a contact's
outcome here in the transaction that writes the delivery's (`escalator/dispatch/
recording.py`): the `deliveries` row alone cannot say it, since a row that falls
back to the party's next contact and gets through there keeps only its last
contact and clears its error. A test message is an ordinary outbox row with no
incident (`domain/channel_health.py`); the reads of test rows are here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalator.domain.channel_health import NO_INCIDENT, TEST, Seen
from escalator.domain.delivery import Status
from escalator.storage import audit
from escalator.storage.rows import DeliveryRow, dt, ts
from escalator.storage.txbase import TxBase

TEST_ASKED = "channel.test"  # the audit log's record of a manager's test message


@dataclass(frozen=True)
class ContactSeen:
    party: str
    contact_index: int
    channel: str
    seen: Seen


def succeeded(tx: TxBase, party: str, index: int, channel: str, at: datetime) -> None:
    """A message got through to this contact at `at`: the dispatcher's `accept`, or a
    Telegram digest carrying a held notice (`Deliveries.mark_sent`)."""
    tx.execute("INSERT INTO contact_health (party, contact_index, channel, ok_at)"
               " VALUES (?,?,?,?) ON CONFLICT (party, contact_index, channel)"
               " DO UPDATE SET ok_at = excluded.ok_at", (party, index, channel, ts(at)))


class ContactHealth:
    def __init__(self, tx: TxBase) -> None:
        self._tx = tx

    def succeeded(self, party: str, index: int, channel: str, at: datetime) -> None:
        succeeded(self._tx, party, index, channel, at)

    def failed(self, party: str, index: int, channel: str, at: datetime, failure: str,
               error: str) -> None:
        self._tx.execute(
            "INSERT INTO contact_health (party, contact_index, channel, failed_at, failure,"
            " error) VALUES (?,?,?,?,?,?) ON CONFLICT (party, contact_index, channel)"
            " DO UPDATE SET failed_at = excluded.failed_at, failure = excluded.failure,"
            " error = excluded.error", (party, index, channel, ts(at), failure, error[:500]))

    def listed(self) -> list[ContactSeen]:
        found = self._tx.rows("SELECT * FROM contact_health ORDER BY party, contact_index")
        return [ContactSeen(r["party"], int(r["contact_index"]), r["channel"],
                            Seen(dt(r["ok_at"]), dt(r["failed_at"]), r["failure"] or "",
                                 r["error"] or ""))
                for r in found]

    # -- test messages: outbox rows of no incident -----------------------------------
    def add_test(self, party: str, index: int, channel: str, by: str, now: datetime) -> int:
        """A test message to one contact, due now; `detail` keeps who asked for it."""
        self._tx.needs_claim = True  # a follower's commit tells the leader's waker
        row_id = self._tx.insert(
            "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail,"
            " is_update, status, contact_index, attempts, next_attempt_at, created_at,"
            " claims) VALUES (?,?,?,NULL,0,?,0,?,?,0,?,?,0)",
            (NO_INCIDENT, party, TEST, by, Status.PENDING.value, index, ts(now), ts(now)))
        audit.record(self._tx, TEST_ASKED, at=now, actor=by,
                     payload={"delivery": row_id, "party": party, "contact": index,
                              "channel": channel})
        return row_id

    def last_tests(self) -> dict[tuple[str, int], DeliveryRow]:
        """The newest test row per (party, contact index)."""
        found = self._tx.rows(
            "SELECT * FROM deliveries d WHERE d.incident_id = ? AND d.reason = ? AND d.id ="
            " (SELECT MAX(x.id) FROM deliveries x WHERE x.incident_id = d.incident_id"
            " AND x.reason = d.reason AND x.party = d.party"
            " AND x.contact_index = d.contact_index)", (NO_INCIDENT, TEST))
        rows = [DeliveryRow.from_row(r) for r in found]
        return {(r.party, r.contact_index): r for r in rows}

    def tests_by(self, by: str, since: datetime) -> int:
        """How many test messages `by` asked for since then."""
        row = self._tx.one("SELECT COUNT(*) AS n FROM deliveries WHERE incident_id = ?"
                           " AND reason = ? AND detail = ? AND created_at >= ?",
                           (NO_INCIDENT, TEST, by, ts(since)))
        return int(row["n"]) if row else 0
