//! Incremental refresh of the report summaries from the ledger.
//!
//! Each refresh takes the ledger rows with `committed_at` in `[through, new_through)` —
//! partition pruning keeps that to the months concerned — and adds them to the daily
//! aggregates, FIFO layers, per-item totals and per-document receipt times, then moves
//! `through`. All in one transaction, serialised by the state row's lock.
//!
//! Then the derived per-item rows the window reports read instead of the daily table:
//!
//! - `report_item_rolling`: the default windows' sums ending at `rolling_as_of` (the
//!   refresh's day). On a new day (or new default windows) every item's row is made again
//!   from the daily table; otherwise only the items the new ledger rows touched — whatever
//!   their `occurred_at`, so late events from offline devices land in the right windows.
//! - `report_item_fifo`: each on-hand item's FIFO layer value, made again for the items
//!   whose on-hand or received total no longer match the stored row.
//!
//! Why `new_through` is safe: a ledger row's `committed_at` is its transaction's start
//! time (`now()`). `new_through` is the start of the oldest transaction still open in this
//! database (or now), read *before* the refresh transaction starts, so every row below it
//! belongs to a transaction that has ended: the refresh sees it, and nothing can later
//! appear below the mark. A long transaction only delays rows (they are taken next time).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::ReportError;
use super::settings::ReportSettings;

/// The windows the rolling rows hold: the defaults of [`ReportSettings`].
pub(crate) fn rolling_windows() -> ReportSettings {
    ReportSettings::defaults(NaiveDate::MIN)
}

/// Names the rolling windows in `report_refresh_state.rolling_windows`.
pub(crate) fn rolling_key() -> String {
    let w = rolling_windows();
    format!(
        "v{} o{} t{} w{}",
        w.velocity_days,
        w.order_days,
        w.turns_days,
        w.class_weeks()
    )
}

/// True when the rolling rows were made for `as_of` (bound at `as_of_param`) and the
/// default windows (`key_param`). A statement reading the rolling rows also returns this,
/// evaluated in its own snapshot: a refresh may have moved them to another day since the
/// report chose them, and then the report reads the daily table instead.
pub(crate) fn rolling_guard(as_of_param: &str, key_param: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM report_refresh_state WHERE id = 1
                 AND rolling_as_of = {as_of_param}::date AND rolling_windows = {key_param})"
    )
}

/// Whether a report for `as_of` should read the rolling rows: it asks for the default
/// windows (`may_roll`) and they were made for that day.
pub(crate) async fn rolling_ready(
    conn: &mut sqlx::PgConnection,
    as_of: NaiveDate,
    may_roll: bool,
) -> Result<bool, ReportError> {
    if !may_roll {
        return Ok(false);
    }
    let sql = format!("SELECT {}", rolling_guard("$1", "$2"));
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(as_of)
        .bind(rolling_key())
        .fetch_one(&mut *conn)
        .await?)
}

/// Whether rows read from the rolling table (`rolling` chosen) turned out to be of another
/// day: their statement's guard column says false.
pub(crate) fn rolling_moved(rolling: bool, rows: &[sqlx::postgres::PgRow]) -> bool {
    use sqlx::Row;
    rolling
        && rows
            .first()
            .is_some_and(|r| !r.try_get::<bool, _>("rolling").unwrap_or(false))
}

/// What one refresh took in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshSummary {
    pub from: Option<DateTime<Utc>>,
    pub through: DateTime<Utc>,
    /// (item, day) aggregates touched.
    pub item_days: u64,
    /// Receipt layers added.
    pub receipt_layers: u64,
    /// The day the rolling window sums are for.
    pub rolling_as_of: NaiveDate,
    /// Whether every item's rolling sums were made again (a new day), rather than only
    /// those of the items touched.
    pub rolling_rebuilt: bool,
    /// Items whose rolling sums were made (again).
    pub rolling_items: u64,
    /// Items whose FIFO value was made (again).
    pub fifo_items: u64,
}

