-- Dockhand device journal, schema 3: what the handheld workflows need.
-- Append-only: never edit a shipped migration; add 0004_… instead.

-- The job open on this device, so the app can reopen it after a restart. Only a hint of
-- which job (and its settings): the job's progress is always derived from its events.
CREATE TABLE device_job (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    spec       TEXT NOT NULL,  -- workflow::JobSpec as JSON
    operator   TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Putaway zone rules: items of a category go to a zone.
CREATE TABLE putaway_zone_rules (
    category TEXT PRIMARY KEY,
    zone     TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Replaying one job's events (reopening a pick task, a receipt, a count, an order) must not
-- scan the whole journal.
CREATE INDEX events_pick_by_task ON events (json_extract(body, '$.payload.task'))
    WHERE kind = 'pick';
CREATE INDEX events_receipt_by_document ON events (json_extract(body, '$.payload.document.number'))
    WHERE kind IN ('receive', 'receipt_closed');
CREATE INDEX events_count_by_location ON events (json_extract(body, '$.payload.location'))
    WHERE kind = 'count';
CREATE INDEX events_pick_by_tote ON events (json_extract(body, '$.payload.to'))
    WHERE kind = 'pick';
CREATE INDEX events_pack_by_order ON events (json_extract(body, '$.payload.order'))
    WHERE kind = 'pack';
