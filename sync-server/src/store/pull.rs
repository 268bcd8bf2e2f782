//! The change log devices pull, in commit order, without ever skipping a row.
//!
//! Every change carries the id of the transaction that wrote it (`txid xid8`). A page only
//! returns changes of transactions below the oldest transaction still running
//! (`pg_snapshot_xmin`), ordered by `(txid, id)`: every transaction below that barrier has
//! finished, so nothing can later appear behind a cursor. A long transaction holds the
//! barrier back (latency, never loss). The cursor is `"<txid>:<id>"` of the last change
//! returned; `""`/absent starts from the beginning.
//!
//! Refetch rule: a cursor below the warehouse's pruning horizon (`change_log_horizon`, set
//! by a future retention job: pruning must then also serve a snapshot), or naming a
//! transaction this database has not reached yet (a cursor from another or restored
//! database), is answered from the start with `refetch = true`: the device drops its
//! projections and applies the pages as a fresh copy. A cursor that does not parse is a
//! client bug and gets 400.

use std::fmt;
use std::str::FromStr;

use dockhand_app::domain::WarehouseCode;
use dockhand_app::protocol::Change;
use sqlx::{PgConnection, Row};

use super::{Store, StoreError, StoreResult};

/// A position in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct PullCursor {
    pub txid: u64,
    pub id: i64,
}

impl fmt::Display for PullCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.txid, self.id)
    }
}

impl FromStr for PullCursor {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<PullCursor, StoreError> {
        let bad = || {
            StoreError::Invalid(format!(
                "cursor {s:?} is not one this server gave out; pull without a cursor to start over"
            ))
        };
        let (txid, id) = s.split_once(':').ok_or_else(bad)?;
        Ok(PullCursor {
            txid: txid.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One page of changes.
#[derive(Debug, Clone)]
pub struct ChangePage {
    /// `(change id, change)` in commit order.
    pub changes: Vec<(i64, Change)>,
    pub next_cursor: PullCursor,
    pub has_more: bool,
    pub refetch: bool,
    /// The pull barrier (`pg_snapshot_xmin`) of the page's query: every transaction below it
    /// has ended, and when `has_more` is false the caller now holds all of their changes.
    pub barrier: u64,
}

/// Appends changes for `warehouse` in the caller's transaction.
pub async fn record_changes(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    changes: &[Change],
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&'static str> = changes.iter().map(change_kind).collect();
    let bodies = serde_json::to_value(changes)
        .map_err(|e| StoreError::Corrupt(format!("change does not serialise: {e}")))?;
    sqlx::query(
        "INSERT INTO changes (warehouse, kind, body)
         SELECT $1, k.kind, b.body
         FROM unnest($2::text[]) WITH ORDINALITY AS k(kind, ord)
         JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS b(body, ord) USING (ord)
         ORDER BY ord",
    )
    .bind(warehouse.as_str())
    .bind(kinds)
    .bind(bodies)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn change_kind(change: &Change) -> &'static str {
    match change {
        Change::Item(_) => "item",
        Change::Location(_) => "location",
        Change::Balance(_) => "balance",
        Change::PickTask(_) => "pick_task",
        Change::PickTaskClosed { .. } => "pick_task_closed",
        Change::InboundDocument(_) => "inbound_document",
        Change::Conflict { .. } => "conflict",
    }
}

impl Store {
    /// Up to `limit` changes of `warehouse` after `cursor`, in commit order.
    pub async fn pull_changes(
        &self,
        warehouse: &WarehouseCode,
        cursor: Option<PullCursor>,
        limit: u32,
    ) -> StoreResult<ChangePage> {
        let mut conn = self.pool.acquire().await?;
        let mut start = cursor.unwrap_or_default();
        let mut refetch = false;
        if let Some(cursor) = cursor {
            let row = sqlx::query(
                "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
                        (SELECT txid::text FROM change_log_horizon WHERE warehouse = $1) AS htx,
                        (SELECT id FROM change_log_horizon WHERE warehouse = $1) AS hid",
            )
            .bind(warehouse.as_str())
            .fetch_one(&mut *conn)
            .await?;
            let xmax: u64 = parse_xid(row.try_get("xmax")?)?;
            let horizon = match row.try_get::<Option<String>, _>("htx")? {
                Some(htx) => Some(PullCursor {
                    txid: parse_xid(htx)?,
                    id: row.try_get::<Option<i64>, _>("hid")?.unwrap_or(0),
                }),
                None => None,
            };
            if cursor.txid >= xmax || horizon.is_some_and(|h| cursor < h) {
                refetch = true;
                start = PullCursor::default();
            }
        }
        // One snapshot for the page and its barrier; the barrier row is there even when no
        // change is.
        let rows = sqlx::query(
            "SELECT b.xmin::text AS barrier, c.id, c.txid::text AS txid, c.body
             FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) b
             LEFT JOIN LATERAL (
                 SELECT id, txid, body FROM changes
                 WHERE warehouse = $1
                   AND (txid, id) > ($2::text::xid8, $3)
                   AND txid < b.xmin
                 ORDER BY txid, id
                 LIMIT $4) c ON true
             ORDER BY c.txid, c.id",
        )
        .bind(warehouse.as_str())
        .bind(start.txid.to_string())
        .bind(start.id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
        let barrier = match rows.first() {
            Some(row) => parse_xid(row.try_get("barrier")?)?,
            None => return Err(StoreError::Corrupt("the pull query returned no row".into())),
        };
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|row| row.try_get::<Option<i64>, _>("id").ok().flatten().is_some())
            .collect();
        let has_more = rows.len() > limit as usize;
        let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
        let mut next = start;
        for row in rows.iter().take(limit as usize) {
            let id: i64 = row.try_get("id")?;
            let txid = parse_xid(row.try_get("txid")?)?;
            let body: serde_json::Value = row.try_get("body")?;
            let change: Change = serde_json::from_value(body)
                .map_err(|e| StoreError::Corrupt(format!("change {id}: {e}")))?;
            changes.push((id, change));
            next = PullCursor { txid, id };
        }
        Ok(ChangePage {
            changes,
            next_cursor: next,
            has_more,
            refetch,
            barrier,
        })
    }
}

pub(crate) fn parse_xid(text: String) -> StoreResult<u64> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("transaction id {text:?} is not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_order_by_transaction_first() {
        let c: PullCursor = "812:33".parse().unwrap();
        assert_eq!(c, PullCursor { txid: 812, id: 33 });
        assert_eq!(c.to_string(), "812:33");
        assert!(PullCursor { txid: 2, id: 1 } > PullCursor { txid: 1, id: 99 });
        assert!("812".parse::<PullCursor>().is_err());
        assert!("a:1".parse::<PullCursor>().is_err());
    }
}
