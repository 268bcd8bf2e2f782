//! Master data and documents imported by an admin: items, locations, ASNs/POs and orders.
//! Upserts by business key, each import in one transaction, each row announced in the
//! change log. Parsing CSV/JSON is the caller's job; this file only writes.

use chrono::{DateTime, Utc};
use dockhand_app::domain::{DocumentKind, Item, LotCode, OrderNumber, Qty, Sku, WarehouseCode};
use dockhand_app::protocol::{Change, InboundDocumentRecord, InboundLine};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Row};

use super::{Store, StoreError, StoreResult};
use crate::reports::UnitCost;

/// How many rows an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub upserted: u64,
}

/// An ASN or PO with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundDocumentImport {
    pub kind: DocumentKind,
    pub number: String,
    #[serde(default)]
    pub supplier: Option<String>,
    #[serde(default)]
    pub sscc: Option<String>,
    /// Over-receipt allowed without a conflict, in percent of each line.
    #[serde(default)]
    pub tolerance_pct: u32,
    /// When the PO was placed (lead times; default: when it was imported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<DateTime<Utc>>,
    /// When the goods are due (on-time delivery, supplier delay alerts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_at: Option<DateTime<Utc>>,
    pub lines: Vec<InboundLineImport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundLineImport {
    pub line_no: u32,
    pub item: Sku,
    pub expected: Qty,
    #[serde(default)]
    pub lot: Option<LotCode>,
    /// Purchase price per base unit: the cost of receipts against this line (valuation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<UnitCost>,
}

/// A customer order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderImport {
    pub number: OrderNumber,
    #[serde(default)]
    pub customer: Option<String>,
    pub lines: Vec<OrderLineImport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineImport {
    pub line_no: u32,
    pub item: Sku,
    pub qty: Qty,
}

fn doc_kind(kind: DocumentKind) -> StoreResult<&'static str> {
    match kind {
        DocumentKind::Asn => Ok("asn"),
        DocumentKind::Po => Ok("po"),
        other => Err(StoreError::Invalid(format!(
            "only ASNs and POs can be imported as inbound documents, not {other:?}"
        ))),
    }
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

impl Store {
    /// Upserts items of `warehouse`.
    pub async fn import_items(
        &self,
        warehouse: &WarehouseCode,
        items: &[Item],
    ) -> StoreResult<ImportSummary> {
        self.ensure_warehouse(warehouse).await?;
        let mut tx = self.pool.begin().await?;
        for item in items {
            let gtins: Vec<String> = item.gtins.iter().map(|g| g.as_str().to_owned()).collect();
            sqlx::query(
                "INSERT INTO items (warehouse, sku, name, gtins, packs, track_lot, track_serial,
                                    track_expiry, category, body, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
                 ON CONFLICT (warehouse, sku) DO UPDATE SET
                   name = EXCLUDED.name, gtins = EXCLUDED.gtins, packs = EXCLUDED.packs,
                   track_lot = EXCLUDED.track_lot, track_serial = EXCLUDED.track_serial,
                   track_expiry = EXCLUDED.track_expiry, category = EXCLUDED.category,
                   body = EXCLUDED.body, updated_at = now()",
            )
            .bind(warehouse.as_str())
            .bind(item.sku.as_str())
            .bind(&item.name)
            .bind(gtins)
            .bind(to_json(&item.packs)?)
            .bind(item.tracking.lot)
            .bind(item.tracking.serial)
            .bind(item.tracking.expiry)
            .bind(&item.category)
            .bind(to_json(item)?)
            .execute(&mut *tx)
            .await?;
        }
        let changes: Vec<Change> = items.iter().cloned().map(Change::Item).collect();
        super::pull::record_changes(&mut tx, warehouse, &changes).await?;
        tx.commit().await?;
        Ok(ImportSummary {
            upserted: items.len() as u64,
        })
    }

