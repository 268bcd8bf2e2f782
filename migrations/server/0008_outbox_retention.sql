-- Outbox retention (docs/stream.md): `serve` deletes messages every relay has published
-- once they are older than the retention, and records per warehouse the last position
-- deleted, so an SSE client resuming from before it is told so (410) instead of silently
-- missing what was deleted.
CREATE TABLE outbox_horizon (
    warehouse   TEXT PRIMARY KEY,
    txid        XID8 NOT NULL,
    id          BIGINT NOT NULL,
    pruned_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
