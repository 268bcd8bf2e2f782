//! Journal benchmarks: durable record of one scan event, a 1,000-event batch, and GTIN
//! lookup in a 100,000-item catalog.
//!
//! `cargo bench -p dockhand-app --bench journal`. Besides criterion's means, this prints
//! p50/p99 of single-event records and of GTIN lookups measured one call at a time, which is
//! what `BENCHMARKS.md` reports.

#![allow(clippy::unwrap_used, missing_debug_implementations)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dockhand_app::barcode::check_digit::mod10_check_digit;
use dockhand_app::domain::{
    EventBody, Gtin, Item, LocationCode, OperatorId, Pick, Qty, ScanRecord, Sku, StockLine,
    Tracking, WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};

fn pick_draft(n: u64) -> EventDraft {
    EventDraft {
        operator: OperatorId::new("bench").unwrap(),
        occurred_at: None,
        scan: Some(ScanRecord {
            data: "0109506000134352".into(),
            symbology: None,
        }),
        body: EventBody::Pick(Pick {
            task: None,
            order: None,
            line: StockLine {
                item: Sku::new(format!("SKU-{}", n % 1000)).unwrap(),
                qty: Qty::new(1).unwrap(),
                lot: None,
                expiry: None,
                serials: vec![],
            },
            from: LocationCode::new("A-03-2-B").unwrap(),
            to: LocationCode::new("TOTE-1").unwrap(),
            short: None,
            fefo_override: None,
        }),
    }
}

fn gtin_for(n: u64) -> Gtin {
    let body = format!("0950600{n:06}");
    let check = mod10_check_digit(&body).unwrap();
    Gtin::parse(&format!("{body}{check}")).unwrap()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

fn open(dir: &tempfile::TempDir) -> Journal {
    Journal::open_with(
        dir.path().join("bench.db"),
        OpenOptions {
            warehouse: Some(WarehouseCode::new("WH1").unwrap()),
            ..OpenOptions::default()
        },
    )
    .unwrap()
}

fn journal_benches(c: &mut Criterion) {
    // Durable record of one scan event.
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open(&dir);
    let mut n = 0;
    c.bench_function("record_one_event_durable", |b| {
        b.iter(|| {
            n += 1;
            journal.record(pick_draft(n)).unwrap()
        })
    });
    let samples: Vec<Duration> = (0..5000)
        .map(|i| {
            let start = Instant::now();
            journal.record(pick_draft(i)).unwrap();
            start.elapsed()
        })
        .collect();
    let (p50, p99) = percentiles(samples);
    println!("record_one_event_durable: p50 {p50:?} p99 {p99:?} (5000 single-event transactions)");

    // 1,000 events in one transaction.
    let mut group = c.benchmark_group("record_batch");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000_events", |b| {
        b.iter(|| {
            journal
                .record_batch((0..1000).map(pick_draft).collect())
                .unwrap()
        })
    });
    group.finish();

    // GTIN lookup in a 100,000-item catalog.
    let items: Vec<Item> = (0..100_000u64)
        .map(|i| Item {
            sku: Sku::new(format!("SKU-{i}")).unwrap(),
            name: format!("Item number {i}"),
            gtins: vec![gtin_for(i)],
            packs: vec![],
            tracking: Tracking {
                lot: i % 3 == 0,
                serial: false,
                expiry: i % 3 == 0,
            },
            category: Some("general".into()),
        })
        .collect();
    journal.upsert_items(&items).unwrap();
    let probes: Vec<Gtin> = (0..10_000u64)
        .map(|i| gtin_for((i * 7919) % 100_000))
        .collect();
    let mut k = 0;
    c.bench_function("gtin_lookup_100k_catalog", |b| {
        b.iter(|| {
            k = (k + 1) % probes.len();
            journal.item_by_gtin(&probes[k]).unwrap().unwrap()
        })
    });
    let samples: Vec<Duration> = probes
        .iter()
        .map(|g| {
            let start = Instant::now();
            let hit = journal.item_by_gtin(g).unwrap();
            let elapsed = start.elapsed();
            assert!(hit.is_some());
            elapsed
        })
        .collect();
    let (p50, p99) = percentiles(samples);
    println!("gtin_lookup_100k_catalog: p50 {p50:?} p99 {p99:?} (10000 lookups)");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = journal_benches
}
criterion_main!(benches);