    /// Upserts locations; each must name `warehouse`.
    pub async fn import_locations(
        &self,
        warehouse: &WarehouseCode,
        locations: &[dockhand_app::domain::Location],
    ) -> StoreResult<ImportSummary> {
        if let Some(other) = locations.iter().find(|l| &l.warehouse != warehouse) {
            return Err(StoreError::Forbidden(format!(
                "location {} belongs to warehouse {}, not {warehouse}",
                other.code, other.warehouse
            )));
        }
        self.ensure_warehouse(warehouse).await?;
        let mut tx = self.pool.begin().await?;
        for location in locations {
            let kind = to_json(&location.kind)?;
            sqlx::query(
                "INSERT INTO locations (warehouse, code, kind, zone, aisle, rack, shelf, bin,
                                        pick_sequence, capacity, body, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
                 ON CONFLICT (warehouse, code) DO UPDATE SET
                   kind = EXCLUDED.kind, zone = EXCLUDED.zone, aisle = EXCLUDED.aisle,
                   rack = EXCLUDED.rack, shelf = EXCLUDED.shelf, bin = EXCLUDED.bin,
                   pick_sequence = EXCLUDED.pick_sequence, capacity = EXCLUDED.capacity,
                   body = EXCLUDED.body, updated_at = now()",
            )
            .bind(warehouse.as_str())
            .bind(location.code.as_str())
            .bind(kind.as_str().unwrap_or("bin"))
            .bind(&location.path.zone)
            .bind(&location.path.aisle)
            .bind(&location.path.rack)
            .bind(&location.path.shelf)
            .bind(&location.path.bin)
            .bind(location.pick_sequence)
            .bind(location.capacity.map(Qty::units))
            .bind(to_json(location)?)
            .execute(&mut *tx)
            .await?;
        }
        let changes: Vec<Change> = locations.iter().cloned().map(Change::Location).collect();
        super::pull::record_changes(&mut tx, warehouse, &changes).await?;
        tx.commit().await?;
        Ok(ImportSummary {
            upserted: locations.len() as u64,
        })
    }

