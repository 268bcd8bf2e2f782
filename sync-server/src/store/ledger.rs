//! The movement ledger and the balances derived from it, written in the caller's
//! transaction. Owns the lock order that keeps concurrent events from deadlocking, and the
//! discrepancy rule: a sellable balance never goes below zero; what was physically taken
//! beyond it is moved to the same key's `discrepancy` status (allowed negative) until a
//! supervisor resolves the conflict. Does not decide which conflicts to open.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use dockhand_app::domain::{StockEffect, StockStatus, WarehouseCode};
use dockhand_app::protocol::{BalanceRecord, Change};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::{StoreError, StoreResult, lot_key};

/// The server-only status that holds physical shortfalls.
pub const DISCREPANCY: &str = "discrepancy";

/// One balance: (item, location, lot, status) within the event's warehouse. Field order is
/// the lock order.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct BalanceKey {
    pub item: String,
    pub location: String,
    pub lot: String,
    pub status: String,
}

impl BalanceKey {
    pub fn from_effect(effect: &StockEffect) -> BalanceKey {
        BalanceKey {
            item: effect.item.as_str().to_owned(),
            location: effect.location.as_str().to_owned(),
            lot: lot_key(effect.lot.as_ref()),
            status: effect.status.as_str().to_owned(),
        }
    }

    pub fn is_sellable(&self) -> bool {
        self.status
            .parse::<StockStatus>()
            .is_ok_and(StockStatus::is_sellable)
    }

    pub fn discrepancy(&self) -> BalanceKey {
        BalanceKey {
            status: DISCREPANCY.to_owned(),
            ..self.clone()
        }
    }

    /// The record devices pull, or `None` for the server-only discrepancy status.
    fn balance_record(&self, written: &Written) -> Option<BalanceRecord> {
        Some(BalanceRecord {
            item: self.item.parse().ok()?,
            location: self.location.parse().ok()?,
            lot: if self.lot.is_empty() {
                None
            } else {
                self.lot.parse().ok()
            },
            expiry: written.expiry,
            status: self.status.parse().ok()?,
            qty: written.qty,
            version: u64::try_from(written.version).ok()?,
        })
    }
}

/// A balance as one statement of [`PendingStock::flush`] left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    qty: i64,
    /// The balance's version after the statement (see migration 0009).
    version: i64,
    /// The lot's expiry in the warehouse's lot register, if it has one.
    expiry: Option<NaiveDate>,
}

/// One signed movement to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub key: BalanceKey,
    pub delta: i64,
    pub cause: String,
    pub occurred_at: DateTime<Utc>,
}

/// A sellable balance that the movements would have taken below zero.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shortfall {
    pub key: BalanceKey,
    pub before: i64,
    pub requested: i64,
    pub shortfall: i64,
}

/// What [`apply_rows`] did.
#[derive(Debug, Default)]
pub struct AppliedRows {
    pub shortfalls: Vec<Shortfall>,
}

/// Locks the balances of `keys` in lock order (creating missing ones at zero) and returns
/// their current quantities. Callers lock every key they will read or write before writing.
pub async fn lock_balances(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    keys: impl IntoIterator<Item = BalanceKey>,
) -> StoreResult<BTreeMap<BalanceKey, i64>> {
    let mut sorted: Vec<BalanceKey> = keys.into_iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut locked = BTreeMap::new();
    if sorted.is_empty() {
        return Ok(locked);
    }
    let (items, locations, lots, statuses) = columns(&sorted);
    // ORDER BY ord makes the rows lock in key order; DO UPDATE locks existing rows too.
    let rows = sqlx::query(
        "INSERT INTO balances (warehouse, item, location, lot, status, qty)
         SELECT $1, k.item, k.location, k.lot, k.status, 0
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
              WITH ORDINALITY AS k(item, location, lot, status, ord)
         ORDER BY k.ord
         ON CONFLICT (warehouse, item, location, lot, status) DO UPDATE SET qty = balances.qty
         RETURNING item, location, lot, status, qty",
    )
    .bind(warehouse.as_str())
    .bind(items)
    .bind(locations)
    .bind(lots)
    .bind(statuses)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let key = BalanceKey {
            item: row.try_get("item")?,
            location: row.try_get("location")?,
            lot: row.try_get("lot")?,
            status: row.try_get("status")?,
        };
        locked.insert(key, row.try_get::<i64, _>("qty")?);
    }
    Ok(locked)
}

