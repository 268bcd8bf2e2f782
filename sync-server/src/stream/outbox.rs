//! The outbox's SQL: reading messages in commit order below the `pg_snapshot_xmin` barrier
//! (per relay partition, or per warehouse for SSE and `stream tail`) or as they became
//! visible between two snapshots (the live relay), owning partitions with
//! session advisory locks and moving their cursors, and the backlog for `/healthz` and
//! `/metrics`. The rows themselves are written by the triggers of migration 0002, in the
//! writer's transaction; nothing here writes a message.
//!
//! The device of a stock movement is looked up when the row is read (`events` or
//! `resolutions` by the movement's event id): the event row is stored later in the same
//! transaction than the ledger row, so the trigger cannot see it.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Row};

use crate::store::{PullCursor, StoreError, StoreResult};

/// Advisory lock class of relay partitions (`pg_try_advisory_lock(class, partition)`).
const RELAY_LOCK_CLASS: i32 = 0x6f75_7478; // "outx"

/// One message as read from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub part: i16,
    /// Position in commit order: the SSE event id and the relay cursor.
    pub cursor: PullCursor,
    /// `stock`, `conflict` or `alert`.
    pub kind: String,
    /// Subject below the prefix, e.g. `WH1.stock.SKU-1`.
    pub subject: String,
    /// JetStream's `Nats-Msg-Id`.
    pub msg_id: String,
    /// The JSON payload, as sent.
    pub payload: String,
}

/// The relay's backlog, whoever runs the relay.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct OutboxBacklog {
    /// Messages committed or being written that no relay has published yet.
    pub pending: i64,
    /// Age of the oldest of them (0 when none).
    pub lag_seconds: f64,
}

///
/// The device comes from scalar subqueries (one unique-index probe each per stock message)
/// rather than joins: the planner cannot estimate `txid >= …` on `xid8` and, as the outbox
/// grows, would otherwise pick hash joins that read all of `events` in every relay round.
const MESSAGE_COLUMNS: &str = "o.part, o.txid::text AS txid, o.id, o.kind, o.subject, o.msg_id,
    (CASE WHEN o.kind = 'stock'
          THEN o.body || jsonb_build_object('device_id', COALESCE(
              (SELECT e.device_id FROM events e WHERE e.event_id = o.event_id),
              (SELECT r.resolved_by FROM resolutions r WHERE r.event_id = o.event_id)))
          ELSE o.body END)::text AS payload";

fn message(row: &sqlx::postgres::PgRow) -> StoreResult<OutboxMessage> {
    let txid: String = row.try_get("txid")?;
    Ok(OutboxMessage {
        part: row.try_get("part")?,
        cursor: PullCursor {
            txid: txid
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("outbox txid {txid:?}")))?,
            id: row.try_get("id")?,
        },
        kind: row.try_get("kind")?,
        subject: row.try_get("subject")?,
        msg_id: row.try_get("msg_id")?,
        payload: row.try_get("payload")?,
    })
}

/// Tries to own `part` for this session (the lock lasts until `release_partition` or the
/// connection closes) and returns its cursor, or `None` if another relay owns it.
pub async fn claim_partition(
    conn: &mut PgConnection,
    part: i16,
) -> StoreResult<Option<PullCursor>> {
    let row = sqlx::query(
        "SELECT r.txid::text AS txid, r.id FROM outbox_relay r
         WHERE r.part = $2 AND pg_try_advisory_lock($1, $2)",
    )
    .bind(RELAY_LOCK_CLASS)
    .bind(i32::from(part))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let txid: String = row.try_get("txid")?;
    Ok(Some(PullCursor {
        txid: txid
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("relay cursor txid {txid:?}")))?,
        id: row.try_get("id")?,
    }))
}

/// Gives a partition back (another relay may take it at once).
pub async fn release_partition(conn: &mut PgConnection, part: i16) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(RELAY_LOCK_CLASS)
        .bind(i32::from(part))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Advisory lock class of relay presence (`pg_advisory_lock(class, backend pid)`).
const PRESENCE_LOCK_CLASS: i32 = 0x6f75_7470; // "outp"

