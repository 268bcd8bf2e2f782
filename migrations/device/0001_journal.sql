-- Dockhand device journal, schema 1.
-- Append-only: never edit a shipped migration; add 0002_… instead.

-- Who this device is. Exactly one row.
CREATE TABLE device (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    device_id       TEXT NOT NULL,
    warehouse       TEXT,
    created_at      TEXT NOT NULL,
    server_url      TEXT,
    pull_cursor     TEXT,
    acked_seq       INTEGER NOT NULL DEFAULT 0,  -- highest seq the server has answered
    reflected_seq   INTEGER NOT NULL DEFAULT 0,  -- highest seq whose effects pulled balances include
    push_attempts   INTEGER NOT NULL DEFAULT 0,  -- failed pushes since the last answer
    last_push_error TEXT,
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    last_sync_at    TEXT
) STRICT;

-- Every confirmed operation, in the order it happened on this device.
-- device_seq is assigned as max+1 inside the writing transaction: gapless by construction.
-- event_id is not indexed: ids are generated here (UUIDv7) and the server keys on seq.
CREATE TABLE events (
    device_seq  INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    body        TEXT NOT NULL  -- the event's wire form (JSON), byte for byte what is pushed
) STRICT;

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;

-- The outbox. The server applies a device's events strictly in order, so sync state is a
-- watermark: events with device_seq > device.acked_seq are pending. The server's verdict for
-- each acknowledged event is kept here.
CREATE TABLE sync_results (
    device_seq INTEGER PRIMARY KEY REFERENCES events (device_seq),
    state      TEXT NOT NULL CHECK (state IN ('applied', 'conflict', 'rejected')),
    detail     TEXT,           -- conflict or rejection reason, for the user
    result     TEXT NOT NULL,  -- the server's answer for this event (JSON)
    updated_at TEXT NOT NULL
) STRICT;

-- Stock effects of this device's events that pulled server balances do not include yet,
-- summed per balance. Events up to device.reflected_seq are already subtracted.
CREATE TABLE local_deltas (
    location TEXT NOT NULL,
    item     TEXT NOT NULL,
    lot      TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL,
    delta    INTEGER NOT NULL,
    PRIMARY KEY (location, item, lot, status)
) STRICT, WITHOUT ROWID;

-- Projections: what the device knows of the server's world.
CREATE TABLE catalog_items (
    sku  TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL  -- the Item as JSON
) STRICT, WITHOUT ROWID;

CREATE TABLE catalog_gtins (
    gtin       TEXT PRIMARY KEY,  -- normalised GTIN-14
    sku        TEXT NOT NULL REFERENCES catalog_items (sku) ON DELETE CASCADE,
    uom        TEXT NOT NULL,
    base_units INTEGER NOT NULL CHECK (base_units > 0)
) STRICT, WITHOUT ROWID;
CREATE INDEX catalog_gtins_by_sku ON catalog_gtins (sku);

CREATE TABLE locations (
    code          TEXT PRIMARY KEY,
    warehouse     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    pick_sequence INTEGER NOT NULL DEFAULT 0,
    body          TEXT NOT NULL  -- the Location as JSON
) STRICT, WITHOUT ROWID;

-- Balances as last pulled from the server.
CREATE TABLE server_balances (
    location TEXT NOT NULL,
    item     TEXT NOT NULL,
    lot      TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL,
    expiry   TEXT,
    qty      INTEGER NOT NULL,
    PRIMARY KEY (location, item, lot, status)
) STRICT, WITHOUT ROWID;
CREATE INDEX server_balances_by_item ON server_balances (item);

-- Open work assigned to this device's warehouse: pick tasks, inbound documents.
CREATE TABLE tasks (
    kind    TEXT NOT NULL CHECK (kind IN ('pick', 'inbound')),
    task_id TEXT NOT NULL,
    state   TEXT NOT NULL DEFAULT 'open',
    sscc    TEXT,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, task_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX tasks_by_sscc ON tasks (sscc) WHERE sscc IS NOT NULL;
