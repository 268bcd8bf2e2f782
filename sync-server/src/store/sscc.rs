//! SSCC ranges, leases and reported allocations. The arithmetic (which block comes next,
//! when a range is used up) is `dockhand_app::label::sscc`'s; this file keeps the counter
//! in PostgreSQL, row-locked so concurrent leases never overlap.

use dockhand_app::domain::{Event, EventBody, WarehouseCode};
use dockhand_app::label::sscc::{SsccBlock, SsccError, SsccScheme, lease_next};
use serde::Serialize;
use sqlx::{PgConnection, Row};

use super::conflicts::{NewConflict, open_conflict};
use super::{Store, StoreError, StoreResult};
use crate::store::AuthedDevice;

/// A warehouse's SSCC range and how far it has been leased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsccSchemeState {
    pub warehouse: String,
    pub company_prefix: String,
    pub extension: u8,
    /// The next serial reference a lease will start at.
    pub next_serial: i64,
}

fn sscc_error(e: SsccError) -> StoreError {
    match e {
        SsccError::Exhausted { .. } => StoreError::StateConflict(e.to_string()),
        _ => StoreError::Invalid(e.to_string()),
    }
}

impl Store {
    /// Sets the GS1 company prefix and extension digit a warehouse's SSCCs are made under.
    /// Switching back to a range used before continues where it stopped.
    pub async fn set_sscc_scheme(
        &self,
        warehouse: &WarehouseCode,
        scheme: &SsccScheme,
    ) -> StoreResult<SsccSchemeState> {
        self.ensure_warehouse(warehouse).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO sscc_ranges (company_prefix, extension) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&scheme.company_prefix)
        .bind(i16::from(scheme.extension))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sscc_schemes (warehouse, company_prefix, extension) VALUES ($1, $2, $3)
             ON CONFLICT (warehouse) DO UPDATE
             SET company_prefix = EXCLUDED.company_prefix, extension = EXCLUDED.extension,
                 updated_at = now()",
        )
        .bind(warehouse.as_str())
        .bind(&scheme.company_prefix)
        .bind(i16::from(scheme.extension))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.sscc_scheme(warehouse).await
    }

    pub async fn sscc_scheme(&self, warehouse: &WarehouseCode) -> StoreResult<SsccSchemeState> {
        let row = sqlx::query(
            "SELECT s.company_prefix, s.extension, r.next_serial
             FROM sscc_schemes s JOIN sscc_ranges r USING (company_prefix, extension)
             WHERE s.warehouse = $1",
        )
        .bind(warehouse.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| no_scheme(warehouse))?;
        Ok(SsccSchemeState {
            warehouse: warehouse.as_str().to_owned(),
            company_prefix: row.try_get(0)?,
            extension: row.try_get::<i16, _>(1)? as u8,
            next_serial: row.try_get(2)?,
        })
    }

    /// Leases `device` the next `size` serial references of its warehouse's range.
    pub async fn lease_sscc_block(
        &self,
        device: &AuthedDevice,
        size: u64,
    ) -> StoreResult<SsccBlock> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT s.company_prefix, s.extension, r.next_serial
             FROM sscc_schemes s JOIN sscc_ranges r USING (company_prefix, extension)
             WHERE s.warehouse = $1
             FOR UPDATE OF r",
        )
        .bind(device.warehouse.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| no_scheme(&device.warehouse))?;
        let prefix: String = row.try_get(0)?;
        let extension = row.try_get::<i16, _>(1)? as u8;
        let next: i64 = row.try_get(2)?;
        let scheme = SsccScheme::new(extension, &prefix).map_err(sscc_error)?;
        let (block, new_next) = lease_next(&scheme, next as u64, size).map_err(sscc_error)?;
        sqlx::query(
            "UPDATE sscc_ranges SET next_serial = $3 WHERE company_prefix = $1 AND extension = $2",
        )
        .bind(&prefix)
        .bind(i16::from(extension))
        .bind(new_next as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sscc_leases (warehouse, device_id, company_prefix, extension,
                                      first_serial, last_serial)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(device.warehouse.as_str())
        .bind(device.device_id.as_uuid())
        .bind(&prefix)
        .bind(i16::from(extension))
        .bind(block.first as i64)
        .bind(block.last as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(device = %device.device_id, first = block.first, last = block.last, "SSCC block leased");
        Ok(block)
    }

    /// Records an `sscc_allocated` event on its own and opens the conflicts it causes;
    /// returns their ids. (Push does the same inside its transaction through
    /// [`check_sscc_allocation`].)
    pub async fn record_sscc_allocation(
        &self,
        warehouse: &WarehouseCode,
        event: &Event,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::new();
        for conflict in check_sscc_allocation(&mut tx, warehouse, event).await? {
            ids.push(open_conflict(&mut tx, warehouse, &conflict).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }
}

fn no_scheme(warehouse: &WarehouseCode) -> StoreError {
    StoreError::StateConflict(format!(
        "warehouse {warehouse} has no GS1 company prefix for SSCCs yet; an admin sets it with PUT /v1/sscc/scheme"
    ))
}

/// In the push transaction: remembers the SSCC an `sscc_allocated` event hands out, and
/// returns a `duplicate_sscc` conflict when another event already allocated it (a restored
/// backup, a cloned device). A retry of the same event is not a duplicate.
pub(crate) async fn check_sscc_allocation(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
) -> StoreResult<Vec<NewConflict>> {
    let EventBody::SsccAllocated(allocated) = &event.body else {
        return Ok(vec![]);
    };
    let event_id = event.header.event_id.as_uuid();
    let inserted = sqlx::query(
        "INSERT INTO sscc_allocations (sscc, warehouse, device_id, event_id, allocated_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sscc) DO NOTHING",
    )
    .bind(&allocated.sscc)
    .bind(warehouse.as_str())
    .bind(event.header.device_id.as_uuid())
    .bind(event_id)
    .bind(event.header.occurred_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(vec![]);
    }
    let first = sqlx::query(
        "SELECT device_id, event_id, allocated_at, warehouse FROM sscc_allocations WHERE sscc = $1",
    )
    .bind(&allocated.sscc)
    .fetch_one(&mut *conn)
    .await?;
    let first_event: uuid::Uuid = first.try_get(1)?;
    if first_event == event_id {
        return Ok(vec![]);
    }
    let first_device: uuid::Uuid = first.try_get(0)?;
    let first_at: chrono::DateTime<chrono::Utc> = first.try_get(2)?;
    let first_warehouse: String = first.try_get(3)?;
    Ok(vec![NewConflict {
        kind: "duplicate_sscc",
        event_id: Some(event_id),
        device_id: Some(event.header.device_id.as_uuid()),
        message: format!(
            "SSCC {} was allocated twice: first by device {first_device} at {first_at}, again by device {} at {}; relabel one of the two units with a new SSCC",
            allocated.sscc, event.header.device_id, event.header.occurred_at
        ),
        evidence: serde_json::json!({
            "sscc": allocated.sscc,
            "purpose": allocated.purpose,
            "first": {"device_id": first_device, "event_id": first_event, "allocated_at": first_at, "warehouse": first_warehouse},
            "again": {"device_id": event.header.device_id, "event_id": event_id, "allocated_at": event.header.occurred_at},
        }),
    }])
}
