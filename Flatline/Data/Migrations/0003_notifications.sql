-- Notification delivery: an outbox row per event and channel, written in the same transaction
-- as the state change that caused it, and one row per delivery attempt.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,   -- the event id (webhook-id), stable across retries
    channel_id      INTEGER NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,          -- 'down', 'up', 'test'
    payload         TEXT NOT NULL,          -- the Notification as JSON, frozen when the event happened
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER,                -- NULL once delivered or given up
    attempts        INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending', -- 'pending', 'delivered', 'failed'
    last_error      TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX outbox_by_channel ON outbox(channel_id, created_at);

CREATE TABLE delivery_attempts (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    delivered    INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT
) STRICT;
CREATE INDEX delivery_attempts_by_channel ON delivery_attempts(channel_id, attempted_at);
CREATE INDEX delivery_attempts_by_outbox ON delivery_attempts(outbox_id);
