-- Dockhand device journal, schema 8: a print job whose label cannot be laid out on the
-- device's stock is 'failed' (with the reason in last_error) instead of waiting forever,
-- and the facts "Build pallet" reads (packed cartons, pallets built) get an index.
-- Append-only: never edit a shipped migration; add 0009_… instead.

-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with every row.
CREATE TABLE label_jobs_v8 (
    id         TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL UNIQUE,
    printer    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    zpl        TEXT NOT NULL,             -- empty for a failed job that was never laid out
    state      TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'printed', 'in_doubt',
                                              'cancelled', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                      -- for 'failed': why, and what to do, in words
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    printed_at TEXT,
    data       TEXT
) STRICT;
INSERT INTO label_jobs_v8 (id, seq, printer, kind, zpl, state, attempts, last_error,
                           created_at, updated_at, printed_at, data)
SELECT id, seq, printer, kind, zpl, state, attempts, last_error,
       created_at, updated_at, printed_at, data
FROM label_jobs;
DROP TABLE label_jobs;
ALTER TABLE label_jobs_v8 RENAME TO label_jobs;
CREATE INDEX label_jobs_open ON label_jobs (printer, seq) WHERE state IN ('queued', 'sending');

-- Every closed carton and every SSCC allocation of this device, in journal order.
CREATE INDEX events_cartons_and_pallets ON events (device_seq)
    WHERE kind IN ('pack', 'sscc_allocated');
