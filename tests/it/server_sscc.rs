//! SSCC ranges over HTTP: an admin sets the warehouse's company prefix, devices lease
//! disjoint blocks (also concurrently), a device journal allocates from its lease offline,
//! a used-up range is refused with a clear message, and the same SSCC allocated by two
//! events becomes a duplicate_sscc conflict.

use std::collections::BTreeSet;
use std::time::Duration;

use dockhand_app::domain::{EventBody, RawEvent, SsccAllocated};
use dockhand_app::journal::{Journal, OpenOptions};
use dockhand_app::label::allocate::{allocate_sscc, needs_renewal, renew_if_needed};
use dockhand_app::sync::SyncClient;
use dockhand_sync_server::store::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

async fn put_scheme(server: &TestServer, token: &str, body: Value) -> (StatusCode, Value) {
    let response = server
        .client
        .put(format!("{}/v1/sscc/scheme", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn allocated(dev: &mut Dev, sscc: &str) -> dockhand_app::domain::Event {
    let raw: RawEvent = dev.event(
        EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.to_owned(),
            purpose: Some("pallet".into()),
            contents: vec![],
            order: None,
        }),
        at(0),
    );
    raw.decode().unwrap()
}

#[tokio::test]
async fn devices_lease_disjoint_blocks_and_duplicates_are_conflicts() {
    let server = TestServer::start("sscc_leases").await;
    let admin = server.enrol(WH, Role::Admin).await;
    let mut a = server.enrol(WH, Role::Picker).await;
    let mut b = server.enrol(WH, Role::Receiver).await;

    // No range yet: a clear refusal.
    let (status, body) = server
        .post_json(&a.token, "/v1/sscc/leases", &json!({"size": 10}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("has no GS1 company prefix for SSCCs yet"),
        "{body}"
    );

    // Only an admin sets it, and only a valid one.
    let (status, _) = put_scheme(
        &server,
        &a.token,
        json!({"company_prefix": "9506000", "extension": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = put_scheme(
        &server,
        &admin.token,
        json!({"company_prefix": "95A", "extension": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = put_scheme(
        &server,
        &admin.token,
        json!({"company_prefix": "9506000", "extension": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next_serial"], 1);

    // Eight leases at once from two devices: disjoint, together exactly 1..=4000.
    let lease = |token: String| {
        let server = &server;
        async move {
            let (status, body) = server
                .post_json(&token, "/v1/sscc/leases", &json!({"size": 500}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            (
                body["first"].as_u64().unwrap(),
                body["last"].as_u64().unwrap(),
            )
        }
    };
    let blocks = futures_join(vec![
        lease(a.token.clone()),
        lease(b.token.clone()),
        lease(a.token.clone()),
        lease(b.token.clone()),
        lease(a.token.clone()),
        lease(b.token.clone()),
        lease(a.token.clone()),
        lease(b.token.clone()),
    ])
    .await;
    let mut serials = BTreeSet::new();
    for (first, last) in &blocks {
        assert_eq!(last - first + 1, 500);
        for s in *first..=*last {
            assert!(serials.insert(s), "serial {s} leased twice: {blocks:?}");
        }
    }
    assert_eq!(
        (serials.first().copied(), serials.last().copied()),
        (Some(1), Some(4000))
    );
    let (_, scheme) = server.get_json(&a.token, "/v1/sscc/scheme").await;
    assert_eq!(scheme["next_serial"], 4001);

    // A device journal leases through the sync client, then allocates offline.
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open_with(
        dir.path().join("device.db"),
        OpenOptions {
            warehouse: Some(wh(WH)),
            device_id: Some(a.id),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let client = SyncClient::new(&server.url, &a.token, Duration::from_secs(10)).unwrap();
    assert!(needs_renewal(&journal).unwrap());
    let block = renew_if_needed(&mut journal, &client, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((block.first, block.last), (4001, 4010));
    assert!(
        renew_if_needed(&mut journal, &client, 10)
            .await
            .unwrap()
            .is_none()
    );
    let operator = dockhand_app::domain::OperatorId::new("ana").unwrap();
    let mut made = Vec::new();
    for _ in 0..8 {
        let (sscc, event) = allocate_sscc(&mut journal, operator.clone(), "pallet").unwrap();
        assert_eq!(event.event.kind(), "sscc_allocated");
        made.push(sscc.to_string());
    }
    // Extension 0, prefix 9506000, serial 000004001, then the check digit.
    assert!(made[0].starts_with("09506000000004001"), "{made:?}");
    dockhand_app::label::sscc::Sscc::parse(&made[0]).unwrap();
    assert!(
        needs_renewal(&journal).unwrap(),
        "2 of 10 left: time to renew"
    );
    let block = renew_if_needed(&mut journal, &client, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.first, 4011);

    // The same SSCC from a second event (a restored backup) is a conflict; a retry of the
    // first event is not.
    let first = allocated(&mut a, &made[0]);
    assert!(
        server
            .store
            .record_sscc_allocation(&wh(WH), &first)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        server
            .store
            .record_sscc_allocation(&wh(WH), &first)
            .await
            .unwrap()
            .is_empty()
    );
    let again = allocated(&mut b, &made[0]);
    let conflicts = server
        .store
        .record_sscc_allocation(&wh(WH), &again)
        .await
        .unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        server
            .scalar("SELECT count(*) FROM conflicts WHERE kind = 'duplicate_sscc'")
            .await,
        1
    );

    // Through push, as devices deliver them: a fresh SSCC applies clean, the same SSCC
    // from another device is applied with a duplicate_sscc conflict, a replay is answered
    // the same.
    let fresh = dockhand_app::label::sscc::Sscc::parse(&made[1])
        .unwrap()
        .to_string();
    let mut c = server.enrol(WH, Role::Picker).await;
    let mut d = server.enrol(WH, Role::Receiver).await;
    // A pallet built of two packed cartons carries their SSCCs and its order.
    let mine = c.event(
        EventBody::SsccAllocated(SsccAllocated {
            sscc: fresh.clone(),
            purpose: Some("pallet".into()),
            contents: vec!["095060001000000029".into(), "095060001000000036".into()],
            order: Some(dockhand_app::domain::OrderNumber::new("SO-1").unwrap()),
        }),
        at(1),
    );
    let body = server.push_ok(&c, std::slice::from_ref(&mine)).await;
    assert_eq!(outcomes(&body), ["applied"], "{body}");
    assert_eq!(
        server
            .scalar(
                "SELECT count(*) FROM events WHERE kind = 'sscc_allocated'
                 AND jsonb_array_length(body->'payload'->'contents') = 2
                 AND body->'payload'->>'order' = 'SO-1'"
            )
            .await,
        1,
        "the server stores the pallet's cartons and order"
    );
    let theirs = d.event(
        EventBody::SsccAllocated(SsccAllocated {
            sscc: fresh,
            purpose: Some("pallet".into()),
            contents: vec![],
            order: None,
        }),
        at(2),
    );
    let body = server.push_ok(&d, std::slice::from_ref(&theirs)).await;
    assert_eq!(outcomes(&body), ["applied_with_conflict"], "{body}");
    assert_eq!(
        body["results"][0]["conflict_kind"], "duplicate_sscc",
        "{body}"
    );
    let replay = server.push_ok(&d, std::slice::from_ref(&theirs)).await;
    assert_eq!(replay["results"], body["results"]);
    server.finish().await;
}

#[tokio::test]
async fn a_used_up_range_is_refused_with_what_to_do() {
    let server = TestServer::start("sscc_used_up").await;
    let admin = server.enrol(WH, Role::Admin).await;
    // A 12-digit prefix leaves 4 digits: serials 1..=9999.
    let (status, _) = put_scheme(
        &server,
        &admin.token,
        json!({"company_prefix": "950600012345", "extension": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server
        .post_json(&admin.token, "/v1/sscc/leases", &json!({"size": 9999}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = server
        .post_json(&admin.token, "/v1/sscc/leases", &json!({"size": 1}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["message"],
        "the SSCC range of company prefix 950600012345 with extension 3 is used up; configure another extension digit"
    );
    let (status, _) = server
        .post_json(&admin.token, "/v1/sscc/leases", &json!({"size": 0}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.finish().await;
}

/// Runs the futures concurrently on this task.
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