/// One item's window sums from `report_item_daily`, for the day `$1` and windows `$2`
/// (velocity), `$3` (order), `$4` (turns), `$5` (class weeks), `$6` (the widest, in days);
/// `{touched}` narrows it to the items of the refresh.
const ROLLING_SQL: &str = "INSERT INTO report_item_rolling
     (warehouse, item, velocity_shipped, velocity_sumsq, order_shipped, turns_rows,
      turns_shipped, turns_net, net_after, class_shipped, class_weekly_sumsq)
 SELECT warehouse, item,
        COALESCE(sum(velocity_shipped), 0), COALESCE(sum(velocity_sumsq), 0),
        COALESCE(sum(order_shipped), 0), COALESCE(sum(turns_rows), 0),
        COALESCE(sum(turns_shipped), 0), COALESCE(sum(turns_net), 0),
        COALESCE(sum(net_after), 0), COALESCE(sum(class_shipped), 0),
        COALESCE(sum(class_shipped::float8 * class_shipped), 0)
 FROM (
     SELECT d.warehouse, d.item,
            CASE WHEN d.day > $1::date THEN -1 ELSE ($1::date - d.day) / 7 END AS week,
            sum(d.shipped) FILTER (WHERE d.day > $1::date - $2::int AND d.day <= $1::date) AS velocity_shipped,
            sum(d.shipped::float8 * d.shipped) FILTER (WHERE d.day > $1::date - $2::int AND d.day <= $1::date) AS velocity_sumsq,
            sum(d.shipped) FILTER (WHERE d.day > $1::date - $3::int AND d.day <= $1::date) AS order_shipped,
            count(*) FILTER (WHERE d.day > $1::date - $4::int) AS turns_rows,
            sum(d.shipped) FILTER (WHERE d.day > $1::date - $4::int AND d.day <= $1::date) AS turns_shipped,
            sum(d.net) FILTER (WHERE d.day > $1::date - $4::int AND d.day <= $1::date) AS turns_net,
            sum(d.net) FILTER (WHERE d.day > $1::date) AS net_after,
            sum(d.shipped) FILTER (WHERE d.day > $1::date - 7 * $5::int AND d.day <= $1::date) AS class_shipped
     FROM report_item_daily d {touched}
     WHERE d.day > $1::date - $6::int
     GROUP BY 1, 2, 3) w
 GROUP BY warehouse, item";

/// Takes every ledger row committed since the last refresh into the summaries; the
/// rolling sums are for today (UTC).
pub async fn refresh(pool: &PgPool) -> Result<RefreshSummary, ReportError> {
    refresh_for(pool, Utc::now().date_naive()).await
}

