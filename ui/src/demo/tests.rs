//! The demo bootstrap, headless, against a fresh PostgreSQL database (`DATABASE_URL`, default
//! the local server): the handheld is enrolled, has the catalog, the tasks and the stock, and
//! sees the conflicts other devices left; and the offline fallback.

use std::time::Duration;

use dockhand_app::domain::{Gtin, LocationCode, Sku};
use dockhand_app::sync::supervisor::{ConflictAccess, SupervisorClient};

use super::bootstrap::{self, DemoServer};
use super::database::DemoDatabase;
use super::{data, open_journal};

/// The administrative URL the tests create databases on.
pub(crate) fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

#[test]
fn the_demo_bootstrap_enrols_pulls_and_sees_tasks_and_conflicts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_journal(&dir.path().join("device.db")).unwrap();
    let database = runtime
        .block_on(DemoDatabase::fresh_on(&admin_url()))
        .expect("PostgreSQL must be running for this test (DATABASE_URL)");
    let server = runtime
        .block_on(DemoServer::start(&database.url()))
        .unwrap();
    let seeded = runtime
        .block_on(bootstrap::seed(&server, &mut journal))
        .unwrap();

    // Enrolled: the journal syncs with this server under the supervisor token.
    assert_eq!(
        journal.credentials().unwrap(),
        Some((server.url.clone(), seeded.token.clone()))
    );
    // Pulled: the catalog (GTIN → item), the bins and stock, the tasks and deliveries.
    assert!(seeded.pulled > 20, "pulled only {}", seeded.pulled);
    let blue = journal
        .item_by_gtin(&Gtin::parse(data::BLUE_MUG_GTIN).unwrap())
        .unwrap()
        .expect("the blue mug is in the device's catalogue");
    assert_eq!(blue.item.sku, Sku::new("1002").unwrap());
    let bin = journal
        .on_hand_at(&LocationCode::new("A-03-2-B").unwrap())
        .unwrap();
    assert!(
        bin.iter()
            .any(|row| row.item.as_str() == "1002" && row.qty == 24),
        "{bin:?}"
    );
    let picks = journal.open_tasks("pick").unwrap();
    assert_eq!(picks.len(), 2, "{picks:?}");
    assert_eq!(journal.open_tasks("inbound").unwrap().len(), 2);
    // The tasks reserved their stock on the server.
    assert!(
        picks
            .iter()
            .any(|t| t.to_string().contains(data::PICK_TASK))
    );

    // Three conflicts wait, and this device may resolve them.
    assert_eq!(seeded.conflicts.len(), 3, "{:?}", seeded.conflicts);
    let desk = SupervisorClient::new(&server.url, &seeded.token, Duration::from_secs(10)).unwrap();
    let (me, queue) = runtime.block_on(async {
        (
            desk.whoami().await.unwrap(),
            desk.undecided_conflicts(50).await.unwrap(),
        )
    });
    assert_eq!(me.device_id, journal.device_id());
    assert_eq!(ConflictAccess::of(&me), ConflictAccess::Resolve);
    let mut kinds: Vec<&str> = queue.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["move_from_empty", "over_receipt", "pick_beyond_balance"]
    );

    // The cheat sheet's codes are what the device knows.
    let sheet = data::cheat_sheet();
    for code in [data::BLUE_MUG_GTIN, data::RED_MUG_GTIN, data::TOTE_LABEL] {
        assert!(sheet.contains(code), "{code} missing from the cheat sheet");
    }
    let label = data::yoghurt_label(data::LOT_FIRST);
    assert!(sheet.contains(&label));

    runtime.block_on(server.stop());
    runtime.block_on(database.remove()).unwrap();
}

#[test]
fn without_postgres_the_demo_has_its_warehouse_on_the_device_and_is_offline() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_journal(&dir.path().join("device.db")).unwrap();
    bootstrap::seed_offline(&mut journal).unwrap();
    assert_eq!(journal.open_tasks("pick").unwrap().len(), 2);
    assert_eq!(journal.open_tasks("inbound").unwrap().len(), 2);
    assert!(
        journal
            .item_by_gtin(&Gtin::parse(data::YOGHURT_GTIN).unwrap())
            .unwrap()
            .is_some()
    );
    let (url, _) = journal.credentials().unwrap().unwrap();
    assert_eq!(url, bootstrap::OFFLINE_SERVER);

    // A server that is not there is reported, not hung on.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let error = runtime
        .block_on(DemoDatabase::fresh_on(
            "postgres://postgres@127.0.0.1:1/postgres",
        ))
        .unwrap_err();
    assert!(error.to_string().contains("not reachable"), "{error:#}");
}

#[test]
fn the_cheat_sheet_codes_typed_by_hand_are_what_they_say() {
    use std::time::{Duration as Gap, Instant};

    use dockhand_app::barcode::ClassifyConfig;
    use dockhand_app::scanner::ScannerProfile;
    use dockhand_app::workflow::Scanned;

    use crate::controllers::scan_input::ScanInput;

    // A person types ~150 ms per key; the demo keeps the default (Zebra) profile.
    let config = match ScannerProfile::zebra_datawedge_keystroke().input {
        dockhand_app::scanner::ProfileInput::Wedge(config) => config,
        other => panic!("the default profile is a wedge, not {other:?}"),
    };
    let typed = |code: &str| -> Scanned {
        let mut input = ScanInput::new(config.clone());
        let mut at = Instant::now();
        let mut scans = Vec::new();
        for c in code.chars().chain(['\n']) {
            at += Gap::from_millis(150);
            scans.extend(input.key_text(&c.to_string(), at));
        }
        scans.extend(input.poll(at + Gap::from_secs(1)));
        assert_eq!(scans.len(), 1, "{code} typed by hand gave {scans:?}");
        Scanned::classify(&scans[0], &ClassifyConfig::default())
    };
    match typed(&data::yoghurt_label(data::LOT_FIRST)) {
        Scanned::Item { gtin, lot, .. } => {
            assert_eq!(gtin.as_str(), data::YOGHURT_GTIN);
            assert_eq!(lot.unwrap().as_str(), "LOLD");
        }
        other => panic!("the yoghurt label reads as {other:?}"),
    }
    assert!(matches!(typed(data::BLUE_MUG_GTIN), Scanned::Item { .. }));
    assert!(matches!(typed("A-03-2-B"), Scanned::Location(_)));
    assert!(matches!(typed(data::TOTE_LABEL), Scanned::Location(_)));
}
