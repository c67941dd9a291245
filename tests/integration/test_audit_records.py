"""`audit verify` holds what the reports read against the chain (issue 19, point 7).

Measured before: `escalator audit verify` said "intact" after the audit tables
were emptied with 10,006 incidents present, and after the timeline, incidents
or deliveries tables were edited. Each tampering here is one a database user
could do without touching the chain; verify must name the incident, on SQLite
and PostgreSQL, through the command an operator runs.
"""

from __future__ import annotations

import pytest
from test_audit_log import GENESIS_SQL, history, tamper, verify_cli

from escalator.storage import audit


@pytest.mark.parametrize("how, problem", [
    ("empty_chain", "incident_unrecorded"),
    ("incident_acked_by", "incident_changed"),
    ("incident_state", "incident_changed"),
    ("timeline_detail", "timeline_changed"),
    ("timeline_deleted", "timeline_changed"),
    ("timeline_added", "timeline_changed"),
    ("delivery_unsent", "delivery_changed"),
    ("delivery_party", "delivery_changed"),
    ("delivery_sent_at", "delivery_changed"),
    ("delivery_deleted", "delivery_changed"),
])
async def test_verify_finds_an_edit_of_what_the_reports_read(make_app, clock, recorder,
                                                             store_url, how, problem):
    app, incident_id = await history(make_app, clock, recorder, store_url)
    code, text = await verify_cli(store_url)
    assert code == 0 and "intact" in text, text
    edits = {
        "empty_chain": [("DELETE FROM audit_log", ()), GENESIS_SQL],
        "incident_acked_by": [("UPDATE incidents SET acked_by = 'Nurse Anna' WHERE id = ?",
                               (incident_id,))],
        "incident_state": [("UPDATE incidents SET state = 'acked' WHERE id = ?",
                            (incident_id,))],
        "timeline_detail": [("UPDATE timeline SET detail = 'called back at once'"
                             " WHERE incident_id = ? AND reason = 'ACKED'", (incident_id,))],
        "timeline_deleted": [("DELETE FROM timeline WHERE incident_id = ?"
                              " AND reason = 'REFUSED'", (incident_id,))],
        "timeline_added": [("INSERT INTO timeline (incident_id, at, reason, party, detail, step)"
                            " SELECT incident_id, at, reason, party, detail, step FROM timeline"
                            " WHERE incident_id = ? AND reason = 'OPENED'", (incident_id,))],
        # the contractor says "we were never told": the sent notice made to look failed
        "delivery_unsent": [("UPDATE deliveries SET status = 'failed'"
                             " WHERE incident_id = ? AND status = 'sent'", (incident_id,))],
        # "we were told an hour later than you say"
        "delivery_sent_at": [("UPDATE deliveries SET sent_at = '2026-11-24T08:00:00.000000+00:00'"
                              " WHERE incident_id = ? AND status = 'sent'", (incident_id,))],
        "delivery_party": [("UPDATE deliveries SET party = 'ward-b' WHERE incident_id = ?",
                            (incident_id,))],
        "delivery_deleted": [("DELETE FROM deliveries WHERE incident_id = ?"
                              " AND status = 'failed'", (incident_id,))],
    }
    await tamper(app, *edits[how])
    verdict = await audit.verify(app.store)
    assert not verdict.ok and verdict.broken is not None
    assert (verdict.broken.problem, verdict.broken.params) == (problem, {"incident": incident_id})
    code, text = await verify_cli(store_url)
    assert code == 1 and f"#{incident_id}" in text and "does NOT match" in text, text


async def test_an_incident_saved_twice_in_one_transaction_is_one_state_row(
        make_app, clock, recorder, store_url):
    """The per-alarm cost: one `incident.state` row per incident per transaction."""
    app, incident_id = await history(make_app, clock, recorder, store_url)
    rows = await app.store.transaction(lambda tx: audit.rows_tx(tx, incident_id))
    states = [r for r in rows if r["kind"] == "incident.state"]
    opened = [r for r in rows if r["kind"] == "timeline.OPENED"]
    assert states and len(opened) == 1
    first = rows.index(opened[0])  # the alarm's own transaction: opened, queued, one state
    same = [r for r in rows[first:] if r["kind"] == "incident.state"][:1]
    assert same and same[0]["payload"]["state"] == "open"
    between = rows[first:rows.index(same[0])]
    assert all(r["kind"] != "incident.state" for r in between)
