//! Workflow benchmarks: one scan through the workflow state machine and the durable
//! journal (`workflow::Session::handle`: parse the scan → job step against the journal's
//! projections → `record_batch` with `synchronous=FULL`), measured one input at a time.
//!
//! `cargo bench -p dockhand-app --bench workflow`. Prints p50/p99 for:
//! - `receive_scan_durable`: a GTIN scan with a count (AI 30) that records a receipt at
//!   once — every scan is a durable write;
//! - `pick_walk`: every input of a 1,000-line pick task (bin scan, item scan, quantity),
//!   and separately the quantity inputs, which each record a pick.
//!
//! Barcode classification is not included yet (the script syntax parser stands in for it).

#![allow(clippy::unwrap_used, missing_debug_implementations)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dockhand_app::barcode::check_digit::mod10_check_digit;
use dockhand_app::domain::{
    EventBody, Gtin, Item, Location, LocationCode, LocationKind, LocationPath, OperatorId, Pick,
    Qty, Sku, StockLine, StockStatus, TaskId, Tracking, WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_app::protocol::{BalanceRecord, PickTaskLine, PickTaskRecord};
use dockhand_app::workflow::{Input, JobSpec, Session};

const ITEMS: u64 = 1000;

fn gtin_for(n: u64) -> Gtin {
    let body = format!("0950600{n:06}");
    let check = mod10_check_digit(&body).unwrap();
    Gtin::parse(&format!("{body}{check}")).unwrap()
}

fn bin(n: u64) -> LocationCode {
    LocationCode::new(format!("A-{n:04}")).unwrap()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

/// A journal with `ITEMS` items, each in its own bin with 100 units, a dock, a tote and
/// one pick task asking for one unit of every item.
fn seeded(dir: &tempfile::TempDir) -> Journal {
    let wh = WarehouseCode::new("WH1").unwrap();
    let mut journal = Journal::open_with(
        dir.path().join("bench.db"),
        OpenOptions {
            warehouse: Some(wh.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let items: Vec<Item> = (0..ITEMS)
        .map(|i| Item {
            sku: Sku::new(format!("SKU-{i}")).unwrap(),
            name: format!("Item {i}"),
            gtins: vec![gtin_for(i)],
            packs: vec![],
            tracking: Tracking::default(),
            category: None,
        })
        .collect();
    journal.upsert_items(&items).unwrap();
    let location = |code: LocationCode, kind, seq| Location {
        code,
        warehouse: wh.clone(),
        kind,
        path: LocationPath::default(),
        pick_sequence: seq,
        capacity: Some(Qty::new(1000).unwrap()),
    };
    let mut locations: Vec<Location> = (0..ITEMS)
        .map(|i| location(bin(i), LocationKind::Bin, i as i64))
        .collect();
    locations.push(location(
        LocationCode::new("DOCK-1").unwrap(),
        LocationKind::Dock,
        0,
    ));
    locations.push(location(
        LocationCode::new("TOTE-1").unwrap(),
        LocationKind::Tote,
        0,
    ));
    journal.upsert_locations(&locations).unwrap();
    let balances: Vec<BalanceRecord> = (0..ITEMS)
        .map(|i| BalanceRecord {
            item: Sku::new(format!("SKU-{i}")).unwrap(),
            location: bin(i),
            lot: None,
            expiry: None,
            status: StockStatus::Available,
            qty: 100,
            version: 0,
        })
        .collect();
    journal.upsert_server_balances(&balances).unwrap();
    let task = PickTaskRecord {
        task: TaskId::new("T-BENCH").unwrap(),
        order: None,
        mode: "wave".into(),
        zone: None,
        lines: (0..ITEMS)
            .map(|i| PickTaskLine {
                line_no: i as u32 + 1,
                item: Sku::new(format!("SKU-{i}")).unwrap(),
                location: bin(i),
                qty: Qty::new(1).unwrap(),
                lot: None,
                order: None,
            })
            .collect(),
    };
    journal
        .upsert_task(
            "pick",
            "T-BENCH",
            "open",
            None,
            &serde_json::to_value(&task).unwrap(),
        )
        .unwrap();
    journal
}

/// Times one input: parse + step + durable record.
fn timed(session: &mut Session, journal: &mut Journal, line: &str) -> Duration {
    let start = Instant::now();
    let input = Input::parse_script_line(line).unwrap();
    let step = session.handle(journal, &input).unwrap();
    let elapsed = start.elapsed();
    assert!(!step.feedback.is_bad(), "{line}: {:?}", step.feedback);
    elapsed
}

fn operator() -> OperatorId {
    OperatorId::new("bench").unwrap()
}

fn workflow_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = seeded(&dir);
    let receive = JobSpec::Receive {
        dock: LocationCode::new("DOCK-1").unwrap(),
        document: None,
        sscc: None,
        without_document: true,
        blind: true,
        inspect: false,
    };

    // Baseline: the durable write alone, one pick event per transaction.
    let samples: Vec<Duration> = (0..2000u64)
        .map(|n| {
            let draft = EventDraft {
                operator: operator(),
                occurred_at: None,
                scan: None,
                body: EventBody::Pick(Pick {
                    task: None,
                    order: None,
                    line: StockLine {
                        item: Sku::new(format!("SKU-{}", n % ITEMS)).unwrap(),
                        qty: Qty::new(1).unwrap(),
                        lot: None,
                        expiry: None,
                        serials: vec![],
                    },
                    from: bin(n % ITEMS),
                    to: LocationCode::new("TOTE-1").unwrap(),
                    short: None,
                    fefo_override: None,
                }),
            };
            let start = Instant::now();
            journal.record(draft).unwrap();
            start.elapsed()
        })
        .collect();
    let (p50, p99) = percentiles(samples);
    println!(
        "baseline_record_only: p50 {p50:?} p99 {p99:?} (2000 single-event durable transactions, no workflow)"
    );

    // Receiving: every scan records a receipt.
    let mut session = Session::start(&mut journal, operator(), &receive).unwrap();
    let scans: Vec<String> = (0..ITEMS)
        .map(|i| format!("scan raw:]C101{}301", gtin_for(i)))
        .collect();
    let samples: Vec<Duration> = (0..4000)
        .map(|n| timed(&mut session, &mut journal, &scans[n % scans.len()]))
        .collect();
    let (p50, p99) = percentiles(samples);
    println!(
        "receive_scan_durable: p50 {p50:?} p99 {p99:?} (4000 scans, each one durable receipt)"
    );
    let mut n = 0;
    c.bench_function("receive_scan_durable", |b| {
        b.iter(|| {
            n += 1;
            timed(&mut session, &mut journal, &scans[n % scans.len()])
        })
    });

    // Picking: bin → item → quantity for every line of a 1,000-line task.
    let mut session = Session::start(
        &mut journal,
        operator(),
        &JobSpec::Pick {
            task: TaskId::new("T-BENCH").unwrap(),
            tote: None,
        },
    )
    .unwrap();
    timed(&mut session, &mut journal, "scan loc:TOTE-1");
    let mut all = Vec::new();
    let mut recording = Vec::new();
    let mut step_only = Vec::new();
    for i in 0..ITEMS {
        let inputs = [
            format!("scan loc:{}", bin(i)),
            format!("scan raw:]C101{}", gtin_for(i)),
            "qty 1".to_owned(),
        ];
        for line in inputs {
            // The same step on a copy of the job, without the journal write.
            let mut probe = session.job().clone();
            let input = Input::parse_script_line(&line).unwrap();
            let start = Instant::now();
            let step = probe.handle(&input, &journal);
            step_only.push(start.elapsed());
            let total = timed(&mut session, &mut journal, &line);
            all.push(total);
            if !step.events.is_empty() {
                recording.push(total);
            }
        }
    }
    let (p50, p99) = percentiles(step_only);
    println!(
        "pick_step_without_write: p50 {p50:?} p99 {p99:?} (3000 inputs: state machine + projections only)"
    );
    let (p50, p99) = percentiles(all);
    println!("pick_walk_every_input: p50 {p50:?} p99 {p99:?} (3000 inputs of a 1000-line task)");
    let (p50, p99) = percentiles(recording);
    println!(
        "pick_walk_recording_input: p50 {p50:?} p99 {p99:?} (1000 quantities, each one durable pick)"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = workflow_benches
}
criterion_main!(benches);