fn columns(keys: &[BalanceKey]) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    (
        keys.iter().map(|k| k.item.clone()).collect(),
        keys.iter().map(|k| k.location.clone()).collect(),
        keys.iter().map(|k| k.lot.clone()).collect(),
        keys.iter().map(|k| k.status.clone()).collect(),
    )
}

/// What [`plan_rows`] decided for one event's (or resolution's) rows, before anything is
/// written.
#[derive(Debug, Default)]
pub struct PlannedRows {
    /// The rows to write: the caller's, plus the moves of any shortfall to discrepancy.
    pub rows: Vec<LedgerRow>,
    pub shortfalls: Vec<Shortfall>,
    /// The new quantity of every locked (non-discrepancy) key the rows change.
    pub after: BTreeMap<BalanceKey, i64>,
}

/// Decides, in memory, what `rows` do to the balances in `locked` (which must hold every
/// non-discrepancy key of `rows`, with its current quantity): a sellable key whose net
/// movement would go below zero keeps zero and the rest is moved to its discrepancy key.
pub fn plan_rows(
    mut rows: Vec<LedgerRow>,
    locked: &BTreeMap<BalanceKey, i64>,
) -> StoreResult<PlannedRows> {
    let mut net: BTreeMap<BalanceKey, i64> = BTreeMap::new();
    for row in &rows {
        *net.entry(row.key.clone()).or_default() += row.delta;
    }
    let mut planned = PlannedRows::default();
    let mut discrepancy_rows = Vec::new();
    for (key, delta) in &net {
        if key.status == DISCREPANCY {
            continue;
        }
        let before = *locked.get(key).ok_or_else(|| {
            StoreError::Corrupt(format!("balance {key:?} was written without being locked"))
        })?;
        let mut after = before + delta;
        if key.is_sellable() && after < 0 {
            let shortfall = -after;
            planned.shortfalls.push(Shortfall {
                key: key.clone(),
                before,
                requested: -delta,
                shortfall,
            });
            let occurred_at = rows
                .iter()
                .filter(|r| &r.key == key)
                .map(|r| r.occurred_at)
                .max()
                .unwrap_or_else(Utc::now);
            discrepancy_rows.push(LedgerRow {
                key: key.clone(),
                delta: shortfall,
                cause: "shortfall_to_discrepancy".to_owned(),
                occurred_at,
            });
            discrepancy_rows.push(LedgerRow {
                key: key.discrepancy(),
                delta: -shortfall,
                cause: "shortfall_to_discrepancy".to_owned(),
                occurred_at,
            });
            after = 0;
        }
        if after != before {
            planned.after.insert(key.clone(), after);
        }
    }
    rows.extend(discrepancy_rows);
    planned.rows = rows;
    Ok(planned)
}

/// Ledger rows and balance movements decided but not yet written. A push chunk collects
/// every event's here and writes them in a handful of set-based statements ([`Self::flush`])
/// at the end of the chunk, or earlier when something is about to read the ledger.
#[derive(Debug, Default)]
pub struct PendingStock {
    /// Each row with the event (or resolution) that caused it, in order.
    rows: Vec<(Uuid, LedgerRow)>,
    /// Net movement per balance of the rows above.
    deltas: BTreeMap<BalanceKey, i64>,
}

impl PendingStock {
    /// Queues the rows `event_id` caused.
    pub fn add(&mut self, event_id: Uuid, rows: Vec<LedgerRow>) {
        for row in rows {
            *self.deltas.entry(row.key.clone()).or_default() += row.delta;
            self.rows.push((event_id, row));
        }
    }

