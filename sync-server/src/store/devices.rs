//! Devices: enrolment (a random token, stored only as its SHA-256), token authentication,
//! and the sync health shown to supervisors. Owns the `devices`, `device_sync` and
//! `warehouses` tables; does not decide which role may call which endpoint (`api` does).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use dockhand_app::domain::{DeviceId, WarehouseCode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, StoreError, StoreResult};

/// What a device may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Picker,
    Receiver,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Picker => "picker",
            Role::Receiver => "receiver",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Role, StoreError> {
        match s {
            "picker" => Ok(Role::Picker),
            "receiver" => Ok(Role::Receiver),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(StoreError::Invalid(format!(
                "unknown role {other:?}; expected picker, receiver, supervisor or admin"
            ))),
        }
    }
}

/// A device whose token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthedDevice {
    pub device_id: DeviceId,
    pub warehouse: WarehouseCode,
    pub role: Role,
    /// The name given at enrolment (may be empty).
    pub name: String,
}

/// A newly enrolled device and its token, which is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolledDevice {
    pub device_id: DeviceId,
    pub warehouse: WarehouseCode,
    pub role: Role,
    pub name: String,
    pub token: String,
}

/// A device's sync health as a supervisor sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceHealth {
    pub device_id: DeviceId,
    pub name: String,
    pub role: Role,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_push_at: Option<DateTime<Utc>>,
    pub last_applied_seq: i64,
    pub events_applied: i64,
    pub events_with_conflict: i64,
    pub events_rejected: i64,
    /// Events the device said it still had queued at its last push.
    pub queued: i64,
    pub revoked: bool,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Store {
    /// Creates the warehouse if it does not exist yet.
    pub async fn ensure_warehouse(&self, warehouse: &WarehouseCode) -> StoreResult<()> {
        sqlx::query("INSERT INTO warehouses (code) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(warehouse.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Enrols a device (creating its warehouse when needed) and returns its token once.
    pub async fn enrol_device(
        &self,
        device_id: Option<DeviceId>,
        warehouse: &WarehouseCode,
        role: Role,
        name: &str,
    ) -> StoreResult<EnrolledDevice> {
        let device_id = device_id.unwrap_or_else(DeviceId::new_random);
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO warehouses (code) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(warehouse.as_str())
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO devices (device_id, warehouse, role, token_hash, name)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO NOTHING",
        )
        .bind(device_id.as_uuid())
        .bind(warehouse.as_str())
        .bind(role.as_str())
        .bind(token_hash(&token))
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::StateConflict(format!(
                "device {device_id} is already enrolled; revoke it or use a new id"
            )));
        }
        sqlx::query("INSERT INTO device_sync (device_id, warehouse) VALUES ($1, $2)")
            .bind(device_id.as_uuid())
            .bind(warehouse.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(EnrolledDevice {
            device_id,
            warehouse: warehouse.clone(),
            role,
            name: name.to_owned(),
            token,
        })
    }

    /// The device holding `token`, unless the token is unknown or revoked. Marks the device
    /// as seen (at most every few seconds, to keep reads cheap).
    pub async fn authenticate(&self, token: &str) -> StoreResult<Option<AuthedDevice>> {
        let row = sqlx::query(
            "SELECT device_id, warehouse, role, name FROM devices
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let device_id = DeviceId(row.try_get("device_id")?);
        let warehouse: String = row.try_get("warehouse")?;
        let role: String = row.try_get("role")?;
        let name: String = row.try_get("name")?;
        sqlx::query(
            "UPDATE devices SET last_seen_at = now()
             WHERE device_id = $1 AND (last_seen_at IS NULL OR last_seen_at < now() - INTERVAL '5 seconds')",
        )
        .bind(device_id.as_uuid())
        .execute(&self.pool)
        .await?;
        Ok(Some(AuthedDevice {
            device_id,
            warehouse: WarehouseCode::new(warehouse)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            role: role.parse()?,
            name,
        }))
    }

    /// Revokes a device of `warehouse`: its token stops working at once.
    pub async fn revoke_device(
        &self,
        warehouse: &WarehouseCode,
        device_id: DeviceId,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE devices SET revoked_at = now() WHERE device_id = $1 AND warehouse = $2",
        )
        .bind(device_id.as_uuid())
        .bind(warehouse.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "no device {device_id} in warehouse {warehouse}"
            )));
        }
        Ok(())
    }

    /// Every device of a warehouse with its sync health.
    pub async fn device_health(&self, warehouse: &WarehouseCode) -> StoreResult<Vec<DeviceHealth>> {
        let rows = sqlx::query(
            "SELECT d.device_id, d.name, d.role, d.last_seen_at, d.revoked_at,
                    s.last_push_at, s.last_seq, s.events_applied, s.events_conflict,
                    s.events_rejected, s.queued_reported
             FROM devices d JOIN device_sync s USING (device_id)
             WHERE d.warehouse = $1 ORDER BY d.name, d.device_id",
        )
        .bind(warehouse.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                let revoked: Option<DateTime<Utc>> = row.try_get("revoked_at")?;
                Ok(DeviceHealth {
                    device_id: DeviceId(row.try_get("device_id")?),
                    name: row.try_get("name")?,
                    role: role.parse()?,
                    last_seen_at: row.try_get("last_seen_at")?,
                    last_push_at: row.try_get("last_push_at")?,
                    last_applied_seq: row.try_get("last_seq")?,
                    events_applied: row.try_get("events_applied")?,
                    events_with_conflict: row.try_get("events_conflict")?,
                    events_rejected: row.try_get("events_rejected")?,
                    queued: row.try_get("queued_reported")?,
                    revoked: revoked.is_some(),
                })
            })
            .collect()
    }
}
