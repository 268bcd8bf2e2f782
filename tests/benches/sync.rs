//! Sync benchmarks against a real server on 127.0.0.1 and real PostgreSQL (`DATABASE_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`):
//! - drain of 10,000 queued events from one device (push in batches of 500, then pull);
//! - catalog pull of 100,000 items to an empty device;
//! - delta pull of 100 changes.
//!
//! `cargo bench -p dockhand-tests --bench sync`. Prints each figure; BENCHMARKS.md has the
//! latest run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dockhand_app::barcode::check_digit::mod10_check_digit;
use dockhand_app::domain::{
    EventBody, Gtin, Item, Location, LocationCode, LocationKind, LocationPath, OperatorId, Qty,
    Receive, Sku, StockLine, StockStatus, Tracking, WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_sync_server::config::DEFAULT_BODY_LIMIT;
use dockhand_sync_server::store::Role;
use dockhand_sync_server::{AppState, Store};
use dockhand_tests::pg::TestDb;

fn item(i: usize) -> Item {
    let body = format!("09{:011}", 100_000 + i);
    let check = mod10_check_digit(&body).unwrap();
    Item {
        sku: Sku::new(format!("SKU-{i:06}")).unwrap(),
        name: format!("Catalog item {i}"),
        gtins: vec![Gtin::parse(&format!("{body}{check}")).unwrap()],
        packs: vec![],
        tracking: Tracking::default(),
        category: Some("general".into()),
    }
}

async fn device(
    store: &Store,
    dir: &tempfile::TempDir,
    name: &str,
    url: &str,
    wh: &WarehouseCode,
) -> Journal {
    let mut journal = Journal::open_with(
        dir.path().join(format!("{name}.db")),
        OpenOptions {
            warehouse: Some(wh.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let enrolled = store
        .enrol_device(Some(journal.device_id()), wh, Role::Receiver, name)
        .await
        .unwrap();
    journal.set_credentials(url, &enrolled.token).unwrap();
    journal
}

async fn round(journal: &mut Journal, batch: usize) -> Duration {
    let (url, token) = journal.credentials().unwrap().unwrap();
    let client = SyncClient::new(&url, &token, Duration::from_secs(120)).unwrap();
    let started = Instant::now();
    sync_round(
        journal,
        &client,
        RoundOptions {
            batch_size: batch,
            pull_limit: 5000,
            ..RoundOptions::default()
        },
    )
    .await
    .unwrap();
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::create("bench_sync")
        .await
        .expect("PostgreSQL is needed for this bench");
    let store = Store::connect(&db.url, 16).await.unwrap();
    store.migrate().await.unwrap();
    let wh = WarehouseCode::new("WH1").unwrap();
    let locations: Vec<Location> = ["DOCK-1", "A-1"]
        .iter()
        .map(|c| Location {
            code: LocationCode::new(*c).unwrap(),
            warehouse: wh.clone(),
            kind: LocationKind::Bin,
            path: LocationPath::default(),
            pick_sequence: 0,
            capacity: None,
        })
        .collect();
    store.import_locations(&wh, &locations).await.unwrap();
    store
        .import_items(&wh, &(0..1000).map(item).collect::<Vec<_>>())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState {
        store: store.clone(),
    };
    tokio::spawn(dockhand_sync_server::serve(
        listener,
        state,
        DEFAULT_BODY_LIMIT,
        std::future::pending(),
    ));
    let dir = tempfile::tempdir().unwrap();

    // A device that has pulled the small catalog, then works offline: 10,000 receipts.
    let mut worker = device(&store, &dir, "worker", &url, &wh).await;
    round(&mut worker, 500).await;
    let drafts: Vec<EventDraft> = (0..10_000)
        .map(|i| EventDraft {
            operator: OperatorId::new("bench").unwrap(),
            occurred_at: None,
            scan: None,
            body: EventBody::Receive(Receive {
                document: None,
                line: StockLine {
                    item: Sku::new(format!("SKU-{:06}", i % 1000)).unwrap(),
                    qty: Qty::new(1).unwrap(),
                    lot: None,
                    expiry: None,
                    serials: vec![],
                },
                to: LocationCode::new("DOCK-1").unwrap(),
                status: StockStatus::Available,
                gtin: None,
                pack: None,
                sscc: None,
            }),
        })
        .collect();
    worker.record_batch(drafts).unwrap();
    let drain = round(&mut worker, 500).await;
    assert_eq!(worker.stats().unwrap().pending, 0);
    println!(
        "drain of 10,000 queued events (batches of 500, then the pull of their balances): {drain:?}"
    );

    // Catalog pull of 100,000 items to an empty device.
    store
        .import_items(&wh, &(1000..100_000).map(item).collect::<Vec<_>>())
        .await
        .unwrap();
    let mut fresh = device(&store, &dir, "fresh", &url, &wh).await;
    let full = round(&mut fresh, 500).await;
    let items = fresh.stats().unwrap().catalog_items;
    assert_eq!(items, 100_000);
    println!("catalog pull of {items} items to an empty device: {full:?}");

    // Delta pull of 100 changes.
    let mut samples = Vec::new();
    for run in 0..20 {
        let changed: Vec<Item> = (0..100)
            .map(|i| Item {
                name: format!("Renamed {run}-{i}"),
                ..item(i * 7 + run)
            })
            .collect();
        store.import_items(&wh, &changed).await.unwrap();
        samples.push(round(&mut fresh, 500).await);
    }
    samples.sort();
    println!(
        "delta pull of 100 changes: p50 {:?}, max {:?} (20 rounds, each a full sync round: empty push + pull)",
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
    store.close().await;
    db.drop_database().await.unwrap();
}