    /// Writes everything queued: one update of the locked balances, one upsert of the
    /// discrepancy balances (locked here, after all others: the global lock order), one
    /// insert of the ledger rows and of a `balance` change per changed key devices can see
    /// (its final quantity, the version the same statement gave it, and its lot's expiry
    /// from the lot register: callers write the lots they received first). Returns every
    /// changed balance's quantity after the writes.
    ///
    /// Each statement that changes a quantity also bumps the balance's version: the row lock
    /// it holds orders the writers of one balance, so versions follow commit order even when
    /// the change log's txid order does not (docs/ARCHITECTURE.md, "Ordering hazard").
    pub async fn flush(
        &mut self,
        conn: &mut PgConnection,
        warehouse: &WarehouseCode,
    ) -> StoreResult<BTreeMap<BalanceKey, i64>> {
        let mut written: BTreeMap<BalanceKey, Written> = BTreeMap::new();
        if self.rows.is_empty() {
            return Ok(BTreeMap::new());
        }
        let rows = std::mem::take(&mut self.rows);
        let deltas = std::mem::take(&mut self.deltas);
        let (normal, discrepancy): (Vec<_>, Vec<_>) = deltas
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .partition(|(key, _)| key.status != DISCREPANCY);
        for (part, sql) in [
            (
                normal,
                "UPDATE balances b
                 SET qty = b.qty + d.delta, version = b.version + 1, updated_at = now()
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int8[])
                      AS d(item, location, lot, status, delta)
                 WHERE b.warehouse = $1 AND b.item = d.item AND b.location = d.location
                   AND b.lot = d.lot AND b.status = d.status
                 RETURNING b.item, b.location, b.lot, b.status, b.qty, b.version,
                   (SELECT l.expiry FROM lots l
                    WHERE l.warehouse = b.warehouse AND l.sku = b.item AND l.lot = b.lot) AS expiry",
            ),
            (
                discrepancy,
                "INSERT INTO balances (warehouse, item, location, lot, status, qty, version)
                 SELECT $1, d.item, d.location, d.lot, d.status, d.delta, 1
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int8[])
                      WITH ORDINALITY AS d(item, location, lot, status, delta, ord)
                 ORDER BY d.ord
                 ON CONFLICT (warehouse, item, location, lot, status)
                 DO UPDATE SET qty = balances.qty + EXCLUDED.qty,
                               version = balances.version + 1, updated_at = now()
                 RETURNING item, location, lot, status, qty, version,
                   NULL::date AS expiry",
            ),
        ] {
            if part.is_empty() {
                continue;
            }
            let keys: Vec<BalanceKey> = part.iter().map(|(k, _)| k.clone()).collect();
            let deltas: Vec<i64> = part.iter().map(|(_, d)| *d).collect();
            let (items, locations, lots, statuses) = columns(&keys);
            let updated = sqlx::query(sql)
                .bind(warehouse.as_str())
                .bind(items)
                .bind(locations)
                .bind(lots)
                .bind(statuses)
                .bind(deltas)
                .fetch_all(&mut *conn)
                .await?;
            if updated.len() != keys.len() {
                return Err(StoreError::Corrupt(format!(
                    "{} of {} balances to move were not there (not locked first?)",
                    keys.len() - updated.len(),
                    keys.len()
                )));
            }
            for row in updated {
                let key = BalanceKey {
                    item: row.try_get("item")?,
                    location: row.try_get("location")?,
                    lot: row.try_get("lot")?,
                    status: row.try_get("status")?,
                };
                written.insert(
                    key,
                    Written {
                        qty: row.try_get("qty")?,
                        version: row.try_get("version")?,
                        expiry: row.try_get("expiry")?,
                    },
                );
            }
        }
        let changes: Vec<Change> = written
            .iter()
            .filter_map(|(key, w)| key.balance_record(w).map(Change::Balance))
            .collect();
        insert_ledger_rows_and_changes(conn, warehouse, &rows, &changes).await?;
        Ok(written.into_iter().map(|(key, w)| (key, w.qty)).collect())
    }
}

/// Writes `rows` to the ledger and the balances now: [`plan_rows`], then one
/// [`PendingStock::flush`]. Every non-discrepancy key of `rows` must already be locked with
/// [`lock_balances`] (its quantity is in `locked`).
pub async fn apply_rows(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event_id: Uuid,
    rows: Vec<LedgerRow>,
    locked: &BTreeMap<BalanceKey, i64>,
) -> StoreResult<AppliedRows> {
    let planned = plan_rows(rows, locked)?;
    let mut pending = PendingStock::default();
    pending.add(event_id, planned.rows);
    pending.flush(conn, warehouse).await?;
    Ok(AppliedRows {
        shortfalls: planned.shortfalls,
    })
}

