//! A believable conflict queue without a server, for screenshots and unit tests: the devices
//! of warehouse WH1 and three conflicts shaped exactly as the server writes them (a pick
//! race on the last blue mugs, a receipt over an ASN's quantity, an outdated count), plus
//! [`SampleDesk`], a stand-in for the server's conflict endpoints that remembers decisions
//! and answers `GET /v1/me` with the server's own rules for the role it is given.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use dockhand_app::domain::{
    DeviceId, DeviceSeq, DocumentKind, DocumentRef, Event, EventBody, EventHeader, EventId,
    LocationCode, OperatorId, Pick, Qty, RawEvent, Receive, Sku, StockLine, StockStatus,
    WarehouseCode,
};
use dockhand_app::protocol::WhoAmI;
use dockhand_app::sync::SyncError;
use dockhand_app::sync::supervisor::{
    ConflictDetail, ConflictSummary, DeviceRecord, ResolutionAction, ResolveRequest,
    SupervisorError,
};
use dockhand_sync_server::store::{AuthedDevice, Role};
use serde_json::{Value, json};

use crate::controllers::conflicts::{ApiFuture, SupervisorApi};

/// 08:00 on the sample day; the story's times count from it.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes(minutes)
}

fn device(id: DeviceId, name: &str, role: &str) -> DeviceRecord {
    DeviceRecord {
        device_id: id,
        name: name.into(),
        role: role.into(),
        last_seen_at: Some(at(60)),
        revoked: false,
    }
}

fn line(item: &str, qty: i64) -> Option<StockLine> {
    Some(StockLine {
        item: Sku::new(item).ok()?,
        qty: Qty::new(qty).ok()?,
        lot: None,
        expiry: None,
        serials: vec![],
    })
}

fn event(device: DeviceId, operator: &str, minute: i64, body: EventBody) -> Option<Value> {
    let event = Event {
        header: EventHeader {
            event_id: EventId::new_v7(),
            device_id: device,
            device_seq: DeviceSeq(u64::try_from(minute).unwrap_or(1).max(1)),
            occurred_at: at(minute),
            operator: OperatorId::new(operator).ok()?,
            warehouse: WarehouseCode::new("WH1").ok()?,
            scan: None,
        },
        body,
    };
    serde_json::to_value(RawEvent::from(event)).ok()
}

fn code(text: &str) -> Option<LocationCode> {
    LocationCode::new(text).ok()
}

fn summary(id: i64, kind: &str, device: DeviceId, minute: i64, message: &str) -> ConflictSummary {
    ConflictSummary {
        id,
        kind: kind.into(),
        state: "open".into(),
        event_id: None,
        device_id: Some(device),
        message: message.into(),
        created_at: at(minute),
        resolved_at: None,
    }
}

/// The warehouse's devices (this device is "Supervisor desk") and three open conflicts,
/// newest first as the server lists them.
pub fn warehouse(me: DeviceId) -> (Vec<DeviceRecord>, Vec<ConflictDetail>) {
    let picker_1 = DeviceId::new_random();
    let picker_2 = DeviceId::new_random();
    let receiving = DeviceId::new_random();
    let counter = DeviceId::new_random();
    let devices = vec![
        device(me, "Supervisor desk", "supervisor"),
        device(picker_1, "Picker 1", "picker"),
        device(picker_2, "Picker 2", "picker"),
        device(receiving, "Receiving 1", "receiver"),
        device(counter, "Counter 1", "picker"),
    ];
    let mut details = Vec::new();

    // Two pickers took the last blue mugs of A-03-2-B; the second sync found none left.
    let pick = line("1002", 1).zip(code("A-03-2-B")).zip(code("TOTE-2"));
    if let Some(((stock, from), to)) = pick {
        let body = EventBody::Pick(Pick {
            task: None,
            order: None,
            line: stock,
            from,
            to,
            short: None,
            fefo_override: None,
        });
        let event = event(picker_2, "ben", 7, body);
        details.push(ConflictDetail {
            summary: summary(
                3,
                "pick_beyond_balance",
                picker_2,
                41,
                "pick of 1 1002 at A-03-2-B found 0 recorded; 1 unit(s) parked in discrepancy",
            ),
            evidence: json!({
                "event": event,
                "shortfalls": [{
                    "key": {"item": "1002", "location": "A-03-2-B", "lot": "", "status": "available"},
                    "before": 0, "requested": 1, "shortfall": 1
                }],
                "recent_movements": [{
                    "key": {"item": "1002", "location": "A-03-2-B", "lot": "", "status": "available"},
                    "movements": [
                        {"event_id": EventId::new_v7(), "device_id": picker_1, "delta": -2,
                         "cause": "pick", "occurred_at": at(5), "committed_at": at(6)},
                        {"event_id": EventId::new_v7(), "device_id": receiving, "delta": 2,
                         "cause": "receive", "occurred_at": at(-30), "committed_at": at(-29)}
                    ]
                }]
            }),
            event,
            resolutions: vec![],
        });
    }

    // 60 bolts received against ASN-4712, which expects 48 (tolerance 10 %).
    if let (Some(stock), Some(to)) = (line("2001", 60), code("DOCK-1")) {
        let body = EventBody::Receive(Receive {
            document: Some(DocumentRef {
                kind: DocumentKind::Asn,
                number: "ASN-4712".into(),
            }),
            line: stock,
            to,
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        });
        let event = event(receiving, "ana", 25, body);
        details.push(ConflictDetail {
            summary: summary(
                2,
                "over_receipt",
                receiving,
                26,
                "60 2001 received against asn ASN-4712 line 1, which expects 48 (tolerance 10%)",
            ),
            evidence: json!({
                "event": event, "line_no": 1, "expected": 48, "received_before": 0,
                "received_after": 60, "tolerance_pct": 10
            }),
            event,
            resolutions: vec![],
        });
    }

    // A count of B-01-1-A at 08:30 that an offline pick from 08:20 makes outdated.
    let late = line("1003", 2).zip(code("B-01-1-A")).zip(code("TOTE-1"));
    if let Some(((stock, from), to)) = late {
        let body = EventBody::Pick(Pick {
            task: None,
            order: None,
            line: stock,
            from,
            to,
            short: None,
            fefo_override: None,
        });
        let event = event(picker_1, "carl", 20, body);
        details.push(ConflictDetail {
            summary: summary(
                1,
                "outdated_count",
                picker_1,
                45,
                "count of 1003 at B-01-1-A is outdated: a pick from 08:20 synced after it",
            ),
            evidence: json!({
                "count_event_id": EventId::new_v7(),
                "count_occurred_at": at(30), "counted": 7,
                "variance_before": -2, "variance_after": 0,
                "late_event": event, "late_delta": -2,
                "key": {"item": "1003", "location": "B-01-1-A", "lot": "", "status": "available"}
            }),
            event,
            resolutions: vec![],
        });
    }
    (devices, details)
}

