//! Push: exactly-once under lost acknowledgements, the last-unit race, lock order of
//! opposite moves, poison events.

use dockhand_app::domain::{EventBody, Pack};
use dockhand_sync_server::store::Role;
use serde_json::Value;

use crate::server_support::*;

/// A deterministic shuffle (no RNG dependency): a linear congruential walk.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..out.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        out.swap(i, j);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replayed_duplicated_shuffled_batch_has_one_ledger_effect_and_the_same_answers() {
    let server = TestServer::start("lost_ack").await;
    let mut dev = server.enrol(WH, Role::Picker).await;
    let mut batch = vec![dev.event(receive("SKU-1", 50, "A-1"), at(0))];
    for i in 0..15 {
        batch.push(dev.event(
            pick("SKU-1", 2, "A-1", &format!("TOTE-{}", i + 1)),
            at(i + 1),
        ));
    }
    batch.push(dev.event(move_stock("SKU-1", 5, "A-1", "A-2"), at(20)));
    // One event that conflicts (beyond balance), so stored conflict results replay too.
    batch.push(dev.event(pick("SKU-1", 30, "A-1", "TOTE-16"), at(21)));

    let first = server.push_ok(&dev, &batch).await;
    assert_eq!(first["results"].as_array().unwrap().len(), batch.len());
    assert_eq!(first["last_applied_seq"], batch.len());
    let ledger_rows = server.scalar("SELECT count(*) FROM ledger").await;
    let conflicts = server.scalar("SELECT count(*) FROM conflicts").await;
    assert_eq!(conflicts, 1);
    let balances = |s: &TestServer| {
        let store = s.store.clone();
        async move {
            sqlx::query_scalar::<_, Value>(
                "SELECT COALESCE(jsonb_agg(to_jsonb(b) - 'updated_at' ORDER BY item, location, status), '[]') FROM balances b",
            )
            .fetch_one(store.pool())
            .await
            .unwrap()
        }
    };
    let before = balances(&server).await;

    // The acknowledgement was lost: the device replays, sometimes twice over, in any order.
    for round in 0..6u64 {
        let mut replay = batch.clone();
        if round % 2 == 1 {
            replay.extend(batch.iter().cloned());
        }
        let replay = shuffled(&replay, round);
        let again = server.push_ok(&dev, &replay).await;
        assert_eq!(again["results"], first["results"], "round {round}");
    }
    // And several replays at once.
    let mut tasks = Vec::new();
    for round in 0..5u64 {
        let replay = shuffled(&batch, 100 + round);
        let server_url = server.url.clone();
        let client = server.client.clone();
        let dev = dev.clone();
        tasks.push(tokio::spawn(async move {
            let request = dockhand_app::protocol::PushRequest {
                device_id: dev.id,
                events: replay,
                queued: None,
            };
            client
                .post(format!("{server_url}/v1/push"))
                .bearer_auth(&dev.token)
                .json(&request)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap()["results"], first["results"]);
    }

    assert_eq!(
        server.scalar("SELECT count(*) FROM ledger").await,
        ledger_rows
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM conflicts").await,
        conflicts
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM events").await,
        batch.len() as i64
    );
    assert_eq!(balances(&server).await, before);
    // 50 received, 30 picked, 5 moved: 15 left when the big pick came, 15 short.
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 0);
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, -15);
    assert_eq!(server.balance("SKU-1", "A-2", "available").await, 5);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_devices_picking_the_last_unit_give_one_clean_pick_and_nineteen_conflicts() {
    let server = TestServer::start("race").await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let seed = receiver.event(receive("SKU-1", 1, "A-1"), at(0));
    server.push_ok(&receiver, &[seed]).await;

    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut dev = server.enrol(WH, Role::Picker).await;
        let event = dev.event(pick("SKU-1", 1, "A-1", &format!("TOTE-{}", i + 1)), at(1));
        let client = server.client.clone();
        let url = server.url.clone();
        tasks.push(tokio::spawn(async move {
            let request = dockhand_app::protocol::PushRequest {
                device_id: dev.id,
                events: vec![event],
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
            response.json::<Value>().await.unwrap()
        }));
    }
    let mut applied = 0;
    let mut conflicted = 0;
    for task in tasks {
        let body = task.await.unwrap();
        let result = &body["results"][0];
        match result["outcome"].as_str().unwrap() {
            "applied" => applied += 1,
            "applied_with_conflict" => {
                assert_eq!(result["conflict_kind"], "pick_beyond_balance");
                conflicted += 1;
            }
            other => panic!("unexpected outcome {other}: {body}"),
        }
    }
    assert_eq!((applied, conflicted), (1, 19));
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 0);
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, -19);
    let allocated: i64 = server
        .scalar("SELECT COALESCE(SUM(qty), 0)::int8 FROM balances WHERE status = 'allocated'")
        .await;
    assert_eq!(allocated, 20, "every physical pick is recorded");
    assert_eq!(
        server
            .scalar("SELECT count(*) FROM balances WHERE qty < 0 AND status IN ('available', 'allocated')")
            .await,
        0
    );
    // Each conflict carries its evidence: the balance before and the other movements.
    let evidence: Value = sqlx::query_scalar(
        "SELECT evidence FROM conflicts WHERE kind = 'pick_beyond_balance' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    assert_eq!(evidence["shortfalls"][0]["before"], 0);
    assert_eq!(evidence["shortfalls"][0]["shortfall"], 1);
    assert!(
        evidence["recent_movements"][0]["movements"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    assert_eq!(evidence["event"]["kind"], "pick");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn moves_and_packs_in_opposite_orders_do_not_deadlock() {
    let server = TestServer::start("deadlock").await;
    let mut seeder = server.enrol(WH, Role::Receiver).await;
    let mut seed = Vec::new();
    for item in ["X", "Y"] {
        for location in ["A-1", "B-1"] {
            seed.push(seeder.event(receive(item, 1000, location), at(0)));
        }
        for tote in ["ST-1", "ST-2"] {
            seed.push(seeder.event(pick(item, 200, "A-1", tote), at(1)));
        }
    }
    server.push_ok(&seeder, &seed).await;

    let pack = |lines: [&str; 2], from: &str, to: &str| {
        EventBody::Pack(Pack {
            order: dockhand_app::domain::OrderNumber::new("SO-1").unwrap(),
            carton: None,
            lines: lines.iter().map(|item| line(item, 1)).collect(),
            from: loc(from),
            to: loc(to),
            weight_grams: None,
        })
    };
    let mut tasks = Vec::new();
    for d in 0..8 {
        let mut dev = server.enrol(WH, Role::Picker).await;
        let forward = d % 2 == 0;
        let mut events = Vec::new();
        for i in 0..25 {
            let body = match (forward, i % 2) {
                (true, 0) => move_stock("X", 1, "A-1", "B-1"),
                (false, 0) => move_stock("X", 1, "B-1", "A-1"),
                (true, _) => pack(["X", "Y"], "ST-1", "ST-2"),
                (false, _) => pack(["Y", "X"], "ST-2", "ST-1"),
            };
            events.push(dev.event(body, at(10 + i)));
        }
        let client = server.client.clone();
        let url = server.url.clone();
        tasks.push(tokio::spawn(async move {
            let request = dockhand_app::protocol::PushRequest {
                device_id: dev.id,
                events,
                queued: None,
            };
            client
                .post(format!("{url}/v1/push"))
                .bearer_auth(&dev.token)
                .json(&request)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    let started = std::time::Instant::now();
    for task in tasks {
        let body = tokio::time::timeout(std::time::Duration::from_secs(30), task)
            .await
            .expect("pushes must not hang")
            .unwrap();
        assert!(outcomes(&body).iter().all(|o| o == "applied"), "{body}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Four devices each way: the moves cancel out, and so do the packs.
    assert_eq!(server.balance("X", "A-1", "available").await, 600);
    assert_eq!(server.balance("X", "B-1", "available").await, 1000);
    assert_eq!(server.balance("Y", "ST-1", "allocated").await, 200);
    // PostgreSQL's own deadlock counter for this database stays at zero.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let deadlocks: i64 = sqlx::query_scalar(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    assert_eq!(deadlocks, 0);
    server.finish().await;
}

#[tokio::test]
async fn a_poison_event_is_quarantined_and_the_events_behind_it_still_apply() {
    let server = TestServer::start("poison").await;
    let mut dev = server.enrol(WH, Role::Picker).await;
    let good = dev.event(receive("SKU-1", 10, "A-1"), at(0));
    let mut newer = dev.event(receive("SKU-1", 10, "A-1"), at(1));
    newer.v = 2;
    let mut malformed = dev.event(receive("SKU-1", 10, "A-1"), at(2));
    malformed.payload["line"]["qty"] = serde_json::json!("lots");
    let unknown = dev.event(receive("NOPE", 1, "A-1"), at(3));
    let nowhere = dev.event(move_stock("SKU-1", 1, "A-1", "Z-99"), at(4));
    let mut reused = dev.event(receive("SKU-1", 50, "A-1"), at(5));
    reused.header.event_id = good.header.event_id;
    let later = dev.event(pick("SKU-1", 3, "A-1", "TOTE-1"), at(6));
    let batch = vec![good, newer, malformed, unknown, nowhere, reused, later];

    let body = server.push_ok(&dev, &batch).await;
    assert_eq!(
        outcomes(&body),
        [
            "applied", "rejected", "rejected", "rejected", "rejected", "rejected", "applied"
        ]
    );
    assert_eq!(body["last_applied_seq"], 7);
    let results = body["results"].as_array().unwrap();
    assert!(
        results[1]["reason"].as_str().unwrap().contains("version 2"),
        "{body}"
    );
    assert!(
        results[2]["reason"]
            .as_str()
            .unwrap()
            .contains("malformed receive"),
        "{body}"
    );
    assert!(
        results[3]["reason"].as_str().unwrap().contains("NOPE"),
        "{body}"
    );
    assert!(
        results[4]["reason"].as_str().unwrap().contains("Z-99"),
        "{body}"
    );
    assert!(
        results[5]["reason"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{body}"
    );
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM conflicts ORDER BY id")
        .fetch_all(server.store.pool())
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            "quarantined",
            "quarantined",
            "unknown_item",
            "unknown_location",
            "duplicate_event_id"
        ]
    );
    // The poison is kept whole, and moved nothing.
    // (The reused id cannot be stored twice; its body is kept in its conflict.)
    assert_eq!(server.scalar("SELECT count(*) FROM events").await, 6);
    let stored_v: i64 = server
        .scalar("SELECT (body->>'v')::int8 FROM events WHERE device_seq = 2")
        .await;
    assert_eq!(stored_v, 2);
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 7);
    assert_eq!(server.balance("SKU-1", "TOTE-1", "allocated").await, 3);
    // Replaying gives the same answers and quarantines nothing twice.
    let again = server.push_ok(&dev, &batch).await;
    assert_eq!(again["results"], body["results"]);
    assert_eq!(server.scalar("SELECT count(*) FROM conflicts").await, 5);
    server.finish().await;
}

#[tokio::test]
async fn the_audit_reports_a_balance_that_drifted_from_the_ledger() {
    let server = TestServer::start("audit").await;
    let mut dev = server.enrol(WH, Role::Receiver).await;
    let e = dev.event(receive("SKU-2", 4, "B-1"), at(0));
    server.push_ok(&dev, &[e]).await;
    assert!(server.store.audit_balances().await.unwrap().is_empty());
    // Someone edits a balance behind the ledger's back.
    sqlx::query("UPDATE balances SET qty = 6 WHERE item = 'SKU-2' AND location = 'B-1'")
        .execute(server.store.pool())
        .await
        .unwrap();
    let differences = server.store.audit_balances().await.unwrap();
    assert_eq!(differences.len(), 1);
    assert_eq!(
        (differences[0].balance, differences[0].ledger),
        (6, 4),
        "{differences:?}"
    );
    sqlx::query("UPDATE balances SET qty = 4 WHERE item = 'SKU-2' AND location = 'B-1'")
        .execute(server.store.pool())
        .await
        .unwrap();
    server.finish().await;
}
