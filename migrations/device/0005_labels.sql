-- Dockhand device journal, schema 5: the label print queue and leased SSCC blocks.
-- Append-only: never edit a shipped migration; add 0006_… instead.

-- Labels waiting for, being sent to, or sent to a printer. A job is 'sending' only while
-- its bytes are on the way; one found 'sending' when a queue run starts was interrupted
-- (crash, battery pull) and becomes 'in_doubt': the printer may or may not have printed it,
-- so it is not resent until someone looks at the printer and says which.
CREATE TABLE label_jobs (
    id         TEXT PRIMARY KEY,          -- UUIDv7; also in the ZPL's ^FX comment
    seq        INTEGER NOT NULL UNIQUE,   -- queue order
    printer    TEXT NOT NULL,             -- tcp://host:9100 or serial:/dev/ttyUSB0
    kind       TEXT NOT NULL,
    zpl        TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'printed', 'in_doubt', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    printed_at TEXT
) STRICT;
CREATE INDEX label_jobs_open ON label_jobs (printer, seq) WHERE state IN ('queued', 'sending');

-- Serial-reference blocks the server leased to this device, under the warehouse's GS1
-- company prefix and extension digit. next_serial moves forward before the allocation's
-- event is written, so a crash can skip a serial but never hand one out twice.
CREATE TABLE sscc_blocks (
    extension      INTEGER NOT NULL CHECK (extension BETWEEN 0 AND 9),
    company_prefix TEXT NOT NULL,
    first_serial   INTEGER NOT NULL,
    last_serial    INTEGER NOT NULL,
    next_serial    INTEGER NOT NULL,
    leased_at      TEXT NOT NULL,
    PRIMARY KEY (extension, company_prefix, first_serial),
    CHECK (first_serial <= last_serial AND next_serial BETWEEN first_serial AND last_serial + 1)
) STRICT;
