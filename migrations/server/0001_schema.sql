-- Dockhand sync server schema, version 1. Append-only: never edit a shipped migration.
-- Every row carries its warehouse, so the store can later be partitioned by warehouse.

CREATE TABLE warehouses (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE locations (
    warehouse      TEXT NOT NULL REFERENCES warehouses (code),
    code           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    parent         TEXT,
    zone           TEXT,
    aisle          TEXT,
    rack           TEXT,
    shelf          TEXT,
    bin            TEXT,
    pick_sequence  BIGINT NOT NULL DEFAULT 0,
    capacity       BIGINT CHECK (capacity IS NULL OR capacity >= 0),
    body           JSONB NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, code)
);

CREATE TABLE items (
    warehouse     TEXT NOT NULL REFERENCES warehouses (code),
    sku           TEXT NOT NULL,
    name          TEXT NOT NULL,
    gtins         TEXT[] NOT NULL DEFAULT '{}',
    packs         JSONB NOT NULL DEFAULT '[]',
    attributes    JSONB NOT NULL DEFAULT '{}',
    track_lot     BOOLEAN NOT NULL DEFAULT false,
    track_serial  BOOLEAN NOT NULL DEFAULT false,
    track_expiry  BOOLEAN NOT NULL DEFAULT false,
    category      TEXT,
    body          JSONB NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, sku)
);
CREATE INDEX items_gtins ON items USING GIN (gtins);

CREATE TABLE lots (
    warehouse  TEXT NOT NULL REFERENCES warehouses (code),
    sku        TEXT NOT NULL,
    lot        TEXT NOT NULL,
    expiry     DATE,
    PRIMARY KEY (warehouse, sku, lot)
);

-- A serial is unique while in stock: receiving one already in stock is a conflict.
CREATE TABLE serials (
    warehouse      TEXT NOT NULL REFERENCES warehouses (code),
    sku            TEXT NOT NULL,
    serial         TEXT NOT NULL,
    in_stock       BOOLEAN NOT NULL,
    location       TEXT,
    last_event_id  UUID NOT NULL,
    PRIMARY KEY (warehouse, sku, serial)
);

CREATE TABLE suppliers (
    warehouse  TEXT NOT NULL REFERENCES warehouses (code),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (warehouse, code)
);

-- ASNs and POs.
CREATE TABLE inbound_documents (
    warehouse      TEXT NOT NULL REFERENCES warehouses (code),
    kind           TEXT NOT NULL CHECK (kind IN ('asn', 'po')),
    number         TEXT NOT NULL,
    supplier       TEXT,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    sscc           TEXT,
    tolerance_pct  INTEGER NOT NULL DEFAULT 0 CHECK (tolerance_pct >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at      TIMESTAMPTZ,
    PRIMARY KEY (warehouse, kind, number)
);

CREATE TABLE inbound_lines (
    warehouse  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    number     TEXT NOT NULL,
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    lot        TEXT,
    expected   BIGINT NOT NULL CHECK (expected >= 0),
    received   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse, kind, number, line_no),
    FOREIGN KEY (warehouse, kind, number) REFERENCES inbound_documents (warehouse, kind, number)
);

CREATE TABLE orders (
    warehouse   TEXT NOT NULL REFERENCES warehouses (code),
    number      TEXT NOT NULL,
    customer    TEXT,
    state       TEXT NOT NULL DEFAULT 'open',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, number)
);

CREATE TABLE order_lines (
    warehouse  TEXT NOT NULL,
    number     TEXT NOT NULL,
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    qty        BIGINT NOT NULL CHECK (qty > 0),
    picked     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse, number, line_no),
    FOREIGN KEY (warehouse, number) REFERENCES orders (warehouse, number)
);

CREATE TABLE pick_tasks (
    warehouse     TEXT NOT NULL REFERENCES warehouses (code),
    task          TEXT NOT NULL,
    order_number  TEXT,
    mode          TEXT NOT NULL DEFAULT 'single',
    zone          TEXT,
    state         TEXT NOT NULL DEFAULT 'open',
    assigned_to   UUID,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, task)
);

CREATE TABLE pick_task_lines (
    warehouse     TEXT NOT NULL,
    task          TEXT NOT NULL,
    line_no       INTEGER NOT NULL,
    sku           TEXT NOT NULL,
    location      TEXT NOT NULL,
    lot           TEXT NOT NULL DEFAULT '',
    order_number  TEXT,
    reserved      BIGINT NOT NULL CHECK (reserved >= 0),
    picked        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse, task, line_no),
    FOREIGN KEY (warehouse, task) REFERENCES pick_tasks (warehouse, task)
);

CREATE TABLE devices (
    device_id     UUID PRIMARY KEY,
    warehouse     TEXT NOT NULL REFERENCES warehouses (code),
    role          TEXT NOT NULL CHECK (role IN ('picker', 'receiver', 'supervisor', 'admin')),
    -- sha256 of the bearer token; the token itself is shown once at enrolment.
    token_hash    BYTEA NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);

