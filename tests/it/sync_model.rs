//! Model-based property test of reconciliation: several devices record random operations
//! offline in real journals; their batches reach the server in a random order, split at
//! random, duplicated and reordered across and within devices, before every device finally
//! delivers in order. The server must end with exactly the reference model's ledger: each
//! event once, and per (item, location, lot) the sum of every fact's effects — shortfalls
//! moved to the discrepancy bucket change where units are counted, never how many.

use dockhand_app::domain::{
    Adjust, AdjustReason, DeviceSeq, EventBody, OperatorId, RawEvent, Ship, StockStatus,
    WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_sync_server::store::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;

use super::server_support::{
    TestServer, line, move_stock, pick, receive, seed_items, seed_locations,
};
use super::sync_support::{facts_of_events, ledger_by_place, stored_events};

const DEVICES: usize = 3;
const ITEMS: [&str; 3] = ["SKU-1", "SKU-2", "SKU-3"];
const BINS: [&str; 4] = ["DOCK-1", "A-1", "A-2", "B-1"];

/// One operation a device records: (kind, item, from, to, qty).
type Op = (u8, usize, usize, usize, i64);

fn op() -> impl Strategy<Value = Op> {
    (
        0u8..5,
        0..ITEMS.len(),
        0..BINS.len(),
        0..BINS.len(),
        1i64..6,
    )
}

fn body(device: usize, (kind, item, from, to, qty): Op) -> EventBody {
    let item = ITEMS[item];
    let (from, mut to) = (BINS[from], BINS[to]);
    if to == from {
        to = BINS[(BINS.iter().position(|b| *b == from).unwrap_or(0) + 1) % BINS.len()];
    }
    let tote = format!("TOTE-{}", device + 1);
    match kind {
        0 => receive(item, qty, from),
        1 => move_stock(item, qty, from, to),
        2 => pick(item, qty, from, &tote),
        3 => EventBody::Ship(Ship {
            order: None,
            carton: None,
            lines: vec![line(item, qty)],
            from: tote.parse().unwrap(),
        }),
        _ => EventBody::Adjust(Adjust {
            item: item.parse().unwrap(),
            location: from.parse().unwrap(),
            lot: None,
            status: StockStatus::Available,
            delta: if qty % 2 == 0 { qty } else { -qty },
            reason: AdjustReason::Found,
            note: None,
            serials: vec![],
        }),
    }
}

/// Deterministic shuffles from a seed (the seed is part of the generated case).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

async fn run_case(
    server: &TestServer,
    case: usize,
    ops: &[Vec<Op>],
    seed: u64,
) -> Result<(), TestCaseError> {
    let warehouse = WarehouseCode::new(format!("P{case}")).unwrap();
    server
        .store
        .import_items(&warehouse, &seed_items())
        .await
        .unwrap();
    server
        .store
        .import_locations(&warehouse, &seed_locations(warehouse.as_str()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Each device records its operations offline, in a real journal.
    let mut devices = Vec::new();
    for (index, device_ops) in ops.iter().enumerate() {
        let mut journal = Journal::open_with(
            dir.path().join(format!("d{index}.db")),
            OpenOptions {
                warehouse: Some(warehouse.clone()),
                ..OpenOptions::default()
            },
        )
        .unwrap();
        let enrolled = server
            .store
            .enrol_device(Some(journal.device_id()), &warehouse, Role::Picker, "model")
            .await
            .unwrap();
        let drafts = device_ops
            .iter()
            .map(|op| EventDraft {
                operator: OperatorId::new("m").unwrap(),
                occurred_at: None,
                scan: None,
                body: body(index, *op),
            })
            .collect();
        journal.record_batch(drafts).unwrap();
        let events = journal
            .raw_events_after(DeviceSeq(0), usize::MAX >> 1)
            .unwrap();
        devices.push((enrolled.token, journal.device_id(), events));
    }

    // Random deliveries: random slices of a device's events, possibly out of order and
    // repeated. The server answers each with results, a gap (409), or stored results.
    let mut rng = Lcg(seed);
    for _ in 0..(ops.iter().map(Vec::len).sum::<usize>() / 2 + 3) {
        let d = rng.below(devices.len());
        let (token, device_id, events) = &devices[d];
        if events.is_empty() {
            continue;
        }
        let start = rng.below(events.len());
        let len = 1 + rng.below(events.len() - start);
        let mut slice: Vec<RawEvent> = events[start..start + len].to_vec();
        if rng.below(3) == 0 {
            slice.reverse();
        }
        if rng.below(4) == 0 {
            let again = slice.clone();
            slice.extend(again);
        }
        let request = serde_json::json!({"device_id": device_id, "events": slice});
        let (status, body) = server.post_json(token, "/v1/push", &request).await;
        prop_assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}: {body}"
        );
    }
    // Eventually every device delivers everything in order.
    for (token, device_id, events) in &devices {
        let request = serde_json::json!({"device_id": device_id, "events": events});
        let (status, body) = server.post_json(token, "/v1/push", &request).await;
        prop_assert_eq!(status, StatusCode::OK, "{}", body);
        prop_assert_eq!(body["last_applied_seq"].as_u64(), Some(events.len() as u64));
    }

    let stored = stored_events(&server.store, warehouse.as_str()).await;
    let all: Vec<Vec<RawEvent>> = devices.iter().map(|d| d.2.clone()).collect();
    prop_assert_eq!(
        stored as usize,
        all.iter().map(Vec::len).sum::<usize>(),
        "each event exactly once"
    );

    let ledger = ledger_by_place(&server.store, warehouse.as_str()).await;
    prop_assert_eq!(ledger, facts_of_events(all.iter().flatten()));

    let negative_sellable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM balances WHERE warehouse = $1
         AND status IN ('available', 'allocated') AND qty < 0",
    )
    .bind(warehouse.as_str())
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    prop_assert_eq!(negative_sellable, 0);
    prop_assert!(server.store.audit_balances().await.unwrap().is_empty());
    Ok(())
}

#[test]
fn random_offline_devices_with_reordered_duplicated_delivery_match_the_reference_ledger() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(TestServer::start("sync_model"));
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let strategy = (
        prop::collection::vec(prop::collection::vec(op(), 0..25), DEVICES),
        any::<u64>(),
    );
    let result = runner.run(&strategy, |(ops, seed)| {
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        runtime.block_on(run_case(&server, n, &ops, seed))
    });
    runtime.block_on(server.finish());
    if let Err(e) = result {
        panic!("{e}");
    }
}
