//! Reports on histories with known answers: velocity, zones and suggested orders, ABC/XYZ,
//! FIFO and weighted-average valuation, alerts; one history goes through the real push
//! path; bad requests get clear 4xx answers.
//!
//! Most histories are written straight into the ledger (balances rebuilt from it, so the
//! audit stays clean): it is the honest way to get 90 days of known sales in a second.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dockhand_app::domain::{
    CountRecord, DocumentKind, DocumentRef, EventBody, Qty, Receive, Ship, StockStatus,
};
use dockhand_sync_server::reports::{
    Policy, ReportError, ReportName, ReportSettings, Reports, TurnsBy, WindowSource,
};
use dockhand_sync_server::store::{InboundDocumentImport, InboundLineImport, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Noon (UTC) `n` days before today.
fn days_ago(n: i64) -> DateTime<Utc> {
    today().and_hms_opt(12, 0, 0).unwrap().and_utc() - Duration::days(n)
}

/// Ledger rows: (item, location, status, delta, cause, occurred_at).
type Movement = (
    String,
    &'static str,
    &'static str,
    i64,
    &'static str,
    DateTime<Utc>,
);

fn receipt(item: &str, qty: i64, at: DateTime<Utc>) -> Vec<Movement> {
    vec![(item.to_owned(), "A-1", "available", qty, "receive", at)]
}

/// A sale: picked from A-1 into a tote, then shipped from the tote.
fn sale(item: &str, qty: i64, at: DateTime<Utc>) -> Vec<Movement> {
    vec![
        (item.to_owned(), "A-1", "available", -qty, "pick", at),
        (item.to_owned(), "TOTE-1", "allocated", qty, "pick", at),
        (item.to_owned(), "TOTE-1", "allocated", -qty, "ship", at),
    ]
}

/// Writes movements into WH1's ledger and rebuilds the balances from it.
async fn insert_history(server: &TestServer, movements: &[Movement]) {
    let pool = server.store.pool();
    sqlx::query(
        "INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
         SELECT 'WH1', i, l, '', s, d, gen_random_uuid(), c, o
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::timestamptz[])
              AS r(i, l, s, d, c, o)",
    )
    .bind(movements.iter().map(|m| m.0.clone()).collect::<Vec<_>>())
    .bind(movements.iter().map(|m| m.1).collect::<Vec<_>>())
    .bind(movements.iter().map(|m| m.2).collect::<Vec<_>>())
    .bind(movements.iter().map(|m| m.3).collect::<Vec<_>>())
    .bind(movements.iter().map(|m| m.4).collect::<Vec<_>>())
    .bind(movements.iter().map(|m| m.5).collect::<Vec<_>>())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO balances (warehouse, item, location, lot, status, qty)
         SELECT warehouse, item, location, lot, status, sum(delta) FROM ledger
         GROUP BY 1, 2, 3, 4, 5
         ON CONFLICT (warehouse, item, location, lot, status) DO UPDATE SET qty = EXCLUDED.qty",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn refresh(server: &TestServer) {
    Reports::new(&server.store).refresh().await.unwrap();
}

