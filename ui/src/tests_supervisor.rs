//! Supervisor screens, headless: a supervisor device resolves conflicts through the real
//! window (taps found by their accessible labels) against a real sync server on a fresh
//! PostgreSQL database (the demo bootstrap made it), and the server records the decisions.
//! Devices that may not resolve are told why, from the screen they tapped into, as the
//! server's `GET /v1/me` says; offline, by its last answer.

use std::rc::Rc;
use std::sync::Arc;

use dockhand_sync_server::store::Role;
use slint::{ComponentHandle, Model};

use crate::app::Controllers;
use crate::demo::bootstrap::{self, DemoServer};
use crate::demo::database::DemoDatabase;
use crate::demo::sample_conflicts::SampleDesk;
use crate::feedback::SilentFeedback;
use crate::sample_device::{self, ScriptedSync};
use crate::test_support::{OnScreen, enrolled_sample_journal, show_window};
use crate::{ConflictsAdapter, ConflictsStage, FeedbackKind, MainWindow, Screen};

struct Handheld {
    window: MainWindow,
    controllers: Rc<Controllers>,
    /// The stand-in server, when there is one.
    desk: Option<Arc<SampleDesk>>,
    _dir: tempfile::TempDir,
}

impl OnScreen for Handheld {
    fn window(&self) -> &MainWindow {
        &self.window
    }
}

impl Handheld {
    /// A handheld over `journal`, signed in, on Home.
    fn signed_in(journal: dockhand_app::journal::Journal, dir: tempfile::TempDir) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let journal = Rc::new(std::cell::RefCell::new(journal));
        let controllers = Controllers::new(
            journal,
            Box::new(ScriptedSync::new(sample_device::status_synced())),
            Box::new(SilentFeedback),
        );
        let window = show_window(&controllers);
        let handheld = Self {
            window,
            controllers,
            desk: None,
            _dir: dir,
        };
        handheld.scan("sam");
        assert_eq!(handheld.screen(), Screen::Home);
        handheld
    }

    /// A sample journal, enrolled as `role`, whose conflict screens talk to a stand-in
    /// server instead of a real one.
    fn with_desk(role: Role) -> Self {
        let (journal, dir) = enrolled_sample_journal();
        let journal = Rc::try_unwrap(journal).unwrap().into_inner();
        let me = journal.device_id();
        let mut handheld = Self::signed_in(journal, dir);
        let desk = SampleDesk::new(me, role);
        handheld.controllers.conflicts.use_api(desk.clone());
        handheld.desk = Some(desk);
        handheld
    }

    /// The stand-in server stops answering, as when the handheld leaves Wi-Fi.
    fn lose_network(&self) {
        self.desk
            .as_ref()
            .expect("a handheld with a stand-in server")
            .lose_network();
    }

    fn stage(&self) -> ConflictsStage {
        self.window.global::<ConflictsAdapter>().get_stage()
    }

    fn headlines(&self) -> Vec<String> {
        let rows = self.window.global::<ConflictsAdapter>().get_rows();
        rows.iter().map(|r| r.headline.to_string()).collect()
    }

    fn evidence(&self) -> String {
        let rows = self.window.global::<ConflictsAdapter>().get_evidence();
        rows.iter()
            .map(|r| format!("{}\n{}", r.heading, r.text))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Home → More → Conflicts, as a supervisor finds them.
    fn open_conflicts(&self) {
        self.tap("More");
        assert_eq!(self.screen(), Screen::More);
        self.tap("Conflicts");
        assert_eq!(self.screen(), Screen::Conflicts);
    }
}

/// A real sync server on a fresh PostgreSQL database, with the runtime it runs on.
fn real_server() -> (tokio::runtime::Runtime, DemoDatabase, DemoServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime
        .block_on(DemoDatabase::fresh_on(&crate::demo::tests::admin_url()))
        .expect("PostgreSQL must be running for this test (DATABASE_URL)");
    let server = runtime
        .block_on(DemoServer::start(&database.url()))
        .unwrap();
    (runtime, database, server)
}

/// Stops the server and removes its database.
fn stop(runtime: tokio::runtime::Runtime, database: DemoDatabase, server: DemoServer) {
    runtime.block_on(server.stop());
    runtime.block_on(database.remove()).unwrap();
}

/// The id of the first open conflict of `kind` in the server's table, with its state.
async fn conflict_state(server: &DemoServer, kind: &str) -> (i64, String) {
    sqlx::query_as("SELECT id, state FROM conflicts WHERE kind = $1 ORDER BY id LIMIT 1")
        .bind(kind)
        .fetch_one(server.store.pool())
        .await
        .unwrap()
}

