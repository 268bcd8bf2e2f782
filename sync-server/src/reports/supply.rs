//! Supply terms an admin imports for replenishment and valuation: suppliers with their
//! lead times, and per item its supplier, standard cost and lead-time override. JSON arrays
//! or CSV (`code,name,lead_time_days` and `item,supplier,standard_cost,lead_time_days`).

use dockhand_app::domain::Sku;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::ReportError;
use super::cost::UnitCost;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierImport {
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lead_time_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSupplyImport {
    pub item: Sku,
    #[serde(default)]
    pub supplier: Option<String>,
    #[serde(default)]
    pub standard_cost: Option<UnitCost>,
    #[serde(default)]
    pub lead_time_days: Option<u32>,
}

fn from_csv<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, ReportError> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| ReportError::Invalid(format!("the CSV cannot be read: {e}")))
}

pub fn suppliers_csv(text: &str) -> Result<Vec<SupplierImport>, ReportError> {
    from_csv(text)
}

pub fn item_supply_csv(text: &str) -> Result<Vec<ItemSupplyImport>, ReportError> {
    from_csv(text)
}

fn days(value: Option<u32>) -> Option<i32> {
    value.map(|d| i32::try_from(d).unwrap_or(i32::MAX))
}

/// Upserts suppliers of `warehouse` (which must exist).
pub async fn import_suppliers(
    pool: &PgPool,
    warehouse: &str,
    rows: &[SupplierImport],
) -> Result<u64, ReportError> {
    super::require_warehouse(pool, warehouse).await?;
    if let Some(bad) = rows.iter().find(|r| r.code.trim().is_empty()) {
        return Err(ReportError::Invalid(format!(
            "a supplier needs a code (row {bad:?})"
        )));
    }
    let mut tx = pool.begin().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO suppliers (warehouse, code, name, lead_time_days) VALUES ($1, $2, $3, $4)
             ON CONFLICT (warehouse, code) DO UPDATE SET
               name = COALESCE(EXCLUDED.name, suppliers.name),
               lead_time_days = EXCLUDED.lead_time_days",
        )
        .bind(warehouse)
        .bind(row.code.trim())
        .bind(row.name.clone().unwrap_or_default())
        .bind(days(row.lead_time_days))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// Upserts item supply terms; every item must be in the warehouse's catalog.
pub async fn import_item_supply(
    pool: &PgPool,
    warehouse: &str,
    rows: &[ItemSupplyImport],
) -> Result<u64, ReportError> {
    super::require_warehouse(pool, warehouse).await?;
    let skus: Vec<String> = rows.iter().map(|r| r.item.as_str().to_owned()).collect();
    let unknown: Vec<String> = sqlx::query_scalar(
        "SELECT s FROM unnest($2::text[]) AS s
         WHERE NOT EXISTS (SELECT 1 FROM items WHERE warehouse = $1 AND sku = s)",
    )
    .bind(warehouse)
    .bind(&skus)
    .fetch_all(pool)
    .await?;
    if !unknown.is_empty() {
        return Err(ReportError::Invalid(format!(
            "item(s) {} are not in the catalog of {warehouse}; import them first",
            unknown.join(", ")
        )));
    }
    let mut tx = pool.begin().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO item_supply (warehouse, sku, supplier, standard_cost, lead_time_days)
             VALUES ($1, $2, $3, $4::numeric / 10000, $5)
             ON CONFLICT (warehouse, sku) DO UPDATE SET
               supplier = EXCLUDED.supplier, standard_cost = EXCLUDED.standard_cost,
               lead_time_days = EXCLUDED.lead_time_days, updated_at = now()",
        )
        .bind(warehouse)
        .bind(row.item.as_str())
        .bind(&row.supplier)
        .bind(row.standard_cost.map(UnitCost::ten_thousandths))
        .bind(days(row.lead_time_days))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_read_costs_and_blank_cells() {
        let rows =
            item_supply_csv("item,supplier,standard_cost,lead_time_days\nA,ACME,2.5,\nB,,,7\n")
                .unwrap();
        assert_eq!(rows[0].standard_cost.unwrap().ten_thousandths(), 25_000);
        assert_eq!(rows[0].lead_time_days, None);
        assert_eq!(
            (rows[1].supplier.as_deref(), rows[1].lead_time_days),
            (None, Some(7))
        );
        let err = item_supply_csv("item,standard_cost\nA,-3\n").unwrap_err();
        assert!(err.to_string().contains("not a unit cost"), "{err}");
    }
}
