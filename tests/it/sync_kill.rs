//! kill -9 in the middle of sync: the device process killed mid-push, the server process
//! killed mid-batch. Afterwards every event is in the server exactly once, the ledger holds
//! exactly the devices' facts and the audit is clean.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dockhand_app::domain::{OperatorId, WarehouseCode};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_sync_server::Store;
use dockhand_sync_server::store::Role;
use dockhand_tests::pg::TestDb;

use super::server_support::{TestServer, WH, move_stock, receive, seed_items, seed_locations, wh};
use super::sync_support::{facts_of_journals, ledger_by_place, stored_events};

/// A journal holding `events` receive/move facts, enrolled and pointed at `url`.
async fn loaded_journal(
    store: &Store,
    dir: &tempfile::TempDir,
    url: &str,
    events: usize,
) -> Journal {
    let warehouse = wh(WH);
    let mut journal = Journal::open_with(
        dir.path().join("device.db"),
        OpenOptions {
            warehouse: Some(warehouse.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let enrolled = store
        .enrol_device(
            Some(journal.device_id()),
            &warehouse,
            Role::Receiver,
            "kill",
        )
        .await
        .unwrap();
    journal.set_credentials(url, &enrolled.token).unwrap();
    let drafts: Vec<EventDraft> = (0..events)
        .map(|i| EventDraft {
            operator: OperatorId::new("k").unwrap(),
            occurred_at: None,
            scan: None,
            body: if i % 3 == 2 {
                move_stock("SKU-1", 1, "DOCK-1", "A-1")
            } else {
                receive("SKU-1", 1, "DOCK-1")
            },
        })
        .collect();
    journal.record_batch(drafts).unwrap();
    journal
}

fn spawn_device(journal_path: &std::path::Path, batch: usize) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dockhand-test-device"))
        .arg(journal_path)
        .arg(batch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_killed_mid_push_loses_and_doubles_nothing() {
    let server = TestServer::start("kill_device").await;
    let dir = tempfile::tempdir().unwrap();
    let journal = loaded_journal(&server.store, &dir, &server.url, 3000).await;
    let path = journal.path().to_path_buf();
    let device_id = journal.device_id().as_uuid();
    let expected_facts = facts_of_journals(&[&journal]);
    drop(journal);

    // Kill the syncing process at different moments once it is pushing (the server has
    // taken more of its events: start-up time on a loaded machine does not matter); some
    // kills land between the server's commit and the device storing the answer.
    // Pushes of 10 events keep the device busy for many round trips; on a loaded machine
    // this test's polling can still lag behind a fast device, so a device that finished
    // before its kill simply ends the killing (at least one kill must land mid-sync).
    let mut taken = 0i64;
    let mut kills_mid_sync = 0;
    for delay_ms in [0u64, 7, 15, 30, 3, 45] {
        let mut child = spawn_device(&path, 10);
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let mut finished = false;
        loop {
            let now: i64 =
                sqlx::query_scalar("SELECT last_seq FROM device_sync WHERE device_id = $1")
                    .bind(device_id)
                    .fetch_one(server.store.pool())
                    .await
                    .unwrap();
            if now > taken {
                taken = now;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the device neither pushed nor finished"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let _ = child.kill(); // SIGKILL (an exited child is already gone)
        child.wait().unwrap();
        if finished || taken >= 3000 {
            break;
        }
        kills_mid_sync += 1;
    }
    assert!(kills_mid_sync > 0, "no kill landed mid-sync");
    let mut child = spawn_device(&path, 200);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<String> =
        tokio::task::spawn_blocking(move || stdout.lines().map_while(Result::ok).collect())
            .await
            .unwrap();
    assert!(child.wait().unwrap().success(), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("drained"));

    let journal = Journal::open(&path).unwrap();
    journal.integrity_check().unwrap();
    assert_eq!(journal.stats().unwrap().pending, 0);
    assert_eq!(
        stored_events(&server.store, WH).await,
        3000,
        "each event exactly once"
    );
    assert_eq!(ledger_by_place(&server.store, WH).await, expected_facts);
    server.finish().await;
}

struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    fn start(db_url: &str, port: u16) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockhand-test-server"))
            .arg(db_url)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert_eq!(
            first.trim(),
            "listening",
            "the server process did not start"
        );
        ServerProcess { child }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_batch_loses_and_doubles_nothing() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::create("kill_server").await.unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut server = Some(ServerProcess::start(&db.url, port));
    let store = Store::connect(&db.url, 4).await.unwrap();
    let warehouse = WarehouseCode::new(WH).unwrap();
    store.import_items(&warehouse, &seed_items()).await.unwrap();
    store
        .import_locations(&warehouse, &seed_locations(WH))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut journal = loaded_journal(&store, &dir, &url, 6000).await;
    let expected_facts = facts_of_journals(&[&journal]);

    let client = SyncClient::new(
        &url,
        &journal.credentials().unwrap().unwrap().1,
        Duration::from_secs(10),
    )
    .unwrap();
    let options = RoundOptions {
        batch_size: 1000,
        ..RoundOptions::default()
    };
    let kills = [120u64, 260, 400];
    let mut kill_at = kills.iter();
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut failures = 0;
    loop {
        assert!(Instant::now() < deadline, "did not converge");
        // Run a round while a timer kills the server mid-way through a batch.
        let killer = kill_at.next().map(|ms| {
            let process = server.take().unwrap();
            std::thread::spawn({
                let ms = *ms;
                move || {
                    std::thread::sleep(Duration::from_millis(ms));
                    process.kill();
                }
            })
        });
        let outcome = sync_round(&mut journal, &client, options).await;
        if let Some(killer) = killer {
            killer.join().unwrap();
            server = Some(ServerProcess::start(&db.url, port));
        }
        match outcome {
            Ok(_) if journal.first_pending_seq().unwrap().is_none() => break,
            Ok(_) => {}
            Err(e) => {
                assert!(e.is_transient(), "unexpected error: {e}");
                failures += 1;
            }
        }
    }
    assert!(failures > 0, "no round was cut by a kill");
    assert_eq!(
        stored_events(&store, WH).await,
        6000,
        "each event exactly once"
    );
    assert_eq!(ledger_by_place(&store, WH).await, expected_facts);
    assert!(store.audit_balances().await.unwrap().is_empty());
    if let Some(server) = server {
        server.kill();
    }
    store.close().await;
    db.drop_database().await.unwrap();
}