#[test]
fn a_supervisor_resolves_conflicts_on_the_handheld_and_the_server_records_it() {
    let (runtime, database, server) = real_server();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = crate::demo::open_journal(&dir.path().join("device.db")).unwrap();
    runtime
        .block_on(bootstrap::seed(&server, &mut journal))
        .unwrap();
    let me = journal.device_id();
    let handheld = Handheld::signed_in(journal, dir);

    // The queue: stock-short-now first, each row in the user's words.
    handheld.open_conflicts();
    assert_eq!(handheld.stage(), ConflictsStage::List);
    let headlines = handheld.headlines();
    assert_eq!(headlines.len(), 3, "{headlines:?}");
    assert_eq!(headlines[2], "Received more than expected", "{headlines:?}");
    assert!(headlines.contains(&"Picked more than the bin had".to_owned()));
    assert!(
        handheld
            .window
            .global::<ConflictsAdapter>()
            .get_rows()
            .iter()
            .take(2)
            .all(|r| r.blocking)
    );

    // The pick race: what each device did and the stock record, in words.
    handheld.tap("Picked more than the bin had");
    assert_eq!(handheld.stage(), ConflictsStage::Detail);
    let evidence = handheld.evidence();
    assert!(evidence.contains("Picker 2 (paula)"), "{evidence}");
    assert!(
        evidence.contains("Pick: 1 × Red Mug 350 ml\nfrom B-02-1-A to TOTE-3"),
        "{evidence}"
    );
    assert!(
        evidence.contains("the server had 0, 1 taken, 1 missing"),
        "{evidence}"
    );
    assert!(evidence.contains("Picker 1"), "{evidence}");
    let adapter = handheld.window.global::<ConflictsAdapter>();
    assert!(adapter.get_can_resolve());
    assert_eq!(
        adapter.get_message(),
        "Picker 2: Pick of 1 × Red Mug 350 ml from B-02-1-A, where the server had 0"
    );
    assert!(
        adapter
            .get_accept_effect()
            .contains("Writes off 1 missing in B-02-1-A"),
        "{}",
        adapter.get_accept_effect()
    );

    // Decide → Accept → confirm.
    handheld.tap("Decide");
    assert_eq!(handheld.stage(), ConflictsStage::Decide);
    handheld.tap("Accept");
    assert_eq!(handheld.stage(), ConflictsStage::Confirm);
    handheld.tap("✔ Accept");
    let (kind, text) = handheld.feedback();
    assert_eq!(kind, FeedbackKind::Good, "{text}");
    assert!(text.contains("accepted"), "{text}");
    assert_eq!(handheld.stage(), ConflictsStage::List);
    assert_eq!(handheld.headlines().len(), 2);

    // The server recorded it: resolved, by this device, as accept.
    let (id, state) = runtime.block_on(conflict_state(&server, "pick_beyond_balance"));
    assert_eq!(state, "resolved");
    let (action, by): (String, uuid::Uuid) = runtime.block_on(async {
        sqlx::query_as("SELECT action, resolved_by FROM resolutions WHERE conflict_id = $1")
            .bind(id)
            .fetch_one(server.store.pool())
            .await
            .unwrap()
    });
    assert_eq!((action.as_str(), by), ("accept", me.as_uuid()));

    // The move out of an empty bin: the boxes were there after all: + 3 with the stepper.
    handheld.tap("Moved out of an empty bin");
    handheld.tap("Decide");
    handheld.tap("Adjust");
    assert_eq!(handheld.stage(), ConflictsStage::Adjust);
    for _ in 0..3 {
        handheld.tap("+");
    }
    assert_eq!(adapter.get_delta(), 3);
    handheld.tap("✔ Adjust");
    assert_eq!(handheld.feedback().0, FeedbackKind::Good);
    assert_eq!(handheld.headlines(), ["Received more than expected"]);
    let bolts = runtime
        .block_on(
            server
                .store
                .balance_qty("WH1", "2001", "B-02-1-A", "", "available"),
        )
        .unwrap();
    assert_eq!(bolts, 3);

    // Recount leaves it listed, marked, with nothing moved.
    handheld.tap("Received more than expected");
    handheld.tap("Decide");
    handheld.tap("Recount");
    handheld.tap("✔ Recount");
    assert_eq!(
        handheld.headlines(),
        ["Received more than expected · recount asked"]
    );
    let (_, state) = runtime.block_on(conflict_state(&server, "over_receipt"));
    assert_eq!(state, "recount_requested");

    drop(handheld);
    stop(runtime, database, server);
}

#[test]
fn an_admin_device_reads_conflicts_and_is_told_only_a_supervisor_resolves() {
    let handheld = Handheld::with_desk(Role::Admin);
    handheld.open_conflicts();
    assert_eq!(handheld.stage(), ConflictsStage::List);
    let adapter = handheld.window.global::<ConflictsAdapter>();
    assert!(!adapter.get_can_resolve());
    assert!(
        adapter
            .get_read_only_note()
            .contains("only a supervisor device can resolve")
    );
    handheld.tap("Picked more than the bin had");
    assert_eq!(handheld.stage(), ConflictsStage::Detail);
    // Decide does nothing on a read-only device; Back returns to the list.
    handheld.tap("Decide");
    assert_eq!(handheld.stage(), ConflictsStage::Detail);
    handheld.tap("Back");
    assert_eq!(handheld.stage(), ConflictsStage::List);
}