/// The ledger rows and the balance changes devices will pull, in one statement.
async fn insert_ledger_rows_and_changes(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    rows: &[(Uuid, LedgerRow)],
    changes: &[Change],
) -> StoreResult<()> {
    let bodies = serde_json::to_value(changes)
        .map_err(|e| StoreError::Corrupt(format!("change does not serialise: {e}")))?;
    let event_ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let keys: Vec<BalanceKey> = rows.iter().map(|(_, r)| r.key.clone()).collect();
    let (items, locations, lots, statuses) = columns(&keys);
    let deltas: Vec<i64> = rows.iter().map(|(_, r)| r.delta).collect();
    let causes: Vec<String> = rows.iter().map(|(_, r)| r.cause.clone()).collect();
    let occurred: Vec<DateTime<Utc>> = rows.iter().map(|(_, r)| r.occurred_at).collect();
    sqlx::query(
        "WITH moved AS (
             INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
             SELECT $1, r.item, r.location, r.lot, r.status, r.delta, r.event_id, r.cause, r.occurred_at
             FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::text[], $9::timestamptz[])
                  WITH ORDINALITY AS r(event_id, item, location, lot, status, delta, cause, occurred_at, ord)
             ORDER BY r.ord)
         INSERT INTO changes (warehouse, kind, body)
         SELECT $1, 'balance', b.body FROM jsonb_array_elements($10::jsonb) WITH ORDINALITY AS b(body, ord)
         ORDER BY b.ord",
    )
    .bind(warehouse.as_str())
    .bind(event_ids)
    .bind(items)
    .bind(locations)
    .bind(lots)
    .bind(statuses)
    .bind(deltas)
    .bind(causes)
    .bind(occurred)
    .bind(bodies)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The ledger's sum for `key` over movements that occurred at or before `as_of`.
pub async fn ledger_sum_as_of(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    key: &BalanceKey,
    as_of: DateTime<Utc>,
) -> StoreResult<i64> {
    let sum: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(delta), 0)::int8 FROM ledger
         WHERE warehouse = $1 AND item = $2 AND location = $3 AND lot = $4 AND status = $5
           AND occurred_at <= $6",
    )
    .bind(warehouse.as_str())
    .bind(&key.item)
    .bind(&key.location)
    .bind(&key.lot)
    .bind(&key.status)
    .bind(as_of)
    .fetch_one(&mut *conn)
    .await?;
    Ok(sum)
}

/// The last few movements on a balance, as evidence for a conflict.
pub async fn recent_movements(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    key: &BalanceKey,
    limit: i64,
) -> StoreResult<serde_json::Value> {
    let rows = sqlx::query(
        "SELECT l.event_id, l.delta, l.cause, l.occurred_at, l.committed_at, e.device_id
         FROM ledger l LEFT JOIN events e ON e.event_id = l.event_id
         WHERE l.warehouse = $1 AND l.item = $2 AND l.location = $3 AND l.lot = $4 AND l.status = $5
         ORDER BY l.id DESC LIMIT $6",
    )
    .bind(warehouse.as_str())
    .bind(&key.item)
    .bind(&key.location)
    .bind(&key.lot)
    .bind(&key.status)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let device: Option<Uuid> = row.try_get("device_id")?;
        out.push(serde_json::json!({
            "event_id": row.try_get::<Uuid, _>("event_id")?,
            "device_id": device,
            "delta": row.try_get::<i64, _>("delta")?,
            "cause": row.try_get::<String, _>("cause")?,
            "occurred_at": row.try_get::<DateTime<Utc>, _>("occurred_at")?,
            "committed_at": row.try_get::<DateTime<Utc>, _>("committed_at")?,
        }));
    }
    Ok(serde_json::Value::Array(out))
}

/// The ledger rows one event (or resolution) wrote, for compensation.
pub async fn rows_of_event(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event_id: Uuid,
) -> StoreResult<Vec<LedgerRow>> {
    let rows = sqlx::query(
        "SELECT item, location, lot, status, delta, cause, occurred_at FROM ledger
         WHERE warehouse = $1 AND event_id = $2 ORDER BY id",
    )
    .bind(warehouse.as_str())
    .bind(event_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LedgerRow {
                key: BalanceKey {
                    item: row.try_get("item")?,
                    location: row.try_get("location")?,
                    lot: row.try_get("lot")?,
                    status: row.try_get("status")?,
                },
                delta: row.try_get("delta")?,
                cause: row.try_get("cause")?,
                occurred_at: row.try_get("occurred_at")?,
            })
        })
        .collect()
}
