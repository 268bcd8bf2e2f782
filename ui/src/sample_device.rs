//! A small, believable device journal for screenshots and UI tests: two mugs and a box of
//! bolts in warehouse WH1, a few bins and a tote, two expected deliveries, one pick task of
//! three lines (with the stock to pick it), and recent work with every verdict (sent,
//! refused, conflict, waiting). Barcodes use GS1's example
//! company prefix 0950600, so no real company's codes appear.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use anyhow::Context;
use chrono::Utc;
use dockhand_app::domain::{
    DocumentKind, EventBody, Gtin, Item, Location, LocationCode, LocationKind, LocationPath, Move,
    OperatorId, OrderNumber, Pick, Putaway, Qty, Receive, Sku, StockLine, StockStatus, TaskId,
    Tracking, UnitOfMeasure, WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions, OutboxState, SyncVerdict};
use dockhand_app::protocol::{
    BalanceRecord, Change, InboundDocumentRecord, InboundLine, PickTaskLine, PickTaskRecord,
    PullResponse,
};

use crate::controllers::SharedJournal;

pub const BLUE_MUG_GTIN: &str = "09506000134352";
pub const BLUE_MUG_CASE_GTIN: &str = "19506000134359";
pub const RED_MUG_GTIN: &str = "09506000134369";
pub const BOLTS_GTIN: &str = "09506000134376";
/// A valid GTIN that the sample catalogue does not hold.
pub const UNKNOWN_GTIN: &str = "09506000134383";
/// Why the server refused the sample's move.
pub const REFUSED_REASON: &str = "bin B-01-1-Z is not in warehouse WH1";
pub const CONFLICT_MESSAGE: &str = "2 devices picked the last unit of SKU 2001 from B-01-1-A";
/// The sample pick task (order SO-5521) and the tote label a picker scans to start it.
pub const PICK_TASK: &str = "PT1001";
pub const TOTE_LABEL: &str = "LOC:TOTE-1";
/// The sample task's lines in walking order: bin, item barcode, quantity.
pub const PICK_SCRIPT: &[(&str, &str, u32)] = &[
    ("A-03-2-B", BLUE_MUG_GTIN, 3),
    ("A-03-2-B", RED_MUG_GTIN, 2),
    ("A-03-2-C", BLUE_MUG_GTIN, 2),
];

fn code(text: &str) -> anyhow::Result<LocationCode> {
    Ok(LocationCode::new(text)?)
}

fn sku(text: &str) -> anyhow::Result<Sku> {
    Ok(Sku::new(text)?)
}

fn gtin(text: &str) -> anyhow::Result<Gtin> {
    Gtin::parse(text).with_context(|| format!("sample GTIN {text}"))
}

fn qty(units: i64) -> anyhow::Result<Qty> {
    Qty::new(units).with_context(|| format!("sample quantity {units}"))
}

fn line(item: &str, units: i64) -> anyhow::Result<StockLine> {
    Ok(StockLine {
        item: sku(item)?,
        qty: qty(units)?,
        lot: None,
        expiry: None,
        serials: vec![],
    })
}

fn item(sku_text: &str, name: &str, each: &str, case: Option<&str>) -> anyhow::Result<Item> {
    let mut packs = vec![UnitOfMeasure::each()];
    if let Some(case) = case {
        packs.push(UnitOfMeasure {
            code: "CS".into(),
            base_units: 12,
            gtin: Some(gtin(case)?),
        });
    }
    Ok(Item {
        sku: sku(sku_text)?,
        name: name.into(),
        gtins: vec![gtin(each)?],
        packs,
        tracking: Tracking::default(),
        category: None,
    })
}

fn bin(
    text: &str,
    aisle: &str,
    kind: LocationKind,
    warehouse: &WarehouseCode,
) -> anyhow::Result<Location> {
    Ok(Location {
        code: code(text)?,
        warehouse: warehouse.clone(),
        kind,
        path: LocationPath {
            zone: Some("A".into()),
            aisle: Some(aisle.into()),
            ..LocationPath::default()
        },
        pick_sequence: 0,
        capacity: None,
    })
}

