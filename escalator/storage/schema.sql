-- Escalator schema, version 1. Times are ISO-8601 UTC text (sortable, same in
-- SQLite and PostgreSQL). {pk} is the dialect's auto-increment primary key.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    id {pk},
    source TEXT NOT NULL,
    code TEXT NOT NULL,
    point TEXT NOT NULL,
    text TEXT NOT NULL,
    severity TEXT NOT NULL,
    ladder TEXT NOT NULL,
    state TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    count INTEGER NOT NULL,
    esc_loop INTEGER NOT NULL,
    esc_step INTEGER NOT NULL,
    esc_step_started_at TEXT,
    esc_last_notified_at TEXT,
    esc_exhausted INTEGER NOT NULL,
    notified TEXT NOT NULL,
    false_alarm_clear_within_s INTEGER,
    acked_by TEXT,
    acked_at TEXT,
    snoozed_until TEXT,
    false_alarm_by TEXT,
    false_alarm_deadline TEXT,
    resolved_at TEXT,
    resolved_by TEXT,
    next_due TEXT,
    acked_party TEXT,
    eta TEXT,
    ack_deadline TEXT,
    clear_promised_by TEXT,
    clear_reminded_at TEXT,
    reopened INTEGER NOT NULL DEFAULT 0,
    safety TEXT NOT NULL DEFAULT '[]',
    esc_exhausted_at TEXT,
    esc_recheck_at TEXT,
    esc_skipped TEXT NOT NULL DEFAULT '[]',
    promise TEXT,
    promised_at TEXT,
    fix_by TEXT,
    promise_reminded_at TEXT
);
-- At most one open incident per source+code+point, enforced by the database.
CREATE UNIQUE INDEX IF NOT EXISTS incidents_open_key
    ON incidents (dedup_key) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS incidents_next_due ON incidents (next_due);
-- Reopening: the latest resolved incident of the same alarm.
CREATE INDEX IF NOT EXISTS incidents_key_resolved ON incidents (dedup_key, resolved_at);
CREATE TABLE IF NOT EXISTS events (
    id {pk},
    source TEXT NOT NULL,
    event_id TEXT,
    code TEXT NOT NULL,
    state TEXT NOT NULL,
    point TEXT NOT NULL,
    text TEXT NOT NULL,
    severity TEXT NOT NULL,
    occurred_at TEXT,
    received_at TEXT NOT NULL,
    incident_id INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS events_sender_id ON events (source, event_id);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident_id);
