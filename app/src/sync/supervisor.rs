//! The supervisor's side of the API: the conflict queue (`GET /v1/conflicts`, `GET
//! /v1/conflicts/{id}`), resolutions (`POST /v1/conflicts/{id}/resolve`) and the device list
//! (`GET /v1/devices`, for names). What this device may do with them comes from `GET
//! /v1/me`, which any role may ask, as [`ConflictAccess`].
//!
//! A thin HTTP shell like [`super::client`]: same TLS provider, same [`SyncError`] for
//! transport and token trouble, plus [`SupervisorError`] for the answers that only a
//! supervisor meets (a conflict already decided, an adjustment the server refuses).
//! The wire shapes mirror the server's `ConflictSummary`/`ConflictDetail`/`Resolution`;
//! `tests/it/supervisor_client.rs` checks them against a real server.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::client::{Endpoint, SyncError, error_message, exchange, status_error};
use crate::domain::{DeviceId, EventId, LocationCode, LotCode, Sku, StockStatus};
use crate::protocol::WhoAmI;

/// A conflict as the queue lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictSummary {
    pub id: i64,
    /// `pick_beyond_balance`, `over_receipt`, `outdated_count`, … (see `docs/server.md`).
    pub kind: String,
    /// `open`, `recount_requested` or `resolved`.
    pub state: String,
    pub event_id: Option<EventId>,
    /// The device whose event opened it.
    pub device_id: Option<DeviceId>,
    /// One sentence from the server saying what happened.
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A conflict with its evidence, the event that caused it and the resolutions so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictDetail {
    #[serde(flatten)]
    pub summary: ConflictSummary,
    /// Kind-specific JSON: the event, balances before, shortfalls, recent movements, counts.
    pub evidence: serde_json::Value,
    /// The event whole, as the device pushed it.
    pub event: Option<serde_json::Value>,
    pub resolutions: Vec<serde_json::Value>,
}

/// What a supervisor decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionAction {
    /// The fact stands; units parked in discrepancy are written off.
    Accept,
    /// The fact is refuted; its movements are reversed.
    Reject,
    /// As accept, plus a signed correction of one balance.
    Adjust,
    /// Nothing moves; someone counts the bin again.
    Recount,
}

impl ResolutionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionAction::Accept => "accept",
            ResolutionAction::Reject => "reject",
            ResolutionAction::Adjust => "adjust",
            ResolutionAction::Recount => "recount",
        }
    }
}

/// A signed correction of one balance (for [`ResolutionAction::Adjust`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceAdjustment {
    pub item: Sku,
    pub location: LocationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    pub status: StockStatus,
    pub delta: i64,
}

/// `POST /v1/conflicts/{id}/resolve` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveRequest {
    pub action: ResolutionAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<BalanceAdjustment>,
}

/// A device of the warehouse as `GET /v1/devices` lists it (the fields a supervisor reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device_id: DeviceId,
    pub name: String,
    /// `picker`, `receiver`, `supervisor` or `admin`.
    pub role: String,
    pub last_seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked: bool,
}

/// What this device may do with conflicts, as the server sees its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictAccess {
    /// A supervisor device: read and resolve.
    Resolve,
    /// Read only (an admin device); `role` as enrolled.
    ReadOnly { role: String },
    /// Neither (pickers and receivers): not a failure, the conflict screens are simply not
    /// this device's work; `role` as enrolled.
    NotForRole { role: String },
}

impl ConflictAccess {
    /// Read from the server's answer to `GET /v1/me`: resolving needs reading too (the
    /// queue is how a conflict is reached).
    pub fn of(me: &WhoAmI) -> ConflictAccess {
        match (me.can_read_conflicts, me.can_resolve_conflicts) {
            (true, true) => ConflictAccess::Resolve,
            (true, false) => ConflictAccess::ReadOnly {
                role: me.role.clone(),
            },
            (false, _) => ConflictAccess::NotForRole {
                role: me.role.clone(),
            },
        }
    }

    /// Whether the conflict queue is this device's to read.
    pub fn can_read(&self) -> bool {
        !matches!(self, ConflictAccess::NotForRole { .. })
    }
}

/// Why a supervisor call failed.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("{0}")]
    NotFound(String),
    /// Someone decided first (409): reload and look again.
    #[error("{0}")]
    AlreadyDecided(String),
    /// The server refused the request as given (400), e.g. an adjustment by zero.
    #[error("{0}")]
    Refused(String),
}

impl SupervisorError {
    /// The server refused this device's role (403).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, SupervisorError::Sync(SyncError::Forbidden(_)))
    }
}

/// Talks to one sync server with a supervisor's (or any device's) token.
#[derive(Debug, Clone)]
pub struct SupervisorClient {
    endpoint: Endpoint,
}

