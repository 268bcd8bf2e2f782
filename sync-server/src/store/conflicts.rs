//! The conflict queue: opening conflicts with their evidence (inside the transaction that
//! found them), listing them for supervisors and resolving them. A resolution is an audited
//! event (`resolutions` row with its own event id) whose stock movements go through the
//! ledger like any other.
//!
//! Resolution actions, whatever the conflict kind:
//! - `accept`: the recorded fact stands. A shortfall parked in `discrepancy` is written off
//!   (the units existed unrecorded). A quarantined event is applied now, if it can be.
//! - `reject`: the fact is refuted: every ledger movement of the event is reversed (a
//!   quarantined event is simply dismissed; it moved nothing).
//! - `adjust`: the fact stands (as `accept`) and the supervisor's signed correction is
//!   written to one balance.
//! - `recount`: nothing moves; the conflict waits in `recount_requested` and devices of the
//!   warehouse are told through the change log.

use chrono::{DateTime, Utc};
use dockhand_app::domain::{EventId, LocationCode, LotCode, Sku, StockStatus, WarehouseCode};
use dockhand_app::protocol::Change;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::ledger::{self, BalanceKey, DISCREPANCY, LedgerRow};
use super::{AuthedDevice, Store, StoreError, StoreResult, lot_key};

/// A conflict about to be opened.
#[derive(Debug, Clone)]
pub struct NewConflict {
    pub kind: &'static str,
    pub event_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub message: String,
    pub evidence: serde_json::Value,
}

/// Opens a conflict in the caller's transaction and tells the warehouse's devices.
pub async fn open_conflict(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    conflict: &NewConflict,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO conflicts (warehouse, kind, event_id, device_id, message, evidence)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(warehouse.as_str())
    .bind(conflict.kind)
    .bind(conflict.event_id)
    .bind(conflict.device_id)
    .bind(&conflict.message)
    .bind(&conflict.evidence)
    .fetch_one(&mut *conn)
    .await?;
    super::pull::record_changes(
        conn,
        warehouse,
        &[Change::Conflict {
            conflict_id: id,
            event_id: conflict.event_id.map(EventId),
            kind: conflict.kind.to_owned(),
            state: "open".to_owned(),
            message: conflict.message.clone(),
        }],
    )
    .await?;
    Ok(id)
}

/// A conflict as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConflictSummary {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub event_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A conflict with its evidence and resolutions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConflictDetail {
    #[serde(flatten)]
    pub summary: ConflictSummary,
    pub evidence: serde_json::Value,
    /// The event that caused it, whole, as pushed.
    pub event: Option<serde_json::Value>,
    pub resolutions: Vec<serde_json::Value>,
}

/// What a supervisor decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionAction {
    Accept,
    Reject,
    Adjust,
    Recount,
}

impl ResolutionAction {
    fn as_str(self) -> &'static str {
        match self {
            ResolutionAction::Accept => "accept",
            ResolutionAction::Reject => "reject",
            ResolutionAction::Adjust => "adjust",
            ResolutionAction::Recount => "recount",
        }
    }
}

/// `POST /v1/conflicts/{id}/resolve` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolution {
    pub action: ResolutionAction,
    #[serde(default)]
    pub note: Option<String>,
    /// For `adjust`: the balance to correct and by how much.
    #[serde(default)]
    pub adjustment: Option<Adjustment>,
}

/// A signed correction of one balance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Adjustment {
    pub item: Sku,
    pub location: LocationCode,
    #[serde(default)]
    pub lot: Option<LotCode>,
    pub status: StockStatus,
    pub delta: i64,
}

