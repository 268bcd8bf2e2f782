-- Per-balance version (docs/ARCHITECTURE.md, "Ordering hazard"): every statement that changes
-- a balance's quantity also sets `version = balances.version + 1`, and the balance change it
-- writes to the change log carries that version. Row locks serialise the writers of one
-- balance, so versions grow in commit order even where the change log's txid order does not;
-- a device ignores a pulled balance older than the one it holds. 0 = written before this
-- migration (a device applies it, as before).
ALTER TABLE balances ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
