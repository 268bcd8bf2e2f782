//! The sync protocol's wire types, shared by the device's client and the server.
//!
//! Versioned under `/v1`. Push sends a device's events in `device_seq` order; the server
//! answers every event with an [`EventOutcome`]. Pull returns commit-ordered [`Change`]s after
//! an opaque cursor. See `docs/ARCHITECTURE.md` for the semantics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    DeviceId, DeviceSeq, EventId, Item, Location, LocationCode, LotCode, OrderNumber, Qty,
    RawEvent, Sku, StockStatus, TaskId, WarehouseCode,
};

/// Path prefix of every endpoint of this protocol version.
pub const API_PREFIX: &str = "/v1";
/// Most events one push may carry.
pub const MAX_PUSH_EVENTS: usize = 1000;
/// Most changes one pull page may carry.
pub const MAX_PULL_LIMIT: u32 = 5000;

/// `POST /v1/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device_id: DeviceId,
    /// Consecutive events of this device, lowest `device_seq` first. The server takes them
    /// in `device_seq` order whatever the order here, and answers a repeated seq once.
    pub events: Vec<RawEvent>,
    /// How many events the device still holds unsent after this batch (sync health).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<u64>,
}

/// What became of one pushed event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventOutcome {
    /// Its effects are in the ledger.
    Applied,
    /// The fact is recorded, but it broke a rule; a supervisor will look at the conflict.
    AppliedWithConflict {
        conflict_id: i64,
        conflict_kind: String,
        message: String,
    },
    /// Not applied (unsupported version, malformed payload): quarantined with a conflict.
    Rejected {
        conflict_id: Option<i64>,
        reason: String,
    },
}

/// The result for one event. A retried event gets the same result it got the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub device_seq: DeviceSeq,
    pub event_id: EventId,
    #[serde(flatten)]
    pub outcome: EventOutcome,
}

/// Answer to a push: one result per distinct `device_seq` taken, lowest first. When the
/// batch reaches a gap after some events were taken, the results stop before the gap and
/// the device pushes the rest again from `last_applied_seq + 1`; a gap at the first new
/// event is answered `409` with a [`SeqGap`] in [`ApiError::detail`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<EventResult>,
    /// The highest `device_seq` the server has applied for this device.
    pub last_applied_seq: DeviceSeq,
    /// The server transaction that last applied this device's events: the balances a pull
    /// returns include every event up to `last_applied_seq` once the pull's `barrier` is
    /// above it. Absent before the device's first event (and from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_txid: Option<u64>,
    pub server_time: DateTime<Utc>,
}

/// Body of a `409 Conflict` answer when a push skips ahead of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqGap {
    pub expected_seq: DeviceSeq,
    pub got_seq: DeviceSeq,
}

/// `GET /v1/pull?cursor=…&limit=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PullQuery {
    /// Opaque; absent for a first pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A balance as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRecord {
    pub item: Sku,
    pub location: LocationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<chrono::NaiveDate>,
    pub status: StockStatus,
    pub qty: i64,
    /// The server's version of this balance: it grows by one with every change of the
    /// quantity, in commit order, so a device keeps the highest it has seen whatever order
    /// the change log delivers records in. 0 = not known (an older server, or a record made
    /// on the device): always applied.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: u64,
}

fn is_zero(version: &u64) -> bool {
    *version == 0
}

/// A pick task assigned to this warehouse, with the stock it reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickTaskRecord {
    pub task: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderNumber>,
    /// `single`, `batch` or `wave`.
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub lines: Vec<PickTaskLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickTaskLine {
    pub line_no: u32,
    pub item: Sku,
    pub location: LocationCode,
    pub qty: Qty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderNumber>,
}

/// An inbound document (ASN or PO) the device can receive against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundDocumentRecord {
    pub kind: crate::domain::DocumentKind,
    pub number: String,
    /// `open` or `closed`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sscc: Option<String>,
    pub lines: Vec<InboundLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundLine {
    pub line_no: u32,
    pub item: Sku,
    pub expected: Qty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Change {
    Item(Item),
    Location(Location),
    Balance(BalanceRecord),
    PickTask(PickTaskRecord),
    PickTaskClosed {
        task: TaskId,
    },
    InboundDocument(InboundDocumentRecord),
    /// A conflict caused by one of this device's events was opened or resolved.
    Conflict {
        conflict_id: i64,
        event_id: Option<EventId>,
        kind: String,
        state: String,
        message: String,
    },
}

/// Answer to a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub warehouse: WarehouseCode,
    pub changes: Vec<Change>,
    /// Where to continue from; store it only after the changes are applied.
    pub next_cursor: String,
    /// More changes wait behind this page.
    pub has_more: bool,
    /// The cursor is too old: drop local projections and pull from the start.
    pub refetch: bool,
    /// Every server transaction below this id has ended; with `has_more` false the device
    /// holds all of their changes (compare with a push's `commit_txid`). Absent from older
    /// servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barrier: Option<u64>,
    pub server_time: DateTime<Utc>,
}

/// `GET /v1/me`: the device a token belongs to, as the server sees it now, and what its
/// role may do. The `can_*` answers come from the same role lists the endpoints enforce, so
/// a device asks instead of inferring its role from a refusal. A permission this build does
/// not know is ignored; one the server does not send reads as `false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub device_id: DeviceId,
    /// The name given at enrolment (may be empty).
    pub name: String,
    /// `picker`, `receiver`, `supervisor` or `admin`.
    pub role: String,
    pub warehouse: WarehouseCode,
    /// `GET /v1/conflicts` and `GET /v1/conflicts/{id}`.
    #[serde(default)]
    pub can_read_conflicts: bool,
    /// `POST /v1/conflicts/{id}/resolve`.
    #[serde(default)]
    pub can_resolve_conflicts: bool,
    /// `GET /v1/devices` (names and sync health of the warehouse's devices).
    #[serde(default)]
    pub can_list_devices: bool,
    /// `POST /v1/devices`.
    #[serde(default)]
    pub can_enrol_devices: bool,
    /// `POST /v1/imports/…` (items, locations, documents, orders, pick tasks).
    #[serde(default)]
    pub can_import_data: bool,
    /// `GET /v1/reports…`.
    #[serde(default)]
    pub can_read_reports: bool,
    /// `GET /v1/stream`.
    #[serde(default)]
    pub can_read_stream: bool,
    pub server_time: DateTime<Utc>,
}

/// Every error answer from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `unauthorized`, `forbidden`, `seq_gap`.
    pub error: String,
    /// What a person can do about it.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_balance_version_is_sent_when_known_and_defaults_to_unknown() {
        let old_peer = serde_json::json!({
            "type": "balance",
            "data": {"item": "1002", "location": "A-03-2-B", "status": "available", "qty": 4}
        });
        let Change::Balance(record) = serde_json::from_value::<Change>(old_peer.clone()).unwrap()
        else {
            panic!("a balance change")
        };
        assert_eq!(record.version, 0, "a record without a version is unknown");
        assert_eq!(
            serde_json::to_value(Change::Balance(record.clone())).unwrap(),
            old_peer,
            "an unknown version is left out, as an older peer writes it"
        );
        let versioned = BalanceRecord {
            version: 7,
            ..record
        };
        let json = serde_json::to_value(Change::Balance(versioned.clone())).unwrap();
        assert_eq!(json["data"]["version"], 7);
        assert_eq!(
            serde_json::from_value::<Change>(json).unwrap(),
            Change::Balance(versioned)
        );
    }
}