fn balance(item: &str, location: &str, units: i64) -> anyhow::Result<Change> {
    Ok(Change::Balance(BalanceRecord {
        item: sku(item)?,
        location: code(location)?,
        lot: None,
        expiry: None,
        status: StockStatus::Available,
        qty: units,
        version: 0,
    }))
}

fn delivery(number: &str, item: &str, expected: i64) -> anyhow::Result<Change> {
    Ok(Change::InboundDocument(InboundDocumentRecord {
        kind: DocumentKind::Asn,
        number: number.into(),
        state: "open".into(),
        sscc: None,
        lines: vec![InboundLine {
            line_no: 1,
            item: sku(item)?,
            expected: qty(expected)?,
            lot: None,
        }],
    }))
}

/// Creates the sample journal at `path` (a new file) and returns it ready to share.
pub fn create(path: &Path) -> anyhow::Result<SharedJournal> {
    let warehouse = WarehouseCode::new("WH1")?;
    let mut journal = Journal::open_with(
        path,
        OpenOptions {
            warehouse: Some(warehouse.clone()),
            ..OpenOptions::default()
        },
    )?;
    let page = PullResponse {
        barrier: None,
        warehouse: warehouse.clone(),
        changes: vec![
            Change::Item(item(
                "1002",
                "Blue Mug 350 ml",
                BLUE_MUG_GTIN,
                Some(BLUE_MUG_CASE_GTIN),
            )?),
            Change::Item(item("1003", "Red Mug 350 ml", RED_MUG_GTIN, None)?),
            Change::Item(item(
                "2001",
                "Steel bolts M8 × 40, box of 100",
                BOLTS_GTIN,
                None,
            )?),
            Change::Location(bin("A-03-2-B", "03", LocationKind::Bin, &warehouse)?),
            Change::Location(bin("A-03-2-C", "03", LocationKind::Bin, &warehouse)?),
            Change::Location(bin("B-01-1-A", "01", LocationKind::Bin, &warehouse)?),
            Change::Location(bin("DOCK-1", "Dock", LocationKind::Dock, &warehouse)?),
            Change::Location(bin("TOTE-1", "Totes", LocationKind::Tote, &warehouse)?),
            balance("1002", "A-03-2-B", 24)?,
            balance("1003", "A-03-2-B", 12)?,
            balance("1002", "A-03-2-C", 6)?,
            delivery("ASN-4711", "1002", 48)?,
            delivery("ASN-4712", "1003", 24)?,
        ],
        next_cursor: "sample:1".into(),
        has_more: false,
        refetch: false,
        server_time: Utc::now(),
    };
    journal.apply_pull_page(&page)?;
    add_pick_task(&mut journal)?;
    record_recent_work(&mut journal)?;
    Ok(Rc::new(RefCell::new(journal)))
}

/// The pick task of order SO-5521: three lines over the mugs' two bins, all in stock.
fn add_pick_task(journal: &mut Journal) -> anyhow::Result<()> {
    let order = OrderNumber::new("SO-5521")?;
    let mut lines = Vec::new();
    for (line_no, (location, item, units)) in [
        ("A-03-2-B", "1002", 3),
        ("A-03-2-B", "1003", 2),
        ("A-03-2-C", "1002", 2),
    ]
    .into_iter()
    .enumerate()
    {
        lines.push(PickTaskLine {
            line_no: u32::try_from(line_no + 1)?,
            item: sku(item)?,
            location: code(location)?,
            qty: qty(units)?,
            lot: None,
            order: None,
        });
    }
    let task = PickTaskRecord {
        task: TaskId::new(PICK_TASK)?,
        order: Some(order),
        mode: "single".into(),
        zone: Some("A".into()),
        lines,
    };
    journal.upsert_task(
        "pick",
        PICK_TASK,
        "open",
        None,
        &serde_json::to_value(&task).context("sample pick task")?,
    )?;
    Ok(())
}

