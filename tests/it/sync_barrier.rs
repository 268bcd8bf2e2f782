//! A pull whose barrier is held back by another transaction that began before a device's
//! push committed does not yet carry that push's balances. The device must keep the
//! pushed events' local effects until a pull that does — never count them twice, never
//! drop them.

use std::time::Duration;

use dockhand_app::domain::{LocationCode, OperatorId};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_sync_server::store::Role;

use super::server_support::*;

fn on_hand(journal: &Journal, bin: &str) -> i64 {
    journal
        .on_hand_at(&LocationCode::new(bin).unwrap())
        .unwrap()
        .iter()
        .filter(|r| r.item.as_str() == "SKU-3")
        .map(|r| r.qty)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_effects_stay_until_a_pull_barrier_passes_their_commit() {
    let server = TestServer::start("barrier").await;
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open_with(
        dir.path().join("device.db"),
        OpenOptions {
            warehouse: Some(wh(WH)),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let enrolled = server
        .store
        .enrol_device(
            Some(journal.device_id()),
            &wh(WH),
            Role::Receiver,
            "barrier",
        )
        .await
        .unwrap();
    let client = SyncClient::new(&server.url, &enrolled.token, Duration::from_secs(10)).unwrap();
    let draft = |qty| EventDraft {
        operator: OperatorId::new("ana").unwrap(),
        occurred_at: None,
        scan: None,
        body: receive("SKU-3", qty, "A-1"),
    };

    // A first receipt, synced normally.
    journal.record(draft(4)).unwrap();
    sync_round(&mut journal, &client, RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(on_hand(&journal, "A-1"), 4);
    assert_eq!(journal.unreflected_push_txid().unwrap(), None);

    // Another writer's transaction takes its id and stays open: every later commit is
    // above the barrier until it ends.
    let mut older = server.store.pool().begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *older)
        .await
        .unwrap();

    journal.record(draft(6)).unwrap();
    assert_eq!(on_hand(&journal, "A-1"), 10);
    let report = sync_round(&mut journal, &client, RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(report.applied, 1);
    assert_eq!(server.balance("SKU-3", "A-1", "available").await, 10);
    // The pull could not see the new balance yet; the local effect is kept, so the device
    // still shows 10 (4 pulled + 6 local), not 4.
    assert_eq!(on_hand(&journal, "A-1"), 10);
    assert!(journal.unreflected_push_txid().unwrap().is_some());

    // Once the older transaction ends, the next round pulls 10 and reflects the receipt:
    // still 10, not 16.
    older.commit().await.unwrap();
    sync_round(&mut journal, &client, RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(on_hand(&journal, "A-1"), 10);
    assert_eq!(journal.unreflected_push_txid().unwrap(), None);
    server.finish().await;
}