/// `GET /v1/reports/{name}?query` as JSON, insisting on 200; rows keyed by their first
/// column.
async fn report(server: &TestServer, dev: &Dev, name: &str, query: &str) -> Value {
    let (status, body) = server
        .get_json(&dev.token, &format!("/v1/reports/{name}?{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn row<'a>(body: &'a Value, key: &str) -> &'a Value {
    let first = body["columns"][0].as_str().unwrap();
    body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[first] == key)
        .unwrap_or_else(|| panic!("no row {key} in {body}"))
}

#[tokio::test]
async fn velocity_zones_and_suggested_orders_follow_a_known_history() {
    let server = TestServer::start("rep_velocity").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut history = Vec::new();
    // SKU-1: 2 a day for the last 60 days (120; 90 in the last 45), plus 50 sold exactly
    // 60 days ago — just outside the window. 200 received → 30 left. Lead time 10 days
    // (its own): red below 20, yellow below 40 → yellow, order 90.
    history.extend(receipt("SKU-1", 200, days_ago(100)));
    history.extend(sale("SKU-1", 50, days_ago(60)));
    // SKU-2: 1 a day for 60 days; 65 received → 5 left. Lead time 10 from its supplier:
    // red below 10 → red, order 45.
    history.extend(receipt("SKU-2", 65, days_ago(100)));
    // SKU-3: sold only 61 to 90 days ago: no velocity → green.
    history.extend(receipt("SKU-3", 100, days_ago(100)));
    // X: 3 a day, 1000 received → 820 left; default lead 14: yellow below 84 → green.
    history.extend(receipt("X", 1000, days_ago(100)));
    for d in 0..60 {
        history.extend(sale("SKU-1", 2, days_ago(d)));
        history.extend(sale("SKU-2", 1, days_ago(d)));
        history.extend(sale("X", 3, days_ago(d)));
    }
    for d in 61..=90 {
        history.extend(sale("SKU-3", 1, days_ago(d)));
    }
    insert_history(&server, &history).await;
    let reports = Reports::new(&server.store);
    reports
        .import_suppliers(
            WH,
            &serde_json::from_value::<Vec<_>>(json!([{"code": "ACME", "lead_time_days": 10}]))
                .unwrap(),
        )
        .await
        .unwrap();
    reports
        .import_item_supply(
            WH,
            &serde_json::from_value::<Vec<_>>(json!([
                {"item": "SKU-1", "lead_time_days": 10},
                {"item": "SKU-2", "supplier": "ACME"}
            ]))
            .unwrap(),
        )
        .await
        .unwrap();
    refresh(&server).await;

    let body = report(&server, &supervisor, "replenishment", "").await;
    let sku1 = row(&body, "SKU-1");
    assert_eq!(sku1["velocity_per_day"], 2.0);
    assert_eq!(sku1["sold_velocity_window"], 120);
    assert_eq!(sku1["sold_order_window"], 90);
    assert_eq!(sku1["available"], 30);
    assert_eq!(
        (sku1["red_line"].as_f64(), sku1["yellow_line"].as_f64()),
        (Some(20.0), Some(40.0))
    );
    assert_eq!(sku1["zone"], "yellow");
    assert_eq!(sku1["suggested_qty"], 90);
    let sku2 = row(&body, "SKU-2");
    assert_eq!(
        (sku2["zone"].as_str(), sku2["suggested_qty"].as_i64()),
        (Some("red"), Some(45))
    );
    assert_eq!(sku2["supplier"], "ACME");
    assert_eq!(sku2["lead_time_days"], 10.0);
    let sku3 = row(&body, "SKU-3");
    assert_eq!(
        (sku3["zone"].as_str(), sku3["velocity_per_day"].as_f64()),
        (Some("green"), Some(0.0))
    );
    let x = row(&body, "X");
    assert_eq!(
        (x["zone"].as_str(), x["lead_time_days"].as_f64()),
        (Some("green"), Some(14.0))
    );

    // Windows are configurable: over 30 days SKU-1 still sells 2 a day, and an order of
    // the last 10 days' sales is 20.
    let body = report(
        &server,
        &supervisor,
        "replenishment",
        "velocity_days=30&order_days=10",
    )
    .await;
    assert_eq!(row(&body, "SKU-1")["suggested_qty"], 20);
    // The reorder-point policy: steady demand and no lead-time history → no safety stock;
    // ROP = 2 × 10 = 20 ≤ 30 → green.
    let body = report(
        &server,
        &supervisor,
        "replenishment",
        "policy=reorder_point",
    )
    .await;
    let sku1 = row(&body, "SKU-1");
    assert_eq!(
        (
            sku1["zone"].as_str(),
            sku1["red_line"].as_f64(),
            sku1["yellow_line"].as_f64()
        ),
        (Some("green"), Some(0.0), Some(20.0))
    );

    // A run stores suggested POs for the items entering yellow/red, once.
    let (status, run) = server
        .post_json(&supervisor.token, "/v1/reports/run", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["replenishment"]["suggestions_created"], 2, "{run}");
    let body = report(&server, &supervisor, "purchase-suggestions", "").await;
    let mut suggested: Vec<(String, i64, String)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap().to_owned(),
                r["qty"].as_i64().unwrap(),
                r["zone"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    suggested.sort();
    assert_eq!(
        suggested,
        [
            ("SKU-1".to_owned(), 90, "yellow".to_owned()),
            ("SKU-2".to_owned(), 45, "red".to_owned())
        ]
    );
    let (_, again) = server
        .post_json(&supervisor.token, "/v1/reports/run", &json!({}))
        .await;
    assert_eq!(again["replenishment"]["suggestions_created"], 0, "{again}");
    assert_eq!(again["replenishment"]["zone_changes"], 0, "{again}");

    // Constraint health: velocities 2 (yellow), 1 (red), 3 (green) →
    // 100 × (2 × 0.5 + 0 + 3) / 6 = 66.7.
    let body = report(&server, &supervisor, "constraint-health", "").await;
    assert_eq!(body["rows"][0]["constraint_health"], 66.7);
    assert_eq!(body["rows"][0]["red"], 1);
    server.finish().await;
}

#[tokio::test]
async fn abc_by_value_and_xyz_by_weekly_variation() {
    let server = TestServer::start("rep_abc").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut history = Vec::new();
    for item in ["SKU-1", "SKU-2", "SKU-3", "X"] {
        history.extend(receipt(item, 1000, days_ago(200)));
    }
    // Day `7k + 1` ago falls in week k (0..12) of the 13-week window.
    for k in 0..13 {
        let day = days_ago(7 * k + 1);
        history.extend(sale("SKU-1", 10, day)); // steady: cv 0 → X
        if k % 2 == 0 {
            history.extend(sale("SKU-2", 20, day)); // every other week: cv 0.93 → Y
        }
    }
    history.extend(sale("SKU-3", 100, days_ago(50))); // one week: cv 3.46 → Z
    history.extend(sale("X", 10, days_ago(3)));
    history.extend(sale("X", 500, days_ago(120))); // outside the window
    insert_history(&server, &history).await;
    Reports::new(&server.store)
        .import_item_supply(
            WH,
            &serde_json::from_value::<Vec<_>>(json!([
                {"item": "SKU-1", "standard_cost": "5"},
                {"item": "SKU-2", "standard_cost": "1"},
                {"item": "SKU-3", "standard_cost": 1},
                {"item": "X", "standard_cost": "1.00"}
            ]))
            .unwrap(),
        )
        .await
        .unwrap();
    refresh(&server).await;
    // Values: SKU-1 650, SKU-2 140, SKU-3 100, X 10 (total 900). Share before each:
    // 0 → A, 72 % → A, 88 % → B, 99 % → C; Y sold nothing → C.
    let body = report(&server, &supervisor, "abc-xyz", "").await;
    let class = |item: &str| row(&body, item)["class"].as_str().unwrap().to_owned();
    assert_eq!(
        ["SKU-1", "SKU-2", "SKU-3", "X", "Y"].map(class),
        ["AX", "AY", "BZ", "CZ", "CZ"]
    );
    assert_eq!(row(&body, "SKU-1")["shipped_value"], 650.0);
    assert_eq!(row(&body, "SKU-2")["weekly_cv"], 0.9258);
    assert_eq!(row(&body, "SKU-1")["weekly_cv"], 0.0);
    server.finish().await;
}

fn priced_po(
    number: &str,
    item: &str,
    expected: i64,
    cost: &str,
    ordered_days_ago: Option<i64>,
    due_in_days: Option<i64>,
) -> InboundDocumentImport {
    InboundDocumentImport {
        kind: DocumentKind::Po,
        number: number.to_owned(),
        supplier: Some("ACME".to_owned()),
        sscc: None,
        tolerance_pct: 0,
        ordered_at: ordered_days_ago.map(|d| Utc::now() - Duration::days(d)),
        expected_at: due_in_days.map(|d| Utc::now() + Duration::days(d)),
        lines: vec![InboundLineImport {
            line_no: 1,
            item: sku(item),
            expected: Qty::new(expected).unwrap(),
            lot: None,
            unit_cost: Some(cost.parse().unwrap()),
        }],
    }
}

fn receive_on(number: &str, item: &str, qty: i64) -> EventBody {
    EventBody::Receive(Receive {
        document: Some(DocumentRef {
            kind: DocumentKind::Po,
            number: number.to_owned(),
        }),
        line: line(item, qty),
        to: loc("DOCK-1"),
        status: StockStatus::Available,
        gtin: None,
        pack: None,
        sscc: None,
    })
}

#[tokio::test]
async fn reports_read_what_push_writes_fifo_wac_shrinkage_suppliers_and_alerts() {
    let server = TestServer::start("rep_push").await;
    let mut supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    server
        .store
        .import_inbound_documents(
            &wh(WH),
            &[
                // Ordered 10 days ago, due 5 days ago: late, lead time 10 days.
                priced_po("PO-1", "SKU-1", 10, "1.00", Some(10), Some(-5)),
                // Ordered 3 days ago, due in 2: on time.
                priced_po("PO-2", "SKU-1", 10, "2.00", Some(3), Some(2)),
                priced_po("PO-3", "SKU-1", 10, "3.00", Some(0), None),
                // Due 20 days ago and never delivered: a supplier delay.
                priced_po("PO-4", "SKU-2", 5, "9.00", Some(30), Some(-20)),
            ],
        )
        .await
        .unwrap();
    let now = Utc::now();
    let events: Vec<_> = ["PO-1", "PO-2", "PO-3"]
        .iter()
        .enumerate()
        .map(|(i, po)| {
            receiver.event(
                receive_on(po, "SKU-1", 10),
                now + Duration::seconds(i as i64),
            )
        })
        .collect();
    let body = server.push_ok(&receiver, &events).await;
    assert_eq!(outcomes(&body), ["applied"; 3]);
    let pick_event = picker.event(
        pick("SKU-1", 15, "DOCK-1", "TOTE-1"),
        now + Duration::seconds(10),
    );
    let ship_event = picker.event(
        EventBody::Ship(Ship {
            order: None,
            carton: None,
            lines: vec![line("SKU-1", 15)],
            from: loc("TOTE-1"),
        }),
        now + Duration::seconds(11),
    );
    // The counter finds 12 of the 15 left on the dock: 3 short (20 %).
    let count_event = supervisor.event(
        EventBody::Count(CountRecord {
            location: loc("DOCK-1"),
            item: sku("SKU-1"),
            lot: None,
            counted: Qty::new(12).unwrap(),
            status: StockStatus::Available,
            serials: vec![],
            cursor: None,
            recount_of: None,
        }),
        now + Duration::seconds(20),
    );
    let body = server.push_ok(&picker, &[pick_event, ship_event]).await;
    assert_eq!(outcomes(&body), ["applied"; 2]);
    let body = server.push_ok(&supervisor, &[count_event]).await;
    assert_eq!(outcomes(&body), ["applied"]);

    let (status, refreshed) = server
        .post_json(&supervisor.token, "/v1/reports/refresh", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["receipt_layers"], 3, "{refreshed}");

    // 30 received at 1, 2 and 3; 15 shipped and 3 lost leave 12: FIFO keeps the newest
    // layers, 10 × 3 + 2 × 2 = 34; weighted average 2 × 12 = 24.
    let body = report(&server, &supervisor, "valuation", "").await;
    let sku1 = row(&body, "SKU-1");
    assert_eq!(sku1["on_hand"], 12);
    assert_eq!(sku1["fifo_value"], 34.0);
    assert_eq!(sku1["wac_unit_cost"], 2.0);
    assert_eq!(sku1["wac_value"], 24.0);
    // CSV is the same table.
    let csv = server
        .client
        .get(format!("{}/v1/reports/valuation?format=csv", server.url))
        .bearer_auth(&supervisor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.text().await.unwrap(),
        "item,on_hand,fifo_layered_units,fifo_value,wac_unit_cost,wac_value\nSKU-1,12,12,34.0,2.0,24.0\n"
    );

    // The ship is a sale the replenishment sees.
    let body = report(&server, &supervisor, "replenishment", "").await;
    assert_eq!(row(&body, "SKU-1")["sold_velocity_window"], 15);
    assert_eq!(row(&body, "SKU-2")["on_order"], 5);

    let body = report(&server, &supervisor, "shrinkage", "").await;
    let shrink = row(&body, "SKU-1");
    assert_eq!(
        (shrink["lost"].as_i64(), shrink["expected"].as_i64()),
        (Some(3), Some(15))
    );
    assert_eq!(shrink["shrink_pct"], 20.0);
    assert_eq!(shrink["shrink_value"], 6.0);

    // ACME: PO-1 late, PO-2 on time, PO-4 past due and missing → 1 of 3 on time; fill rate
    // over the due ones (PO-1 10/10, PO-4 0/5) = 66.7 %; lead times 10, 3 and 0 days.
    let body = report(&server, &supervisor, "suppliers", "").await;
    let acme = row(&body, "ACME");
    assert_eq!(acme["documents"], 4);
    assert_eq!(acme["on_time_pct"], 33.3);
    assert_eq!(acme["fill_rate_pct"], 66.7);
    assert!(
        (acme["lead_time_days"].as_f64().unwrap() - 13.0 / 3.0).abs() < 0.06,
        "{acme}"
    );

    // A run finds the late PO and the short count, and opens each once.
    let (_, run) = server
        .post_json(&supervisor.token, "/v1/reports/run", &json!({}))
        .await;
    let body = report(&server, &supervisor, "alerts", "").await;
    let mut kinds: Vec<(String, String)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "low_turns")
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds[0],
        ("count_shrinkage".to_owned(), kinds[0].1.clone()),
        "{body}"
    );
    assert_eq!(
        kinds[1],
        ("supplier_delay".to_owned(), "po/PO-4".to_owned()),
        "{body}"
    );
    assert_eq!(kinds.len(), 2, "{body}");
    let delay = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "supplier_delay")
        .unwrap();
    assert_eq!(delay["payload"]["days_late"], 20, "{delay}");
    let (_, again) = server
        .post_json(&supervisor.token, "/v1/reports/run", &json!({}))
        .await;
    assert_eq!(again["alerts"]["opened"], 0, "{again} after {run}");
    assert_eq!(again["alerts"]["closed"], 0, "{again}");
    server.finish().await;
}