/// A stand-in for the server's conflict endpoints over [`warehouse`]'s data.
#[derive(Debug)]
pub struct SampleDesk {
    me: DeviceId,
    /// The role this device was enrolled with.
    role: Role,
    /// Every call fails as a network error would (the server cannot be reached).
    unreachable: AtomicBool,
    state: Mutex<(Vec<DeviceRecord>, Vec<ConflictDetail>)>,
}

impl SampleDesk {
    /// The sample warehouse as `me`, enrolled as `role`, sees it.
    pub fn new(me: DeviceId, role: Role) -> Arc<Self> {
        Arc::new(Self {
            me,
            role,
            unreachable: AtomicBool::new(false),
            state: Mutex::new(warehouse(me)),
        })
    }

    /// A server that cannot be reached (by a supervisor device).
    pub fn unreachable(me: DeviceId) -> Arc<Self> {
        let desk = Self::new(me, Role::Supervisor);
        desk.lose_network();
        desk
    }

    /// From now on the server cannot be reached.
    pub fn lose_network(&self) {
        self.unreachable.store(true, Ordering::Relaxed);
    }

    fn answer<T: Send + 'static>(&self, value: Result<T, SupervisorError>) -> ApiFuture<T> {
        if self.unreachable.load(Ordering::Relaxed) {
            return ready(Err(SupervisorError::Sync(SyncError::Network(
                "error sending request for url (https://dockhand.example:8443/v1/me)".into(),
            ))));
        }
        ready(value)
    }

    fn with_state<T>(
        &self,
        read: impl FnOnce(&mut (Vec<DeviceRecord>, Vec<ConflictDetail>)) -> T,
    ) -> T {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&mut guard)
    }
}

fn ready<T: Send + 'static>(value: Result<T, SupervisorError>) -> ApiFuture<T> {
    Box::pin(async move { value })
}

impl SupervisorApi for SampleDesk {
    fn whoami(&self) -> ApiFuture<WhoAmI> {
        let answer = WarehouseCode::new("WH1")
            .map(|warehouse| {
                let device = AuthedDevice {
                    device_id: self.me,
                    warehouse,
                    role: self.role,
                    name: "This handheld".into(),
                };
                dockhand_sync_server::api::identity_of(&device, at(90))
            })
            .map_err(|e| SupervisorError::Sync(SyncError::Protocol(e.to_string())));
        self.answer(answer)
    }

    fn devices(&self) -> ApiFuture<Vec<DeviceRecord>> {
        self.answer(Ok(self.with_state(|(devices, _)| devices.clone())))
    }

    fn queue(&self) -> ApiFuture<Vec<ConflictSummary>> {
        self.answer(Ok(self.with_state(|(_, details)| {
            details
                .iter()
                .filter(|d| d.summary.state != "resolved")
                .map(|d| d.summary.clone())
                .collect()
        })))
    }

    fn detail(&self, id: i64) -> ApiFuture<ConflictDetail> {
        self.answer(self.with_state(|(_, details)| {
            details
                .iter()
                .find(|d| d.summary.id == id)
                .cloned()
                .ok_or_else(|| SupervisorError::NotFound(format!("there is no conflict {id}")))
        }))
    }

    fn resolve(&self, id: i64, request: ResolveRequest) -> ApiFuture<ConflictDetail> {
        let me = self.me;
        self.answer(self.with_state(|(_, details)| {
            let detail = details
                .iter_mut()
                .find(|d| d.summary.id == id)
                .ok_or_else(|| SupervisorError::NotFound(format!("there is no conflict {id}")))?;
            if detail.summary.state == "resolved" {
                return Err(SupervisorError::AlreadyDecided(format!(
                    "conflict {id} is already resolved"
                )));
            }
            let now = at(90);
            detail.summary.state = if request.action == ResolutionAction::Recount {
                "recount_requested".into()
            } else {
                detail.summary.resolved_at = Some(now);
                "resolved".into()
            };
            detail.resolutions.push(json!({
                "action": request.action.as_str(),
                "resolved_by": me,
                "resolved_at": now,
                "body": {"note": request.note, "adjustment": request.adjustment}
            }));
            Ok(detail.clone())
        }))
    }
}
