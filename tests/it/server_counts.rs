//! Cycle counts: variance as of the count's time, late offline movements from before the
//! count absorbed by it (never counted twice) and the count flagged outdated.

use dockhand_app::domain::{CountRecord, EventBody, Qty, StockStatus};
use dockhand_sync_server::store::Role;
use serde_json::Value;

use crate::server_support::*;

fn count(item: &str, location: &str, counted: i64) -> EventBody {
    EventBody::Count(CountRecord {
        location: loc(location),
        item: sku(item),
        lot: None,
        counted: Qty::new(counted).unwrap(),
        status: StockStatus::Available,
        serials: vec![],
        cursor: None,
        recount_of: None,
    })
}

#[tokio::test]
async fn picks_before_during_and_after_a_count_give_the_right_variance_and_flag_it() {
    let server = TestServer::start("count_window").await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut online = server.enrol(WH, Role::Picker).await;
    let mut offline = server.enrol(WH, Role::Picker).await;
    let mut counter = server.enrol(WH, Role::Supervisor).await;

    // 08:00 ten units arrive; 08:10 an online pick (synced at once).
    let e = receiver.event(receive("SKU-1", 10, "A-1"), at(0));
    server.push_ok(&receiver, &[e]).await;
    let e = online.event(pick("SKU-1", 1, "A-1", "TOTE-1"), at(10));
    server.push_ok(&online, &[e]).await;
    // Meanwhile an offline picker takes one at 08:20 and one at 08:29 — not synced yet.
    let late_before = offline.event(pick("SKU-1", 1, "A-1", "TOTE-2"), at(20));
    let late_during = offline.event(pick("SKU-1", 1, "A-1", "TOTE-2"), at(29));
    // 08:30 the counter finds 7 (10 − the three picks so far). The server knows only one
    // pick, so it sees a variance of −2.
    let c = counter.event(count("SKU-1", "A-1", 7), at(30));
    let counted = server.push_ok(&counter, std::slice::from_ref(&c)).await;
    assert_eq!(outcomes(&counted), ["applied"]);
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 7);
    // 08:40 an online pick after the count.
    let e = online.event(pick("SKU-1", 1, "A-1", "TOTE-1"), at(40));
    server.push_ok(&online, &[e]).await;
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 6);

    // 08:50 the offline picker syncs its two picks from before the count.
    let body = server.push_ok(&offline, &[late_before, late_during]).await;
    let results = body["results"].as_array().unwrap();
    for result in results {
        assert_eq!(result["outcome"], "applied_with_conflict", "{body}");
        assert_eq!(result["conflict_kind"], "outdated_count", "{body}");
    }

    // Nothing counted twice: the count already saw those two units gone, so the bin stays
    // at 7 − the one pick after the count; the totes hold every unit picked.
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 6);
    assert_eq!(server.balance("SKU-1", "TOTE-1", "allocated").await, 2);
    assert_eq!(server.balance("SKU-1", "TOTE-2", "allocated").await, 2);
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, 0);
    // The count's variance is now what it truly was: 7 counted − 7 on the ledger at 08:30.
    let row = sqlx::query_as::<_, (i64, i64, i64, bool)>(
        "SELECT counted, ledger_as_of, variance, outdated FROM counts",
    )
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    assert_eq!(row, (7, 7, 0, true));
    // The ledger as of the count's time agrees with the count.
    let as_of: i64 = sqlx::query_scalar(
        "SELECT SUM(delta)::int8 FROM ledger WHERE item = 'SKU-1' AND location = 'A-1'
           AND status = 'available' AND occurred_at <= $1",
    )
    .bind(at(30))
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    assert_eq!(as_of, 7);
    // Each outdated-count conflict names both events.
    let evidence: Vec<Value> = sqlx::query_scalar(
        "SELECT evidence FROM conflicts WHERE kind = 'outdated_count' ORDER BY id",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap();
    assert_eq!(evidence.len(), 2);
    assert_eq!(
        evidence[0]["count_event_id"],
        serde_json::json!(c.header.event_id)
    );
    assert_eq!(evidence[0]["variance_before"], -2);
    assert_eq!(evidence[1]["variance_after"], 0);
    assert_eq!(evidence[1]["late_event"]["kind"], "pick");
    server.finish().await;
}

#[tokio::test]
async fn a_count_that_arrives_after_later_movements_uses_the_ledger_as_of_its_time() {
    let server = TestServer::start("count_late").await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut counter = server.enrol(WH, Role::Supervisor).await;
    let e = receiver.event(receive("SKU-2", 10, "A-2"), at(0));
    server.push_ok(&receiver, &[e]).await;
    // Counted 12 at 08:05 (two units more than recorded), synced after a receipt at 08:10.
    let count_event = counter.event(count("SKU-2", "A-2", 12), at(5));
    let e = receiver.event(receive("SKU-2", 5, "A-2"), at(10));
    server.push_ok(&receiver, &[e]).await;
    let body = server.push_ok(&counter, &[count_event]).await;
    assert_eq!(outcomes(&body), ["applied"]);
    // Variance +2 against the 10 of 08:05, on top of the later 5.
    assert_eq!(server.balance("SKU-2", "A-2", "available").await, 17);
    let outdated = server.scalar("SELECT count(*) FROM conflicts").await;
    assert_eq!(
        outdated, 0,
        "movements after the count do not make it outdated"
    );
    server.finish().await;
}

#[tokio::test]
async fn a_count_synced_after_a_later_count_does_not_undo_it() {
    let server = TestServer::start("count_order").await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut early_counter = server.enrol(WH, Role::Supervisor).await;
    let mut late_counter = server.enrol(WH, Role::Supervisor).await;
    let e = receiver.event(receive("SKU-3", 10, "B-1"), at(0));
    server.push_ok(&receiver, &[e]).await;
    let early = early_counter.event(count("SKU-3", "B-1", 9), at(10));
    // The 08:20 count (12) syncs first: +2 against the 10 on the ledger.
    let later = late_counter.event(count("SKU-3", "B-1", 12), at(20));
    server.push_ok(&late_counter, &[later]).await;
    assert_eq!(server.balance("SKU-3", "B-1", "available").await, 12);
    // The 08:10 count (9) arrives: −1 as of 08:10, but the 08:20 count already saw the bin
    // after that, so the bin stays at 12 and the later count is flagged.
    let body = server.push_ok(&early_counter, &[early]).await;
    assert_eq!(
        body["results"][0]["conflict_kind"], "outdated_count",
        "{body}"
    );
    assert_eq!(server.balance("SKU-3", "B-1", "available").await, 12);
    let variances: Vec<(i64, i64, bool)> =
        sqlx::query_as("SELECT counted, variance, outdated FROM counts ORDER BY occurred_at")
            .fetch_all(server.store.pool())
            .await
            .unwrap();
    assert_eq!(variances, [(9, -1, false), (12, 3, true)]);
    server.finish().await;
}
