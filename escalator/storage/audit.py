"""Append-only, tamper-evident audit log: a SHA-256 hash chain in `audit_log`.

Why: a patient-safety report, or a dispute with a contractor about who was
told what and when, rests on this record; the timeline alone can be edited
without a trace. Each row's `hash` is SHA-256 over the previous row's hash
followed by the row's own canonical JSON, so changing, deleting or reordering
any row breaks the chain from that row on, and `verify` names the first broken
link. Ids are contiguous (the writer assigns head + 1), so a deleted row shows
as a gap. The one-row `audit_head` table holds the last id and hash: rows cut
off the end show as a head that points past the last row, and on PostgreSQL
the head row is locked (`SELECT ... FOR UPDATE`) by every writer, so two
instances on one database append one after the other and never fork the chain.

Rows are written by the same transaction as the change they record, so the
log neither misses a committed change nor keeps one that was rolled back.
What the chain cannot catch: someone with write access to the database who
rewrites every row from some point on *and* the head. Shipping the head hash
outside (the dead man's switch does, see `escalator.monitoring.deadman`) narrows that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escalator.domain.model import Entry, Notice
from escalator.storage import audit_records
from escalator.storage.rows import ts
from escalator.storage.statements import Statements as Tx  # sql.Tx is one; no circle
from escalator.storage.statements import Transactions

GENESIS = "0" * 64
SYSTEM = "escalator"  # the actor when the service itself decided
CHUNK = 1000
COLUMNS = ("id", "at", "kind", "actor", "incident_id", "payload", "prev_hash", "hash")

# Kinds of audit rows; a timeline entry's kind is "timeline.<REASON>".
NOTICE_QUEUED = "notice.queued"
DELIVERY = "delivery."  # + sent | failed | retry | next_contact | superseded
CONFIG_RELOADED = "config.reloaded"
CONFIG_REJECTED = "config.rejected"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 kept as is.

    (The same text as json.dumps with these options; one encoder made once, since
    a reminder round hashes thousands of rows and json.dumps builds one per call.)"""
    return _CANONICAL.encode(value)


def link_hash(prev_hash: str, row_id: int, at: str, kind: str, actor: str | None,
              incident_id: int | None, payload: Any) -> str:
    body = canonical({"id": row_id, "at": at, "kind": kind, "actor": actor,
                      "incident_id": incident_id, "payload": payload})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _head(tx: Tx) -> tuple[int, str]:
    """The chain's head: read (and on PostgreSQL locked) once per transaction, at its
    first flush (just before the commit, mostly: the lock is held that much shorter),
    then kept on the transaction as each row is appended."""
    if tx.audit_head is not None:
        return tx.audit_head
    lock = " FOR UPDATE" if tx.dialect.name == "postgresql" else ""
    row = tx.one(f"SELECT last_id, last_hash FROM audit_head WHERE id = 1{lock}")
    if row is None:  # the schema inserts it; a database restored without it starts afresh
        tx.execute("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, ?)",
                   (GENESIS,))
        return 0, GENESIS
    return int(row["last_id"]), str(row["last_hash"])


def record(tx: Tx, kind: str, *, at: datetime, actor: str | None = None,
           incident_id: int | None = None, payload: Mapping[str, Any] | None = None) -> None:
    """Append one row to the chain inside the caller's transaction.

    Kept on the transaction with its payload's JSON text, and hashed and written with
    the others of the transaction in `flush` (in this order, one INSERT): a new alarm
    records four rows, a reminder round hundreds, and each statement costs the store
    thread a hand-over of the GIL while the event loop is busy."""
    tx.audit_rows.append((ts(at) or "", kind, actor, incident_id,
                          canonical(dict(payload or {}))))


def flush(tx: Tx) -> None:
    """Hash the rows kept so far in order onto the chain's head, write them in one
    statement and the head once (`Tx.flush_kept` calls this before the commit, and
    before any statement that reads the audit tables)."""
    kept, tx.audit_rows = tx.audit_rows, []
    if not kept:
        return
    last_id, last_hash = _head(tx)
    rows = []
    for when, kind, actor, incident_id, body in kept:
        row_id = last_id + 1
        digest = _link(last_hash, row_id, when, kind, actor, incident_id, body)
        rows.append((row_id, when, kind, actor, incident_id, body, last_hash, digest))
        last_id, last_hash = row_id, digest
    tx.insert_rows("audit_log", COLUMNS, rows)
    tx.audit_head = (last_id, last_hash)
    tx.execute("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1",
               tx.audit_head)


def _link(prev_hash: str, row_id: int, at: str, kind: str, actor: str | None,
          incident_id: int | None, payload_text: str) -> str:
    """`link_hash` over a payload already in its canonical text: the same object with
    sorted keys, written out key by key (tests/unit/test_audit_link.py holds the two
    equal), so each payload is encoded once, for its column and its hash alike."""
    enc = _CANONICAL.encode
    body = (f'{{"actor":{enc(actor)},"at":{enc(at)},"id":{row_id:d},'
            f'"incident_id":{enc(incident_id)},"kind":{enc(kind)},"payload":{payload_text}}}')
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record_entries(tx: Tx, incident_id: int, entries: Iterable[Entry]) -> None:
    """Every timeline line: actions, acknowledgements, refusals, escalations, failures."""
    for e in entries:
        record(tx, f"timeline.{e.reason.value}", at=e.at, actor=e.party or SYSTEM,
               incident_id=incident_id,
               payload={"reason": e.reason.value, "party": e.party, "detail": e.detail,
                        "step": e.step})