/// Eight operations on the bolts: three sent, one refused, one in conflict, three waiting.
fn record_recent_work(journal: &mut Journal) -> anyhow::Result<()> {
    let operator = OperatorId::new("ana")?;
    let draft = |body: EventBody| EventDraft {
        operator: operator.clone(),
        occurred_at: None,
        scan: None,
        body,
    };
    let pick = |units: i64| -> anyhow::Result<EventBody> {
        Ok(EventBody::Pick(Pick {
            task: None,
            order: None,
            line: line("2001", units)?,
            from: code("B-01-1-A")?,
            to: code("TOTE-7")?,
            short: None,
            fefo_override: None,
        }))
    };
    let bodies = vec![
        EventBody::Receive(Receive {
            document: None,
            line: line("2001", 40)?,
            to: code("DOCK-1")?,
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        }),
        EventBody::Putaway(Putaway {
            line: line("2001", 40)?,
            from: code("DOCK-1")?,
            to: code("B-01-1-A")?,
            status: StockStatus::Available,
            suggested: None,
            override_reason: None,
        }),
        pick(4)?,
        EventBody::Move(Move {
            line: line("2001", 2)?,
            from: code("B-01-1-A")?,
            to: code("B-01-1-Z")?,
            status: StockStatus::Available,
        }),
        pick(30)?,
        pick(2)?,
        pick(1)?,
        pick(1)?,
    ];
    journal.record_batch(bodies.into_iter().map(draft).collect())?;
    let verdict = |seq: u64, state: OutboxState, detail: Option<&str>| SyncVerdict {
        seq: dockhand_app::domain::DeviceSeq(seq),
        state,
        detail: detail.map(str::to_owned),
        result: "{}".into(),
    };
    journal.record_sync_verdicts(&[
        verdict(1, OutboxState::Applied, None),
        verdict(2, OutboxState::Applied, None),
        verdict(3, OutboxState::Applied, None),
        verdict(4, OutboxState::Rejected, Some(REFUSED_REASON)),
        verdict(5, OutboxState::Conflict, Some(CONFLICT_MESSAGE)),
    ])?;
    Ok(())
}

/// A yoghurt tracked by lot and expiry: its GTIN, the task that picks 2 of it from
/// `LOT_BIN`, and the two lots there (`LOT_FIRST` expires first).
pub const YOGHURT_GTIN: &str = "09506000134390";
pub const LOT_TASK: &str = "PT1002";
pub const LOT_BIN: &str = "C-01-1-A";
pub const LOT_FIRST: (&str, &str) = ("LOLD", "261205");
pub const LOT_LATER: (&str, &str) = ("LNEW", "270110");

/// Adds the yoghurt, its bin with two lots and the task `LOT_TASK` (not part of `create`:
/// only the lot-choice tests need them).
pub fn add_lot_task(journal: &SharedJournal) -> anyhow::Result<()> {
    let mut journal = journal.borrow_mut();
    let warehouse = journal
        .warehouse()
        .cloned()
        .context("the sample journal has a warehouse")?;
    let lot_balance = |(lot, yymmdd): (&str, &str)| -> anyhow::Result<Change> {
        let expiry = chrono::NaiveDate::parse_from_str(&format!("20{yymmdd}"), "%Y%m%d")
            .context("sample expiry")?;
        Ok(Change::Balance(BalanceRecord {
            item: sku("3001")?,
            location: code(LOT_BIN)?,
            lot: Some(dockhand_app::domain::LotCode::new(lot)?),
            expiry: Some(expiry),
            status: StockStatus::Available,
            qty: 10,
            version: 0,
        }))
    };
    let mut yoghurt = item("3001", "Yoghurt 500 g", YOGHURT_GTIN, None)?;
    yoghurt.tracking = Tracking {
        lot: true,
        serial: false,
        expiry: true,
    };
    journal.apply_pull_page(&PullResponse {
        barrier: None,
        warehouse: warehouse.clone(),
        changes: vec![
            Change::Item(yoghurt),
            Change::Location(bin(LOT_BIN, "01", LocationKind::Bin, &warehouse)?),
            lot_balance(LOT_FIRST)?,
            lot_balance(LOT_LATER)?,
            Change::PickTask(PickTaskRecord {
                task: TaskId::new(LOT_TASK)?,
                order: Some(OrderNumber::new("SO-5522")?),
                mode: "single".into(),
                zone: Some("A".into()),
                lines: vec![PickTaskLine {
                    line_no: 1,
                    item: sku("3001")?,
                    location: code(LOT_BIN)?,
                    qty: qty(2)?,
                    lot: None,
                    order: None,
                }],
            }),
        ],
        next_cursor: "sample:3".into(),
        has_more: false,
        refetch: false,
        server_time: Utc::now(),
    })?;
    Ok(())
}

