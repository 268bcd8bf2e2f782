//! End-to-end offline operation: real device journals and the real sync client against a
//! real server on 127.0.0.1 and real PostgreSQL. Devices work offline, come back, and
//! must converge: every fact in the server's ledger exactly once, device projections equal
//! to the server's view, the ledger audit clean.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dockhand_app::domain::{StockStatus, WarehouseCode};
use dockhand_app::journal::{Journal, OpenOptions};
use dockhand_app::sim::{self, ShiftPlan, SimCatalog, SimConfig};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_sync_server::store::Role;
use dockhand_tests::proxy::FaultProxy;
use sqlx::Row;

use super::server_support::TestServer;
use super::sync_support::{facts_of_journals, ledger_by_place, stored_events};

const SIM_WH: &str = "SIM";

/// Balance key → quantity.
type Balances = BTreeMap<(String, String, String, String), i64>;

async fn server_with_sim_catalog(prefix: &str, config: &SimConfig) -> (TestServer, SimCatalog) {
    let server = TestServer::start(prefix).await;
    let catalog =
        SimCatalog::generate(&config.warehouse, config.items, config.bins, config.devices);
    server
        .store
        .import_items(&config.warehouse, &catalog.items)
        .await
        .unwrap();
    server
        .store
        .import_locations(&config.warehouse, &catalog.locations)
        .await
        .unwrap();
    (server, catalog)
}

/// A journal enrolled on `server` with `base_url` (the server itself or a proxy).
async fn device(
    server: &TestServer,
    dir: &tempfile::TempDir,
    index: usize,
    base_url: &str,
    warehouse: &WarehouseCode,
) -> Journal {
    let mut journal = Journal::open_with(
        dir.path().join(format!("device-{index}.db")),
        OpenOptions {
            warehouse: Some(warehouse.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let enrolled = server
        .store
        .enrol_device(
            Some(journal.device_id()),
            warehouse,
            Role::Receiver,
            &format!("e2e-{index}"),
        )
        .await
        .unwrap();
    journal.set_credentials(base_url, &enrolled.token).unwrap();
    journal
}

/// The server's balances for devices (the discrepancy bucket is server-only).
async fn server_balances(server: &TestServer, warehouse: &str) -> Balances {
    sqlx::query(
        "SELECT item, location, lot, status, qty FROM balances
         WHERE warehouse = $1 AND status <> 'discrepancy' AND qty <> 0",
    )
    .bind(warehouse)
    .fetch_all(server.store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| ((r.get(0), r.get(1), r.get(2), r.get(3)), r.get::<i64, _>(4)))
    .collect()
}

fn device_view(journal: &Journal) -> Balances {
    journal
        .on_hand_all()
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (
                    r.item.to_string(),
                    r.location.to_string(),
                    r.lot.unwrap_or_default(),
                    r.status.as_str().to_owned(),
                ),
                r.qty,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_eight_hour_offline_shift_drains_and_matches_the_server() {
    let config = SimConfig {
        warehouse: WarehouseCode::new(SIM_WH).unwrap(),
        devices: 1,
        events_per_device: 10_000,
        offline_fraction: 1.0,
        ..SimConfig::default()
    };
    let (server, catalog) = server_with_sim_catalog("offline_shift", &config).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = device(&server, &dir, 0, &server.url, &config.warehouse).await;
    let (journal, sync_errors) =
        sim::run_shift(journal, ShiftPlan::for_device(&config, 0, &catalog))
            .await
            .unwrap();
    assert_eq!(sync_errors, 0);
    let recorded = journal.stats().unwrap().events;
    assert!(recorded >= 10_000, "the shift recorded {recorded} events");
    assert_eq!(
        journal.stats().unwrap().pending,
        recorded,
        "nothing left the device while offline"
    );

    let started = Instant::now();
    let journal = sim::drain(journal, &config).await.unwrap();
    let drained_in = started.elapsed();
    eprintln!("drained {recorded} events in {drained_in:?} (debug build)");

    assert_eq!(journal.stats().unwrap().pending, 0);
    assert_eq!(stored_events(&server.store, SIM_WH).await, recorded as i64);
    assert_eq!(
        device_view(&journal),
        server_balances(&server, SIM_WH).await,
        "device projection = server view"
    );
    assert!(
        server.store.audit_balances().await.unwrap().is_empty(),
        "audit is clean"
    );
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devices_behind_a_faulty_network_converge_exactly_once() {
    let config = SimConfig {
        warehouse: WarehouseCode::new(SIM_WH).unwrap(),
        devices: 4,
        events_per_device: 300,
        items: 12,
        bins: 8,
        offline_fraction: 0.3,
        sync_every: 20,
        batch_size: 40,
        seed: 7,
        converge_timeout: Duration::from_secs(120),
        ..SimConfig::default()
    };
    let (server, catalog) = server_with_sim_catalog("faulty_network", &config).await;
    let upstream: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(upstream, 0x5eed).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut shifts = Vec::new();
    for index in 0..config.devices {
        let journal = device(&server, &dir, index, &proxy.url(), &config.warehouse).await;
        shifts.push(tokio::spawn(sim::run_shift(
            journal,
            ShiftPlan::for_device(&config, index, &catalog),
        )));
    }
    let mut journals = Vec::new();
    for shift in shifts {
        journals.push(shift.await.unwrap().unwrap().0);
    }
    // The network heals; every device drains through the same proxy.
    proxy.heal();
    let mut drained = Vec::new();
    for journal in journals {
        drained.push(sim::drain(journal, &config).await.unwrap());
    }
    let counts = &proxy.counts;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(
        counts.cut_before_response.load(Relaxed) > 0,
        "answers were lost after commit"
    );
    assert!(counts.cut_after_request.load(Relaxed) > 0);
    assert!(counts.unavailable.load(Relaxed) > 0);
    assert!(counts.dropped.load(Relaxed) > 0);

    let recorded: u64 = drained.iter().map(|j| j.stats().unwrap().events).sum();
    assert_eq!(
        stored_events(&server.store, SIM_WH).await,
        recorded as i64,
        "each event exactly once"
    );
    assert_eq!(
        ledger_by_place(&server.store, SIM_WH).await,
        facts_of_journals(&drained.iter().collect::<Vec<_>>()),
        "ledger = sum of facts"
    );
    // A final pull brings every device the same view.
    for journal in &mut drained {
        let (url, token) = journal.credentials().unwrap().unwrap();
        let client = SyncClient::new(&url, &token, Duration::from_secs(10)).unwrap();
        sync_round(journal, &client, RoundOptions::default())
            .await
            .unwrap();
    }
    let server_view = server_balances(&server, SIM_WH).await;
    for journal in &drained {
        assert_eq!(device_view(journal), server_view);
    }
    assert!(server.store.audit_balances().await.unwrap().is_empty());
    let _ = StockStatus::Available;
    server.finish().await;
}
