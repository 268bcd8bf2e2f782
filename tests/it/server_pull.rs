//! Pull: commit-ordered pages that never skip or repeat a change, even when writers commit
//! out of order while pullers page and resume.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dockhand_sync_server::store::{PullCursor, Role};
use serde_json::Value;

use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_out_of_order_commits_are_pulled_exactly_once() {
    let server = TestServer::start("cursor").await;
    let done = Arc::new(AtomicBool::new(false));

    // Pullers start before the writers and page with small limits as they go.
    let mut pullers = Vec::new();
    for p in 0..3u32 {
        let store = server.store.clone();
        let done = done.clone();
        pullers.push(tokio::spawn(async move {
            let mut cursor: Option<PullCursor> = None;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = store.pull_changes(&wh(WH), cursor, 3 + p).await.unwrap();
                assert!(!page.refetch);
                seen.extend(page.changes.iter().map(|(id, _)| *id));
                if !page.changes.is_empty() {
                    cursor = Some(page.next_cursor);
                }
                if finished && !page.has_more {
                    break;
                }
                if !page.has_more {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            seen
        }));
    }

    // Slow writers: transactions that take an id early and commit late.
    let mut writers = Vec::new();
    for w in 0..4u64 {
        let pool = server.store.pool().clone();
        writers.push(tokio::spawn(async move {
            for round in 0..3u64 {
                let mut tx = pool.begin().await.unwrap();
                sqlx::query(
                    "INSERT INTO changes (warehouse, kind, body)
                     VALUES ('WH1', 'conflict', jsonb_build_object('type', 'conflict', 'data',
                       jsonb_build_object('conflict_id', $1::int8, 'event_id', NULL, 'kind', 'test',
                                          'state', 'open', 'message', 'slow writer')))",
                )
                .bind((w * 10 + round) as i64)
                .execute(&mut *tx)
                .await
                .unwrap();
                tokio::time::sleep(Duration::from_millis(150 + 40 * w)).await;
                tx.commit().await.unwrap();
            }
        }));
    }
    // Fast writers: devices pushing receipts (each event its own transaction).
    for _ in 0..6 {
        let mut dev = server.enrol(WH, Role::Receiver).await;
        let events: Vec<_> = (0..15)
            .map(|i| {
                dev.event(
                    receive("SKU-3", 1, if i % 2 == 0 { "A-1" } else { "B-1" }),
                    at(i),
                )
            })
            .collect();
        let client = server.client.clone();
        let url = server.url.clone();
        writers.push(tokio::spawn(async move {
            for chunk in events.chunks(5) {
                let request = dockhand_app::protocol::PushRequest {
                    device_id: dev.id,
                    events: chunk.to_vec(),
                    queued: None,
                };
                let response = client
                    .post(format!("{url}/v1/push"))
                    .bearer_auth(&dev.token)
                    .json(&request)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    server.wait_for_pull_barrier().await;
    done.store(true, Ordering::SeqCst);

    let written: BTreeSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT id FROM changes WHERE warehouse = 'WH1'")
            .fetch_all(server.store.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    // 12 slow-writer changes, plus at least one balance change per key per push (a push
    // writes each balance it moves once, with its final quantity).
    assert!(written.len() > 60, "{}", written.len());
    for puller in pullers {
        let seen = puller.await.unwrap();
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "a change was pulled twice");
        if unique != written {
            let missing: Vec<i64> = written.difference(&unique).copied().collect();
            let info: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, txid::text, kind FROM changes WHERE id = ANY($1) OR id = ANY($2) ORDER BY txid, id",
            )
            .bind(&missing)
            .bind(missing.iter().flat_map(|m| [m - 1, m + 1]).collect::<Vec<_>>())
            .fetch_all(server.store.pool())
            .await
            .unwrap();
            panic!("skipped {missing:?}: {info:?}");
        }
    }

    // The same over HTTP, resuming from each page's cursor; another warehouse sees none
    // of these.
    let dev = server.enrol(WH, Role::Picker).await;
    let mut cursor = String::new();
    let mut count = 0;
    loop {
        let (status, page) = server
            .get_json(&dev.token, &format!("/v1/pull?cursor={cursor}&limit=40"))
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["warehouse"], WH);
        count += page["changes"].as_array().unwrap().len();
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == Value::Bool(false) {
            break;
        }
    }
    assert_eq!(count, written.len());
    let other = server.enrol(WH2, Role::Picker).await;
    let (_, page) = server.get_json(&other.token, "/v1/pull?limit=5000").await;
    assert!(
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] != "balance" && c["type"] != "conflict")
    );
    server.finish().await;
}

#[tokio::test]
async fn a_cursor_from_the_future_asks_for_a_refetch_and_garbage_is_refused() {
    let server = TestServer::start("refetch").await;
    let dev = server.enrol(WH, Role::Picker).await;
    server.wait_for_pull_barrier().await;
    let (status, page) = server
        .get_json(&dev.token, "/v1/pull?cursor=99999999999:5&limit=10")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["refetch"], true);
    assert_eq!(
        page["changes"].as_array().unwrap().len(),
        10,
        "served from the start"
    );
    let (status, body) = server
        .get_json(&dev.token, "/v1/pull?cursor=nonsense")
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "bad_cursor");
    server.finish().await;
}