CREATE TABLE IF NOT EXISTS timeline (
    id {pk},
    incident_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    party TEXT,
    detail TEXT NOT NULL,
    step INTEGER
);
CREATE INDEX IF NOT EXISTS timeline_incident ON timeline (incident_id);
CREATE TABLE IF NOT EXISTS deliveries (
    id {pk},
    incident_id INTEGER NOT NULL,
    party TEXT NOT NULL,
    reason TEXT NOT NULL,
    step INTEGER,
    loop INTEGER NOT NULL,
    detail TEXT NOT NULL,
    is_update INTEGER NOT NULL,
    status TEXT NOT NULL,
    contact_index INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    channel TEXT,
    error TEXT,
    maybe_sent INTEGER NOT NULL DEFAULT 0, -- a send cut at shutdown: the peer may have it
    claims INTEGER NOT NULL DEFAULT 0 -- times claimed: an outcome counts only for its claim
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_incident ON deliveries (incident_id);
-- Per delivery: since when its current contact has been failing (delivery.fallback_after
-- counts from here). No row: the contact is not failing.
CREATE TABLE IF NOT EXISTS delivery_progress (
    delivery_id INTEGER PRIMARY KEY,
    failing_since TEXT
);
-- A notice spread over a party's contact rules (domain/contact_rules.py): its rows, each
-- on one contact, and the row the service made (`notice_id`). No row: not spread yet.
CREATE TABLE IF NOT EXISTS delivery_spread (
    delivery_id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL
);
-- Per contact of a party (its place in the party's list and its channel): when a
-- message last got through and when one last failed, written with each delivery
-- outcome (escalator/storage/contact_health.py, read by the channel health page).
CREATE TABLE IF NOT EXISTS contact_health (
    party TEXT NOT NULL,
    contact_index INTEGER NOT NULL,
    channel TEXT NOT NULL,
    ok_at TEXT,
    failed_at TEXT,
    failure TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (party, contact_index, channel)
);
CREATE TABLE IF NOT EXISTS safety_incidents (
    id {pk},
    incident_id INTEGER NOT NULL,
    cause TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    last_seen_at TEXT NOT NULL,
    silent_incident_id INTEGER
);
-- Telegram (escalator/storage/telegram.py): the message showing each
-- incident in each chat, edited in place, kept here so a restart edits the same one.
-- digest = 1: the incident is listed in a storm digest rather than on its own card.
CREATE TABLE IF NOT EXISTS telegram_messages (
    incident_id INTEGER NOT NULL,
    chat_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, chat_id)
);
-- Telegram notices held back by a chat's rate budget, sent together as a digest.
CREATE TABLE IF NOT EXISTS telegram_queue (
    id {pk},
    chat_id TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    delivery_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    queued_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS telegram_queue_delivery ON telegram_queue (delivery_id, chat_id);
-- Telegram per-chat choices (the /language command).
CREATE TABLE IF NOT EXISTS telegram_chats (
    chat_id TEXT PRIMARY KEY,
    language TEXT
);
-- The safety register (escalator/storage/register.py): staff notes on a safety
-- record, and its closing (cause, measures proposed, who and when), keyed by
-- safety_incidents.id so the record written by the policy is never rewritten.
CREATE TABLE IF NOT EXISTS safety_notes (
    id {pk},
    safety_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS safety_notes_safety ON safety_notes (safety_id);
CREATE TABLE IF NOT EXISTS safety_reviews (
    safety_id INTEGER PRIMARY KEY,
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    closing_cause TEXT NOT NULL,
    measures TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS safety_incidents_at ON safety_incidents (at);
CREATE INDEX IF NOT EXISTS safety_incidents_incident ON safety_incidents (incident_id);
-- Reports sent (escalator/reports/scheduler.py): one row per kind and period,
-- claimed in a transaction before sending, so each week goes out exactly once
-- even with two instances or a restart in the middle.
CREATE TABLE IF NOT EXISTS report_runs (
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    sent_at TEXT,
    recipients TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (kind, period)
);
-- Reports read incidents by the time they opened and timelines by time.
CREATE INDEX IF NOT EXISTS incidents_opened_at ON incidents (opened_at);
CREATE INDEX IF NOT EXISTS incidents_resolved_at ON incidents (resolved_at);
CREATE INDEX IF NOT EXISTS incidents_unresolved ON incidents (opened_at) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS timeline_reason_at ON timeline (reason, at);
-- The answers and promises of 12 weeks (storage/promises.py): alarms by opening, read
-- from the first index alone, and an answer on the timeline told apart from the copy of a
-- notice (same party, reason and time) inside the second.
CREATE INDEX IF NOT EXISTS incidents_opened_ended ON incidents (opened_at, state, resolved_at);
CREATE INDEX IF NOT EXISTS deliveries_told ON deliveries (incident_id, party, reason, created_at,
                                                         is_update);
-- Maintenance windows set through the operator API (escalator/storage/maintenance.py);
-- windows in the config file are not stored. Ending one early sets until to that moment.
CREATE TABLE IF NOT EXISTS maintenance_windows (
    id {pk},
    starts_at TEXT NOT NULL,
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    sources TEXT NOT NULL,
    codes TEXT NOT NULL,
    point TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT,
    updated_at TEXT
);
-- Cover shifts (escalator/storage/covers.py): `cover` works instead of `covered` from
-- starts_at until `until` (UTC). Ending one early sets until to that moment, and rows stay
-- as the record of who stood in for whom.
CREATE TABLE IF NOT EXISTS covers (
    id {pk},
    covered TEXT NOT NULL,
    cover TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    until TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_by TEXT
);
CREATE INDEX IF NOT EXISTS covers_until ON covers (until);
-- Incidents opened during a maintenance window and not escalated yet: released
-- (their ladder starts, MAINTENANCE_ENDED) when no window covers them any more.
CREATE TABLE IF NOT EXISTS incident_holds (
    incident_id INTEGER PRIMARY KEY,
    window_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    until TEXT NOT NULL
);
-- The audit log (escalator/storage/audit.py): an append-only SHA-256 hash chain
-- of every action, acknowledgement, refusal, notice, delivery outcome and config
-- reload, written in the transaction of the change it records. Ids are assigned
-- by the writer (head + 1), so they are contiguous. payload is canonical JSON.
CREATE TABLE IF NOT EXISTS audit_log (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    incident_id BIGINT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_incident ON audit_log (incident_id);
-- The chain's head: the last id and hash. Writers lock this row on PostgreSQL.
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT DO NOTHING;
-- Voice calls (escalator/storage/voicecalls.py): the call placed for a delivery and the
-- key pressed on it, so the hang-up tells "answered with a key" from "nobody took it".
CREATE TABLE IF NOT EXISTS voice_calls (
    delivery_id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    party TEXT NOT NULL,
    address TEXT NOT NULL,
    call_ref TEXT,
    placed_at TEXT NOT NULL,
    digit TEXT,
    pressed_at TEXT,
    ended_at TEXT,
    outcome TEXT
);
-- Ack links (escalator/storage/nonces.py): a random value per incident, signed into
-- its links, so a link made for incident #1 of an earlier database never opens a new #1.
CREATE TABLE IF NOT EXISTS incident_nonces (
    incident_id INTEGER PRIMARY KEY,
    nonce TEXT NOT NULL
);
-- Config history (escalator/storage/config_versions.py): every version of the config file
-- that came into force (saved from the board's editor, or edited on disk and reloaded),
-- with who and when. The board shows them, diffs them and restores one.
CREATE TABLE IF NOT EXISTS config_versions (
    id {pk},
    saved_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    origin TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    sections TEXT NOT NULL,
    body TEXT NOT NULL
);
-- Roster calendars fetched from URLs (escalator/storage/rostercal.py): the last good
-- copy of each, so a restart while the staffing system is down keeps its shifts.
-- Keyed by a hash of the URL: calendar URLs often carry a secret token.
CREATE TABLE IF NOT EXISTS roster_calendars (
    url_hash TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
-- The weekly summary's kept weeks (storage/report_weeks.py): a week all of whose alarms
-- are over, as the 12-week figures read it (answered in time of the alarms that called;
-- each promised party's asks), so a summary reads SQL for the newest weeks only. The
-- newest timeline and delivery ids at keeping: a later entry for one of its incidents
-- (a note after the end, a reopening) drops the week and it is read again.
CREATE TABLE IF NOT EXISTS report_weeks (
    week_start TEXT NOT NULL,
    week_end TEXT NOT NULL,
    promised TEXT NOT NULL,
    answered INTEGER NOT NULL,
    called INTEGER NOT NULL,
    asked TEXT NOT NULL,
    timeline_seen BIGINT NOT NULL,
    deliveries_seen BIGINT NOT NULL,
    kept_at TEXT NOT NULL,
    PRIMARY KEY (week_start, week_end, promised)
);
