//! Incremental refresh of the report summaries from the ledger.
//!
//! Each refresh takes the ledger rows with `committed_at` in `[through, new_through)` —
//! partition pruning keeps that to the months concerned — and adds them to the daily
//! aggregates, FIFO layers, per-item totals and per-document receipt times, then moves
//! `through`. All in one transaction, serialised by the state row's lock.
//!
//! Why `new_through` is safe: a ledger row's `committed_at` is its transaction's start
//! time (`now()`). `new_through` is the start of the oldest transaction still open in this
//! database (or now), read *before* the refresh transaction starts, so every row below it
//! belongs to a transaction that has ended: the refresh sees it, and nothing can later
//! appear below the mark. A long transaction only delays rows (they are taken next time).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::ReportError;

/// What one refresh took in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshSummary {
    pub from: Option<DateTime<Utc>>,
    pub through: DateTime<Utc>,
    /// (item, day) aggregates touched.
    pub item_days: u64,
    /// Receipt layers added.
    pub receipt_layers: u64,
}

/// Takes every ledger row committed since the last refresh into the summaries.
pub async fn refresh(pool: &PgPool) -> Result<RefreshSummary, ReportError> {
    let through: DateTime<Utc> = sqlx::query_scalar(
        "SELECT LEAST(now(), COALESCE(
             (SELECT min(xact_start) FROM pg_stat_activity
              WHERE datname = current_database() AND backend_type = 'client backend'
                AND pid <> pg_backend_pid() AND xact_start IS NOT NULL), now()))",
    )
    .fetch_one(pool)
    .await?;
    let mut tx = pool.begin().await?;
    let from: DateTime<Utc> = sqlx::query_scalar(
        "SELECT CASE WHEN through = '-infinity' THEN '1970-01-01'::timestamptz ELSE through END
         FROM report_refresh_state WHERE id = 1 FOR UPDATE",
    )
    .fetch_one(&mut *tx)
    .await?;
    let first = from.timestamp() == 0;
    if through <= from {
        tx.commit().await?;
        return Ok(RefreshSummary {
            from: (!first).then_some(from),
            through: from,
            item_days: 0,
            receipt_layers: 0,
        });
    }
    // A first refresh reads the whole ledger: let it sort in memory.
    sqlx::query("SET LOCAL work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    let lower = from;
    let item_days = sqlx::query(
        "INSERT INTO report_item_daily AS d (warehouse, item, day, shipped, received, net)
         SELECT warehouse, item, (occurred_at AT TIME ZONE 'UTC')::date,
                COALESCE(sum(-delta) FILTER (WHERE cause = 'ship'), 0),
                COALESCE(sum(delta) FILTER (WHERE cause = 'receive'), 0),
                COALESCE(sum(delta) FILTER (WHERE status <> 'discrepancy'), 0)
         FROM ledger WHERE committed_at >= $1 AND committed_at < $2
         GROUP BY 1, 2, 3
         ON CONFLICT (warehouse, item, day) DO UPDATE SET
           shipped = d.shipped + EXCLUDED.shipped,
           received = d.received + EXCLUDED.received,
           net = d.net + EXCLUDED.net",
    )
    .bind(lower)
    .bind(through)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO report_location_daily AS d (warehouse, location, day, out_units, net)
         SELECT warehouse, location, (occurred_at AT TIME ZONE 'UTC')::date,
                COALESCE(sum(-delta) FILTER (WHERE cause IN ('pick', 'ship') AND delta < 0), 0),
                COALESCE(sum(delta) FILTER (WHERE status <> 'discrepancy'), 0)
         FROM ledger WHERE committed_at >= $1 AND committed_at < $2
         GROUP BY 1, 2, 3
         ON CONFLICT (warehouse, location, day) DO UPDATE SET
           out_units = d.out_units + EXCLUDED.out_units,
           net = d.net + EXCLUDED.net",
    )
    .bind(lower)
    .bind(through)
    .execute(&mut *tx)
    .await?;
    // Receipts become FIFO layers priced from their document line (via the stored event);
    // their units and value are added to the item totals and their times to the documents.
    // No statement joins two sets of fresh rows: the planner's estimate for rows committed
    // after the last ANALYZE is one row, and a nested loop between two such sets is N².
    let receipt_layers: i64 = sqlx::query_scalar(
        "WITH receipts AS (
             SELECT l.id, l.warehouse, l.item, l.delta, l.occurred_at,
                    e.body->'payload'->'document'->>'kind' AS doc_kind,
                    e.body->'payload'->'document'->>'number' AS doc_number
             FROM ledger l LEFT JOIN events e ON e.event_id = l.event_id
             WHERE l.committed_at >= $1 AND l.committed_at < $2
               AND l.cause = 'receive' AND l.delta > 0),
         priced AS (
             SELECT r.*,
                    (SELECT il.unit_cost FROM inbound_lines il
                     WHERE il.warehouse = r.warehouse AND il.kind = r.doc_kind
                       AND il.number = r.doc_number AND il.sku = r.item
                       AND il.unit_cost IS NOT NULL
                     ORDER BY il.line_no LIMIT 1) AS unit_cost
             FROM receipts r),
         new_layers AS (
             INSERT INTO report_receipt_layers
                 (warehouse, item, cum_qty, qty, unit_cost, received_at, ledger_id, doc_kind, doc_number)
             SELECT p.warehouse, p.item,
                    COALESCE(t.received_qty, 0)
                      + sum(p.delta) OVER (PARTITION BY p.warehouse, p.item ORDER BY p.occurred_at, p.id),
                    p.delta, p.unit_cost, p.occurred_at, p.id, p.doc_kind, p.doc_number
             FROM priced p
             LEFT JOIN report_item_totals t ON t.warehouse = p.warehouse AND t.item = p.item
             RETURNING warehouse, item, qty, unit_cost, received_at, doc_kind, doc_number),
         documents AS (
             INSERT INTO report_document_receipts AS d
                 (warehouse, kind, number, first_received_at, last_received_at)
             SELECT warehouse, doc_kind, doc_number, min(received_at), max(received_at)
             FROM new_layers WHERE doc_kind IS NOT NULL AND doc_number IS NOT NULL
             GROUP BY 1, 2, 3
             ON CONFLICT (warehouse, kind, number) DO UPDATE SET
               first_received_at = LEAST(d.first_received_at, EXCLUDED.first_received_at),
               last_received_at = GREATEST(d.last_received_at, EXCLUDED.last_received_at)
             RETURNING 1),
         received AS (
             INSERT INTO report_item_totals AS t
                 (warehouse, item, received_qty, received_priced_qty, received_priced_value,
                  last_received_on)
             SELECT warehouse, item, sum(qty),
                    COALESCE(sum(qty) FILTER (WHERE unit_cost IS NOT NULL), 0),
                    COALESCE(sum(qty * unit_cost) FILTER (WHERE unit_cost IS NOT NULL), 0),
                    (max(received_at) AT TIME ZONE 'UTC')::date
             FROM new_layers GROUP BY 1, 2
             ON CONFLICT (warehouse, item) DO UPDATE SET
               received_qty = t.received_qty + EXCLUDED.received_qty,
               received_priced_qty = t.received_priced_qty + EXCLUDED.received_priced_qty,
               received_priced_value = t.received_priced_value + EXCLUDED.received_priced_value,
               last_received_on = GREATEST(t.last_received_on, EXCLUDED.last_received_on)
             RETURNING 1)
         SELECT count(*) FROM new_layers",
    )
    .bind(lower)
    .bind(through)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_item_totals AS t
             (warehouse, item, shipped_qty, first_movement_on, last_shipped_on)
         SELECT warehouse, item,
                COALESCE(sum(-delta) FILTER (WHERE cause = 'ship'), 0),
                (min(occurred_at) AT TIME ZONE 'UTC')::date,
                (max(occurred_at) FILTER (WHERE cause = 'ship') AT TIME ZONE 'UTC')::date
         FROM ledger WHERE committed_at >= $1 AND committed_at < $2
         GROUP BY 1, 2
         ON CONFLICT (warehouse, item) DO UPDATE SET
           shipped_qty = t.shipped_qty + EXCLUDED.shipped_qty,
           first_movement_on = LEAST(t.first_movement_on, EXCLUDED.first_movement_on),
           last_shipped_on = GREATEST(t.last_shipped_on, EXCLUDED.last_shipped_on)",
    )
    .bind(lower)
    .bind(through)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE report_refresh_state SET through = $1, refreshed_at = now() WHERE id = 1")
        .bind(through)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RefreshSummary {
        from: (!first).then_some(from),
        through,
        item_days,
        receipt_layers: u64::try_from(receipt_layers).unwrap_or(0),
    })
}

/// How far the summaries have read the ledger (`None` before the first refresh).
pub async fn refreshed_through(
    conn: &mut sqlx::PgConnection,
) -> Result<Option<DateTime<Utc>>, ReportError> {
    let through: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT through FROM report_refresh_state WHERE id = 1 AND through <> '-infinity'",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(through)
}
