//! Authentication, roles, warehouse isolation, body limits and JSON errors: every refusal
//! is a clear JSON error and writes nothing.

use dockhand_sync_server::store::Role;
use serde_json::json;

use crate::server_support::*;

#[tokio::test]
async fn wrong_token_wrong_role_and_other_warehouse_are_refused_and_write_nothing() {
    let server = TestServer::start("auth").await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    let other_wh = server.enrol(WH2, Role::Picker).await;
    let supervisor_wh2 = server.enrol(WH2, Role::Supervisor).await;
    let event = picker.event(receive("SKU-1", 5, "A-1"), at(0));

    // No token, a wrong token, a revoked token: 401.
    let response = server
        .client
        .post(format!("{}/v1/push", server.url))
        .json(&json!({"device_id": picker.id, "events": [event]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    let mut impostor = picker.clone();
    impostor.token = "00".repeat(32);
    let (status, body) = server.push(&impostor, std::slice::from_ref(&event)).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let revoked = server.enrol(WH, Role::Picker).await;
    server
        .store
        .revoke_device(&wh(WH), revoked.id)
        .await
        .unwrap();
    let (status, _) = server.get_json(&revoked.token, "/v1/pull").await;
    assert_eq!(status, 401);

    // Another device's token pushing this device's events: 403.
    let (status, body) = server
        .post_json(
            &other_wh.token,
            "/v1/push",
            &json!({"device_id": picker.id, "events": [event]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (403, Some("forbidden"))
    );
    // Events claiming another warehouse: 403, even with the right device.
    let mut foreign = event.clone();
    foreign.header.warehouse = wh(WH2);
    let (status, body) = server.push(&picker, &[foreign]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("WH2"), "{body}");

    // Wrong role: pickers neither resolve, list conflicts, import nor enrol.
    let (status, body) = server
        .post_json(
            &picker.token,
            "/v1/conflicts/1/resolve",
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (403, Some("forbidden"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("supervisor"),
        "{body}"
    );
    let (status, _) = server.get_json(&picker.token, "/v1/conflicts").await;
    assert_eq!(status, 403);
    let (status, _) = server.get_json(&picker.token, "/v1/devices").await;
    assert_eq!(status, 403);
    let (status, _) = server
        .post_json(&picker.token, "/v1/imports/items", &json!([]))
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .post_json(&picker.token, "/v1/devices", &json!({"role": "admin"}))
        .await;
    assert_eq!(status, 403);

    // Nothing was written by any of that.
    assert_eq!(server.scalar("SELECT count(*) FROM events").await, 0);
    assert_eq!(server.scalar("SELECT count(*) FROM ledger").await, 0);
    assert_eq!(
        server
            .scalar("SELECT COALESCE(MAX(last_seq), 0) FROM device_sync")
            .await,
        0
    );
    assert_eq!(server.scalar("SELECT count(*) FROM devices").await, 4);

    // The real push works, and its conflict is invisible to the other warehouse.
    let e2 = picker.event(pick("SKU-1", 9, "A-1", "TOTE-1"), at(1));
    let body = server.push_ok(&picker, &[event, e2]).await;
    assert_eq!(outcomes(&body), ["applied", "applied_with_conflict"]);
    let conflict_id = body["results"][1]["conflict_id"].as_i64().unwrap();
    let (status, body) = server
        .get_json(
            &supervisor_wh2.token,
            &format!("/v1/conflicts/{conflict_id}"),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = server
        .post_json(
            &supervisor_wh2.token,
            &format!("/v1/conflicts/{conflict_id}/resolve"),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(status, 403);
    let (_, list) = server
        .get_json(&supervisor_wh2.token, "/v1/conflicts")
        .await;
    assert_eq!(list, json!([]));
    assert_eq!(
        server
            .scalar("SELECT count(*) FROM conflicts WHERE state = 'open'")
            .await,
        1
    );
    server.finish().await;
}

#[tokio::test]
async fn malformed_input_gaps_and_oversized_bodies_get_clear_json_errors() {
    let server = TestServer::start_with("errors", 64 * 1024).await;
    let mut dev = server.enrol(WH, Role::Picker).await;

    // Not JSON at all.
    let response = server
        .client
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(&dev.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "malformed_request");
    // JSON of the wrong shape.
    let (status, body) = server
        .post_json(
            &dev.token,
            "/v1/push",
            &json!({"device_id": dev.id, "events": "x"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("malformed_request"))
    );
    // Too large for the configured limit.
    let big: Vec<_> = (0..400)
        .map(|i| dev.event(receive("SKU-1", 1, "A-1"), at(i)))
        .collect();
    let (status, body) = server.push(&dev, &big).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    // A gap at the first new event: 409 with what the server expects.
    let (status, body) = server.push(&dev, &big[5..6]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "seq_gap");
    assert_eq!(body["detail"], json!({"expected_seq": 1, "got_seq": 6}));
    // A gap after some events: the contiguous prefix is taken, the rest is left.
    let mut batch = big[0..3].to_vec();
    batch.push(big[7].clone());
    let body = server.push_ok(&dev, &batch).await;
    assert_eq!(outcomes(&body).len(), 3);
    assert_eq!(body["last_applied_seq"], 3);
    // Sequences start at 1.
    let mut zero = big[8].clone();
    zero.header.device_seq = dockhand_app::domain::DeviceSeq(0);
    let (status, body) = server.push(&dev, &[zero]).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("bad_request"))
    );
    // An unknown path and a bad path parameter.
    let (status, body) = server.get_json(&dev.token, "/v1/nothing-here").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (404, Some("not_found"))
    );
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let (status, body) = server
        .get_json(&supervisor.token, "/v1/conflicts/abc")
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("malformed_request"))
    );
    // Unauthenticated operational endpoints.
    let (status, body) = server.get_json("", "/healthz").await;
    assert_eq!(
        (status.as_u16(), body["status"].as_str()),
        (200, Some("ok"))
    );
    let (status, doc) = server.get_json("", "/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/v1/push"].is_object());
    let metrics = server
        .client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("dockhand_events_applied_total"),
        "{metrics}"
    );
    server.finish().await;
}

#[tokio::test]
async fn every_device_asks_who_it_is_and_what_its_role_may_do() {
    let server = TestServer::start("whoami").await;
    let enrol = |warehouse: &'static str, role: Role, name: &'static str| {
        let store = server.store.clone();
        async move {
            store
                .enrol_device(None, &wh(warehouse), role, name)
                .await
                .unwrap()
        }
    };
    let picker = enrol(WH, Role::Picker, "hand 1").await;
    let supervisor = enrol(WH, Role::Supervisor, "desk").await;
    let admin = enrol(WH, Role::Admin, "back office").await;
    let elsewhere = enrol(WH2, Role::Supervisor, "WH2 desk").await;

    let before = chrono::Utc::now();
    let (status, me) = server.get_json(&picker.token, "/v1/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["device_id"], picker.device_id.to_string());
    assert_eq!(me["name"], "hand 1");
    assert_eq!(me["role"], "picker");
    assert_eq!(me["warehouse"], "WH1");
    for denied in [
        "can_read_conflicts",
        "can_resolve_conflicts",
        "can_list_devices",
        "can_enrol_devices",
        "can_import_data",
        "can_read_reports",
        "can_read_stream",
    ] {
        assert_eq!(me[denied], false, "a picker {denied}: {me}");
    }
    let server_time: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(me["server_time"].clone()).unwrap();
    assert!(server_time >= before - chrono::Duration::seconds(5), "{me}");
    // What /v1/me says is what the endpoints do: the picker still may not list devices.
    let (status, body) = server.get_json(&picker.token, "/v1/devices").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (403, Some("forbidden"))
    );

    let (_, me) = server.get_json(&supervisor.token, "/v1/me").await;
    assert_eq!(
        (me["role"].as_str(), me["name"].as_str()),
        (Some("supervisor"), Some("desk"))
    );
    assert_eq!(me["can_resolve_conflicts"], true);
    assert_eq!(me["can_list_devices"], true);
    assert_eq!(me["can_import_data"], false);
    let (status, _) = server.get_json(&supervisor.token, "/v1/devices").await;
    assert_eq!(status, 200);

    let (_, me) = server.get_json(&admin.token, "/v1/me").await;
    assert_eq!(me["role"], "admin");
    assert_eq!(me["device_id"], admin.device_id.to_string());
    assert_eq!(me["can_read_conflicts"], true);
    assert_eq!(me["can_resolve_conflicts"], false);
    assert_eq!(me["can_enrol_devices"], true);

    // Each device sees its own warehouse.
    let (_, me) = server.get_json(&elsewhere.token, "/v1/me").await;
    assert_eq!(
        (me["warehouse"].as_str(), me["name"].as_str()),
        (Some("WH2"), Some("WH2 desk"))
    );

    // No token, a wrong one, a revoked one: 401 as everywhere.
    let (status, body) = server.get_json("", "/v1/me").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = server.get_json(&"00".repeat(32), "/v1/me").await;
    assert_eq!(status, 401);
    server
        .store
        .revoke_device(&wh(WH), picker.device_id)
        .await
        .unwrap();
    let (status, body) = server.get_json(&picker.token, "/v1/me").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("unauthorized"))
    );

    // The API document describes it.
    let (_, doc) = server.get_json("", "/v1/openapi.json").await;
    assert!(doc["paths"]["/v1/me"]["get"].is_object(), "{doc}");
    server.finish().await;
}
