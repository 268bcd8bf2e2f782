//! Pick tasks reserve stock when assigned, so planned offline picks do not conflict; an
//! unplanned pick that takes reserved stock is flagged.

use dockhand_app::domain::{EventBody, TaskId};
use dockhand_sync_server::store::Role;
use serde_json::json;

use crate::server_support::*;

fn task_pick(task: &str, item: &str, qty: i64, from: &str, to: &str) -> EventBody {
    let EventBody::Pick(mut p) = pick(item, qty, from, to) else {
        unreachable!()
    };
    p.task = Some(TaskId::new(task).unwrap());
    EventBody::Pick(p)
}

#[tokio::test]
async fn tasks_reserve_what_is_free_and_planned_picks_apply_clean() {
    let server = TestServer::start("tasks").await;
    let admin = server.enrol(WH, Role::Admin).await;
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut planned = server.enrol(WH, Role::Picker).await;
    let mut unplanned = server.enrol(WH, Role::Picker).await;
    let e = receiver.event(receive("SKU-1", 5, "A-1"), at(0));
    server.push_ok(&receiver, &[e]).await;

    let line =
        |no: u32, qty: i64| json!({"line_no": no, "item": "SKU-1", "location": "A-1", "qty": qty});
    let (status, summary) = server
        .post_json(
            &admin.token,
            "/v1/imports/pick-tasks",
            &json!([
                {"task": "T-1", "order": "SO-1", "mode": "single", "lines": [line(1, 3)]},
                {"task": "T-2", "order": "SO-2", "mode": "single", "lines": [line(1, 4)]}
            ]),
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["upserted"], 2);
    assert_eq!(
        summary["short"],
        json!([{"task": "T-2", "line_no": 1, "asked": 4, "reserved": 2}])
    );
    // A task id cannot be reused.
    let (status, _) = server
        .post_json(
            &admin.token,
            "/v1/imports/pick-tasks",
            &json!([{"task": "T-1", "mode": "single", "lines": []}]),
        )
        .await;
    assert_eq!(status, 409);

    // An unplanned pick of one unit leaves 4 for 5 reserved: recorded, and flagged.
    let e = unplanned.event(pick("SKU-1", 1, "A-1", "TOTE-9"), at(1));
    let body = server.push_ok(&unplanned, &[e]).await;
    assert_eq!(
        body["results"][0]["conflict_kind"], "reservation_broken",
        "{body}"
    );
    // The planned picks of T-1 consume its reservation and apply clean; T-1 closes.
    let events = vec![
        planned.event(task_pick("T-1", "SKU-1", 2, "A-1", "TOTE-1"), at(2)),
        planned.event(task_pick("T-1", "SKU-1", 1, "A-1", "TOTE-1"), at(3)),
    ];
    let body = server.push_ok(&planned, &events).await;
    assert_eq!(outcomes(&body), ["applied", "applied"]);
    let state: String = sqlx::query_scalar("SELECT state FROM pick_tasks WHERE task = 'T-1'")
        .fetch_one(server.store.pool())
        .await
        .unwrap();
    assert_eq!(state, "closed");
    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 1);

    // Devices see the tasks with what was reserved, and T-1 closing.
    server.wait_for_pull_barrier().await;
    let (_, page) = server.get_json(&planned.token, "/v1/pull?limit=5000").await;
    let changes = page["changes"].as_array().unwrap();
    let t2 = changes
        .iter()
        .find(|c| c["type"] == "pick_task" && c["data"]["task"] == "T-2")
        .unwrap();
    assert_eq!(t2["data"]["lines"][0]["qty"], 2);
    assert!(
        changes
            .iter()
            .any(|c| c["type"] == "pick_task_closed" && c["data"]["task"] == "T-1")
    );
    server.finish().await;
}