-- The last applied device_seq, advanced in the same transaction as the event's effects.
CREATE TABLE device_sync (
    device_id        UUID PRIMARY KEY REFERENCES devices (device_id),
    warehouse        TEXT NOT NULL,
    last_seq         BIGINT NOT NULL DEFAULT 0,
    last_push_at     TIMESTAMPTZ,
    events_applied   BIGINT NOT NULL DEFAULT 0,
    events_conflict  BIGINT NOT NULL DEFAULT 0,
    events_rejected  BIGINT NOT NULL DEFAULT 0,
    queued_reported  BIGINT NOT NULL DEFAULT 0
);

-- Every pushed event, kept whole, with the result it was given (answered again on retry).
CREATE TABLE events (
    event_id     UUID NOT NULL UNIQUE,
    device_id    UUID NOT NULL,
    device_seq   BIGINT NOT NULL,
    warehouse    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    v            INTEGER NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    body         JSONB NOT NULL,
    result       JSONB NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);
CREATE INDEX events_warehouse_occurred ON events (warehouse, occurred_at);

-- The movement ledger: signed movements per (item, location, lot, status), partitioned by
-- the month they were committed in. Lot '' means none.
CREATE TABLE ledger (
    id            BIGSERIAL,
    warehouse     TEXT NOT NULL,
    item          TEXT NOT NULL,
    location      TEXT NOT NULL,
    lot           TEXT NOT NULL,
    status        TEXT NOT NULL,
    delta         BIGINT NOT NULL,
    event_id      UUID NOT NULL,
    cause         TEXT NOT NULL,
    occurred_at   TIMESTAMPTZ NOT NULL,
    committed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id, committed_at)
) PARTITION BY RANGE (committed_at);
CREATE TABLE ledger_default PARTITION OF ledger DEFAULT;
CREATE INDEX ledger_key_occurred ON ledger (warehouse, item, location, lot, status, occurred_at);
CREATE INDEX ledger_event ON ledger (event_id);

-- Creates the monthly partitions of the ledger from `first_month` for `months` months.
CREATE FUNCTION dockhand_ensure_ledger_partitions(first_month DATE, months INTEGER)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    m DATE := date_trunc('month', first_month)::date;
    i INTEGER;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF ledger FOR VALUES FROM (%L) TO (%L)',
            'ledger_' || to_char(m, 'YYYY_MM'), m, (m + INTERVAL '1 month')::date);
        m := (m + INTERVAL '1 month')::date;
    END LOOP;
END $$;

-- Balances derived from the ledger in the same transaction. Sellable statuses never go
-- negative; the server-only status 'discrepancy' holds what was physically taken beyond
-- the recorded balance until a supervisor resolves it.
CREATE TABLE balances (
    warehouse   TEXT NOT NULL,
    item        TEXT NOT NULL,
    location    TEXT NOT NULL,
    lot         TEXT NOT NULL,
    status      TEXT NOT NULL,
    qty         BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, item, location, lot, status),
    CHECK (qty >= 0 OR status NOT IN ('available', 'allocated'))
);

-- Applied cycle counts: the assertion, what the ledger said as of its time, the variance.
CREATE TABLE counts (
    event_id      UUID PRIMARY KEY,
    warehouse     TEXT NOT NULL,
    item          TEXT NOT NULL,
    location      TEXT NOT NULL,
    lot           TEXT NOT NULL,
    status        TEXT NOT NULL,
    occurred_at   TIMESTAMPTZ NOT NULL,
    counted       BIGINT NOT NULL,
    ledger_as_of  BIGINT NOT NULL,
    variance      BIGINT NOT NULL,
    outdated      BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX counts_key_occurred ON counts (warehouse, item, location, lot, status, occurred_at);

CREATE TABLE conflicts (
    id           BIGSERIAL PRIMARY KEY,
    warehouse    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'open'
                 CHECK (state IN ('open', 'recount_requested', 'resolved')),
    event_id     UUID,
    device_id    UUID,
    message      TEXT NOT NULL,
    evidence     JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at  TIMESTAMPTZ
);
CREATE INDEX conflicts_warehouse_state ON conflicts (warehouse, state, id);

-- Each resolution is an audited event; its stock movements carry `event_id` in the ledger.
CREATE TABLE resolutions (
    id           BIGSERIAL PRIMARY KEY,
    conflict_id  BIGINT NOT NULL REFERENCES conflicts (id),
    warehouse    TEXT NOT NULL,
    event_id     UUID NOT NULL UNIQUE,
    action       TEXT NOT NULL,
    body         JSONB NOT NULL,
    resolved_by  UUID NOT NULL,
    resolved_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The change log devices pull. `txid` orders by commit visibility (see store/pull.rs).
CREATE TABLE changes (
    id         BIGSERIAL PRIMARY KEY,
    txid       XID8 NOT NULL DEFAULT pg_current_xact_id(),
    warehouse  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX changes_warehouse_txid_id ON changes (warehouse, txid, id);

-- Cursors below this point were pruned: a device holding one must refetch.
CREATE TABLE change_log_horizon (
    warehouse  TEXT PRIMARY KEY,
    txid       XID8 NOT NULL,
    id         BIGINT NOT NULL
);