def record_notices(tx: Tx, incident_id: int, notices: Iterable[Notice], now: datetime) -> None:
    """Every notification the service decided to send (the outbox rows)."""
    for n in notices:
        record(tx, NOTICE_QUEUED, at=now, actor=SYSTEM, incident_id=incident_id,
               payload={"party": n.party, "reason": n.reason.value, "step": n.step,
                        "loop": n.loop, "detail": n.detail, "update": bool(n.update)})


def record_delivery(tx: Tx, delivery_id: int, incident_id: int, party: str, reason: str,
                    fields: Mapping[str, Any], now: datetime) -> None:
    """One attempt's outcome: sent, failed for good, retried, or moved to the next contact."""
    status = fields.get("status")
    if status is None:
        status = "next_contact" if "contact_index" in fields else "retry"
    payload = {"delivery": delivery_id, "party": party, "reason": reason,
               "channel": fields.get("channel"), "attempts": fields.get("attempts"),
               "error": fields.get("error")}
    sent_at = fields.get("sent_at")
    if isinstance(sent_at, datetime):  # when the contact was told: what a dispute is about
        payload["sent_at"] = ts(sent_at)
    if fields.get("maybe_sent"):  # cut at a shutdown: the peer may have it already
        payload["maybe_sent"] = True
    record(tx, DELIVERY + str(status), at=now, actor=SYSTEM, incident_id=incident_id,
           payload=payload)


def record_incidents(tx: Tx, written: Mapping[int, tuple[Any, ...]]) -> None:
    """One `incident.state` row per incident this transaction wrote (`Tx.finish`)."""
    for incident_id, values in written.items():
        record(tx, audit_records.INCIDENT_STATE,
               at=audit_records.when(values) or datetime.fromtimestamp(0, UTC),
               actor=SYSTEM, incident_id=incident_id,
               payload={"state": values[6], "digest": audit_records.digest(values)})


def record_sent(tx: Tx, delivery_id: int, channel: str, at: datetime) -> None:
    """A notice a channel held in its own queue went out (`Tx.deliveries.mark_sent`)."""
    record(tx, "delivery.sent", at=at, actor=SYSTEM,
           payload={"delivery": delivery_id, "channel": channel, "sent_at": ts(at)})


# -- reading -------------------------------------------------------------------
@dataclass(frozen=True)
class Broken:
    """The first broken link: which row, and a reason code with its parameters."""

    id: int
    problem: str  # hash_mismatch | prev_mismatch | missing | head_mismatch | bad_row
    params: Mapping[str, Any]
    chain: bool = True  # False: the chain is whole, but a table does not match it


@dataclass(frozen=True)
class Verdict:
    count: int  # rows checked and found in order
    broken: Broken | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_tx(tx: Tx) -> Verdict:
    """Walk the chain in id order; stop at the first row that does not fit. Then hold the
    incidents, timeline and deliveries tables against it (escalator/storage/audit_records.py)."""
    verdict, seen = _walk(tx)
    if not verdict.ok:
        return verdict
    found = audit_records.check(tx, seen)
    if found is not None:
        return Verdict(verdict.count, Broken(found.incident, found.problem,
                                             {"incident": found.incident}, chain=False))
    return verdict


def _walk(tx: Tx) -> tuple[Verdict, audit_records.Seen]:
    tx.flush_kept()  # this transaction's own rows first (the timeline's too: see check)
    seen = audit_records.Seen()
    expected_id, prev, count = 1, GENESIS, 0
    while True:
        rows = tx.rows("SELECT * FROM audit_log WHERE id >= ? ORDER BY id LIMIT ?",
                       (expected_id, CHUNK))
        for r in rows:
            row_id = int(r["id"])
            if row_id != expected_id:
                return Verdict(count, Broken(expected_id, "missing", {"next": row_id})), seen
            if r["prev_hash"] != prev:
                return Verdict(count, Broken(row_id, "prev_mismatch",
                                             {"previous": row_id - 1})), seen
            try:
                payload = json.loads(r["payload"])
            except (TypeError, ValueError):
                return Verdict(count, Broken(row_id, "bad_row", {"field": "payload"})), seen
            digest = link_hash(prev, row_id, r["at"], r["kind"], r["actor"],
                               None if r["incident_id"] is None else int(r["incident_id"]),
                               payload)
            if digest != r["hash"]:
                return Verdict(count, Broken(row_id, "hash_mismatch", {})), seen
            seen.take(r["at"], r["kind"], None if r["incident_id"] is None
                      else int(r["incident_id"]), payload)
            expected_id, prev, count = row_id + 1, digest, count + 1
        if len(rows) < CHUNK:
            break
    head = tx.one("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
    last_id = int(head["last_id"]) if head else 0
    if (head is None and count) or (head is not None and (
            last_id != count or head["last_hash"] != prev)):
        return Verdict(count, Broken(min(last_id, count + 1), "head_mismatch",
                                     {"head": last_id, "last": count})), seen
    return Verdict(count), seen


async def verify(store: Transactions) -> Verdict:
    return await store.transaction(verify_tx)


def rows_tx(tx: Tx, incident_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest rows (of one incident, if given), oldest first, payload decoded."""
    if incident_id is None:
        found = tx.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
    else:
        found = tx.rows("SELECT * FROM audit_log WHERE incident_id = ? ORDER BY id DESC"
                        " LIMIT ?", (incident_id, limit))
    for r in found:
        try:
            r["payload"] = json.loads(r["payload"])
        except (TypeError, ValueError):
            pass  # shown as stored; `verify` names it
    return list(reversed(found))


def head_tx(tx: Tx) -> tuple[int, str]:
    """(last id, last hash): what an outside witness keeps to catch a rewritten tail."""
    tx.flush_kept()
    row = tx.one("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
    return (int(row["last_id"]), str(row["last_hash"])) if row else (0, GENESIS)
