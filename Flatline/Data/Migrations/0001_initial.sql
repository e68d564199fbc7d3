-- Flatline's first schema. Times are Unix milliseconds (UTC); public ids are UUIDv7 text.
-- Internal integer keys keep the hot tables (checks, rollups) small.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE monitors (
    id                   INTEGER PRIMARY KEY,
    uid                  TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    config               TEXT NOT NULL,            -- the "config" JSON object, type-tagged
    interval_s           INTEGER NOT NULL,
    timeout_s            INTEGER NOT NULL,
    retries              INTEGER NOT NULL,
    enabled              INTEGER NOT NULL,
    revision             INTEGER NOT NULL DEFAULT 0, -- bumped when what a check does changes (not on rename)
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    -- Engine state, kept so that a restart resumes where it stopped.
    status               INTEGER NOT NULL DEFAULT 0, -- 0 unknown, 1 up, 2 down
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_checked_at      INTEGER,
    tls_expires_at       INTEGER,
    enabled_at           INTEGER                     -- when the current enabled period began
) STRICT;

-- One row per probe. Keyed by (monitor, time) without a rowid so that a row costs ~20 bytes and
-- every per-monitor read and the retention sweep walk the primary key.
CREATE TABLE checks (
    monitor_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    checked_at  INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    latency_us  INTEGER,          -- to the response headers; NULL when no response came
    status_code INTEGER,
    error       TEXT,
    PRIMARY KEY (monitor_id, checked_at)
) STRICT, WITHOUT ROWID;

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    monitor_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    started_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    cause       TEXT,
    resolution  TEXT                -- 'recovered', 'paused'
) STRICT;
CREATE INDEX incidents_by_monitor ON incidents(monitor_id, started_at);
-- At most one open incident per monitor, whatever the code does.
CREATE UNIQUE INDEX incidents_one_open ON incidents(monitor_id) WHERE resolved_at IS NULL;

CREATE TABLE notification_channels (
    id         INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    config     TEXT NOT NULL,       -- type-specific JSON, secrets included (never returned unmasked)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE monitor_channels (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    monitor_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    on_recovery INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    UNIQUE (monitor_id, channel_id)
) STRICT;
CREATE INDEX monitor_channels_by_channel ON monitor_channels(channel_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    issuer        TEXT NOT NULL,    -- OIDC issuer, or 'local' for the local owner
    subject       TEXT NOT NULL,
    email         TEXT,
    name          TEXT,
    password_hash TEXT,             -- local owner only
    is_owner      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (issuer, subject)
) STRICT;
-- The first account to sign in becomes the owner; the database refuses a second.
CREATE UNIQUE INDEX users_one_owner ON users(is_owner) WHERE is_owner = 1;

CREATE TABLE sessions (
    jti        TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE, -- SHA-256 of the token; the token itself is never stored
    read_only    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
