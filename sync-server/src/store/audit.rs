//! The audit: rebuilds every balance from the ledger and reports where the stored balances
//! differ. Read-only; an empty answer means the ledger and the balances agree.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Store, StoreResult};

/// A balance whose stored quantity is not the sum of its ledger movements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceDifference {
    pub warehouse: String,
    pub item: String,
    pub location: String,
    pub lot: String,
    pub status: String,
    pub balance: i64,
    pub ledger: i64,
}

impl Store {
    /// Every balance that differs from its ledger sum (a missing row counts as zero),
    /// plus any sellable balance below zero.
    pub async fn audit_balances(&self) -> StoreResult<Vec<BalanceDifference>> {
        let rows = sqlx::query(
            "WITH l AS (
                 SELECT warehouse, item, location, lot, status, SUM(delta)::int8 AS qty
                 FROM ledger GROUP BY warehouse, item, location, lot, status)
             SELECT COALESCE(b.warehouse, l.warehouse) AS warehouse,
                    COALESCE(b.item, l.item) AS item,
                    COALESCE(b.location, l.location) AS location,
                    COALESCE(b.lot, l.lot) AS lot,
                    COALESCE(b.status, l.status) AS status,
                    COALESCE(b.qty, 0) AS balance, COALESCE(l.qty, 0) AS ledger
             FROM balances b FULL JOIN l
               ON b.warehouse = l.warehouse AND b.item = l.item AND b.location = l.location
              AND b.lot = l.lot AND b.status = l.status
             WHERE COALESCE(b.qty, 0) <> COALESCE(l.qty, 0)
                OR (COALESCE(b.qty, 0) < 0 AND COALESCE(b.status, l.status) IN ('available', 'allocated'))
             ORDER BY 1, 2, 3, 4, 5",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BalanceDifference {
                    warehouse: row.try_get("warehouse")?,
                    item: row.try_get("item")?,
                    location: row.try_get("location")?,
                    lot: row.try_get("lot")?,
                    status: row.try_get("status")?,
                    balance: row.try_get("balance")?,
                    ledger: row.try_get("ledger")?,
                })
            })
            .collect()
    }

    /// The stored quantity of one balance (zero when there is no row).
    pub async fn balance_qty(
        &self,
        warehouse: &str,
        item: &str,
        location: &str,
        lot: &str,
        status: &str,
    ) -> StoreResult<i64> {
        let qty: Option<i64> = sqlx::query_scalar(
            "SELECT qty FROM balances
             WHERE warehouse = $1 AND item = $2 AND location = $3 AND lot = $4 AND status = $5",
        )
        .bind(warehouse)
        .bind(item)
        .bind(location)
        .bind(lot)
        .bind(status)
        .fetch_optional(&self.pool)
        .await?;
        Ok(qty.unwrap_or(0))
    }
}