/// [`refresh`] with the rolling sums for `as_of` (a day rollover is a new `as_of`).
pub async fn refresh_for(pool: &PgPool, as_of: NaiveDate) -> Result<RefreshSummary, ReportError> {
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
    // A first refresh reads the whole ledger: let it sort in memory.
    sqlx::query("SET LOCAL work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    let key = rolling_key();
    let current: (Option<NaiveDate>, Option<String>) = sqlx::query_as(
        "SELECT rolling_as_of, rolling_windows FROM report_refresh_state WHERE id = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    // A new day (or new windows, or a first refresh) makes every item's rolling sums again;
    // otherwise those of the items the new ledger rows touched.
    let rebuild = current != (Some(as_of), Some(key.clone()));
    let (item_days, receipt_layers, through) = if through > from {
        let (item_days, receipt_layers) = take_ledger(&mut tx, from, through, !rebuild).await?;
        (item_days, receipt_layers, through)
    } else {
        (0, 0, from)
    };
    let rolling_items = if rebuild {
        rolling(&mut tx, as_of, Some(&key)).await?
    } else if through > from {
        rolling(&mut tx, as_of, None).await?
    } else {
        0
    };
    let rolling_rebuilt = rebuild;
    let fifo_items = fifo(&mut tx).await?;
    tx.commit().await?;
    Ok(RefreshSummary {
        from: (!first).then_some(from),
        through,
        item_days,
        receipt_layers,
        rolling_as_of: as_of,
        rolling_rebuilt,
        rolling_items,
        fifo_items,
    })
}

/// Makes the rolling window sums for `as_of` again: every item's when `rebuild_as` (the
/// windows' key to record), else those of the items in `report_touched`. Returns the items
/// made.
async fn rolling(
    tx: &mut sqlx::PgConnection,
    as_of: NaiveDate,
    rebuild_as: Option<&str>,
) -> Result<u64, ReportError> {
    let w = rolling_windows();
    let widest = w
        .velocity_days
        .max(w.order_days)
        .max(w.turns_days)
        .max(7 * w.class_weeks());
    let narrowed = if rebuild_as.is_some() {
        sqlx::query("DELETE FROM report_item_rolling")
            .execute(&mut *tx)
            .await?;
        ""
    } else {
        sqlx::query(
            "DELETE FROM report_item_rolling r USING report_touched t
             WHERE r.warehouse = t.warehouse AND r.item = t.item",
        )
        .execute(&mut *tx)
        .await?;
        "JOIN report_touched t ON t.warehouse = d.warehouse AND t.item = d.item"
    };
    let made = sqlx::query(sqlx::AssertSqlSafe(
        ROLLING_SQL.replace("{touched}", narrowed),
    ))
    .bind(as_of)
    .bind(w.velocity_days as i32)
    .bind(w.order_days as i32)
    .bind(w.turns_days as i32)
    .bind(w.class_weeks() as i32)
    .bind(widest as i32)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let Some(key) = rebuild_as {
        sqlx::query(
            "UPDATE report_refresh_state SET rolling_as_of = $1, rolling_windows = $2 WHERE id = 1",
        )
        .bind(as_of)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    }
    Ok(made)
}

/// Stores the FIFO layer value of every on-hand item whose stored row is missing or was
/// made for another on-hand or received total. Returns the items made.
async fn fifo(tx: &mut sqlx::PgConnection) -> Result<u64, ReportError> {
    Ok(sqlx::query(
        "WITH onhand AS (
             SELECT warehouse, item, sum(qty)::bigint AS qty FROM balances
             WHERE status <> 'discrepancy' GROUP BY warehouse, item HAVING sum(qty) > 0),
         stale AS (
             SELECT o.warehouse, o.item, o.qty, COALESCE(t.received_qty, 0) AS received_qty
             FROM onhand o
             LEFT JOIN report_item_totals t ON t.warehouse = o.warehouse AND t.item = o.item
             LEFT JOIN report_item_fifo f ON f.warehouse = o.warehouse AND f.item = o.item
             WHERE f.item IS NULL OR f.on_hand <> o.qty
                OR f.received_qty <> COALESCE(t.received_qty, 0))
         INSERT INTO report_item_fifo AS f
             (warehouse, item, on_hand, received_qty, layered_qty, priced_value, unpriced_qty)
         SELECT s.warehouse, s.item, s.qty, s.received_qty, COALESCE(l.layered_qty, 0),
                COALESCE(l.priced_value, 0), COALESCE(l.unpriced_qty, 0)
         FROM stale s
         LEFT JOIN LATERAL (
             SELECT sum(LEAST(x.qty, x.cum_qty - GREATEST(s.received_qty - s.qty, 0))) AS layered_qty,
                    sum(LEAST(x.qty, x.cum_qty - GREATEST(s.received_qty - s.qty, 0)) * x.unit_cost)
                        AS priced_value,
                    sum(LEAST(x.qty, x.cum_qty - GREATEST(s.received_qty - s.qty, 0)))
                        FILTER (WHERE x.unit_cost IS NULL) AS unpriced_qty
             FROM report_receipt_layers x
             WHERE x.warehouse = s.warehouse AND x.item = s.item
               AND x.cum_qty > GREATEST(s.received_qty - s.qty, 0)) l ON true
         ON CONFLICT (warehouse, item) DO UPDATE SET
           on_hand = EXCLUDED.on_hand, received_qty = EXCLUDED.received_qty,
           layered_qty = EXCLUDED.layered_qty, priced_value = EXCLUDED.priced_value,
           unpriced_qty = EXCLUDED.unpriced_qty",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// Adds the ledger rows committed in `[lower, through)` to the daily, layer, total and
/// document summaries, records the items they touched in the temporary `report_touched`
/// when `touched` (not needed when every item's rolling sums are made again) and moves
/// `through`. Returns (item-days touched, layers added).
async fn take_ledger(
    tx: &mut sqlx::PgConnection,
    lower: DateTime<Utc>,
    through: DateTime<Utc>,
    touched: bool,
) -> Result<(u64, u64), ReportError> {
    if touched {
        sqlx::query(
            "CREATE TEMPORARY TABLE report_touched ON COMMIT DROP AS
             SELECT DISTINCT warehouse, item FROM ledger
             WHERE committed_at >= $1 AND committed_at < $2",
        )
        .bind(lower)
        .bind(through)
        .execute(&mut *tx)
        .await?;
        sqlx::query("ANALYZE report_touched")
            .execute(&mut *tx)
            .await?;
    }
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
    Ok((item_days, u64::try_from(receipt_layers).unwrap_or(0)))
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
