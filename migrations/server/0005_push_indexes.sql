-- Push looks up the open reservations on the balances a chunk locks, by balance key.
CREATE INDEX pick_task_lines_key ON pick_task_lines (warehouse, sku, location, lot);
