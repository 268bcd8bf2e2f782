-- Dockhand device journal, schema 2: what sync needs to remember between runs.

-- The device's credentials, set at enrolment. The token is the device's own secret; the
-- journal lives in the app's private storage.
ALTER TABLE device ADD COLUMN token TEXT;

-- Conflicts the server opened for this device's events, as pulled: shown on the sync screen.
CREATE TABLE device_conflicts (
    conflict_id INTEGER PRIMARY KEY,
    event_id    TEXT,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    message     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
