//! A real journal file seeded with a small warehouse, and helpers to play workflow scripts
//! through `workflow::Session` against it.

use std::path::Path;

use chrono::NaiveDate;
use dockhand_app::domain::{
    DeviceSeq, DocumentKind, Gtin, Item, Location, LocationCode, LocationKind, LocationPath,
    LotCode, OperatorId, OrderNumber, Qty, Sku, StockStatus, TaskId, Tracking, UnitOfMeasure,
    WarehouseCode,
};
use dockhand_app::journal::{Journal, OpenOptions};
use dockhand_app::protocol::{
    BalanceRecord, InboundDocumentRecord, InboundLine, PickTaskLine, PickTaskRecord,
};
use dockhand_app::workflow::{Input, JobSpec, Session, Step};

pub const MUG: &str = "09506000134352";
pub const MUG_CASE: &str = "19506000134359";
pub const MILK: &str = "09506000134376";
pub const SCANNER: &str = "09506000134383";

pub fn open(db: &Path) -> Journal {
    Journal::open_with(
        db,
        OpenOptions {
            warehouse: Some(WarehouseCode::new("WH1").unwrap()),
            ..OpenOptions::default()
        },
    )
    .unwrap()
}

fn item(sku: &str, name: &str, gtin: &str, tracking: Tracking, category: &str) -> Item {
    Item {
        sku: Sku::new(sku).unwrap(),
        name: name.into(),
        gtins: vec![Gtin::parse(gtin).unwrap()],
        packs: vec![],
        tracking,
        category: Some(category.into()),
    }
}

fn location(
    code: &str,
    kind: LocationKind,
    seq: i64,
    zone: &str,
    capacity: Option<i64>,
) -> Location {
    Location {
        code: LocationCode::new(code).unwrap(),
        warehouse: WarehouseCode::new("WH1").unwrap(),
        kind,
        path: LocationPath {
            zone: Some(zone.into()),
            ..LocationPath::default()
        },
        pick_sequence: seq,
        capacity: capacity.map(|c| Qty::new(c).unwrap()),
    }
}

fn balance(
    at: &str,
    sku: &str,
    lot: Option<&str>,
    expiry: Option<(i32, u32, u32)>,
    qty: i64,
) -> BalanceRecord {
    BalanceRecord {
        item: Sku::new(sku).unwrap(),
        location: LocationCode::new(at).unwrap(),
        lot: lot.map(|l| LotCode::new(l).unwrap()),
        expiry: expiry.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        status: StockStatus::Available,
        qty,
        version: 0,
    }
}

