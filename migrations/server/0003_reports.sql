-- Replenishment, alerts and inventory reports (docs/reports.md). Append-only.
--
-- Nothing here is written by push: the summary tables are derived from the ledger by
-- `report refresh` (incrementally, by the ledger's `committed_at`, so the month partitions
-- prune), and the replenishment/alert tables by `report run`.

-- Supply terms and costs, carried by the imports.
ALTER TABLE suppliers ADD COLUMN lead_time_days INTEGER
    CHECK (lead_time_days IS NULL OR lead_time_days >= 0);
-- When the PO was placed (defaults to `created_at` where absent) and when it is due.
ALTER TABLE inbound_documents ADD COLUMN ordered_at TIMESTAMPTZ;
ALTER TABLE inbound_documents ADD COLUMN expected_at TIMESTAMPTZ;
-- Purchase price of one base unit on this line: the cost of the receipts against it.
ALTER TABLE inbound_lines ADD COLUMN unit_cost NUMERIC(14, 4)
    CHECK (unit_cost IS NULL OR unit_cost >= 0);

-- Per item: who supplies it, its standard cost (receipts without a priced document line are
-- valued at it), and a lead time that overrides the supplier's.
CREATE TABLE item_supply (
    warehouse       TEXT NOT NULL REFERENCES warehouses (code),
    sku             TEXT NOT NULL,
    supplier        TEXT,
    standard_cost   NUMERIC(14, 4) CHECK (standard_cost IS NULL OR standard_cost >= 0),
    lead_time_days  INTEGER CHECK (lead_time_days IS NULL OR lead_time_days >= 0),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, sku)
);

-- How far the summaries have taken the ledger: every ledger row with
-- `committed_at < through` is in them, and no later one.
CREATE TABLE report_refresh_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    through       TIMESTAMPTZ NOT NULL,
    refreshed_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO report_refresh_state (id, through, refreshed_at) VALUES (1, '-infinity', now());

-- Daily movement per item (UTC day of `occurred_at`). `net` is the change of on-hand
-- (every status but `discrepancy`).
CREATE TABLE report_item_daily (
    warehouse  TEXT NOT NULL,
    item       TEXT NOT NULL,
    day        DATE NOT NULL,
    shipped    BIGINT NOT NULL DEFAULT 0,
    received   BIGINT NOT NULL DEFAULT 0,
    net        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse, item, day)
);
CREATE INDEX report_item_daily_day ON report_item_daily (warehouse, day)
    INCLUDE (item, shipped, net);

-- Daily movement per location: units leaving it by pick or ship, and its net change.
CREATE TABLE report_location_daily (
    warehouse  TEXT NOT NULL,
    location   TEXT NOT NULL,
    day        DATE NOT NULL,
    out_units  BIGINT NOT NULL DEFAULT 0,
    net        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse, location, day)
);
CREATE INDEX report_location_daily_day ON report_location_daily (warehouse, day)
    INCLUDE (location, out_units, net);

-- All-time totals per item.
CREATE TABLE report_item_totals (
    warehouse             TEXT NOT NULL,
    item                  TEXT NOT NULL,
    received_qty          BIGINT NOT NULL DEFAULT 0,
    -- Value of the receipts that had a price on their document line ...
    received_priced_qty   BIGINT NOT NULL DEFAULT 0,
    received_priced_value NUMERIC(20, 4) NOT NULL DEFAULT 0,
    shipped_qty           BIGINT NOT NULL DEFAULT 0,
    first_movement_on     DATE,
    last_received_on      DATE,
    last_shipped_on       DATE,
    PRIMARY KEY (warehouse, item)
);

-- FIFO layers: one per receipt ledger row, numbered by the running total of the item's
-- receipts (`cum_qty`), so the layers still in stock are those with
-- `cum_qty > received_qty - on_hand` (an index range, not a scan of history).
CREATE TABLE report_receipt_layers (
    warehouse    TEXT NOT NULL,
    item         TEXT NOT NULL,
    cum_qty      BIGINT NOT NULL,
    qty          BIGINT NOT NULL CHECK (qty > 0),
    unit_cost    NUMERIC(14, 4),
    received_at  TIMESTAMPTZ NOT NULL,
    ledger_id    BIGINT NOT NULL,
    doc_kind     TEXT,
    doc_number   TEXT,
    PRIMARY KEY (warehouse, item, cum_qty)
);

-- First and last receipt against each ASN/PO (lead times, on-time delivery).
CREATE TABLE report_document_receipts (
    warehouse          TEXT NOT NULL,
    kind               TEXT NOT NULL,
    number             TEXT NOT NULL,
    first_received_at  TIMESTAMPTZ NOT NULL,
    last_received_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (warehouse, kind, number)
);

-- The zone each item was in at the last replenishment run.
CREATE TABLE replenishment_state (
    warehouse   TEXT NOT NULL,
    item        TEXT NOT NULL,
    zone        TEXT NOT NULL CHECK (zone IN ('green', 'yellow', 'red')),
    since       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse, item)
);

-- Suggested purchase orders, one open per item: made when an item enters yellow or red,
-- closed by the run that finds it green again.
CREATE TABLE purchase_suggestions (
    id          BIGSERIAL PRIMARY KEY,
    warehouse   TEXT NOT NULL,
    item        TEXT NOT NULL,
    supplier    TEXT,
    qty         BIGINT NOT NULL CHECK (qty > 0),
    zone        TEXT NOT NULL,
    policy      TEXT NOT NULL,
    detail      JSONB NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX purchase_suggestions_open ON purchase_suggestions (warehouse, item)
    WHERE state = 'open';

-- Exception alerts, written in the transaction of the run that finds them; one open alert
-- per (warehouse, kind, subject); closed by the first run that no longer finds it.
CREATE TABLE alerts (
    id          BIGSERIAL PRIMARY KEY,
    warehouse   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message     TEXT NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX alerts_open ON alerts (warehouse, kind, subject) WHERE closed_at IS NULL;
CREATE INDEX alerts_warehouse_created ON alerts (warehouse, created_at);

-- The refresh selects ledger rows by `committed_at` (the partition key). Rows are appended
-- in commit order, so a BRIN index narrows the current month to its last blocks at almost no
-- cost to push.
CREATE INDEX ledger_committed_brin ON ledger USING brin (committed_at);

-- Shrinkage reads counts by time.
CREATE INDEX counts_warehouse_occurred ON counts (warehouse, occurred_at);

-- Alerts reach the stock stream in the transaction that opens them (outbox, migration 0002).
CREATE TRIGGER alerts_outbox AFTER INSERT ON alerts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dockhand_outbox_alerts();