/// The GS1-128 label of a yoghurt of `lot` (GTIN, expiry, lot), as a scanner sends it.
pub fn yoghurt_label((lot, yymmdd): (&str, &str)) -> String {
    format!("]C101{YOGHURT_GTIN}17{yymmdd}10{lot}")
}

/// Records one more pick of the bolts, as the picker would while the sync screen is open.
pub fn record_pick(journal: &SharedJournal, units: i64) -> anyhow::Result<()> {
    journal.borrow_mut().record(EventDraft {
        operator: OperatorId::new("ana")?,
        occurred_at: None,
        scan: None,
        body: EventBody::Pick(Pick {
            task: None,
            order: None,
            line: line("2001", units)?,
            from: code("B-01-1-A")?,
            to: code("TOTE-7")?,
            short: None,
            fefo_override: None,
        }),
    })?;
    Ok(())
}

/// Adds the open conflict the server reports for the sample's conflicting pick.
pub fn open_conflict(journal: &SharedJournal) -> anyhow::Result<()> {
    let mut journal = journal.borrow_mut();
    let warehouse = journal
        .warehouse()
        .cloned()
        .context("the sample journal has a warehouse")?;
    journal.apply_pull_page(&PullResponse {
        barrier: None,
        warehouse,
        changes: vec![Change::Conflict {
            conflict_id: 9,
            event_id: None,
            kind: "pick_beyond_balance".into(),
            state: "open".into(),
            message: CONFLICT_MESSAGE.into(),
        }],
        next_cursor: "sample:2".into(),
        has_more: false,
        refetch: false,
        server_time: Utc::now(),
    })?;
    Ok(())
}

/// A stand-in for the sync loop: reports whatever status it is given and counts the
/// "Sync now" requests, so screenshots and tests can show every connection state.
#[derive(Debug)]
pub struct ScriptedSync {
    status: RefCell<dockhand_app::sync::SyncStatus>,
    sync_now_requests: std::cell::Cell<u32>,
}

impl ScriptedSync {
    pub fn new(status: dockhand_app::sync::SyncStatus) -> Rc<Self> {
        Rc::new(Self {
            status: RefCell::new(status),
            sync_now_requests: std::cell::Cell::new(0),
        })
    }

    pub fn set_status(&self, status: dockhand_app::sync::SyncStatus) {
        *self.status.borrow_mut() = status;
    }

    pub fn sync_now_requests(&self) -> u32 {
        self.sync_now_requests.get()
    }
}

impl crate::controllers::sync_status::SyncControl for Rc<ScriptedSync> {
    fn status(&self) -> dockhand_app::sync::SyncStatus {
        self.status.borrow().clone()
    }

    fn sync_now(&self) {
        self.sync_now_requests.set(self.sync_now_requests.get() + 1);
    }
}

/// The status a device shows when it is online and has nothing waiting.
pub fn status_synced() -> dockhand_app::sync::SyncStatus {
    dockhand_app::sync::SyncStatus {
        state: dockhand_app::sync::SyncState::Online,
        offline_since: None,
        queued: 0,
        last_sync: Some(Utc::now() - chrono::Duration::minutes(2)),
        conflicts_waiting: 0,
        rejected: 0,
        last_error: None,
    }
}

