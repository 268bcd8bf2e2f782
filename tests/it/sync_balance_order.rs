//! Pulled balances against the change log's ordering hazard, and the lot expiries pulled
//! balances carry.
//!
//! The change log is ordered by txid, which PostgreSQL assigns at a transaction's first write
//! or lock, not at commit; balance changes carry absolute quantities. A writer that takes its
//! txid early (a conflict resolution locks its conflict first) and writes a balance after a
//! later-txid push committed the same balance lands *before* the push in the log. The
//! per-balance version makes the device keep the newest quantity whatever that order.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use dockhand_app::domain::{
    EventBody, Gtin, Item, LocationCode, LotCode, OperatorId, Qty, Receive, Sku, StockLine,
    StockStatus, TaskId, Tracking, WarehouseCode,
};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_app::protocol::{PickTaskLine, PickTaskRecord};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_app::workflow::{Feedback, Input, Job, JobSpec, Projections, Prompt};
use dockhand_sync_server::store::Role;
use serde_json::json;
use sqlx::Row;

use crate::server_support::*;

/// A device journal in `dir`, enrolled on `server` in WH1.
async fn device(server: &TestServer, dir: &tempfile::TempDir, name: &str) -> Journal {
    let mut journal = Journal::open_with(
        dir.path().join(format!("{name}.db")),
        OpenOptions {
            warehouse: Some(wh(WH)),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let enrolled = server
        .store
        .enrol_device(Some(journal.device_id()), &wh(WH), Role::Receiver, name)
        .await
        .unwrap();
    journal
        .set_credentials(&server.url, &enrolled.token)
        .unwrap();
    journal
}

/// One full sync round (push, then pull to the end) through the real client.
async fn sync(journal: &mut Journal) {
    let (url, token) = journal.credentials().unwrap().unwrap();
    let client = SyncClient::new(&url, &token, Duration::from_secs(10)).unwrap();
    sync_round(journal, &client, RoundOptions::default())
        .await
        .unwrap();
}

/// What the device shows of `item` at `location` (available).
fn device_qty(journal: &Journal, item: &str, location: &str) -> i64 {
    journal
        .on_hand_at(&loc(location))
        .unwrap()
        .iter()
        .filter(|r| r.item.as_str() == item && r.status == StockStatus::Available)
        .map(|r| r.qty)
        .sum()
}

/// Waits until a backend of the test's database waits for a heavyweight lock (a row lock
/// held by another transaction).
async fn wait_for_a_lock_wait(pool: &sqlx::PgPool) {
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the resolution never waited for the held balance"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resolution_that_took_its_txid_before_a_push_still_wins_on_the_device() {
    let server = TestServer::start("balance_order").await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;

    // A move of 3 out of an empty bin A-1 into B-1: B-1 holds 3, with a conflict.
    let moved = picker.event(move_stock("SKU-2", 3, "A-1", "B-1"), at(0));
    let body = server.push_ok(&picker, &[moved]).await;
    assert_eq!(
        body["results"][0]["conflict_kind"], "move_from_empty",
        "{body}"
    );
    let conflict = body["results"][0]["conflict_id"].as_i64().unwrap();
    assert_eq!(server.balance("SKU-2", "B-1", "available").await, 3);

    // A blocker holds A-1's row. Rejecting the move locks its conflict (its txid is taken
    // there), then its balances in key order: it waits at A-1, before B-1.
    let mut blocking = server.store.pool().begin().await.unwrap();
    sqlx::query(
        "SELECT qty FROM balances WHERE warehouse = 'WH1' AND item = 'SKU-2' AND location = 'A-1'
           AND lot = '' AND status = 'available' FOR UPDATE",
    )
    .fetch_one(&mut *blocking)
    .await
    .unwrap();
    let resolution = {
        let client = server.client.clone();
        let url = format!("{}/v1/conflicts/{conflict}/resolve", server.url);
        let token = supervisor.token.clone();
        tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"action": "reject", "note": "the move never happened"}))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        })
    };
    wait_for_a_lock_wait(server.store.pool()).await;

    // Meanwhile a push (a later txid) receives 5 into B-1 and commits: B-1 = 8.
    let received = receiver.event(receive("SKU-2", 5, "B-1"), at(1));
    server.push_ok(&receiver, &[received]).await;
    assert_eq!(server.balance("SKU-2", "B-1", "available").await, 8);

    // The blocker lets go; the resolution takes the 3 back out of B-1 and commits last.
    blocking.rollback().await.unwrap();
    let (status, text) = resolution.await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(server.balance("SKU-2", "B-1", "available").await, 5);

    // The hazard really happened: in the change log the resolution's B-1 (5) comes before
    // the push's (8), and only the versions tell which is newer.
    server.wait_for_pull_barrier().await;
    let logged: Vec<(i64, i64)> = sqlx::query(
        "SELECT (body->'data'->>'qty')::int8, COALESCE((body->'data'->>'version')::int8, 0)
         FROM changes
         WHERE warehouse = 'WH1' AND kind = 'balance'
           AND body->'data'->>'item' = 'SKU-2' AND body->'data'->>'location' = 'B-1'
         ORDER BY txid, id",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(
        logged,
        [(3, 1), (5, 3), (8, 2)],
        "(qty, version) in pull order"
    );

    // A device pulling the log through the real client ends where the server is.
    let dir = tempfile::tempdir().unwrap();
    let mut journal = device(&server, &dir, "late-puller").await;
    sync(&mut journal).await;
    assert_eq!(device_qty(&journal, "SKU-2", "B-1"), 5);
    assert_eq!(
        device_qty(&journal, "SKU-2", "B-1"),
        server.balance("SKU-2", "B-1", "available").await
    );
    // Pulling again (nothing new) keeps it there.
    sync(&mut journal).await;
    assert_eq!(device_qty(&journal, "SKU-2", "B-1"), 5);

    server.finish().await;
}