fn summary_from_row(row: &sqlx::postgres::PgRow) -> StoreResult<ConflictSummary> {
    Ok(ConflictSummary {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        event_id: row.try_get("event_id")?,
        device_id: row.try_get("device_id")?,
        message: row.try_get("message")?,
        created_at: row.try_get("created_at")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

impl Store {
    /// Conflicts of a warehouse, newest first; `state` filters (`open`, `resolved`, …).
    pub async fn conflicts_for_warehouse(
        &self,
        warehouse: &WarehouseCode,
        state: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<ConflictSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, state, event_id, device_id, message, created_at, resolved_at
             FROM conflicts WHERE warehouse = $1 AND ($2::text IS NULL OR state = $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(warehouse.as_str())
        .bind(state)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// One conflict with its evidence. A conflict of another warehouse is `Forbidden`.
    pub async fn conflict_detail(
        &self,
        warehouse: &WarehouseCode,
        id: i64,
    ) -> StoreResult<ConflictDetail> {
        let row = sqlx::query(
            "SELECT c.id, c.kind, c.state, c.event_id, c.device_id, c.message, c.created_at,
                    c.resolved_at, c.evidence, c.warehouse, e.body AS event
             FROM conflicts c LEFT JOIN events e ON e.event_id = c.event_id
             WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("there is no conflict {id}")))?;
        let owner: String = row.try_get("warehouse")?;
        if owner != warehouse.as_str() {
            return Err(StoreError::Forbidden(format!(
                "conflict {id} belongs to another warehouse than {warehouse}"
            )));
        }
        let resolutions = sqlx::query(
            "SELECT jsonb_build_object('id', id, 'event_id', event_id, 'action', action,
                    'body', body, 'resolved_by', resolved_by, 'resolved_at', resolved_at) AS r
             FROM resolutions WHERE conflict_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<serde_json::Value, _>("r"))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(ConflictDetail {
            summary: summary_from_row(&row)?,
            evidence: row.try_get("evidence")?,
            event: row.try_get("event")?,
            resolutions,
        })
    }

    /// Resolves a conflict of the supervisor's warehouse; returns the resolution's event id.
    pub async fn resolve_conflict(
        &self,
        supervisor: &AuthedDevice,
        id: i64,
        resolution: &Resolution,
    ) -> StoreResult<Uuid> {
        let warehouse = &supervisor.warehouse;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT warehouse, kind, state, event_id, evidence FROM conflicts WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("there is no conflict {id}")))?;
        let owner: String = row.try_get("warehouse")?;
        if owner != warehouse.as_str() {
            return Err(StoreError::Forbidden(format!(
                "conflict {id} belongs to another warehouse than {warehouse}"
            )));
        }
        let state: String = row.try_get("state")?;
        if state == "resolved" {
            return Err(StoreError::StateConflict(format!(
                "conflict {id} is already resolved"
            )));
        }
        let kind: String = row.try_get("kind")?;
        let event_id: Option<Uuid> = row.try_get("event_id")?;
        let evidence: serde_json::Value = row.try_get("evidence")?;
        let resolution_id = Uuid::now_v7();
        let now = Utc::now();
        let quarantined = matches!(
            kind.as_str(),
            "quarantined" | "unknown_item" | "unknown_location" | "duplicate_event_id"
        );

        let mut rows: Vec<LedgerRow> = Vec::new();
        let write_off = |rows: &mut Vec<LedgerRow>| {
            for shortfall in evidence
                .get("shortfalls")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
            {
                let key: Option<BalanceKey> = shortfall
                    .get("key")
                    .and_then(|k| serde_json::from_value(k.clone()).ok());
                let qty = shortfall.get("shortfall").and_then(|q| q.as_i64());
                if let (Some(key), Some(qty)) = (key, qty) {
                    rows.push(LedgerRow {
                        key: key.discrepancy(),
                        delta: qty,
                        cause: "resolution_accept".to_owned(),
                        occurred_at: now,
                    });
                }
            }
        };
        let mut reapply = false;
        match resolution.action {
            ResolutionAction::Accept if quarantined => reapply = true,
            ResolutionAction::Accept => write_off(&mut rows),
            ResolutionAction::Reject if quarantined => {}
            ResolutionAction::Reject => {
                if let Some(event_id) = event_id {
                    for row in ledger::rows_of_event(&mut tx, warehouse, event_id).await? {
                        rows.push(LedgerRow {
                            delta: -row.delta,
                            cause: "resolution_reject".to_owned(),
                            occurred_at: now,
                            ..row
                        });
                    }
                }
            }
            ResolutionAction::Adjust => {
                let adj = resolution.adjustment.as_ref().ok_or_else(|| {
                    StoreError::Invalid(
                        "an adjust resolution needs an adjustment: item, location, status, delta"
                            .to_owned(),
                    )
                })?;
                if adj.delta == 0 {
                    return Err(StoreError::Invalid(
                        "adjusting by zero does nothing".to_owned(),
                    ));
                }
                write_off(&mut rows);
                rows.push(LedgerRow {
                    key: BalanceKey {
                        item: adj.item.as_str().to_owned(),
                        location: adj.location.as_str().to_owned(),
                        lot: lot_key(adj.lot.as_ref()),
                        status: adj.status.as_str().to_owned(),
                    },
                    delta: adj.delta,
                    cause: "resolution_adjust".to_owned(),
                    occurred_at: now,
                });
            }
            ResolutionAction::Recount => {}
        }

        let mut outcome = serde_json::Value::Null;
        if reapply {
            let Some(event_id) = event_id else {
                return Err(StoreError::StateConflict(format!(
                    "conflict {id} has no event to apply"
                )));
            };
            outcome = super::push::reapply_quarantined(&mut tx, warehouse, event_id, &self.catalog)
                .await?;
        }
        let normal_keys: Vec<BalanceKey> = rows
            .iter()
            .filter(|r| r.key.status != DISCREPANCY)
            .map(|r| r.key.clone())
            .collect();
        let locked = ledger::lock_balances(&mut tx, warehouse, normal_keys).await?;
        let applied = ledger::apply_rows(&mut tx, warehouse, resolution_id, rows, &locked).await?;
        if !applied.shortfalls.is_empty() {
            let follow_up = NewConflict {
                kind: "stock_shortfall",
                event_id: Some(resolution_id),
                device_id: Some(supervisor.device_id.as_uuid()),
                message: format!(
                    "resolving conflict {id} took a balance below zero; the shortfall is parked in discrepancy"
                ),
                evidence: serde_json::json!({
                    "resolution_of": id,
                    "shortfalls": applied.shortfalls,
                }),
            };
            open_conflict(&mut tx, warehouse, &follow_up).await?;
        }

        let new_state = if resolution.action == ResolutionAction::Recount {
            "recount_requested"
        } else {
            "resolved"
        };
        sqlx::query(
            "INSERT INTO resolutions (conflict_id, warehouse, event_id, action, body, resolved_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(warehouse.as_str())
        .bind(resolution_id)
        .bind(resolution.action.as_str())
        .bind(serde_json::json!({
            "note": resolution.note,
            "adjustment": resolution.adjustment,
            "reapplied": outcome,
        }))
        .bind(supervisor.device_id.as_uuid())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE conflicts SET state = $2,
                    resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END
             WHERE id = $1",
        )
        .bind(id)
        .bind(new_state)
        .execute(&mut *tx)
        .await?;
        let message: String = sqlx::query_scalar("SELECT message FROM conflicts WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        super::pull::record_changes(
            &mut tx,
            warehouse,
            &[Change::Conflict {
                conflict_id: id,
                event_id: event_id.map(EventId),
                kind,
                state: new_state.to_owned(),
                message,
            }],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(conflict = id, action = resolution.action.as_str(), by = %supervisor.device_id, "conflict resolved");
        Ok(resolution_id)
    }
}