/// Offline for 40 minutes with `queued` operations waiting and the sample's refused one.
pub fn status_offline(queued: u64) -> dockhand_app::sync::SyncStatus {
    dockhand_app::sync::SyncStatus {
        state: dockhand_app::sync::SyncState::Offline,
        offline_since: Some(Utc::now() - chrono::Duration::minutes(40)),
        queued,
        last_sync: Some(Utc::now() - chrono::Duration::minutes(41)),
        conflicts_waiting: 0,
        rejected: 1,
        last_error: Some("cannot reach the server: connection refused".into()),
    }
}

// ---- Receiving, putaway and packing samples (the job screens) ----

/// A delivery whose label scans (`ASN` + digits): 24 blue mugs (they come in cases of 12)
/// and 10 yoghurts tracked by lot and expiry, on the pallet `RECEIVE_PALLET`.
pub const RECEIVE_ASN: &str = "ASN4713";
pub const RECEIVE_PALLET: &str = "095060001000000012";
/// A second dock, and the pack station.
pub const SECOND_DOCK: &str = "DOCK-2";
pub const PACK_STATION: &str = "PACK-1";
/// A new carton label (SSCC) with a valid check digit.
pub const CARTON_LABEL: &str = "095060001000000029";

fn yoghurt() -> anyhow::Result<Item> {
    let mut yoghurt = item("3001", "Yoghurt 500 g", YOGHURT_GTIN, None)?;
    yoghurt.tracking = Tracking {
        lot: true,
        serial: false,
        expiry: true,
    };
    Ok(yoghurt)
}

/// Adds `RECEIVE_ASN`, the yoghurt, `SECOND_DOCK` and `PACK_STATION` (not part of
/// `create`, so the screens and tests that came before keep their numbers).
pub fn add_receiving(journal: &SharedJournal) -> anyhow::Result<()> {
    let mut journal = journal.borrow_mut();
    let warehouse = journal
        .warehouse()
        .cloned()
        .context("the sample journal has a warehouse")?;
    let inbound_line = |line_no: u32, item: &str, expected: i64| -> anyhow::Result<InboundLine> {
        Ok(InboundLine {
            line_no,
            item: sku(item)?,
            expected: qty(expected)?,
            lot: None,
        })
    };
    journal.apply_pull_page(&PullResponse {
        barrier: None,
        warehouse: warehouse.clone(),
        changes: vec![
            Change::Item(yoghurt()?),
            Change::Location(bin(SECOND_DOCK, "Dock", LocationKind::Dock, &warehouse)?),
            Change::Location(bin(
                PACK_STATION,
                "Pack",
                LocationKind::PackStation,
                &warehouse,
            )?),
            Change::InboundDocument(InboundDocumentRecord {
                kind: DocumentKind::Asn,
                number: RECEIVE_ASN.into(),
                state: "open".into(),
                sscc: Some(RECEIVE_PALLET.into()),
                lines: vec![inbound_line(1, "1002", 24)?, inbound_line(2, "3001", 10)?],
            }),
        ],
        next_cursor: "sample:4".into(),
        has_more: false,
        refetch: false,
        server_time: Utc::now(),
    })?;
    Ok(())
}

/// Records `units` of `item` received at DOCK-1 without a document, as a clerk would.
pub fn receive_at_dock(journal: &SharedJournal, item: &str, units: i64) -> anyhow::Result<()> {
    journal.borrow_mut().record(EventDraft {
        operator: OperatorId::new("ana")?,
        occurred_at: None,
        scan: None,
        body: EventBody::Receive(Receive {
            document: None,
            line: line(item, units)?,
            to: code("DOCK-1")?,
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        }),
    })?;
    Ok(())
}

