-- Scheduled notifications (SPEC §15): a channel's delay_minutes holds a down alert back, and its
-- remind_every_minutes adds reminders while the incident stays open. A recovery cancels what has not
-- gone yet (state 'cancelled'), which needs to know what each row is about and when it was first due.

ALTER TABLE outbox ADD COLUMN not_before INTEGER;   -- when the event was first due: created_at, later for a delayed alert or a reminder
ALTER TABLE outbox ADD COLUMN incident_uid TEXT;    -- the incident a down, reminder or recovery is about; NULL for tests

UPDATE outbox SET not_before = created_at, incident_uid = json_extract(payload, '$.incident_id');

CREATE INDEX outbox_by_incident ON outbox(incident_uid) WHERE incident_uid IS NOT NULL;
