//! Events: the immutable facts a handheld records, one per confirmed operation.
//!
//! Wire and journal form (stable; see `EVENT_SCHEMA_VERSION`):
//!
//! ```json
//! {"v":1,"event_id":"…","device_id":"…","device_seq":42,"occurred_at":"2026-11-29T10:00:00Z",
//!  "operator":"ana","warehouse":"WH1","scan":{"data":"…","symbology":"]C1"},
//!  "kind":"pick","payload":{…}}
//! ```
//!
//! [`RawEvent`] is that envelope with the payload left as JSON, so a receiver can store and
//! order an event whose kind or version it does not understand (the server quarantines it);
//! [`Event`] is the typed form. Changing a payload's meaning needs a new version; adding an
//! optional field does not.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    DeviceId, DeviceSeq, EventId, Gtin, LocationCode, LotCode, OperatorId, OrderNumber, Qty,
    SerialNumber, Sku, StockStatus, TaskId, WarehouseCode,
};
use crate::barcode::SymbologyId;

/// The event schema this build writes and understands.
pub const EVENT_SCHEMA_VERSION: u16 = 1;

/// Why an event could not be decoded or is not a valid fact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDecodeError {
    #[error(
        "event schema version {found} is not supported (this build understands version {supported})"
    )]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("unknown event kind {0:?}")]
    UnknownKind(String),
    #[error("malformed {kind} event: {reason}")]
    Malformed { kind: String, reason: String },
    #[error("invalid {kind} event: {reason}")]
    Invalid { kind: &'static str, reason: String },
}

/// The scan that caused an event, kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbology: Option<SymbologyId>,
}

/// Who recorded an event, where, when, and in what order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHeader {
    pub event_id: EventId,
    pub device_id: DeviceId,
    pub device_seq: DeviceSeq,
    /// Device clock corrected by the offset learned at the last sync.
    pub occurred_at: DateTime<Utc>,
    pub operator: OperatorId,
    pub warehouse: WarehouseCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanRecord>,
}

/// The envelope with an uninterpreted payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawEvent {
    pub v: u16,
    #[serde(flatten)]
    pub header: EventHeader,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// A typed event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawEvent", into = "RawEvent")]
pub struct Event {
    pub header: EventHeader,
    pub body: EventBody,
}

/// A quantity of one item, with its lot, expiry and serials where tracked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub item: Sku,
    pub qty: Qty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    /// One per unit when the item is serialised (then `serials.len() == qty`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<SerialNumber>,
}

impl StockLine {
    fn check(&self, kind: &'static str) -> Result<(), EventDecodeError> {
        if self.qty.is_zero() {
            return invalid(kind, format!("quantity of {} is zero", self.item));
        }
        if !self.serials.is_empty() && self.serials.len() as i64 != self.qty.units() {
            return invalid(
                kind,
                format!(
                    "{} serials given for {} units of {}",
                    self.serials.len(),
                    self.qty,
                    self.item
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.serials.iter().find(|s| !seen.insert(*s)) {
            return invalid(kind, format!("serial {dup} appears twice"));
        }
        Ok(())
    }
}

/// Kinds of documents a scan can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Advance shipping notice.
    Asn,
    /// Purchase order.
    Po,
    Order,
    PickTask,
    Carton,
}

/// A reference to a document by its number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocumentRef {
    pub kind: DocumentKind,
    pub number: String,
}

/// Goods received at a dock, against an ASN/PO or blind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receive {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentRef>,
    pub line: StockLine,
    /// Where the goods now are (the receiving dock).
    pub to: LocationCode,
    /// `available`, or `on_hold` when quality must decide first.
    pub status: StockStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<Gtin>,
    /// The pack scanned (`CS`) and how many of them; `line.qty` is already in base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackCount>,
    /// The pallet's SSCC when the goods came on a labelled pallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sscc: Option<String>,
}

/// `count` packs of `uom` (each holding `base_units`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackCount {
    pub uom: String,
    pub base_units: u32,
    pub count: u32,
}

/// Received goods put into a storage bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Putaway {
    pub line: StockLine,
    pub from: LocationCode,
    pub to: LocationCode,
    pub status: StockStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested: Option<LocationCode>,
    /// Why the suggested bin was not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

/// Stock moved between two locations without changing status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub line: StockLine,
    pub from: LocationCode,
    pub to: LocationCode,
    pub status: StockStatus,
}

/// A pick that found less than asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortPick {
    pub expected: Qty,
    pub reason: String,
}