/// Records the sample task's picks into TOTE-1, as if it had just been picked.
pub fn pick_sample_task(journal: &SharedJournal) -> anyhow::Result<()> {
    let mut drafts = Vec::new();
    for (location, item, units) in [
        ("A-03-2-B", "1002", 3),
        ("A-03-2-B", "1003", 2),
        ("A-03-2-C", "1002", 2),
    ] {
        drafts.push(EventDraft {
            operator: OperatorId::new("ana")?,
            occurred_at: None,
            scan: None,
            body: EventBody::Pick(Pick {
                task: Some(TaskId::new(PICK_TASK)?),
                order: Some(OrderNumber::new("SO-5521")?),
                line: line(item, units)?,
                from: code(location)?,
                to: code("TOTE-1")?,
                short: None,
                fefo_override: None,
            }),
        });
    }
    journal.borrow_mut().record_batch(drafts)?;
    Ok(())
}

/// The GS1-128 label of a carton of 12 blue mugs.
pub fn blue_mug_case_label() -> String {
    format!("]C101{BLUE_MUG_CASE_GTIN}")
}

/// A block of SSCCs as the server leases one (serials 500–599 under GS1's example prefix).
pub fn add_sscc_block(journal: &SharedJournal) -> anyhow::Result<()> {
    use dockhand_app::label::sscc::{SsccBlock, SsccScheme};
    journal.borrow_mut().add_sscc_block(&SsccBlock {
        scheme: SsccScheme::new(0, "9506000")?,
        first: 500,
        last: 599,
    })?;
    Ok(())
}

/// A few print jobs for the label screen: a bin label printed, a carton label waiting for
/// an unreachable printer, and a pallet label interrupted mid-print (in doubt).
pub fn add_label_jobs(journal: &SharedJournal, printer: &str) -> anyhow::Result<()> {
    use dockhand_app::journal::LabelJobState;
    use dockhand_app::label::settings::PrinterSettings;
    use dockhand_app::label::{BinLabel, CartonLabel, PalletLabel, queue};
    use dockhand_app::workflow::labels::LabelRequest;

    let mut journal = journal.borrow_mut();
    let settings = PrinterSettings::parse(printer, "203", "4x6")?;
    settings.save(&mut journal)?;
    let requests = [
        LabelRequest::Bin(BinLabel {
            code: "A-03-2-B".into(),
            warehouse: "WH1".into(),
            path: dockhand_app::domain::LocationPath {
                zone: Some("A".into()),
                aisle: Some("03".into()),
                rack: Some("2".into()),
                shelf: None,
                bin: Some("B".into()),
            },
        }),
        LabelRequest::Logistic(PalletLabel {
            sscc: "095060000000005904".into(),
            content: Some(BLUE_MUG_GTIN.into()),
            count: Some(48),
            ship_to: vec!["ORDER SO-5521".into()],
            ..PalletLabel::default()
        }),
        LabelRequest::Carton(CartonLabel {
            gtin: BLUE_MUG_GTIN.into(),
            count: Some(6),
            sscc: Some("095060000000005911".into()),
            order: Some("SO-5521".into()),
            description: Some("Blue Mug 350 ml".into()),
            ..CartonLabel::default()
        }),
    ];
    let jobs = queue::jobs_for_requests(&settings, &requests)?;
    for job in &jobs {
        journal.insert_label_job_with_data(job)?;
    }
    let (bin, pallet, carton) = (&jobs[0].id, &jobs[1].id, &jobs[2].id);
    journal.move_label_job(bin, LabelJobState::Queued, LabelJobState::Sending, None)?;
    journal.move_label_job(bin, LabelJobState::Sending, LabelJobState::Printed, None)?;
    journal.move_label_job(pallet, LabelJobState::Queued, LabelJobState::Sending, None)?;
    journal.move_label_job(
        pallet,
        LabelJobState::Sending,
        LabelJobState::InDoubt,
        Some("sending was interrupted: connection reset by peer"),
    )?;
    journal.move_label_job(carton, LabelJobState::Queued, LabelJobState::Sending, None)?;
    journal.move_label_job(
        carton,
        LabelJobState::Sending,
        LabelJobState::Queued,
        Some("printer unreachable: connection refused"),
    )?;
    Ok(())
}
