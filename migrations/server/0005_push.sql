-- Push looks up the open reservations on the balances a chunk locks, by balance key.
CREATE INDEX pick_task_lines_key ON pick_task_lines (warehouse, sku, location, lot);

-- The transaction that last applied events of the device: a push answers it, and a device
-- treats the balances it pulls as including its acknowledged events only once the pull's
-- barrier (pg_snapshot_xmin) has passed it.
ALTER TABLE device_sync ADD COLUMN last_push_txid xid8;