const LOT_GTIN: &str = "09506000134352";

fn receive_lot(lot: &str, expiry: NaiveDate, qty: i64) -> EventDraft {
    EventDraft {
        operator: OperatorId::new("ana").unwrap(),
        occurred_at: None,
        scan: None,
        body: EventBody::Receive(Receive {
            document: None,
            line: StockLine {
                item: Sku::new("YOG-1").unwrap(),
                qty: Qty::new(qty).unwrap(),
                lot: Some(LotCode::new(lot).unwrap()),
                expiry: Some(expiry),
                serials: vec![],
            },
            to: LocationCode::new("A-1").unwrap(),
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        }),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn input(line: &str) -> Input {
    Input::parse_script_line(line).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_that_pulled_lots_picks_the_earliest_expiry_first() {
    let server = TestServer::start("pulled_fefo").await;
    let warehouse: WarehouseCode = wh(WH);
    server
        .store
        .import_items(
            &warehouse,
            &[Item {
                sku: sku("YOG-1"),
                name: "Yoghurt".into(),
                gtins: vec![Gtin::parse(LOT_GTIN).unwrap()],
                packs: vec![],
                tracking: Tracking {
                    lot: true,
                    serial: false,
                    expiry: true,
                },
                category: None,
            }],
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Device A receives two lots into A-1, the later-expiring one first, and syncs.
    let mut receiver = device(&server, &dir, "receiver").await;
    receiver
        .record(receive_lot("L-LATE", date(2027, 6, 30), 5))
        .unwrap();
    receiver
        .record(receive_lot("L-EARLY", date(2027, 1, 31), 5))
        .unwrap();
    sync(&mut receiver).await;
    // Device B never saw the receipts: it only pulls.
    let mut picker = device(&server, &dir, "picker").await;
    server.wait_for_pull_barrier().await;
    sync(&mut picker).await;
    // A task for any lot of the item. (Given to the device directly: the server reserves
    // a task line without a lot on the item's no-lot balance, which a lot-tracked item
    // never has, so an imported one would arrive with nothing to pick.)
    let task = PickTaskRecord {
        task: TaskId::new("T-FEFO").unwrap(),
        order: None,
        mode: "single".into(),
        zone: None,
        lines: vec![PickTaskLine {
            line_no: 1,
            item: sku("YOG-1"),
            location: loc("A-1"),
            qty: Qty::new(2).unwrap(),
            lot: None,
            order: None,
        }],
    };
    picker
        .upsert_task(
            "pick",
            "T-FEFO",
            "open",
            None,
            &serde_json::to_value(&task).unwrap(),
        )
        .unwrap();
    let mut stock: Vec<(String, Option<NaiveDate>, i64)> =
        Projections::on_hand_at(&picker, &loc("A-1"))
            .unwrap()
            .into_iter()
            .map(|r| (r.lot.unwrap().to_string(), r.expiry, r.qty))
            .collect();
    stock.sort();
    assert_eq!(
        stock,
        [
            ("L-EARLY".to_owned(), Some(date(2027, 1, 31)), 5),
            ("L-LATE".to_owned(), Some(date(2027, 6, 30)), 5),
        ],
        "the pulled balances carry their lots' expiries"
    );

    let open = || {
        let mut job = Job::open(
            &JobSpec::Pick {
                task: TaskId::new("T-FEFO").unwrap(),
                tote: None,
            },
            &picker,
        )
        .unwrap();
        for line in ["scan loc:TOTE-1", "scan loc:A-1"] {
            let step = job.handle(&input(line), &picker);
            assert!(
                matches!(step.feedback, Feedback::Good { .. }),
                "{line}: {step:?}"
            );
        }
        job
    };
    // The later lot (its label without a date) is questioned: the earlier one goes first.
    let mut job = open();
    let step = job.handle(&input(&format!("scan gtin:{LOT_GTIN} lot:L-LATE")), &picker);
    let Feedback::Warn { message } = &step.feedback else {
        panic!("FEFO should warn about the later lot: {step:?}");
    };
    assert!(message.contains("L-EARLY"), "{message}");
    assert!(
        matches!(step.prompt, Prompt::FefoReason { .. }),
        "{:?}",
        step.prompt
    );
    // The earliest lot is taken at once.
    let mut job = open();
    let step = job.handle(
        &input(&format!("scan gtin:{LOT_GTIN} lot:L-EARLY")),
        &picker,
    );
    assert!(matches!(step.feedback, Feedback::Good { .. }), "{step:?}");
    assert!(!matches!(step.prompt, Prompt::FefoReason { .. }));
    let step = job.handle(&input("qty 2"), &picker);
    assert!(matches!(step.feedback, Feedback::Good { .. }), "{step:?}");
    let picked: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match e {
            EventBody::Pick(p) => Some((p.line.lot.clone(), p.line.expiry)),
            _ => None,
        })
        .collect();
    assert_eq!(
        picked,
        [(
            Some(LotCode::new("L-EARLY").unwrap()),
            Some(date(2027, 1, 31))
        )]
    );

    server.finish().await;
}
