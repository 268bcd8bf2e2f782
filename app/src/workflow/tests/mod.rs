//! Unit tests of the state machines against [`FakeProjections`]: happy paths, every
//! wrong-scan branch (table-driven), resumption from facts, and a property test that random
//! inputs never panic and never produce a fact the step did not announce.

use chrono::NaiveDate;

use super::*;
use crate::domain::{
    DocumentKind, Gtin, Item, Location, LocationKind, LocationPath, LotCode, OrderNumber, Qty,
    SerialNumber, Sku, StockStatus, Tracking, UnitOfMeasure, WarehouseCode,
};
use crate::protocol::{InboundDocumentRecord, InboundLine, PickTaskLine, PickTaskRecord};

mod count_tests;
mod pack_tests;
mod pick_tests;
mod property;
mod putaway_tests;
mod receive_tests;
mod stock_tests;

pub(crate) const MUG: &str = "09506000134352";
pub(crate) const MUG_CASE: &str = "19506000134359";
pub(crate) const RED_MUG: &str = "09506000134369";
pub(crate) const MILK: &str = "09506000134376";
pub(crate) const SCANNER: &str = "09506000134383";
pub(crate) const NOT_IN_CATALOG: &str = "09506000134390";

pub(crate) fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}
pub(crate) fn loc(s: &str) -> LocationCode {
    LocationCode::new(s).unwrap()
}
pub(crate) fn lot(s: &str) -> LotCode {
    LotCode::new(s).unwrap()
}
pub(crate) fn qty(n: i64) -> Qty {
    Qty::new(n).unwrap()
}
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn item(sku_: &str, name: &str, gtin: &str, tracking: Tracking, category: Option<&str>) -> Item {
    Item {
        sku: sku(sku_),
        name: name.into(),
        gtins: vec![Gtin::parse(gtin).unwrap()],
        packs: vec![],
        tracking,
        category: category.map(str::to_owned),
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
        code: loc(code),
        warehouse: WarehouseCode::new("WH1").unwrap(),
        kind,
        path: LocationPath {
            zone: Some(zone.into()),
            ..LocationPath::default()
        },
        pick_sequence: seq,
        capacity: capacity.map(qty),
    }
}

pub(crate) fn stock(
    at: &str,
    sku_: &str,
    lot_: Option<&str>,
    expiry: Option<NaiveDate>,
    n: i64,
) -> (LocationCode, StockRow) {
    (
        loc(at),
        StockRow {
            item: sku(sku_),
            lot: lot_.map(lot),
            expiry,
            status: StockStatus::Available,
            qty: n,
        },
    )
}

