-- The stock stream's transactional outbox (issue 13). Append-only: never edit once shipped.
--
-- Every ledger movement, conflict opened and conflict resolution writes one `outbox` row in
-- the same transaction as the change, through statement-level triggers (one INSERT … SELECT
-- per statement, whatever the number of rows). A relay (sync-server/src/stream) publishes the
-- rows to NATS JetStream; `GET /v1/stream` serves them as Server-Sent Events.
--
-- Order: like the change log, rows are read by `(txid, id)` below
-- `pg_snapshot_xmin(pg_current_snapshot())`, so a late commit never lands behind a cursor.
-- Each row belongs to one of 16 partitions (a hash of warehouse and item, or of warehouse and
-- conflict kind); a relay owns a partition through a session advisory lock and keeps its
-- cursor in `outbox_relay`, so one item's messages always go out from one relay, in order.

CREATE TABLE outbox (
    id          BIGSERIAL,
    txid        XID8 NOT NULL DEFAULT pg_current_xact_id(),
    part        SMALLINT NOT NULL,
    warehouse   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('stock', 'conflict', 'alert')),
    -- Below the configured prefix: '<warehouse>.stock.<item>' with each token escaped by
    -- dockhand_subject_token.
    subject     TEXT NOT NULL,
    -- JetStream's Nats-Msg-Id: the ledger id for stock, 'conflict-<id>', 'resolution-<id>',
    -- 'alert-<id>'.
    msg_id      TEXT NOT NULL,
    -- The event (or resolution) whose device is looked up when the row is read: the
    -- `events` row is often written later in the same transaction than the ledger row.
    event_id    UUID,
    body        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_part_txid_id ON outbox (part, txid, id);
CREATE INDEX outbox_warehouse_txid_id ON outbox (warehouse, txid, id);

-- How many partitions the outbox is cut into. Changing it re-homes items between relays:
-- stop every relay, drain, then change it in a new migration.
CREATE FUNCTION dockhand_outbox_partitions() RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 16 $$;

CREATE FUNCTION dockhand_outbox_part(warehouse TEXT, key TEXT) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (abs(hashtext(warehouse || '/' || key)::bigint) % dockhand_outbox_partitions())::smallint
$$;