    /// Upserts ASNs/POs with their lines (received quantities are kept).
    pub async fn import_inbound_documents(
        &self,
        warehouse: &WarehouseCode,
        documents: &[InboundDocumentImport],
    ) -> StoreResult<ImportSummary> {
        self.ensure_warehouse(warehouse).await?;
        let mut tx = self.pool.begin().await?;
        let mut changes = Vec::new();
        for doc in documents {
            let kind = doc_kind(doc.kind)?;
            sqlx::query(
                "INSERT INTO inbound_documents (warehouse, kind, number, supplier, sscc, tolerance_pct,
                                               ordered_at, expected_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (warehouse, kind, number) DO UPDATE SET
                   supplier = EXCLUDED.supplier, sscc = EXCLUDED.sscc,
                   tolerance_pct = EXCLUDED.tolerance_pct,
                   ordered_at = EXCLUDED.ordered_at, expected_at = EXCLUDED.expected_at",
            )
            .bind(warehouse.as_str())
            .bind(kind)
            .bind(&doc.number)
            .bind(&doc.supplier)
            .bind(&doc.sscc)
            .bind(i32::try_from(doc.tolerance_pct).unwrap_or(i32::MAX))
            .bind(doc.ordered_at)
            .bind(doc.expected_at)
            .execute(&mut *tx)
            .await?;
            if let Some(supplier) = &doc.supplier {
                sqlx::query(
                    "INSERT INTO suppliers (warehouse, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(warehouse.as_str())
                .bind(supplier)
                .execute(&mut *tx)
                .await?;
            }
            for line in &doc.lines {
                sqlx::query(
                    "INSERT INTO inbound_lines (warehouse, kind, number, line_no, sku, lot, expected,
                                               unit_cost)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric / 10000)
                     ON CONFLICT (warehouse, kind, number, line_no) DO UPDATE SET
                       sku = EXCLUDED.sku, lot = EXCLUDED.lot, expected = EXCLUDED.expected,
                       unit_cost = EXCLUDED.unit_cost",
                )
                .bind(warehouse.as_str())
                .bind(kind)
                .bind(&doc.number)
                .bind(i32::try_from(line.line_no).unwrap_or(i32::MAX))
                .bind(line.item.as_str())
                .bind(line.lot.as_ref().map(|l| l.as_str()))
                .bind(line.expected.units())
                .bind(line.unit_cost.map(UnitCost::ten_thousandths))
                .execute(&mut *tx)
                .await?;
            }
            if let Some(record) =
                inbound_document_record(&mut tx, warehouse, kind, &doc.number).await?
            {
                changes.push(Change::InboundDocument(record));
            }
        }
        super::pull::record_changes(&mut tx, warehouse, &changes).await?;
        tx.commit().await?;
        Ok(ImportSummary {
            upserted: documents.len() as u64,
        })
    }

    /// Upserts customer orders with their lines.
    pub async fn import_orders(
        &self,
        warehouse: &WarehouseCode,
        orders: &[OrderImport],
    ) -> StoreResult<ImportSummary> {
        self.ensure_warehouse(warehouse).await?;
        let mut tx = self.pool.begin().await?;
        for order in orders {
            sqlx::query(
                "INSERT INTO orders (warehouse, number, customer) VALUES ($1, $2, $3)
                 ON CONFLICT (warehouse, number) DO UPDATE SET customer = EXCLUDED.customer",
            )
            .bind(warehouse.as_str())
            .bind(order.number.as_str())
            .bind(&order.customer)
            .execute(&mut *tx)
            .await?;
            for line in &order.lines {
                sqlx::query(
                    "INSERT INTO order_lines (warehouse, number, line_no, sku, qty)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (warehouse, number, line_no) DO UPDATE SET
                       sku = EXCLUDED.sku, qty = EXCLUDED.qty",
                )
                .bind(warehouse.as_str())
                .bind(order.number.as_str())
                .bind(i32::try_from(line.line_no).unwrap_or(i32::MAX))
                .bind(line.item.as_str())
                .bind(line.qty.units())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(ImportSummary {
            upserted: orders.len() as u64,
        })
    }
}

/// The inbound document as devices see it, read in the caller's transaction.
pub(crate) async fn inbound_document_record(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    kind: &str,
    number: &str,
) -> StoreResult<Option<InboundDocumentRecord>> {
    let doc = sqlx::query(
        "SELECT state, sscc FROM inbound_documents WHERE warehouse = $1 AND kind = $2 AND number = $3",
    )
    .bind(warehouse.as_str())
    .bind(kind)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(doc) = doc else { return Ok(None) };
    let lines = sqlx::query(
        "SELECT line_no, sku, lot, expected FROM inbound_lines
         WHERE warehouse = $1 AND kind = $2 AND number = $3 ORDER BY line_no",
    )
    .bind(warehouse.as_str())
    .bind(kind)
    .bind(number)
    .fetch_all(&mut *conn)
    .await?;
    let corrupt = |e: dockhand_app::domain::IdError| StoreError::Corrupt(e.to_string());
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let lot: Option<String> = line.try_get("lot")?;
        out.push(InboundLine {
            line_no: u32::try_from(line.try_get::<i32, _>("line_no")?).unwrap_or(0),
            item: Sku::new(line.try_get::<String, _>("sku")?).map_err(corrupt)?,
            expected: Qty::new(line.try_get::<i64, _>("expected")?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            lot: lot.map(LotCode::new).transpose().map_err(corrupt)?,
        });
    }
    Ok(Some(InboundDocumentRecord {
        kind: if kind == "asn" {
            DocumentKind::Asn
        } else {
            DocumentKind::Po
        },
        number: number.to_owned(),
        state: doc.try_get("state")?,
        sscc: doc.try_get("sscc")?,
        lines: out,
    }))
}