/// How many partitions the outbox is cut into.
pub async fn partition_count(conn: &mut PgConnection) -> StoreResult<i16> {
    Ok(
        sqlx::query_scalar("SELECT dockhand_outbox_partitions()::int2")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Marks this session as a relay (until the connection closes), so the others share.
pub async fn announce_relay(conn: &mut PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_lock($1, pg_backend_pid())")
        .bind(PRESENCE_LOCK_CLASS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many relays are connected to this database.
pub async fn relays_present(conn: &mut PgConnection) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks
         WHERE locktype = 'advisory' AND classid = $1::oid AND objsubid = 2 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind(i64::from(PRESENCE_LOCK_CLASS))
    .fetch_one(&mut *conn)
    .await?)
}

/// Up to `limit` messages per owned partition after its cursor, below the commit barrier,
/// ordered by partition then commit order.
pub async fn pending_for_partitions(
    conn: &mut PgConnection,
    owned: &[(i16, PullCursor)],
    limit: i64,
) -> StoreResult<Vec<OutboxMessage>> {
    if owned.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<i16> = owned.iter().map(|(p, _)| *p).collect();
    let txids: Vec<String> = owned.iter().map(|(_, c)| c.txid.to_string()).collect();
    let ids: Vec<i64> = owned.iter().map(|(_, c)| c.id).collect();
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS}
         FROM unnest($1::int2[], $2::text[], $3::int8[]) AS c(part, txid, id)
         CROSS JOIN LATERAL (
             SELECT * FROM outbox x
             WHERE x.part = c.part AND (x.txid, x.id) > (c.txid::xid8, c.id)
               AND x.txid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY x.txid, x.id
             LIMIT $4) o
         ORDER BY o.part, o.txid, o.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(parts)
        .bind(txids)
        .bind(ids)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(message).collect()
}

/// Stores the cursors of partitions this session owns, with the relay's live lag (`None`:
/// not live) for the stream gate ([`cluster_lag`]).
pub async fn advance_cursors(
    conn: &mut PgConnection,
    cursors: &[(i16, PullCursor)],
    live_lag: Option<std::time::Duration>,
) -> StoreResult<()> {
    if cursors.is_empty() {
        return Ok(());
    }
    let parts: Vec<i16> = cursors.iter().map(|(p, _)| *p).collect();
    let txids: Vec<String> = cursors.iter().map(|(_, c)| c.txid.to_string()).collect();
    let ids: Vec<i64> = cursors.iter().map(|(_, c)| c.id).collect();
    let lag_ms = live_lag.map(|l| i32::try_from(l.as_millis()).unwrap_or(i32::MAX));
    sqlx::query(
        "UPDATE outbox_relay r SET txid = c.txid::xid8, id = c.id, published_at = now(),
                live_lag_ms = $4, lag_at = now()
         FROM unnest($1::int2[], $2::text[], $3::int8[]) AS c(part, txid, id)
         WHERE r.part = c.part",
    )
    .bind(parts)
    .bind(txids)
    .bind(ids)
    .bind(lag_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The largest live lag any relay reported in the last `recent` (`None`: no live relay
/// reported one).
pub async fn cluster_lag(
    pool: &PgPool,
    recent: std::time::Duration,
) -> StoreResult<Option<std::time::Duration>> {
    let ms: Option<i32> = sqlx::query_scalar(
        "SELECT max(live_lag_ms) FROM outbox_relay
         WHERE lag_at > clock_timestamp() - make_interval(secs => $1)",
    )
    .bind(recent.as_secs_f64())
    .fetch_one(pool)
    .await?;
    Ok(ms.map(|ms| std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))))
}

/// Up to `limit` messages of `warehouse` after `after`, below the commit barrier, in commit
/// order: what `GET /v1/stream` and `stream tail` serve.
pub async fn messages_for_warehouse(
    pool: &PgPool,
    warehouse: &str,
    after: PullCursor,
    limit: i64,
) -> StoreResult<Vec<OutboxMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS}
         FROM (SELECT * FROM outbox x
               WHERE x.warehouse = $1 AND (x.txid, x.id) > ($2::text::xid8, $3)
                 AND x.txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY x.txid, x.id
               LIMIT $4) o
         ORDER BY o.txid, o.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(warehouse)
        .bind(after.txid.to_string())
        .bind(after.id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(message).collect()
}

/// A cursor after everything committed so far: reading from it yields only what commits
/// from now on (every transaction below the barrier has finished).
pub async fn live_cursor(pool: &PgPool) -> StoreResult<PullCursor> {
    let xmin: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        .fetch_one(pool)
        .await?;
    let xmin: u64 = xmin
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("snapshot xmin {xmin:?}")))?;
    Ok(PullCursor {
        txid: xmin.saturating_sub(1),
        id: i64::MAX,
    })
}

