-- Per-item rolling sums for the reports' default windows, and each item's FIFO layer value,
-- kept by `report refresh` (docs/reports.md, "Staying fast as history grows"). Append-only.
--
-- Both tables are derived: the refresh fills them from `report_item_daily` and
-- `report_receipt_layers`; nothing else writes them, and a report only uses a row when it
-- provably matches what the daily table (or the layers) would give.

-- The `as_of` day the rolling rows were computed for, and the windows they hold
-- (`v60 o45 t90 w13`: velocity, order, turns days, class weeks). NULL: none yet.
ALTER TABLE report_refresh_state ADD COLUMN rolling_as_of DATE;
ALTER TABLE report_refresh_state ADD COLUMN rolling_windows TEXT;

-- One row per (warehouse, item) with a daily row in the widest window ending at
-- `rolling_as_of` or after it; windows are whole UTC days ending at `rolling_as_of`.
CREATE TABLE report_item_rolling (
    warehouse         TEXT NOT NULL,
    item              TEXT NOT NULL,
    -- Velocity window: units shipped, and Σ (units shipped per day)² (days without sales
    -- add 0), for the reorder-point policy's σd.
    velocity_shipped  BIGINT NOT NULL,
    velocity_sumsq    FLOAT8 NOT NULL,
    -- Order window: units shipped.
    order_shipped     BIGINT NOT NULL,
    -- Turns window: daily rows from its first day on (later days included), units
    -- shipped, net change of on-hand; and the net change on days after `rolling_as_of`
    -- (future-dated events), which its end on-hand takes back out of the live on-hand.
    turns_rows        BIGINT NOT NULL,
    turns_shipped     BIGINT NOT NULL,
    turns_net         BIGINT NOT NULL,
    net_after         BIGINT NOT NULL,
    -- Class window (whole weeks): units shipped and Σ (units shipped per week)² for XYZ.
    class_shipped     BIGINT NOT NULL,
    class_weekly_sumsq FLOAT8 NOT NULL,
    PRIMARY KEY (warehouse, item)
);

-- Each on-hand item's FIFO value as of the refresh: the layers still in stock for
-- `on_hand` units out of `received_qty` received. A report uses the row while the live
-- on-hand and the received total still equal these; otherwise it walks the layers.
-- Unpriced layers are kept as units, valued at the item's current standard cost (or
-- weighted average) when the report runs, as the layer walk does.
CREATE TABLE report_item_fifo (
    warehouse      TEXT NOT NULL,
    item           TEXT NOT NULL,
    on_hand        BIGINT NOT NULL,
    received_qty   BIGINT NOT NULL,
    layered_qty    BIGINT NOT NULL,
    priced_value   NUMERIC(24, 4) NOT NULL,
    unpriced_qty   BIGINT NOT NULL,
    PRIMARY KEY (warehouse, item)
);
