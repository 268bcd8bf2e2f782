//! The device's supervisor client (`dockhand_app::sync::supervisor`) against a real server:
//! the conflict queue, evidence, each resolution, roles, and the errors a supervisor meets.

use std::time::Duration;

use dockhand_app::domain::StockStatus;
use dockhand_app::sync::supervisor::{
    BalanceAdjustment, ConflictAccess, ResolutionAction, ResolveRequest, SupervisorClient,
    SupervisorError,
};
use dockhand_app::sync::{SyncClient, SyncError};
use dockhand_sync_server::store::Role;

use crate::server_support::*;

fn client(server: &TestServer, dev: &Dev) -> SupervisorClient {
    SupervisorClient::new(&server.url, &dev.token, Duration::from_secs(10)).unwrap()
}

fn plain(action: ResolutionAction) -> ResolveRequest {
    ResolveRequest {
        action,
        note: Some("checked on the floor".into()),
        adjustment: None,
    }
}

/// Two pickers take the last unit of SKU-1 from A-1 (twice), and a move out of an empty
/// B-1: three conflicts, each with a device and evidence.
async fn three_conflicts(server: &TestServer) -> (Dev, Dev) {
    let mut receiver = server.enrol(WH, Role::Receiver).await;
    let mut picker = server.enrol(WH, Role::Picker).await;
    let mut other_picker = server.enrol(WH, Role::Picker).await;
    let stock = [receiver.event(receive("SKU-1", 2, "A-1"), at(0))];
    server.push_ok(&receiver, &stock).await;
    let work = [
        picker.event(pick("SKU-1", 2, "A-1", "TOTE-1"), at(5)),
        picker.event(move_stock("SKU-2", 3, "B-1", "A-2"), at(6)),
    ];
    let body = server.push_ok(&picker, &work).await;
    assert_eq!(outcomes(&body), ["applied", "applied_with_conflict"]);
    for minute in [7, 8] {
        let late = [other_picker.event(pick("SKU-1", 1, "A-1", "TOTE-2"), at(minute))];
        let body = server.push_ok(&other_picker, &late).await;
        assert_eq!(outcomes(&body), ["applied_with_conflict"]);
    }
    (picker, other_picker)
}

#[tokio::test]
async fn a_supervisor_lists_reads_and_resolves_conflicts() {
    let server = TestServer::start("supervisor_client").await;
    let (_, other_picker) = three_conflicts(&server).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let desk = client(&server, &supervisor);

    assert_eq!(desk.access().await.unwrap(), ConflictAccess::Resolve);
    let queue = desk.undecided_conflicts(50).await.unwrap();
    assert_eq!(queue.len(), 3);
    assert!(queue.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let kinds: Vec<&str> = queue.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "pick_beyond_balance",
            "pick_beyond_balance",
            "move_from_empty"
        ]
    );
    assert!(queue.iter().all(|c| c.state == "open"));
    assert_eq!(queue[0].device_id, Some(other_picker.id));

    // The evidence names the balance, what was there and how much went missing.
    let detail = desk.conflict(queue[0].id).await.unwrap();
    assert_eq!(detail.summary, queue[0]);
    let shortfall = &detail.evidence["shortfalls"][0];
    assert_eq!(shortfall["key"]["item"], "SKU-1");
    assert_eq!(shortfall["key"]["location"], "A-1");
    assert_eq!(shortfall["before"], 0);
    assert_eq!(shortfall["shortfall"], 1);
    assert!(detail.event.is_some());
    assert!(detail.resolutions.is_empty());

    // Accept: the unit existed; the discrepancy is written off.
    let accepted = desk
        .resolve(queue[0].id, &plain(ResolutionAction::Accept))
        .await
        .unwrap();
    assert_eq!(accepted.summary.state, "resolved");
    assert!(accepted.summary.resolved_at.is_some());
    assert_eq!(accepted.resolutions.len(), 1);
    assert_eq!(accepted.resolutions[0]["action"], "accept");
    assert_eq!(
        accepted.resolutions[0]["resolved_by"],
        supervisor.id.to_string()
    );

    // Reject the second pick: it is reversed, so the tote gives the unit back.
    let before = server.balance("SKU-1", "TOTE-2", "allocated").await;
    desk.resolve(queue[1].id, &plain(ResolutionAction::Reject))
        .await
        .unwrap();
    assert_eq!(
        server.balance("SKU-1", "TOTE-2", "allocated").await,
        before - 1
    );

    // Recount leaves the move's conflict waiting, still listed as undecided.
    let recount = desk
        .resolve(queue[2].id, &plain(ResolutionAction::Recount))
        .await
        .unwrap();
    assert_eq!(recount.summary.state, "recount_requested");
    let waiting = desk.undecided_conflicts(50).await.unwrap();
    assert_eq!(
        waiting.iter().map(|c| c.id).collect::<Vec<_>>(),
        [queue[2].id]
    );

    // Adjust after the recount: found 3 of SKU-2 in B-1 after all.
    let adjusted = desk
        .resolve(
            queue[2].id,
            &ResolveRequest {
                action: ResolutionAction::Adjust,
                note: None,
                adjustment: Some(BalanceAdjustment {
                    item: sku("SKU-2"),
                    location: loc("B-1"),
                    lot: None,
                    status: StockStatus::Available,
                    delta: 3,
                }),
            },
        )
        .await
        .unwrap();
    assert_eq!(adjusted.summary.state, "resolved");
    assert_eq!(server.balance("SKU-2", "B-1", "available").await, 3);
    assert!(desk.undecided_conflicts(50).await.unwrap().is_empty());
    assert_eq!(desk.conflicts(Some("resolved"), 50).await.unwrap().len(), 3);
    server.finish().await;
}