/// The outbox rows not yet published by any relay (counted up to `cap`), and the age of
/// the oldest.
pub async fn backlog(pool: &PgPool, cap: i64) -> StoreResult<OutboxBacklog> {
    let row = sqlx::query(
        "SELECT
            (SELECT count(*) FROM (
                SELECT 1 FROM outbox_relay r
                CROSS JOIN LATERAL (
                    SELECT 1 FROM outbox o
                    WHERE o.part = r.part AND (o.txid, o.id) > (r.txid, r.id)
                    LIMIT $1) x
                LIMIT $1) y) AS pending,
            (SELECT min(first.created_at) FROM outbox_relay r
             CROSS JOIN LATERAL (
                 SELECT o.created_at FROM outbox o
                 WHERE o.part = r.part AND (o.txid, o.id) > (r.txid, r.id)
                 ORDER BY o.txid, o.id LIMIT 1) first) AS oldest,
            clock_timestamp() AS now",
    )
    .bind(cap)
    .fetch_one(pool)
    .await?;
    let oldest: Option<DateTime<Utc>> = row.try_get("oldest")?;
    let now: DateTime<Utc> = row.try_get("now")?;
    Ok(OutboxBacklog {
        pending: row.try_get("pending")?,
        lag_seconds: oldest.map_or(0.0, |o| (now - o).num_milliseconds().max(0) as f64 / 1000.0),
    })
}

/// What a snapshot says about transactions: all below `xmin` finished, those in `xip` were
/// running, none from `xmax` on had started.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotBounds {
    pub xmin: u64,
    pub xmax: u64,
    pub xip: Vec<u64>,
}

/// The oldest transaction still running (`pg_snapshot_xmin`) right now.
pub async fn current_xmin(conn: &mut PgConnection) -> StoreResult<u64> {
    let xmin: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        .fetch_one(&mut *conn)
        .await?;
    xmin.parse()
        .map_err(|_| StoreError::Corrupt(format!("snapshot xmin {xmin:?}")))
}

