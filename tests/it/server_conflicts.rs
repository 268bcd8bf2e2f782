//! Conflict kinds beyond the pick race (receipts against ASNs, serials, moves from empty
//! bins) and their resolution by a supervisor through the ledger; admin imports and
//! enrolment over HTTP; device sync health.

use dockhand_app::domain::{
    DocumentKind, DocumentRef, EventBody, ReceiptClosed, Receive, SerialNumber, StockStatus,
};
use dockhand_sync_server::store::Role;
use serde_json::{Value, json};

use crate::server_support::*;

fn receive_against(document: &str, item: &str, qty: i64) -> EventBody {
    EventBody::Receive(Receive {
        document: Some(DocumentRef {
            kind: DocumentKind::Asn,
            number: document.to_owned(),
        }),
        line: line(item, qty),
        to: loc("DOCK-1"),
        status: StockStatus::Available,
        gtin: None,
        pack: None,
        sscc: None,
    })
}

fn receive_serials(item: &str, serials: &[&str]) -> EventBody {
    let mut l = line(item, serials.len() as i64);
    l.serials = serials
        .iter()
        .map(|s| SerialNumber::new(*s).unwrap())
        .collect();
    EventBody::Receive(Receive {
        document: None,
        line: l,
        to: loc("DOCK-1"),
        status: StockStatus::Available,
        gtin: None,
        pack: None,
        sscc: None,
    })
}