/// Stock taken from a bin for an order: `available` at `from` becomes `allocated` at `to`
/// (a tote or staging location).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderNumber>,
    pub line: StockLine,
    pub from: LocationCode,
    pub to: LocationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<ShortPick>,
    /// Why a lot other than the earliest-expiring one was picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fefo_override: Option<String>,
}

/// What a packed carton holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedLine {
    pub line: StockLine,
}

/// A carton closed for an order: allocated stock moves from `from` into the carton at `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    pub order: OrderNumber,
    /// The carton's SSCC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carton: Option<String>,
    pub lines: Vec<StockLine>,
    pub from: LocationCode,
    pub to: LocationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_grams: Option<u32>,
}

/// Allocated stock that left the warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ship {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carton: Option<String>,
    pub lines: Vec<StockLine>,
    pub from: LocationCode,
}

/// A cycle count: an assertion that `counted` units were in `location` at `occurred_at`.
/// Variance is computed by the server against its ledger as of that time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRecord {
    pub location: LocationCode,
    pub item: Sku,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    pub counted: Qty,
    #[serde(default = "available")]
    pub status: StockStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<SerialNumber>,
    /// The device's pull cursor when it counted: what the device knew of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The count this one repeats, when a recount was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recount_of: Option<EventId>,
}

fn available() -> StockStatus {
    StockStatus::Available
}

/// Reason codes for adjustments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustReason {
    Found,
    Lost,
    Damaged,
    Expired,
    Theft,
    Sample,
    DataCorrection,
    Other,
}

/// A signed correction of a balance with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjust {
    pub item: Sku,
    pub location: LocationCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    pub status: StockStatus,
    /// Units added (positive) or removed (negative).
    pub delta: i64,
    pub reason: AdjustReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<SerialNumber>,
}

/// Stock that changed status in place (e.g. found damaged, put in quarantine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub line: StockLine,
    pub location: LocationCode,
    pub from_status: StockStatus,
    pub to_status: StockStatus,
    pub reason: String,
}

/// A quality inspector's verdict on held stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityDecision {
    /// Released to `available`.
    Pass,
    /// Moved to `quarantined`.
    Fail,
    /// Kept `on_hold`.
    Hold,
}

impl QualityDecision {
    pub fn resulting_status(self) -> StockStatus {
        match self {
            QualityDecision::Pass => StockStatus::Available,
            QualityDecision::Fail => StockStatus::Quarantined,
            QualityDecision::Hold => StockStatus::OnHold,
        }
    }
}

/// A quality decision on stock at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quality {
    pub line: StockLine,
    pub location: LocationCode,
    pub from_status: StockStatus,
    pub decision: QualityDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One line of a closed receipt's variance summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptVariance {
    pub item: Sku,
    pub expected: Qty,
    pub received: Qty,
}

/// The clerk closed an ASN or PO: nothing more is expected on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClosed {
    pub document: DocumentRef,
    #[serde(default)]
    pub variances: Vec<ReceiptVariance>,
}

/// The device handed out an SSCC from a block the server leased it (a pallet or carton
/// label is about to carry it). The server records it so a duplicate SSCC, e.g. from a
/// restored backup, becomes a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsccAllocated {
    pub sscc: String,
    /// What it labels, e.g. `pallet` or `carton`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// A pallet built from packed cartons: the cartons' SSCCs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<String>,
    /// The order the pallet or carton ships, when it ships one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderNumber>,
}

/// What happened. Serialised as `"kind"` + `"payload"` next to the header fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum EventBody {
    Receive(Receive),
    Putaway(Putaway),
    Move(Move),
    Pick(Pick),
    Pack(Pack),
    Ship(Ship),
    Count(CountRecord),
    Adjust(Adjust),
    StatusChange(StatusChange),
    QualityDecision(Quality),
    ReceiptClosed(ReceiptClosed),
    SsccAllocated(SsccAllocated),
}

fn invalid<T>(kind: &'static str, reason: String) -> Result<T, EventDecodeError> {
    Err(EventDecodeError::Invalid { kind, reason })
}

impl EventBody {
    /// Every kind this build knows, as written on the wire.
    pub const KINDS: [&'static str; 12] = [
        "receive",
        "putaway",
        "move",
        "pick",
        "pack",
        "ship",
        "count",
        "adjust",
        "status_change",
        "quality_decision",
        "receipt_closed",
        "sscc_allocated",
    ];