#[test]
fn a_picker_device_sees_a_read_only_note_and_no_error() {
    let handheld = Handheld::with_desk(Role::Picker);
    handheld.open_conflicts();
    // The list screen with a note, not the problem screen.
    assert_eq!(handheld.stage(), ConflictsStage::List);
    let adapter = handheld.window.global::<ConflictsAdapter>();
    assert!(!adapter.get_can_read());
    assert!(!adapter.get_can_resolve());
    let note = adapter.get_read_only_note().to_string();
    assert_eq!(
        note,
        "This device is enrolled as picker. Conflicts are checked and resolved on supervisor \
         devices, so there is nothing to do here. Your scans sync as usual."
    );
    assert!(handheld.shows_text(&note), "the note is on screen");
    // No error anywhere: no red band, no problem text, and no claim that nothing waits.
    assert_ne!(handheld.feedback().0, FeedbackKind::Bad);
    assert_eq!(adapter.get_problem_title(), "");
    assert!(handheld.headlines().is_empty());
    assert!(!handheld.shows_text("✔ No conflicts waiting"));
    handheld.tap("Home");
    assert_eq!(handheld.screen(), Screen::Home);
}

#[test]
fn a_picker_handheld_asks_the_real_server_who_it_is_and_sees_the_note() {
    let (runtime, database, server) = real_server();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = crate::demo::open_journal(&dir.path().join("device.db")).unwrap();
    let enrolled = runtime
        .block_on(server.store.enrol_device(
            Some(journal.device_id()),
            &dockhand_app::domain::WarehouseCode::new("WH1").unwrap(),
            Role::Picker,
            "Picker 7",
        ))
        .unwrap();
    journal
        .set_credentials(&server.url, &enrolled.token)
        .unwrap();
    let handheld = Handheld::signed_in(journal, dir);

    handheld.open_conflicts();
    assert_eq!(handheld.stage(), ConflictsStage::List);
    let adapter = handheld.window.global::<ConflictsAdapter>();
    assert!(!adapter.get_can_resolve());
    assert!(
        adapter.get_read_only_note().contains("enrolled as picker"),
        "{}",
        adapter.get_read_only_note()
    );
    assert_eq!(adapter.get_problem_title(), "");
    assert_ne!(handheld.feedback().0, FeedbackKind::Bad);

    drop(handheld);
    stop(runtime, database, server);
}

#[test]
fn offline_a_picker_keeps_its_note_from_the_last_answer() {
    // The picker's handheld learnt its role while online, then lost the network.
    let picker = Handheld::with_desk(Role::Picker);
    picker.open_conflicts();
    picker.lose_network();
    picker.tap("Refresh");
    assert_eq!(picker.stage(), ConflictsStage::List);
    let adapter = picker.window.global::<ConflictsAdapter>();
    assert!(
        adapter.get_read_only_note().contains("enrolled as picker"),
        "{}",
        adapter.get_read_only_note()
    );
    assert_eq!(adapter.get_problem_title(), "");
    assert_ne!(picker.feedback().0, FeedbackKind::Bad);
}

#[test]
fn a_handheld_that_never_reached_the_server_says_so_whatever_its_role() {
    let never_online = Handheld::with_desk(Role::Picker);
    never_online.lose_network();
    never_online.open_conflicts();
    assert_eq!(never_online.stage(), ConflictsStage::Unavailable);
    let adapter = never_online.window.global::<ConflictsAdapter>();
    assert_eq!(adapter.get_problem_title(), "⚠ Can't reach the server");
    assert!(adapter.get_can_retry());
}

#[test]
fn offline_a_supervisor_is_told_the_server_is_out_of_reach_not_shown_old_rows() {
    let supervisor = Handheld::with_desk(Role::Supervisor);
    supervisor.open_conflicts();
    assert_eq!(supervisor.headlines().len(), 3);
    supervisor.lose_network();
    supervisor.tap("Refresh");
    assert_eq!(supervisor.stage(), ConflictsStage::Unavailable);
    let adapter = supervisor.window.global::<ConflictsAdapter>();
    assert_eq!(adapter.get_problem_title(), "⚠ Can't reach the server");
    assert!(adapter.get_can_retry());
}

#[test]
fn without_the_server_the_screen_says_offline_and_offers_to_try_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = crate::demo::open_journal(&dir.path().join("device.db")).unwrap();
    bootstrap::seed_offline(&mut journal).unwrap();
    let handheld = Handheld::signed_in(journal, dir);
    handheld.open_conflicts();
    assert_eq!(handheld.stage(), ConflictsStage::Unavailable);
    let adapter = handheld.window.global::<ConflictsAdapter>();
    assert_eq!(adapter.get_problem_title(), "⚠ Can't reach the server");
    assert!(adapter.get_can_retry());
    handheld.tap("Try again");
    assert_eq!(handheld.stage(), ConflictsStage::Unavailable);
}
