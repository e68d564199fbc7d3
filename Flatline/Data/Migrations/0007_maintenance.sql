-- Tags, dependencies, maintenance windows and the connectivity guard (SPEC §13).

-- A tag's colour is kept apart from the monitors that carry it, so that it survives the last one.
CREATE TABLE tags (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    colour TEXT NOT NULL            -- #rrggbb
) STRICT;

CREATE TABLE monitor_tags (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX monitor_tags_by_tag ON monitor_tags(tag_id);

-- child depends on parent: while the parent is down, the child's failures open no incident.
CREATE TABLE monitor_dependencies (
    child_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    parent_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    PRIMARY KEY (child_id, parent_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX monitor_dependencies_by_parent ON monitor_dependencies(parent_id);

CREATE TABLE maintenance_windows (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT,
    schedule        TEXT NOT NULL,  -- the "schedule" JSON object, type-tagged
    tags            TEXT NOT NULL,  -- JSON array of tag names
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- The start of the last occurrence announced as started, and as ended, so that a restart
    -- neither repeats nor skips a start or end notification.
    announced_start INTEGER,
    announced_end   INTEGER
) STRICT;

CREATE TABLE maintenance_monitors (
    window_id  INTEGER NOT NULL REFERENCES maintenance_windows(id) ON DELETE CASCADE,
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    PRIMARY KEY (window_id, monitor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX maintenance_monitors_by_monitor ON maintenance_monitors(monitor_id);

-- Channels told when a window starts and ends.
CREATE TABLE maintenance_channels (
    window_id  INTEGER NOT NULL REFERENCES maintenance_windows(id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    PRIMARY KEY (window_id, channel_id)
) STRICT, WITHOUT ROWID;

-- When Flatline itself had no network (every connectivity canary failed); ended_at NULL while it lasts.
CREATE TABLE offline_spans (
    started_at INTEGER PRIMARY KEY,
    ended_at   INTEGER
) STRICT;

-- Time in maintenance, and while Flatline was offline: neither up nor down, so not in enabled_ms.
ALTER TABLE rollups_hourly ADD COLUMN maintenance_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_hourly ADD COLUMN offline_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_daily ADD COLUMN maintenance_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_daily ADD COLUMN offline_ms INTEGER NOT NULL DEFAULT 0;
