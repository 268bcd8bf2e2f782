-- Dockhand device journal, schema 4: which server transaction applied which acknowledged
-- events. A push answer names the transaction that last applied the device's events
-- (`commit_txid`); the pulled balances include those events only once a pull's barrier has
-- passed it. Rows are removed once their events' local effects are reflected.
CREATE TABLE push_commits (
    last_seq INTEGER PRIMARY KEY,
    txid     INTEGER NOT NULL
) STRICT;
