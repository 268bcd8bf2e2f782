-- The stream gate (docs/stream.md): each live relay writes, with its partitions' cursors,
-- how long the messages of its last round can have waited since their commit; every
-- `serve` process reads the largest recent value and, while it is above the bound, lets
-- only a few pushes run at once so the relays catch up.
ALTER TABLE outbox_relay
    ADD COLUMN live_lag_ms INTEGER,
    ADD COLUMN lag_at TIMESTAMPTZ;
