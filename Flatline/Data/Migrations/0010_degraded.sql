-- The degraded state (SPEC §12): a monitor that is up but slow, or whose certificate expires soon.
-- consecutive_slow counts up checks over max_response_ms in a row; degraded_reason says why the
-- monitor is degraded (NULL otherwise); warned_certificate is the expiry (Unix ms) of the certificate
-- whose near expiry was last notified, so that one certificate is notified once.
ALTER TABLE monitors ADD COLUMN consecutive_slow INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN degraded_reason TEXT;
ALTER TABLE monitors ADD COLUMN warned_certificate INTEGER;

-- Degraded time, counted apart from down time (it is enabled time and not down time).
ALTER TABLE rollups_hourly ADD COLUMN degraded_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_daily ADD COLUMN degraded_ms INTEGER NOT NULL DEFAULT 0;

-- A link opts in to degraded notifications; off unless asked for.
ALTER TABLE monitor_channels ADD COLUMN on_degraded INTEGER NOT NULL DEFAULT 0;