/// The messages of `parts` that became visible since an earlier snapshot — written by a
/// transaction from `from_txid` on or by one of `also` (those still running then) — in one
/// snapshot, returned with it. Feeding the returned snapshot's `xmax` and `xip` into the
/// next call yields exactly the messages committed in between, each once, in the order they
/// became visible, without waiting for older transactions still running.
///
/// One statement, one round trip: `pg_current_snapshot()` is the statement's own snapshot
/// (the active one), the very snapshot its scan of the outbox reads with, so the rows and
/// the bounds agree without a repeatable-read transaction around them. The bounds come on
/// every row, and on a row of NULL messages when nothing new is visible.
///
/// Each partition is read by index scans on `(part, txid, id)`: one range scan for the
/// transactions from `from_txid` on, one equality scan per transaction of `also`. Written
/// as one `OR` (or as `txid = ANY(…)`, which the planner turned into a range scan of
/// everything below `from_txid`), the planner could not put the `txid` conditions into the
/// index scan (`OFFSET 0` keeps the planner from flattening the per-transaction lookup
/// into a join it can reorder) and read every row of the owned partitions,
/// filtering them in the heap: a round cost ~1 ms per 6,000 rows of outbox history, 50–300
/// ms under the push load (`EXPLAIN ANALYZE` in BENCHMARKS.md, *Stock stream*).
pub async fn committed_since(
    conn: &mut PgConnection,
    parts: &[i16],
    from_txid: u64,
    also: &[u64],
) -> StoreResult<(Vec<OutboxMessage>, SnapshotBounds)> {
    let sql = format!(
        "SELECT pg_snapshot_xmin(s.snap)::text AS xmin, pg_snapshot_xmax(s.snap)::text AS xmax,
                ARRAY(SELECT pg_snapshot_xip(s.snap)::text) AS xip, m.*
         FROM (SELECT pg_current_snapshot() AS snap) s
         LEFT JOIN LATERAL (
             SELECT {MESSAGE_COLUMNS}
             FROM unnest($1::int2[]) AS p(part)
             CROSS JOIN LATERAL (
                 SELECT * FROM outbox x
                 WHERE x.part = p.part AND x.txid >= $2::text::xid8
                 UNION ALL
                 SELECT x.* FROM unnest($3::text[]::xid8[]) AS a(txid)
                 CROSS JOIN LATERAL (
                     SELECT * FROM outbox x WHERE x.part = p.part AND x.txid = a.txid
                     OFFSET 0
                 ) x
                 WHERE a.txid < $2::text::xid8
             ) o
         ) m ON true
         ORDER BY m.part, m.txid::xid8, m.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(parts)
        .bind(from_txid.to_string())
        .bind(also.iter().map(u64::to_string).collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await?;
    let number = |text: String| -> StoreResult<u64> {
        text.parse()
            .map_err(|_| StoreError::Corrupt(format!("snapshot transaction id {text:?}")))
    };
    let Some(first) = rows.first() else {
        return Err(StoreError::Corrupt(
            "the outbox read returned no snapshot".into(),
        ));
    };
    let snapshot = SnapshotBounds {
        xmin: number(first.try_get("xmin")?)?,
        xmax: number(first.try_get("xmax")?)?,
        xip: first
            .try_get::<Vec<String>, _>("xip")?
            .into_iter()
            .map(number)
            .collect::<StoreResult<_>>()?,
    };
    let mut messages = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<Option<i16>, _>("part")?.is_some() {
            messages.push(message(row)?);
        }
    }
    Ok((messages, snapshot))
}

/// Deletes messages that every relay has published (at or below their partition's cursor)
/// and that are older than `older_than`, `batch` rows per partition per statement — short
/// transactions, so the pull barrier never waits on the pruning — and records per warehouse
/// the last position deleted (`outbox_horizon`). Rows are taken in commit order from the
/// start of each partition; a partition stops at its first batch that holds a younger row,
/// so a pass never scans the retained history. Returns how many rows went.
pub async fn prune(pool: &PgPool, older_than: std::time::Duration, batch: i64) -> StoreResult<u64> {
    let parts: Vec<i16> = sqlx::query_scalar("SELECT part FROM outbox_relay ORDER BY part")
        .fetch_all(pool)
        .await?;
    let mut total = 0u64;
    for part in parts {
        loop {
            let (deleted, taken): (i64, i64) = sqlx::query_as(
                "WITH first AS (
                     SELECT o.ctid AS row_id, o.created_at
                     FROM outbox o, outbox_relay r
                     WHERE o.part = $1 AND r.part = $1 AND (o.txid, o.id) <= (r.txid, r.id)
                     ORDER BY o.txid, o.id
                     LIMIT $2),
                 gone AS (
                     DELETE FROM outbox o
                     WHERE o.ctid = ANY(ARRAY(
                         SELECT f.row_id FROM first f
                         WHERE f.created_at < clock_timestamp() - make_interval(secs => $3)))
                     RETURNING o.warehouse, o.txid, o.id),
                 last AS (
                     SELECT DISTINCT ON (warehouse) warehouse, txid, id FROM gone
                     ORDER BY warehouse, txid DESC, id DESC),
                 horizon AS (
                     INSERT INTO outbox_horizon AS h (warehouse, txid, id)
                     SELECT warehouse, txid, id FROM last
                     ON CONFLICT (warehouse) DO UPDATE
                     SET txid = excluded.txid, id = excluded.id, pruned_at = now()
                     WHERE (h.txid, h.id) < (excluded.txid, excluded.id))
                 SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM first)",
            )
            .bind(part)
            .bind(batch)
            .bind(older_than.as_secs_f64())
            .fetch_one(pool)
            .await?;
            total += u64::try_from(deleted).unwrap_or(0);
            if deleted < taken || taken < batch {
                break;
            }
        }
    }
    Ok(total)
}

/// The last position deleted from `warehouse`'s messages by [`prune`], if any.
pub async fn horizon(pool: &PgPool, warehouse: &str) -> StoreResult<Option<PullCursor>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT txid::text, id FROM outbox_horizon WHERE warehouse = $1")
            .bind(warehouse)
            .fetch_optional(pool)
            .await?;
    row.map(|(txid, id)| {
        Ok(PullCursor {
            txid: txid
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("outbox horizon txid {txid:?}")))?,
            id,
        })
    })
    .transpose()
}