/// The same small warehouse as the unit tests' `world()`, in a journal file.
pub fn seeded(db: &Path) -> Journal {
    let mut journal = open(db);
    let mut mug = item("1002", "Blue Mug", MUG, Tracking::default(), "kitchen");
    mug.packs.push(UnitOfMeasure {
        code: "CS".into(),
        base_units: 12,
        gtin: Some(Gtin::parse(MUG_CASE).unwrap()),
    });
    let lots = Tracking {
        lot: true,
        expiry: true,
        serial: false,
    };
    let serials = Tracking {
        lot: false,
        expiry: false,
        serial: true,
    };
    journal
        .upsert_items(&[
            mug,
            item("2001", "Milk 1L", MILK, lots, "chilled"),
            item("3001", "Hand Scanner", SCANNER, serials, "devices"),
        ])
        .unwrap();
    journal
        .upsert_locations(&[
            location("DOCK-1", LocationKind::Dock, 0, "D", None),
            location("A-03-2-B", LocationKind::Bin, 30, "A", Some(100)),
            location("A-05-1-A", LocationKind::Bin, 50, "A", Some(100)),
            location("B-01-1-A", LocationKind::Bin, 60, "B", Some(40)),
            location("B-02-1-A", LocationKind::Bin, 70, "B", Some(500)),
            location("TOTE-7", LocationKind::Tote, 0, "T", None),
            location("PACK-1", LocationKind::PackStation, 0, "P", None),
        ])
        .unwrap();
    journal
        .upsert_server_balances(&[
            balance("A-03-2-B", "1002", None, None, 10),
            balance("A-05-1-A", "2001", Some("L1"), Some((2027, 1, 31)), 6),
            balance("A-05-1-A", "2001", Some("L2"), Some((2027, 3, 31)), 6),
            balance("A-05-1-A", "3001", None, None, 3),
        ])
        .unwrap();
    journal.set_putaway_zone("chilled", "B").unwrap();
    let line = |n: u32, sku: &str, at: &str, qty: i64| PickTaskLine {
        line_no: n,
        item: Sku::new(sku).unwrap(),
        location: LocationCode::new(at).unwrap(),
        qty: Qty::new(qty).unwrap(),
        lot: None,
        order: None,
    };
    let task = PickTaskRecord {
        task: TaskId::new("T-1").unwrap(),
        order: Some(OrderNumber::new("SO-1").unwrap()),
        mode: "single".into(),
        zone: Some("A".into()),
        lines: vec![
            line(1, "2001", "A-05-1-A", 2),
            line(2, "1002", "A-03-2-B", 4),
            line(3, "3001", "A-05-1-A", 2),
        ],
    };
    journal
        .upsert_task(
            "pick",
            "T-1",
            "open",
            None,
            &serde_json::to_value(&task).unwrap(),
        )
        .unwrap();
    let asn = InboundDocumentRecord {
        kind: DocumentKind::Asn,
        number: "ASN-1".into(),
        state: "open".into(),
        sscc: Some("095060001000000012".into()),
        lines: vec![
            InboundLine {
                line_no: 1,
                item: Sku::new("1002").unwrap(),
                expected: Qty::new(24).unwrap(),
                lot: None,
            },
            InboundLine {
                line_no: 2,
                item: Sku::new("2001").unwrap(),
                expected: Qty::new(10).unwrap(),
                lot: None,
            },
        ],
    };
    journal
        .upsert_task(
            "inbound",
            "asn:ASN-1",
            "open",
            asn.sscc.as_deref(),
            &serde_json::to_value(&asn).unwrap(),
        )
        .unwrap();
    journal
}

pub fn operator() -> OperatorId {
    OperatorId::new("ana").unwrap()
}

pub fn input(line: &str) -> Input {
    Input::parse_script_line(line).unwrap()
}

/// Plays lines through a session; every step must be accepted.
pub fn play(session: &mut Session, journal: &mut Journal, lines: &[&str]) -> Vec<Step> {
    lines
        .iter()
        .map(|line| {
            let step = session.handle(journal, &input(line)).unwrap();
            assert!(!step.feedback.is_bad(), "{line}: {:?}", step.feedback);
            step
        })
        .collect()
}

pub fn start(journal: &mut Journal, spec: &JobSpec) -> Session {
    Session::start(journal, operator(), spec).unwrap()
}

/// Every event's kind and payload, oldest first (ids and times differ between runs).
/// A `recount_of` is shown as the position of the count it repeats.
pub fn facts(journal: &Journal) -> Vec<serde_json::Value> {
    let raws = journal.raw_events_after(DeviceSeq(0), 100_000).unwrap();
    let ids: Vec<String> = raws.iter().map(|r| r.header.event_id.to_string()).collect();
    raws.into_iter()
        .map(|raw| {
            let mut payload = raw.payload;
            if let Some(id) = payload.get("recount_of").and_then(|v| v.as_str()) {
                let position = ids
                    .iter()
                    .position(|i| i == id)
                    .expect("recount of a journaled count");
                payload["recount_of"] = format!("event #{}", position + 1).into();
            }
            serde_json::json!({ "kind": raw.kind, "payload": payload })
        })
        .collect()
}
