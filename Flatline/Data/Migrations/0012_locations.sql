-- Locations (SPEC §16): the main node is the location 'local' and has no row; every other location
-- is a probe agent that pulls its monitors and pushes their results with its token. Only a SHA-256
-- hash of the token is kept. last_seq is the sequence number of the agent's last result committed, so
-- that a batch sent again (its answer was lost) is not recorded twice; agent_instance names the agent's
-- buffer file those numbers count in (a new file counts from 1 again). offline_since is set while the
-- agent has stopped reporting (the owner was told once).
CREATE TABLE locations (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL UNIQUE,
    token_hash    BLOB NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER,
    version       TEXT,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    agent_instance TEXT,
    offline_since INTEGER
) STRICT;

-- Where a monitor is checked from (a JSON array of location names; NULL: only 'local') and how many of
-- them must fail before it is down ('any', 'majority', 'all' or a number; NULL: 'majority').
ALTER TABLE monitors ADD COLUMN locations TEXT;
ALTER TABLE monitors ADD COLUMN quorum TEXT;

-- The state machine per location of a monitor checked from more than 'local': the monitor's own
-- status is what the quorum makes of these.
CREATE TABLE monitor_location_states (
    monitor_id           INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    location             TEXT NOT NULL,
    status               INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_checked_at      INTEGER,
    PRIMARY KEY (monitor_id, location)
) STRICT, WITHOUT ROWID;

-- Which location ran a check (locations.id); NULL for the main node, so that its rows stay as small as before.
ALTER TABLE checks ADD COLUMN location INTEGER;

-- The names of the locations that saw an incident's monitor fail (a JSON array).
ALTER TABLE incidents ADD COLUMN locations TEXT;

-- Per location and UTC hour: checks, failures and the latency histogram of successful checks, for
-- the stats of one location (the monitor's own rollups stay the combined view).
CREATE TABLE location_rollups (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    location   TEXT NOT NULL,
    hour       INTEGER NOT NULL,
    checks     INTEGER NOT NULL DEFAULT 0,
    failures   INTEGER NOT NULL DEFAULT 0,
    latency    BLOB,
    PRIMARY KEY (monitor_id, location, hour)
) STRICT, WITHOUT ROWID;
