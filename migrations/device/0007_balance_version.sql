-- Dockhand device journal, schema 7: the server's version of each pulled balance. A pulled
-- balance older than the stored one (a lower version) is ignored, whatever order the change
-- log delivered them in; 0 = the server did not say (applied, as before). A balance that
-- fell to zero keeps its row (qty 0) with its version, so an older record arriving later
-- cannot bring the stock back; every reader sums quantities and omits zero.
-- Append-only: never edit a shipped migration; add 0008_… instead.
ALTER TABLE server_balances ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