fn conflict_of(body: &Value, index: usize) -> (i64, String) {
    let result = &body["results"][index];
    assert_eq!(result["outcome"], "applied_with_conflict", "{body}");
    (
        result["conflict_id"].as_i64().unwrap(),
        result["conflict_kind"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn receipts_serials_and_empty_bins_open_conflicts_with_evidence() {
    let server = TestServer::start("conflict_kinds").await;
    let admin = server.enrol(WH, Role::Admin).await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut other_receiver = server.enrol(WH, Role::Receiver).await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;

    let (status, body) = server
        .post_json(
            &admin.token,
            "/v1/imports/inbound-documents",
            &json!([{"kind": "asn", "number": "ASN-1", "supplier": "ACME", "tolerance_pct": 10,
                     "lines": [{"line_no": 1, "item": "SKU-1", "expected": 10}]}]),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let events = vec![
        receiver.event(receive_against("ASN-1", "SKU-1", 8), at(0)),
        receiver.event(receive_against("ASN-1", "SKU-1", 4), at(1)),
        receiver.event(
            EventBody::ReceiptClosed(ReceiptClosed {
                document: DocumentRef {
                    kind: DocumentKind::Asn,
                    number: "ASN-1".into(),
                },
                variances: vec![],
            }),
            at(2),
        ),
        receiver.event(receive_against("ASN-1", "SKU-1", 1), at(3)),
        receiver.event(receive_against("ASN-404", "SKU-1", 1), at(4)),
        receiver.event(receive_serials("SKU-2", &["S1", "S2"]), at(5)),
    ];
    let body = server.push_ok(&receiver, &events).await;
    assert_eq!(
        outcomes(&body),
        [
            "applied",
            "applied_with_conflict",
            "applied",
            "applied_with_conflict",
            "applied_with_conflict",
            "applied"
        ]
    );
    assert_eq!(conflict_of(&body, 1).1, "over_receipt");
    assert_eq!(conflict_of(&body, 3).1, "receipt_against_closed_document");
    assert_eq!(conflict_of(&body, 4).1, "unknown_document");
    // Physical facts are recorded whatever the paperwork says.
    assert_eq!(server.balance("SKU-1", "DOCK-1", "available").await, 14);

    let dup = other_receiver.event(receive_serials("SKU-2", &["S2", "S3"]), at(6));
    let body = server.push_ok(&other_receiver, &[dup]).await;
    let (serial_conflict, kind) = conflict_of(&body, 0);
    assert_eq!(kind, "duplicate_serial");

    let empty_move = picker.event(move_stock("SKU-3", 2, "A-2", "B-1"), at(7));
    let body = server.push_ok(&picker, &[empty_move]).await;
    let (move_conflict, kind) = conflict_of(&body, 0);
    assert_eq!(kind, "move_from_empty");

    // The supervisor sees them all, with evidence.
    let (status, list) = server
        .get_json(&supervisor.token, "/v1/conflicts?state=open")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 6);
    let (_, detail) = server
        .get_json(
            &supervisor.token,
            &format!("/v1/conflicts/{serial_conflict}"),
        )
        .await;
    assert_eq!(detail["evidence"]["duplicates"][0]["serial"], "S2");
    assert_eq!(detail["event"]["kind"], "receive");
    let (_, detail) = server
        .get_json(&supervisor.token, &format!("/v1/conflicts/{move_conflict}"))
        .await;
    assert_eq!(detail["evidence"]["shortfalls"][0]["shortfall"], 2);
    assert_eq!(detail["kind"], "move_from_empty");

    // The ASN as devices pull it shows what was received and that it is closed.
    server.wait_for_pull_barrier().await;
    let (_, page) = server
        .get_json(&receiver.token, "/v1/pull?limit=5000")
        .await;
    let asn = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["type"] == "inbound_document")
        .unwrap();
    assert_eq!(asn["data"]["state"], "closed");

    // Sync health per device.
    let (status, devices) = server.get_json(&supervisor.token, "/v1/devices").await;
    assert_eq!(status, 200);
    let row = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == json!(receiver.id))
        .unwrap();
    assert_eq!(row["last_applied_seq"], 6);
    assert_eq!(row["events_with_conflict"], 3);
    assert_eq!(row["events_applied"], 3);
    server.finish().await;
}

#[tokio::test]
async fn each_resolution_is_an_audited_event_that_moves_stock_through_the_ledger() {
    let server = TestServer::start("resolve").await;
    let admin = server.enrol(WH, Role::Admin).await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;

    let events = vec![
        picker.event(receive("SKU-1", 1, "A-1"), at(0)),
        // Three picks of 2 from a bin holding 1: three shortfalls.
        picker.event(pick("SKU-1", 2, "A-1", "TOTE-1"), at(1)),
        picker.event(pick("SKU-1", 2, "A-1", "TOTE-2"), at(2)),
        picker.event(move_stock("SKU-2", 3, "A-2", "B-1"), at(3)),
        picker.event(pick("SKU-3", 1, "A-1", "TOTE-3"), at(4)),
        // An item the catalog does not have yet: quarantined.
        picker.event(receive("NEW-1", 4, "A-1"), at(5)),
    ];
    let body = server.push_ok(&picker, &events).await;
    let (accept_id, _) = conflict_of(&body, 1);
    let (adjust_id, _) = conflict_of(&body, 2);
    let (reject_id, _) = conflict_of(&body, 3);
    let (recount_id, _) = conflict_of(&body, 4);
    let quarantined_id = body["results"][5]["conflict_id"].as_i64().unwrap();
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, -3);

    let resolve = |id: i64, body: Value| {
        let server = &server;
        let token = supervisor.token.clone();
        async move {
            server
                .post_json(&token, &format!("/v1/conflicts/{id}/resolve"), &body)
                .await
        }
    };
    // Accept: the pick stands; its unit existed unrecorded (discrepancy written off).
    let (status, detail) = resolve(
        accept_id,
        json!({"action": "accept", "note": "found a unit"}),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["state"], "resolved");
    assert_eq!(detail["resolutions"][0]["action"], "accept");
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, -2);
    // Adjust: the pick stands and the supervisor corrects the tote, too.
    let (status, _) = resolve(
        adjust_id,
        json!({"action": "adjust", "adjustment": {"item": "SKU-1", "location": "TOTE-2",
               "status": "allocated", "delta": -1}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(server.balance("SKU-1", "A-1", "discrepancy").await, 0);
    assert_eq!(server.balance("SKU-1", "TOTE-2", "allocated").await, 1);
    // Reject: the move did not happen; its movements are reversed.
    let (status, _) = resolve(reject_id, json!({"action": "reject"})).await;
    assert_eq!(status, 200);
    assert_eq!(server.balance("SKU-2", "B-1", "available").await, 0);
    assert_eq!(server.balance("SKU-2", "A-2", "discrepancy").await, 0);
    // Recount: nothing moves, the conflict waits.
    let (status, detail) = resolve(recount_id, json!({"action": "recount"})).await;
    assert_eq!(status, 200);
    assert_eq!(detail["state"], "recount_requested");
    assert_eq!(server.balance("SKU-3", "A-1", "discrepancy").await, -1);
    // A resolved conflict cannot be resolved again; an adjust needs its adjustment.
    let (status, body) = resolve(accept_id, json!({"action": "reject"})).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (409, Some("conflict"))
    );
    let (status, _) = resolve(recount_id, json!({"action": "adjust"})).await;
    assert_eq!(status, 400);
    // The quarantined receipt applies once the item is imported and it is accepted.
    let (status, body) = resolve(quarantined_id, json!({"action": "accept"})).await;
    assert_eq!(status, 409, "still unknown: {body}");
    let (status, _) = server
        .post_json(
            &admin.token,
            "/v1/imports/items",
            &json!([{"sku": "NEW-1", "name": "New"}]),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = resolve(quarantined_id, json!({"action": "accept"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.balance("NEW-1", "A-1", "available").await, 4);

    // Every resolution is recorded with its own event id, and its movements carry it.
    let resolutions = server.scalar("SELECT count(*) FROM resolutions").await;
    assert_eq!(resolutions, 5);
    let moved = server
        .scalar(
            "SELECT count(DISTINCT r.event_id) FROM resolutions r JOIN ledger l ON l.event_id = r.event_id",
        )
        .await;
    assert_eq!(moved, 3, "accept, adjust and reject moved stock");
    server.finish().await;
}

#[tokio::test]
async fn an_admin_enrols_a_device_over_http_and_its_token_works_once_issued() {
    let server = TestServer::start("enrol").await;
    let admin = server.enrol(WH, Role::Admin).await;
    let (status, enrolled) = server
        .post_json(
            &admin.token,
            "/v1/devices",
            &json!({"role": "picker", "name": "TC52 #7"}),
        )
        .await;
    assert_eq!(status, 201, "{enrolled}");
    assert_eq!(enrolled["warehouse"], WH);
    let token = enrolled["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    let (status, page) = server.get_json(token, "/v1/pull?limit=1").await;
    assert_eq!(status, 200, "{page}");
    // The token is stored only as a hash.
    let plain: i64 =
        sqlx::query_scalar("SELECT count(*) FROM devices WHERE encode(token_hash, 'hex') = $1")
            .bind(token)
            .fetch_one(server.store.pool())
            .await
            .unwrap();
    assert_eq!(plain, 0, "the plain token is not stored");
    // CSV imports, with errors that name the row and column.
    let csv = |path: &str, body: &'static str| {
        server
            .client
            .post(format!("{}{path}", server.url))
            .bearer_auth(&admin.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let response = csv(
        "/v1/imports/items",
        "sku,name,gtins,packs\nMUG,Mug,09506000134352,CS:12\n",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let response = csv(
        "/v1/imports/locations",
        "code,kind,zone,pick_sequence\nC-1,bin,C,7\n",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let response = csv(
        "/v1/imports/orders",
        "number,line_no,item,qty\nSO-1,1,MUG,x\n",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "malformed_csv");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("row 2, column qty"),
        "{body}"
    );
    let mut picker = server.enrol(WH, Role::Picker).await;
    let e = picker.event(receive("MUG", 12, "C-1"), at(0));
    let body = server.push_ok(&picker, &[e]).await;
    assert_eq!(
        outcomes(&body),
        ["applied"],
        "the CSV item and location are known"
    );
    // Locations for another warehouse cannot be imported by this admin.
    let (status, _) = server
        .post_json(
            &admin.token,
            "/v1/imports/locations",
            &json!([{"code": "X-1", "warehouse": "WH2", "kind": "bin"}]),
        )
        .await;
    assert_eq!(status, 403);
    server.finish().await;
}