    /// The wire name of this event's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Receive(_) => "receive",
            EventBody::Putaway(_) => "putaway",
            EventBody::Move(_) => "move",
            EventBody::Pick(_) => "pick",
            EventBody::Pack(_) => "pack",
            EventBody::Ship(_) => "ship",
            EventBody::Count(_) => "count",
            EventBody::Adjust(_) => "adjust",
            EventBody::StatusChange(_) => "status_change",
            EventBody::QualityDecision(_) => "quality_decision",
            EventBody::ReceiptClosed(_) => "receipt_closed",
            EventBody::SsccAllocated(_) => "sscc_allocated",
        }
    }

    /// Rules every fact must satisfy whatever the server's state: positive quantities,
    /// one serial per unit, distinct locations for a move.
    pub fn validate(&self) -> Result<(), EventDecodeError> {
        let kind = self.kind();
        match self {
            EventBody::Receive(r) => r.line.check(kind),
            EventBody::Putaway(p) => p.line.check(kind),
            EventBody::Move(m) => {
                m.line.check(kind)?;
                if m.from == m.to {
                    return invalid(kind, format!("moves from {} to the same location", m.from));
                }
                Ok(())
            }
            EventBody::Pick(p) => {
                // A short pick may have found nothing at all.
                if p.short.is_some() && p.line.qty.is_zero() {
                    return Ok(());
                }
                p.line.check(kind)
            }
            EventBody::Pack(p) => check_lines(kind, &p.lines),
            EventBody::Ship(s) => check_lines(kind, &s.lines),
            EventBody::Count(c) => {
                if !c.serials.is_empty() && c.serials.len() as i64 != c.counted.units() {
                    return invalid(
                        kind,
                        format!(
                            "{} serials given for a count of {}",
                            c.serials.len(),
                            c.counted
                        ),
                    );
                }
                Ok(())
            }
            EventBody::Adjust(a) => {
                if a.delta == 0 {
                    return invalid(kind, "adjusts by zero".to_owned());
                }
                if a.delta.unsigned_abs() > Qty::MAX.units().unsigned_abs() {
                    return invalid(kind, format!("delta {} is too large", a.delta));
                }
                Ok(())
            }
            EventBody::StatusChange(s) => {
                s.line.check(kind)?;
                if s.from_status == s.to_status {
                    return invalid(kind, format!("status stays {}", s.to_status));
                }
                Ok(())
            }
            EventBody::QualityDecision(q) => q.line.check(kind),
            EventBody::ReceiptClosed(_) => Ok(()),
            EventBody::SsccAllocated(a) => {
                for sscc in std::iter::once(&a.sscc).chain(&a.contents) {
                    crate::label::sscc::Sscc::parse(sscc)
                        .or_else(|e| invalid(kind, e.to_string()))?;
                }
                Ok(())
            }
        }
    }
}

fn check_lines(kind: &'static str, lines: &[StockLine]) -> Result<(), EventDecodeError> {
    if lines.is_empty() {
        return invalid(kind, "has no lines".to_owned());
    }
    lines.iter().try_for_each(|line| line.check(kind))
}

impl RawEvent {
    /// Interprets the payload: the version must be supported, the kind known, the payload
    /// well formed and the fact valid.
    pub fn decode(self) -> Result<Event, EventDecodeError> {
        if self.v != EVENT_SCHEMA_VERSION {
            return Err(EventDecodeError::UnsupportedVersion {
                found: self.v,
                supported: EVENT_SCHEMA_VERSION,
            });
        }
        if !EventBody::KINDS.contains(&self.kind.as_str()) {
            return Err(EventDecodeError::UnknownKind(self.kind));
        }
        let tagged = serde_json::json!({ "kind": self.kind, "payload": self.payload });
        let body: EventBody =
            serde_json::from_value(tagged).map_err(|e| EventDecodeError::Malformed {
                kind: self.kind.clone(),
                reason: e.to_string(),
            })?;
        body.validate()?;
        Ok(Event {
            header: self.header,
            body,
        })
    }
}

impl TryFrom<RawEvent> for Event {
    type Error = EventDecodeError;
    fn try_from(raw: RawEvent) -> Result<Self, EventDecodeError> {
        raw.decode()
    }
}

impl From<Event> for RawEvent {
    fn from(event: Event) -> RawEvent {
        let kind = event.body.kind().to_owned();
        // An EventBody always serialises to {"kind":…,"payload":{…}}: its payloads are
        // plain structs of strings, numbers and dates.
        let payload = match serde_json::to_value(&event.body) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.remove("payload").unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        };
        RawEvent {
            v: EVENT_SCHEMA_VERSION,
            header: event.header,
            kind,
            payload,
        }
    }
}