#[tokio::test]
async fn a_stockout_of_a_top_seller_opens_one_alert_until_stock_returns() {
    let server = TestServer::start("rep_stockout").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut history = Vec::new();
    // Four selling items: the top 20 % is one item, X (5 a day), which has run out.
    for (item, per_day, received) in [
        ("X", 5, 300),
        ("SKU-1", 3, 1000),
        ("SKU-2", 2, 1000),
        ("SKU-3", 1, 0),
    ] {
        history.extend(receipt(item, received.max(60 * per_day), days_ago(80)));
        for d in 0..60 {
            history.extend(sale(item, per_day, days_ago(d)));
        }
    }
    insert_history(&server, &history).await;
    refresh(&server).await;
    let reports = Reports::new(&server.store);
    let settings = ReportSettings::defaults(today());
    let stockouts = |body: &Value| -> Vec<String> {
        body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "top_item_stockout")
            .map(|r| r["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    let run = reports.run(WH, &settings).await.unwrap();
    assert!(run.alerts.opened >= 1, "{run:?}");
    // SKU-3 is out too, but it is the slowest seller: no alert for it.
    let body = report(&server, &supervisor, "alerts", "").await;
    assert_eq!(stockouts(&body), ["X"], "{body}");
    // The alert stays one while the stockout lasts.
    reports.run(WH, &settings).await.unwrap();
    let open: i64 = server
        .scalar("SELECT count(*) FROM alerts WHERE kind = 'top_item_stockout'")
        .await;
    assert_eq!(open, 1);
    // The alert reached the stock stream's outbox in the run's transaction, once.
    let streamed: i64 = server
        .scalar(
            "SELECT count(*) FROM outbox
             WHERE kind = 'alert' AND subject LIKE '%.alert.top_item_stockout'",
        )
        .await;
    assert_eq!(streamed, 1);
    // It entered red, so a PO was suggested.
    let suggested: i64 = server
        .scalar("SELECT count(*) FROM purchase_suggestions WHERE item = 'X' AND state = 'open'")
        .await;
    assert_eq!(suggested, 1);
    // Stock arrives (1000 units: 200 days at 5 a day, green): the next run closes the alert
    // and the suggestion.
    insert_history(&server, &receipt("X", 1000, days_ago(0))).await;
    let run = reports.run(WH, &settings).await.unwrap();
    assert!(run.alerts.closed >= 1, "{run:?}");
    assert_eq!(run.replenishment.suggestions_closed, 1, "{run:?}");
    let body = report(&server, &supervisor, "alerts", "").await;
    assert!(stockouts(&body).is_empty(), "{body}");
    server.finish().await;
}

#[tokio::test]
async fn refresh_never_skips_a_row_of_a_transaction_still_open() {
    let server = TestServer::start("rep_refresh").await;
    insert_history(&server, &receipt("SKU-1", 5, days_ago(1))).await;
    // A writer starts, writes a receipt and keeps its transaction open across a refresh.
    let mut open = server.store.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
         VALUES ('WH1', 'SKU-1', 'A-1', '', 'available', 7, gen_random_uuid(), 'receive', $1)",
    )
    .bind(days_ago(1))
    .execute(&mut *open)
    .await
    .unwrap();
    refresh(&server).await;
    open.commit().await.unwrap();
    sqlx::query("UPDATE balances SET qty = qty + 7 WHERE item = 'SKU-1' AND location = 'A-1'")
        .execute(server.store.pool())
        .await
        .unwrap();
    refresh(&server).await;
    let received: i64 = server
        .scalar("SELECT received_qty FROM report_item_totals WHERE item = 'SKU-1'")
        .await;
    assert_eq!(received, 12);
    let daily: i64 = server
        .scalar("SELECT sum(received)::int8 FROM report_item_daily WHERE item = 'SKU-1'")
        .await;
    assert_eq!(daily, 12);
    server.finish().await;
}

#[tokio::test]
async fn bad_report_requests_get_clear_errors() {
    let server = TestServer::start("rep_errors").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let picker = server.enrol(WH, Role::Picker).await;
    let cases = [
        (
            &picker,
            "/v1/reports/valuation",
            StatusCode::FORBIDDEN,
            "forbidden",
            "role supervisor or admin",
        ),
        (
            &supervisor,
            "/v1/reports/nope",
            StatusCode::NOT_FOUND,
            "unknown_report",
            "the reports are on-hand",
        ),
        (
            &supervisor,
            "/v1/reports/replenishment?velocity_days=0",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "velocity_days must be between 1 and 730 days, got 0",
        ),
        (
            &supervisor,
            "/v1/reports/turns?turns_days=9999",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "turns_days must be between",
        ),
        (
            &supervisor,
            "/v1/reports/turns?velocity_dayz=3",
            StatusCode::BAD_REQUEST,
            "malformed_request",
            "velocity_dayz",
        ),
        (
            &supervisor,
            "/v1/reports/turns?as_of=yesterday",
            StatusCode::BAD_REQUEST,
            "malformed_request",
            "as_of",
        ),
        (
            &supervisor,
            "/v1/reports/valuation?warehouse=WH2",
            StatusCode::FORBIDDEN,
            "forbidden",
            "cannot read reports of WH2",
        ),
        (
            &supervisor,
            "/v1/reports/valuation?warehouse=NOPE",
            StatusCode::FORBIDDEN,
            "forbidden",
            "belongs to warehouse WH1",
        ),
        (
            &supervisor,
            "/v1/reports/valuation?format=xml",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "ask for json or csv",
        ),
    ];
    for (dev, path, status, code, message) in cases {
        let (got, body) = server.get_json(&dev.token, path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"], code, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{path}: {body}"
        );
    }
    let (status, body) = server
        .post_json(&picker.token, "/v1/reports/run", &json!({}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, _) = server
        .get_json("not-a-token", "/v1/reports/valuation")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Supply terms for an item the catalog lacks are refused by name.
    let admin = server.enrol(WH, Role::Admin).await;
    let (status, body) = server
        .post_json(
            &admin.token,
            "/v1/imports/item-supply",
            &json!([{"item": "GHOST", "standard_cost": "1"}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("GHOST"),
        "{body}"
    );
    // The CLI path names an unknown warehouse.
    let err = Reports::new(&server.store)
        .report(
            ReportName::Valuation,
            "NOPE",
            &ReportSettings::defaults(today()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ReportError::UnknownWarehouse(_)));
    assert!(err.to_string().contains("\"NOPE\" does not exist"), "{err}");
    server.finish().await;
}

/// A deterministic pseudo-random number in `0..n` (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// 40 catalog items `G-00`… in 4 categories, half with a standard cost, and a history of
/// receipts (some priced through a PO line and their event) and sales over the last 130
/// days.
async fn generated_history(server: &TestServer, rng: &mut Rng) -> Vec<String> {
    let pool = server.store.pool();
    let items: Vec<String> = (0..40).map(|i| format!("G-{i:02}")).collect();
    sqlx::query(
        "INSERT INTO items (warehouse, sku, name, category, body)
         SELECT 'WH1', sku, sku, 'CAT-' || (ord % 4), '{}'::jsonb
         FROM unnest($1::text[]) WITH ORDINALITY AS i(sku, ord)",
    )
    .bind(&items)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO item_supply (warehouse, sku, standard_cost)
         SELECT 'WH1', sku, (ord % 7 + 1) * 1.25
         FROM unnest($1::text[]) WITH ORDINALITY AS i(sku, ord) WHERE ord % 2 = 0",
    )
    .bind(&items)
    .execute(pool)
    .await
    .unwrap();
    let mut history = Vec::new();
    for (n, item) in items.iter().enumerate() {
        // Three receipts 140, 100 and 70 days ago; the second priced on a PO.
        for (k, days) in [140, 100, 70].into_iter().enumerate() {
            let qty = 100 + rng.below(300) as i64;
            if k == 1 {
                priced_receipt(server, item, qty, days_ago(days), &format!("GPO-{n}"), n).await;
            } else {
                history.extend(receipt(item, qty, days_ago(days)));
            }
        }
        // Sales on about a third of the days, 1–6 units; slower items sell less often.
        for day in 0..130 {
            if rng.below(3 + n as u64 / 8) == 0 {
                history.extend(sale(item, 1 + rng.below(6) as i64, days_ago(day)));
            }
        }
    }
    insert_history(server, &history).await;
    items
}

/// A receipt on a priced PO line: the document, its line with a unit cost, the receive
/// event naming the document, and the ledger row of that event.
async fn priced_receipt(
    server: &TestServer,
    item: &str,
    qty: i64,
    at: DateTime<Utc>,
    number: &str,
    seq: usize,
) {
    let pool = server.store.pool();
    sqlx::query(
        "WITH doc AS (
             INSERT INTO inbound_documents (warehouse, kind, number, supplier, state, ordered_at)
             VALUES ('WH1', 'po', $1, 'ACME', 'closed', $4 - interval '9 days') RETURNING number),
         line AS (
             INSERT INTO inbound_lines (warehouse, kind, number, line_no, sku, expected, received, unit_cost)
             SELECT 'WH1', 'po', number, 1, $2, $3, $3, 0.5 + $5::int * 0.25 FROM doc RETURNING 1),
         event AS (
             INSERT INTO events (event_id, device_id, device_seq, warehouse, kind, v, occurred_at, body, result)
             SELECT gen_random_uuid(), '00000000-0000-7000-8000-0000000000ff', $5, 'WH1', 'receive', 1, $4,
                    jsonb_build_object('kind', 'receive', 'payload',
                        jsonb_build_object('document', jsonb_build_object('kind', 'po', 'number', number))),
                    '{}'::jsonb
             FROM doc RETURNING event_id)
         INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
         SELECT 'WH1', $2, 'A-1', '', 'available', $3, event_id, 'receive', $4 FROM event",
    )
    .bind(number)
    .bind(item)
    .bind(qty)
    .bind(at)
    .bind(seq as i64)
    .execute(pool)
    .await
    .unwrap();
}

/// What a window report looked like through the daily summary.
type DailyRows = Vec<(String, Vec<Vec<Value>>)>;

/// Makes every window report (and valuation) of WH1 as of `as_of` twice — as a request
/// gets it, and forced through the daily summary and the FIFO layers — and insists the
/// rows are the same and the request's windows came from `expected`. Returns the daily
/// rows.
async fn fast_equals_daily(
    reports: &Reports,
    as_of: NaiveDate,
    expected: WindowSource,
) -> DailyRows {
    let mut out = Vec::new();
    let cases: [(ReportName, &str, Option<Policy>, Option<TurnsBy>); 7] = [
        (ReportName::Replenishment, "velocity", None, None),
        (
            ReportName::Replenishment,
            "reorder point",
            Some(Policy::ReorderPoint),
            None,
        ),
        (ReportName::ConstraintHealth, "", None, None),
        (ReportName::AbcXyz, "", None, None),
        (ReportName::Turns, "by item", None, Some(TurnsBy::Item)),
        (
            ReportName::Turns,
            "by category",
            None,
            Some(TurnsBy::Category),
        ),
        (ReportName::Valuation, "", None, None),
    ];
    for (name, label, policy, by) in cases {
        let mut settings = ReportSettings::defaults(as_of);
        if let Some(policy) = policy {
            settings.policy = policy;
        }
        if let Some(by) = by {
            settings.by = by;
        }
        let fast = reports.report(name, WH, &settings).await.unwrap();
        settings.daily_only = true;
        let daily = reports.report(name, WH, &settings).await.unwrap();
        let what = format!("{name} {label} as of {as_of}");
        assert!(!daily.rows.is_empty(), "{what}: no rows");
        assert_eq!(fast.rows, daily.rows, "{what}: fast path differs");
        if name == ReportName::Valuation {
            assert!(
                daily.notes.iter().any(|n| n.contains("used for 0 item(s)")),
                "{what}: {:?}",
                daily.notes
            );
        } else {
            let note = expected.note(as_of);
            assert!(fast.notes.contains(&note), "{what}: {:?}", fast.notes);
            assert!(
                daily.notes.contains(&WindowSource::Daily.note(as_of)),
                "{what}: {:?}",
                daily.notes
            );
        }
        out.push((what, daily.rows));
    }
    out
}

#[tokio::test]
async fn rolling_sums_and_stored_fifo_values_equal_the_daily_summary_through_late_events_and_a_rollover()
 {
    let server = TestServer::start("rep_rolling").await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let items = generated_history(&server, &mut rng).await;
    let reports = Reports::new(&server.store);
    let yesterday = today() - Duration::days(1);

    // The first refresh makes every item's rolling sums, for the day it is told.
    let first = reports.refresh_for(yesterday).await.unwrap();
    assert!(first.rolling_rebuilt, "{first:?}");
    assert_eq!(first.rolling_items, items.len() as u64, "{first:?}");
    assert!(first.fifo_items >= items.len() as u64, "{first:?}");
    let before = fast_equals_daily(&reports, yesterday, WindowSource::Rolling).await;

    // Late events from offline devices: sales dated inside each window and just outside,
    // a receipt a month back, a future-dated correction; and today's sales (after
    // `as_of`, which the turns' end on-hand takes back out).
    let mut late = Vec::new();
    for (k, days) in [2, 30, 44, 45, 59, 60, 61, 89, 90, 91, 92, 200]
        .into_iter()
        .enumerate()
    {
        late.extend(sale(&items[k * 3], 1 + k as i64, days_ago(days)));
    }
    late.extend(receipt(&items[1], 40, days_ago(30)));
    late.extend(receipt(&items[2], 5, days_ago(-1)));
    late.extend(sale(&items[4], 3, days_ago(0)));
    insert_history(&server, &late).await;
    let touched: std::collections::BTreeSet<&String> = late
        .iter()
        .map(|m| &m.0)
        .collect::<std::collections::BTreeSet<_>>();
    let incremental = reports.refresh_for(yesterday).await.unwrap();
    assert!(!incremental.rolling_rebuilt, "{incremental:?}");
    // Only the items the new rows touched were made again.
    assert_eq!(
        incremental.rolling_items,
        touched.len() as u64,
        "{incremental:?}"
    );
    let after = fast_equals_daily(&reports, yesterday, WindowSource::Rolling).await;
    // The late events changed every item-window report: a rolling table left as it was
    // would not have matched.
    for ((what, rows_before), (_, rows_after)) in before.iter().zip(&after) {
        if !what.starts_with("constraint-health") {
            assert_ne!(
                rows_before, rows_after,
                "{what}: the late events changed nothing"
            );
        }
    }

    // The day rolls over: until a refresh for the new day, today's reports come from the
    // daily summary, and equal it.
    fast_equals_daily(&reports, today(), WindowSource::Daily).await;
    let rollover = reports.refresh_for(today()).await.unwrap();
    assert!(rollover.rolling_rebuilt, "{rollover:?}");
    assert_eq!(rollover.item_days, 0, "{rollover:?}");
    fast_equals_daily(&reports, today(), WindowSource::Rolling).await;
    // Yesterday is no longer the rolling day: its reports fall back.
    fast_equals_daily(&reports, yesterday, WindowSource::Daily).await;

    // Stock moves after the refresh (pushes between refreshes): valuation walks the layers
    // of those two items only, and still equals the layer walk.
    let mut moved = sale(&items[5], 3, days_ago(0));
    moved.extend(sale(&items[6], 2, days_ago(0)));
    insert_history(&server, &moved).await;
    fast_equals_daily(&reports, today(), WindowSource::Rolling).await;
    let valuation = reports
        .report(
            ReportName::Valuation,
            WH,
            &ReportSettings::defaults(today()),
        )
        .await
        .unwrap();
    assert!(
        valuation
            .notes
            .iter()
            .any(|n| n.ends_with("layers walked for 2")),
        "{:?}",
        valuation.notes
    );
    // The next refresh stores them again, and makes the rolling sums of these two again.
    let next = reports.refresh_for(today()).await.unwrap();
    assert_eq!((next.fifo_items, next.rolling_items), (2, 2), "{next:?}");
    assert!(!next.rolling_rebuilt, "{next:?}");
    fast_equals_daily(&reports, today(), WindowSource::Rolling).await;

    // Custom windows always come from the daily summary.
    let mut custom = ReportSettings::defaults(today());
    custom.velocity_days = 30;
    let table = reports
        .report(ReportName::Replenishment, WH, &custom)
        .await
        .unwrap();
    assert!(
        table.notes.contains(&WindowSource::Daily.note(today())),
        "{:?}",
        table.notes
    );
    server.finish().await;
}

#[tokio::test]
async fn turns_by_item_and_category_follow_a_known_history_both_ways() {
    let server = TestServer::start("rep_turns").await;
    // SKU-1: 300 received 120 days ago; 10 sold 95 days ago (before the 90-day window);
    // 1 a day for the 90 days of the window; 5 received dated tomorrow (after `as_of`).
    let mut history = receipt("SKU-1", 300, days_ago(120));
    history.extend(sale("SKU-1", 10, days_ago(95)));
    for d in 0..90 {
        history.extend(sale("SKU-1", 1, days_ago(d)));
    }
    history.extend(receipt("SKU-1", 5, days_ago(-1)));
    insert_history(&server, &history).await;
    let reports = Reports::new(&server.store);
    reports.refresh_for(today()).await.unwrap();
    // End on-hand 205 − 5 (after as_of) = 200; start 200 + 90 = 290; average 245;
    // turns 90 / 245 × 365 / 90 = 1.49.
    for daily_only in [false, true] {
        for (by, key) in [(TurnsBy::Item, "SKU-1"), (TurnsBy::Category, "(none)")] {
            let mut settings = ReportSettings::defaults(today());
            settings.by = by;
            settings.daily_only = daily_only;
            let table = reports
                .report(ReportName::Turns, WH, &settings)
                .await
                .unwrap();
            let body = table.to_json();
            let r = row(&body, key);
            assert_eq!(
                (
                    r["out_units"].as_i64(),
                    r["start_on_hand"].as_i64(),
                    r["end_on_hand"].as_i64(),
                    r["annual_turns"].as_f64()
                ),
                (Some(90), Some(290), Some(200), Some(1.49)),
                "{by:?} daily_only {daily_only}: {body}"
            );
            let source = if daily_only {
                WindowSource::Daily
            } else {
                WindowSource::Rolling
            };
            assert!(
                table.notes.contains(&source.note(today())),
                "{:?}",
                table.notes
            );
        }
    }
    server.finish().await;
}
