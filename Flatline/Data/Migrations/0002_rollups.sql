-- Rollups kept as checks arrive, so that stats never scan raw checks. One row per monitor per
-- UTC hour and per UTC day: counts, enabled and down time (ms), and a latency histogram of the
-- successful checks (LatencyHistogram.ToBytes). Kept 400 days.

-- Up to when the monitor's enabled and down time is in the rollups; NULL while paused.
ALTER TABLE monitors ADD COLUMN accounted_until INTEGER;
UPDATE monitors SET accounted_until = coalesce(last_checked_at, enabled_at) WHERE enabled = 1;

CREATE TABLE rollups_hourly (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,    -- Unix time / 3600
    checks     INTEGER NOT NULL DEFAULT 0,
    failures   INTEGER NOT NULL DEFAULT 0,
    enabled_ms INTEGER NOT NULL DEFAULT 0,
    down_ms    INTEGER NOT NULL DEFAULT 0,
    latency    BLOB,
    PRIMARY KEY (monitor_id, hour)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollups_daily (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,    -- Unix time / 86400
    checks     INTEGER NOT NULL DEFAULT 0,
    failures   INTEGER NOT NULL DEFAULT 0,
    enabled_ms INTEGER NOT NULL DEFAULT 0,
    down_ms    INTEGER NOT NULL DEFAULT 0,
    latency    BLOB,
    PRIMARY KEY (monitor_id, day)
) STRICT, WITHOUT ROWID;