impl Event {
    pub fn kind(&self) -> &'static str {
        self.body.kind()
    }

    /// The stable JSON form stored in the journal and sent to the server.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&RawEvent::from(self.clone()))
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn header() -> EventHeader {
        EventHeader {
            event_id: EventId::from_str("0192f0c1-0000-7000-8000-000000000001").unwrap(),
            device_id: DeviceId::from_str("5f0b3c7e-9d7a-4a55-8a51-0a3c2b9f1e01").unwrap(),
            device_seq: DeviceSeq(7),
            occurred_at: DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
                .unwrap()
                .into(),
            operator: OperatorId::new("ana").unwrap(),
            warehouse: WarehouseCode::new("WH1").unwrap(),
            scan: Some(ScanRecord {
                data: "0109506000134352".into(),
                symbology: Some(SymbologyId::new('C', '1')),
            }),
        }
    }

    fn line(qty: i64) -> StockLine {
        StockLine {
            item: Sku::new("1002").unwrap(),
            qty: Qty::new(qty).unwrap(),
            lot: Some(LotCode::new("L10D9T").unwrap()),
            expiry: NaiveDate::from_ymd_opt(2027, 1, 31),
            serials: vec![],
        }
    }

    fn pick() -> Event {
        Event {
            header: header(),
            body: EventBody::Pick(Pick {
                task: Some(TaskId::new("T-9").unwrap()),
                order: Some(OrderNumber::new("SO-1").unwrap()),
                line: line(4),
                from: LocationCode::new("A-03-2-B").unwrap(),
                to: LocationCode::new("TOTE-7").unwrap(),
                short: None,
                fefo_override: None,
            }),
        }
    }

    /// The wire form is a contract with every device in the field: this pins it.
    /// (Payload keys are sorted, so the form does not depend on field order in the code.)
    #[test]
    fn wire_form_is_stable() {
        assert_eq!(
            pick().to_json(),
            r#"{"v":1,"event_id":"0192f0c1-0000-7000-8000-000000000001","device_id":"5f0b3c7e-9d7a-4a55-8a51-0a3c2b9f1e01","device_seq":7,"occurred_at":"2026-11-29T10:00:00Z","operator":"ana","warehouse":"WH1","scan":{"data":"0109506000134352","symbology":"]C1"},"kind":"pick","payload":{"from":"A-03-2-B","line":{"expiry":"2027-01-31","item":"1002","lot":"L10D9T","qty":4},"order":"SO-1","task":"T-9","to":"TOTE-7"}}"#
        );
    }

    #[test]
    fn events_round_trip_through_json() {
        let event = pick();
        let back: Event = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn newer_versions_and_unknown_kinds_are_refused_but_still_readable_as_raw() {
        let mut raw: RawEvent = serde_json::from_str(&pick().to_json()).unwrap();
        raw.v = 2;
        assert_eq!(
            raw.clone().decode().unwrap_err(),
            EventDecodeError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        );
        raw.v = 1;
        raw.kind = "teleport".into();
        assert_eq!(
            raw.decode().unwrap_err(),
            EventDecodeError::UnknownKind("teleport".into())
        );
    }

    #[test]
    fn malformed_payloads_name_the_field() {
        let mut raw: RawEvent = serde_json::from_str(&pick().to_json()).unwrap();
        raw.payload["line"]["qty"] = serde_json::json!(-2);
        let err = raw.decode().unwrap_err().to_string();
        assert!(err.starts_with("malformed pick event:"), "{err}");
        assert!(err.contains("negative"), "{err}");
    }

    #[test]
    fn facts_that_break_basic_rules_are_invalid() {
        let mut serialised = line(2);
        serialised.serials = vec![SerialNumber::new("S1").unwrap()];
        let body = EventBody::Receive(Receive {
            document: None,
            line: serialised,
            to: LocationCode::new("DOCK-1").unwrap(),
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        });
        assert_eq!(
            body.validate().unwrap_err().to_string(),
            "invalid receive event: 1 serials given for 2 units of 1002"
        );
        let same = EventBody::Move(Move {
            line: line(1),
            from: LocationCode::new("A-1").unwrap(),
            to: LocationCode::new("A-1").unwrap(),
            status: StockStatus::Available,
        });
        assert!(same.validate().is_err());
    }

    #[test]
    fn every_kind_is_listed() {
        for kind in EventBody::KINDS {
            let tagged = serde_json::json!({"kind": kind, "payload": {}});
            let err = serde_json::from_value::<EventBody>(tagged)
                .unwrap_err()
                .to_string();
            assert!(!err.contains("unknown variant"), "{kind}: {err}");
        }
    }
}