#[tokio::test]
async fn roles_and_refusals_come_back_as_errors_a_supervisor_can_act_on() {
    let server = TestServer::start("supervisor_errors").await;
    let (picker, _) = three_conflicts(&server).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let admin = server.enrol(WH, Role::Admin).await;
    let desk = client(&server, &supervisor);
    let id = desk.undecided_conflicts(10).await.unwrap()[0].id;

    // A picker may neither read nor resolve: `GET /v1/me` says so without a refusal.
    let picker_desk = client(&server, &picker);
    assert_eq!(
        picker_desk.access().await.unwrap(),
        ConflictAccess::NotForRole {
            role: "picker".into()
        }
    );
    let refused = picker_desk.undecided_conflicts(10).await.unwrap_err();
    assert!(refused.is_forbidden(), "{refused}");

    // An admin reads but cannot resolve.
    let admin_desk = client(&server, &admin);
    assert_eq!(
        admin_desk.access().await.unwrap(),
        ConflictAccess::ReadOnly {
            role: "admin".into()
        }
    );
    assert_eq!(admin_desk.conflict(id).await.unwrap().summary.id, id);
    let refused = admin_desk
        .resolve(id, &plain(ResolutionAction::Accept))
        .await
        .unwrap_err();
    assert!(refused.is_forbidden(), "{refused}");

    // An adjustment without its balance, or by zero, is refused with the reason.
    let missing = desk
        .resolve(id, &plain(ResolutionAction::Adjust))
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, SupervisorError::Refused(m) if m.contains("adjustment")),
        "{missing}"
    );

    // Deciding twice: the second supervisor is told someone decided first.
    desk.resolve(id, &plain(ResolutionAction::Accept))
        .await
        .unwrap();
    let twice = desk
        .resolve(id, &plain(ResolutionAction::Reject))
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, SupervisorError::AlreadyDecided(m) if m.contains("already resolved")),
        "{twice}"
    );
    let missing = desk.conflict(999_999).await.unwrap_err();
    assert!(matches!(missing, SupervisorError::NotFound(_)), "{missing}");

    // A revoked or unknown token: enrol again.
    let stranger = SupervisorClient::new(&server.url, "not-a-token", Duration::from_secs(5))
        .unwrap()
        .undecided_conflicts(10)
        .await
        .unwrap_err();
    assert!(
        matches!(stranger, SupervisorError::Sync(SyncError::Unauthorized(_))),
        "{stranger}"
    );
    server.finish().await;

    // And with the server gone: a network error, which the UI shows as offline.
    let gone = desk.undecided_conflicts(10).await.unwrap_err();
    assert!(
        matches!(gone, SupervisorError::Sync(SyncError::Network(_))),
        "{gone}"
    );
}

#[tokio::test]
async fn any_device_client_learns_who_it_is_and_a_bad_token_is_told_to_enrol_again() {
    let server = TestServer::start("whoami_client").await;
    let picker = server.enrol(WH, Role::Picker).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;

    let sync = SyncClient::new(&server.url, &picker.token, Duration::from_secs(10)).unwrap();
    let me = sync.whoami().await.unwrap();
    assert_eq!(me.device_id, picker.id);
    assert_eq!(me.role, "picker");
    assert_eq!(me.warehouse.as_str(), "WH1");
    assert_eq!(me.name, "test device");
    assert!(!me.can_read_conflicts && !me.can_list_devices);
    assert!((chrono::Utc::now() - me.server_time).num_seconds().abs() < 60);

    let desk = client(&server, &supervisor).whoami().await.unwrap();
    assert_eq!(desk.device_id, supervisor.id);
    assert!(desk.can_resolve_conflicts && desk.can_list_devices);

    let stranger = SyncClient::new(&server.url, &"00".repeat(32), Duration::from_secs(10)).unwrap();
    let refused = stranger.whoami().await.unwrap_err();
    assert!(
        matches!(&refused, SyncError::Unauthorized(_)),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("enrol the device again"),
        "{refused}"
    );

    // A server without the endpoint (older than this app; here: a base URL that misses it).
    let older = SyncClient::new(
        &format!("{}/older", server.url),
        &picker.token,
        Duration::from_secs(10),
    )
    .unwrap();
    let refused = older.whoami().await.unwrap_err();
    assert!(
        refused.to_string().contains("update the sync server"),
        "{refused}"
    );
    server.finish().await;
}