/// A small warehouse: a dock, bins in three zones, a tote, a pack station; mugs (with a
/// case of 12), milk (lot + expiry), hand scanners (serialised).
pub(crate) fn world() -> FakeProjections {
    let mut mug = item(
        "1002",
        "Blue Mug",
        MUG,
        Tracking::default(),
        Some("kitchen"),
    );
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
    let mut fake = FakeProjections {
        items: vec![
            mug,
            item(
                "1003",
                "Red Mug",
                RED_MUG,
                Tracking::default(),
                Some("kitchen"),
            ),
            item("2001", "Milk 1L", MILK, lots, Some("chilled")),
            item("3001", "Hand Scanner", SCANNER, serials, None),
        ],
        locations: vec![
            location("DOCK-1", LocationKind::Dock, 0, "D", None),
            location("A-01-1-A", LocationKind::Bin, 10, "A", Some(100)),
            location("A-03-2-B", LocationKind::Bin, 30, "A", Some(100)),
            location("A-05-1-A", LocationKind::Bin, 50, "A", Some(100)),
            location("B-01-1-A", LocationKind::Bin, 60, "B", Some(40)),
            location("B-02-1-A", LocationKind::Bin, 70, "B", Some(500)),
            location("C-01-1-A", LocationKind::Bin, 80, "C", Some(1000)),
            location("TOTE-7", LocationKind::Tote, 0, "T", None),
            location("PACK-1", LocationKind::PackStation, 0, "P", None),
        ],
        stock: vec![
            stock("A-03-2-B", "1002", None, None, 10),
            stock("A-01-1-A", "1003", None, None, 5),
            stock("A-05-1-A", "2001", Some("L1"), Some(date(2027, 1, 31)), 6),
            stock("A-05-1-A", "2001", Some("L2"), Some(date(2027, 3, 31)), 6),
            stock("A-05-1-A", "3001", None, None, 3),
        ],
        cursor: Some("cursor-42".into()),
        ..FakeProjections::default()
    };
    fake.zone_rules.insert("chilled".into(), "B".into());
    fake.pick_tasks.push(PickTaskRecord {
        task: TaskId::new("T-1").unwrap(),
        order: Some(OrderNumber::new("SO-1").unwrap()),
        mode: "single".into(),
        zone: Some("A".into()),
        lines: vec![
            // Out of walking order on purpose: A-05 (seq 50) before A-03 (seq 30).
            PickTaskLine {
                line_no: 1,
                item: sku("2001"),
                location: loc("A-05-1-A"),
                qty: qty(2),
                lot: None,
                order: None,
            },
            PickTaskLine {
                line_no: 2,
                item: sku("1002"),
                location: loc("A-03-2-B"),
                qty: qty(4),
                lot: None,
                order: None,
            },
            PickTaskLine {
                line_no: 3,
                item: sku("3001"),
                location: loc("A-05-1-A"),
                qty: qty(2),
                lot: None,
                order: None,
            },
        ],
    });
    fake.inbound.push(InboundDocumentRecord {
        kind: DocumentKind::Asn,
        number: "ASN-1".into(),
        state: "open".into(),
        sscc: Some("095060001000000012".into()),
        lines: vec![
            InboundLine {
                line_no: 1,
                item: sku("1002"),
                expected: qty(24),
                lot: None,
            },
            InboundLine {
                line_no: 2,
                item: sku("2001"),
                expected: qty(10),
                lot: None,
            },
        ],
    });
    fake.inbound.push(InboundDocumentRecord {
        kind: DocumentKind::Po,
        number: "PO-9".into(),
        state: "closed".into(),
        sscc: None,
        lines: vec![],
    });
    fake
}

/// Parses a script line (panics on a malformed one: tests write them).
pub(crate) fn i(line: &str) -> Input {
    Input::parse_script_line(line).unwrap()
}

/// Plays inputs, recording every announced event in the fake as the journal would.
pub(crate) fn play(job: &mut Job, fake: &mut FakeProjections, lines: &[&str]) -> Vec<Step> {
    lines
        .iter()
        .map(|line| {
            let step = job.handle(&i(line), fake);
            for event in &step.events {
                event.validate().unwrap();
            }
            fake.record(&step.events);
            step
        })
        .collect()
}

/// Asserts that every step was accepted (no red feedback).
pub(crate) fn assert_all_accepted(steps: &[Step]) {
    for (n, step) in steps.iter().enumerate() {
        assert!(!step.feedback.is_bad(), "step {n}: {:?}", step.feedback);
    }
}

/// The wrong-scan contract: exact words, nothing announced, the job where it was.
pub(crate) fn assert_refused(job: &mut Job, fake: &mut FakeProjections, line: &str, message: &str) {
    let before = job.prompt();
    let facts = fake.facts.len();
    let step = job.handle(&i(line), fake);
    assert_eq!(
        step.feedback,
        Feedback::Bad {
            message: message.to_owned()
        },
        "input {line:?}"
    );
    assert!(
        step.events.is_empty(),
        "input {line:?} announced {:?}",
        step.events
    );
    assert_eq!(step.prompt, before, "input {line:?} moved the job");
    assert_eq!(job.prompt(), before, "input {line:?} moved the job");
    assert_eq!(fake.facts.len(), facts);
}

pub(crate) fn bodies(fake: &FakeProjections) -> Vec<EventBody> {
    fake.facts.iter().map(|f| f.body.clone()).collect()
}

#[allow(dead_code)]
pub(crate) fn serial(s: &str) -> SerialNumber {
    SerialNumber::new(s).unwrap()
}