impl SupervisorClient {
    /// `base_url` like `http://127.0.0.1:8080` (no trailing `/v1`).
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, SupervisorError> {
        Ok(Self {
            endpoint: Endpoint::new(base_url, token, timeout)?,
        })
    }

    /// Conflicts of the device's warehouse, newest first; `state` filters (`open`, …).
    pub async fn conflicts(
        &self,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConflictSummary>, SupervisorError> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(state) = state {
            query.push(("state", state.to_owned()));
        }
        decode(self.endpoint.get("/conflicts").query(&query)).await
    }

    /// Conflicts still waiting for a decision: `open` and `recount_requested`, newest first.
    pub async fn undecided_conflicts(
        &self,
        limit: u32,
    ) -> Result<Vec<ConflictSummary>, SupervisorError> {
        let mut all = self.conflicts(Some("open"), limit).await?;
        all.extend(self.conflicts(Some("recount_requested"), limit).await?);
        all.sort_by_key(|c| std::cmp::Reverse(c.id));
        Ok(all)
    }

    pub async fn conflict(&self, id: i64) -> Result<ConflictDetail, SupervisorError> {
        decode(self.endpoint.get(&format!("/conflicts/{id}"))).await
    }

    /// Resolves a conflict; the answer is the conflict as it now stands.
    pub async fn resolve(
        &self,
        id: i64,
        request: &ResolveRequest,
    ) -> Result<ConflictDetail, SupervisorError> {
        decode(
            self.endpoint
                .post(&format!("/conflicts/{id}/resolve"))
                .json(request),
        )
        .await
    }

    /// The warehouse's devices (supervisor and admin tokens only).
    pub async fn devices(&self) -> Result<Vec<DeviceRecord>, SupervisorError> {
        decode(self.endpoint.get("/devices")).await
    }

    /// `GET /v1/me`: this device as the server sees it, and what its role may do. Any role
    /// may ask.
    pub async fn whoami(&self) -> Result<WhoAmI, SupervisorError> {
        Ok(self.endpoint.whoami().await?)
    }

    /// What this device may do with conflicts, from [`Self::whoami`].
    pub async fn access(&self) -> Result<ConflictAccess, SupervisorError> {
        Ok(ConflictAccess::of(&self.whoami().await?))
    }
}

async fn decode<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, SupervisorError> {
    let (status, bytes) = exchange(request).await?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| {
            SyncError::Protocol(format!("{e} in a {status} answer from the conflict queue")).into()
        });
    }
    let (_, message) = error_message(&bytes);
    Err(match status {
        StatusCode::NOT_FOUND => SupervisorError::NotFound(message),
        StatusCode::CONFLICT => SupervisorError::AlreadyDecided(message),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            SupervisorError::Refused(message)
        }
        s => status_error(s, message).into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_access_follows_what_the_server_says_the_role_may_do() {
        let answer = |role: &str, read: bool, resolve: bool| {
            serde_json::from_value::<WhoAmI>(serde_json::json!({
                "device_id": DeviceId::new_random(),
                "name": "hand 3",
                "role": role,
                "warehouse": "WH1",
                "can_read_conflicts": read,
                "can_resolve_conflicts": resolve,
                "can_list_devices": read,
                "server_time": "2026-11-29T08:00:00Z",
                "a_permission_from_a_newer_server": true
            }))
            .unwrap()
        };
        assert_eq!(
            ConflictAccess::of(&answer("supervisor", true, true)),
            ConflictAccess::Resolve
        );
        assert_eq!(
            ConflictAccess::of(&answer("admin", true, false)),
            ConflictAccess::ReadOnly {
                role: "admin".into()
            }
        );
        let picker = ConflictAccess::of(&answer("picker", false, false));
        assert_eq!(
            picker,
            ConflictAccess::NotForRole {
                role: "picker".into()
            }
        );
        assert!(!picker.can_read());
        // Permissions an older server leaves out read as "may not".
        let older = answer("picker", false, false);
        assert!(!older.can_import_data && !older.can_read_stream);
    }

    #[test]
    fn a_resolution_serialises_as_the_server_reads_it() {
        let request = ResolveRequest {
            action: ResolutionAction::Adjust,
            note: Some("found 2 behind the rack".into()),
            adjustment: Some(BalanceAdjustment {
                item: Sku::new("1002").unwrap(),
                location: LocationCode::new("A-03-2-B").unwrap(),
                lot: None,
                status: StockStatus::Available,
                delta: 2,
            }),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({
                "action": "adjust",
                "note": "found 2 behind the rack",
                "adjustment": {"item": "1002", "location": "A-03-2-B", "status": "available", "delta": 2}
            })
        );
        let plain = ResolveRequest {
            action: ResolutionAction::Recount,
            note: None,
            adjustment: None,
        };
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            serde_json::json!({"action": "recount"})
        );
    }
}