-- One NATS subject token: [A-Za-z0-9_-] stay, every other character becomes '~' and its
-- UTF-8 bytes in lower-case hex ('A.1' → 'A~2e1', '~' → '~7e'), so any SKU, kind or
-- warehouse code is one valid, reversible token. Mirrored by stream::subject::token.
CREATE FUNCTION dockhand_subject_token(value TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value ~ '^[A-Za-z0-9_-]+$' THEN value
        ELSE (
            SELECT string_agg(
                CASE WHEN c ~ '^[A-Za-z0-9_-]$' THEN c
                     ELSE regexp_replace(encode(convert_to(c, 'UTF8'), 'hex'), '(..)', '~\1', 'g')
                END, '' ORDER BY ord)
            FROM regexp_split_to_table(value, '') WITH ORDINALITY AS t(c, ord))
    END
$$;

-- Cursor of each partition: the last (txid, id) published to JetStream.
CREATE TABLE outbox_relay (
    part          SMALLINT PRIMARY KEY,
    txid          XID8 NOT NULL DEFAULT '0',
    id            BIGINT NOT NULL DEFAULT 0,
    published_at  TIMESTAMPTZ
);
INSERT INTO outbox_relay (part) SELECT generate_series(0, dockhand_outbox_partitions() - 1);

-- Stock: one message per ledger row. The balance after the movement is read from
-- `balances`, which the writer updates before inserting the ledger rows (store/ledger.rs):
-- for several rows of one key in one statement, the later rows' deltas are taken off, so
-- each message carries the balance right after its own movement.
CREATE FUNCTION dockhand_outbox_ledger() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (part, warehouse, kind, subject, msg_id, event_id, body)
    SELECT dockhand_outbox_part(n.warehouse, n.item),
           n.warehouse,
           'stock',
           dockhand_subject_token(n.warehouse) || '.stock.' || dockhand_subject_token(n.item),
           n.id::text,
           n.event_id,
           jsonb_build_object(
               'type', 'stock',
               'ledger_id', n.id,
               'warehouse', n.warehouse,
               'item', n.item,
               'location', n.location,
               'lot', NULLIF(n.lot, ''),
               'status', n.status,
               'delta', n.delta,
               'balance_after', COALESCE(b.qty, 0) - COALESCE(sum(n.delta) OVER (
                   PARTITION BY n.item, n.location, n.lot, n.status
                   ORDER BY n.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
               'event_id', n.event_id,
               'cause', n.cause,
               'occurred_at', n.occurred_at,
               'committed_at', n.committed_at)
    FROM new_rows n
    LEFT JOIN balances b
           ON b.warehouse = n.warehouse AND b.item = n.item AND b.location = n.location
          AND b.lot = n.lot AND b.status = n.status
    ORDER BY n.id;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_outbox AFTER INSERT ON ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dockhand_outbox_ledger();

-- A conflict opened.
CREATE FUNCTION dockhand_outbox_conflict_opened() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (part, warehouse, kind, subject, msg_id, event_id, body)
    SELECT dockhand_outbox_part(n.warehouse, 'conflict/' || n.kind),
           n.warehouse,
           'conflict',
           dockhand_subject_token(n.warehouse) || '.conflict.' || dockhand_subject_token(n.kind),
           'conflict-' || n.id,
           NULL,
           jsonb_build_object(
               'type', 'conflict',
               'conflict_id', n.id,
               'warehouse', n.warehouse,
               'kind', n.kind,
               'state', n.state,
               'event_id', n.event_id,
               'device_id', n.device_id,
               'message', n.message,
               'created_at', n.created_at)
    FROM new_rows n
    ORDER BY n.id;
    RETURN NULL;
END $$;

CREATE TRIGGER conflicts_outbox AFTER INSERT ON conflicts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dockhand_outbox_conflict_opened();

-- A conflict resolved (or a recount ordered): one message per resolution, on the conflict
-- kind's subject and partition, so it follows the conflict's opening.
CREATE FUNCTION dockhand_outbox_resolution() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (part, warehouse, kind, subject, msg_id, event_id, body)
    SELECT dockhand_outbox_part(n.warehouse, 'conflict/' || c.kind),
           n.warehouse,
           'conflict',
           dockhand_subject_token(n.warehouse) || '.conflict.' || dockhand_subject_token(c.kind),
           'resolution-' || n.id,
           NULL,
           jsonb_build_object(
               'type', 'conflict',
               'conflict_id', n.conflict_id,
               'warehouse', n.warehouse,
               'kind', c.kind,
               'state', CASE WHEN n.action = 'recount' THEN 'recount_requested' ELSE 'resolved' END,
               'action', n.action,
               'resolution_id', n.id,
               'resolution_event_id', n.event_id,
               'event_id', c.event_id,
               'device_id', n.resolved_by,
               'message', c.message,
               'note', n.body -> 'note',
               'resolved_at', n.resolved_at)
    FROM new_rows n
    JOIN conflicts c ON c.id = n.conflict_id
    ORDER BY n.id;
    RETURN NULL;
END $$;

CREATE TRIGGER resolutions_outbox AFTER INSERT ON resolutions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dockhand_outbox_resolution();

-- Replenishment alerts (the `alerts` table comes with another migration). Any table whose
-- rows have `id`, `warehouse` and `kind` can feed the stream with:
--   CREATE TRIGGER alerts_outbox AFTER INSERT ON alerts
--       REFERENCING NEW TABLE AS new_rows
--       FOR EACH STATEMENT EXECUTE FUNCTION dockhand_outbox_alerts();
-- Each row becomes a message on '<warehouse>.alert.<kind>' with id 'alert-<id>' and the row
-- itself (to_jsonb) as its body, plus "type": "alert".
CREATE FUNCTION dockhand_outbox_alerts() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (part, warehouse, kind, subject, msg_id, event_id, body)
    SELECT dockhand_outbox_part(r.warehouse, 'alert/' || r.kind),
           r.warehouse,
           'alert',
           dockhand_subject_token(r.warehouse) || '.alert.' || dockhand_subject_token(r.kind),
           'alert-' || r.id,
           NULL,
           r.row || jsonb_build_object('type', 'alert', 'alert_id', r.row -> 'id')
    FROM (SELECT to_jsonb(n) AS row, n.id AS raw_id, n.id::text AS id,
                 n.warehouse::text AS warehouse, n.kind::text AS kind
          FROM new_rows n) r
    ORDER BY r.raw_id;
    RETURN NULL;
END $$;

-- The same for one alert written by hand (e.g. from a function of the alerts migration).
-- Arguments: warehouse, alert kind, alert id, body.
CREATE FUNCTION dockhand_outbox_alert(TEXT, TEXT, TEXT, JSONB)
RETURNS VOID LANGUAGE sql AS $$
    INSERT INTO outbox (part, warehouse, kind, subject, msg_id, event_id, body)
    VALUES (dockhand_outbox_part($1, 'alert/' || $2),
            $1,
            'alert',
            dockhand_subject_token($1) || '.alert.' || dockhand_subject_token($2),
            'alert-' || $3,
            NULL,
            $4 || jsonb_build_object('type', 'alert', 'alert_id', $3, 'warehouse', $1, 'kind', $2))
$$;
