//! `dockhand --screenshots DIR`: renders every screen in representative states (good scan,
//! wrong scan, offline with a queue, conflicts) at each device size, headless, from the
//! sample device journal. `DIR/480x800/03-home.png` and so on; the supervisor's conflict
//! screens (`c01-…`) over the sample conflict queue.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::Context;
use slint::ComponentHandle;
use slint::platform::WindowEvent;

use crate::app::{self, Controllers};
use crate::demo::sample_conflicts::SampleDesk;
use crate::feedback::SilentFeedback;
use crate::headless::{self, ScreenSize};
use crate::sample_device::{self, ScriptedSync};
use crate::{ConflictsAdapter, ConflictsStage, Resolution};
use crate::{
    CountAdapter, LabelsAdapter, MoveAdapter, PackAdapter, PutawayAdapter, ReceiveAdapter,
};
use crate::{
    HomeAdapter, Job, MainWindow, PickAdapter, Screen, SetupAdapter, ShellAdapter, SyncAdapter,
};
use dockhand_app::domain::DeviceId;
use dockhand_sync_server::store::Role;

/// The two handheld classes: 480×800 (TC2x, CT40 class) and 720×1280 (TC5x, CT60 class).
pub fn default_sizes() -> anyhow::Result<Vec<ScreenSize>> {
    ["480x800", "720x1280"]
        .into_iter()
        .map(ScreenSize::parse)
        .collect()
}

/// Everything a scene may touch.
struct Stage {
    window: MainWindow,
    controllers: Rc<Controllers>,
    sync: Rc<ScriptedSync>,
    journal: crate::controllers::SharedJournal,
}

impl Stage {
    /// Types `text` into the focused scan input, one key event per character, as a wedge.
    fn scan(&self, text: &str) {
        for c in text.chars().chain(['\n']) {
            let key: slint::SharedString = c.to_string().into();
            self.window
                .window()
                .dispatch_event(WindowEvent::KeyPressed { text: key.clone() });
            self.window
                .window()
                .dispatch_event(WindowEvent::KeyReleased { text: key });
        }
    }

    /// Home, then a job tile, as a tap would.
    fn open(&self, job: Job) {
        self.go(Screen::Home);
        self.window.global::<HomeAdapter>().invoke_open_job(job);
    }

    /// Taps the feedback band away.
    fn acknowledge(&self) {
        self.window
            .global::<ShellAdapter>()
            .invoke_acknowledge_feedback();
    }

    fn go(&self, screen: Screen) {
        self.window.global::<ShellAdapter>().invoke_navigate(screen);
    }

    fn set_status(&self, status: dockhand_app::sync::SyncStatus) {
        self.sync.set_status(status.clone());
        crate::adapters::sync_status::show_status(&self.window, &status);
        self.window.global::<SyncAdapter>().invoke_status_changed();
    }
}

type Scene = (&'static str, fn(&Stage) -> anyhow::Result<()>);

/// The scenes, in the order a device meets them. Each builds on the previous one.
const SCENES: &[Scene] = &[
    ("01-setup", |_| Ok(())),
    ("02-sign-in-after-setup", |stage| {
        let setup = stage.window.global::<SetupAdapter>();
        setup.set_server_url("https://dockhand.example:8443".into());
        setup.set_token("ENROL-7Q4K-2M9X".into());
        setup.invoke_save();
        Ok(())
    }),
    ("03-home-signed-in", |stage| {
        stage.scan("ana");
        Ok(())
    }),
    ("04-home-offline-queued", |stage| {
        stage
            .window
            .global::<ShellAdapter>()
            .invoke_acknowledge_feedback();
        stage.set_status(sample_device::status_offline(37));
        Ok(())
    }),
    ("05-pick-tasks", |stage| {
        stage.set_status(sample_device::status_synced());
        stage
            .window
            .global::<HomeAdapter>()
            .invoke_open_job(Job::Pick);
        Ok(())
    }),
    ("06-receive-deliveries", |stage| {
        stage
            .window
            .global::<HomeAdapter>()
            .invoke_open_job(Job::Receive);
        Ok(())
    }),
    ("07-lookup-prompt", |stage| {
        stage.go(Screen::Lookup);
        Ok(())
    }),
    ("08-lookup-item-good-scan", |stage| {
        stage.scan(sample_device::BLUE_MUG_CASE_GTIN);
        Ok(())
    }),
    ("09-lookup-bin-good-scan", |stage| {
        stage.scan("A-03-2-B");
        Ok(())
    }),
    ("10-lookup-wrong-scan", |stage| {
        stage.scan(sample_device::UNKNOWN_GTIN);
        Ok(())
    }),
    ("11-sync-offline-queued", |stage| {
        stage
            .window
            .global::<ShellAdapter>()
            .invoke_acknowledge_feedback();
        stage.set_status(sample_device::status_offline(3));
        stage.go(Screen::Sync);
        Ok(())
    }),
    ("12-sync-conflicts", |stage| {
        sample_device::open_conflict(&stage.journal)?;
        let mut status = sample_device::status_synced();
        status.queued = 3;
        status.conflicts_waiting = 1;
        status.rejected = 1;
        stage.set_status(status);
        Ok(())
    }),
    ("13-more", |stage| {
        stage.go(Screen::More);
        Ok(())
    }),
    ("14-pick-scan-bin", |stage| {
        stage.go(Screen::Home);
        stage
            .window
            .global::<HomeAdapter>()
            .invoke_open_job(Job::Pick);
        let pick = stage.window.global::<PickAdapter>();
        pick.invoke_choose_task(sample_device::PICK_TASK.into());
        stage.scan(sample_device::TOTE_LABEL);
        Ok(())
    }),
    ("15-pick-wrong-item", |stage| {
        stage.scan(sample_device::PICK_SCRIPT[0].0);
        stage.scan(sample_device::RED_MUG_GTIN);
        Ok(())
    }),
    ("16-pick-quantity", |stage| {
        stage.scan(sample_device::PICK_SCRIPT[0].1);
        Ok(())
    }),
    ("17-pick-short-reasons", |stage| {
        stage
            .window
            .global::<PickAdapter>()
            .set_choosing_reason(true);
        Ok(())
    }),
    ("18-pick-next-line", |stage| {
        let pick = stage.window.global::<PickAdapter>();
        pick.set_choosing_reason(false);
        pick.invoke_confirm_quantity(pick.get_quantity());
        Ok(())
    }),
    ("19-pick-more", |stage| {
        stage.window.global::<PickAdapter>().set_more_open(true);
        Ok(())
    }),
    ("20-pick-task-done", |stage| {
        let pick = stage.window.global::<PickAdapter>();
        pick.set_more_open(false);
        for (bin, gtin, _) in &sample_device::PICK_SCRIPT[1..] {
            stage.scan(bin);
            stage.scan(gtin);
            pick.invoke_confirm_quantity(pick.get_quantity());
        }
        Ok(())
    }),
    ("21-pick-later-lot", |stage| {
        sample_device::add_lot_task(&stage.journal)?;
        stage
            .window
            .global::<HomeAdapter>()
            .invoke_open_job(Job::Pick);
        let pick = stage.window.global::<PickAdapter>();
        pick.invoke_choose_task(sample_device::LOT_TASK.into());
        stage.scan(sample_device::TOTE_LABEL);
        stage.scan(sample_device::LOT_BIN);
        stage.scan(&sample_device::yoghurt_label(sample_device::LOT_LATER));
        Ok(())
    }),
    ("22-pick-lot-reasons", |stage| {
        let pick = stage.window.global::<PickAdapter>();
        pick.set_lot_reason(true);
        pick.set_choosing_reason(true);
        Ok(())
    }),
    // ---- Receive, put away, count, move/adjust, pack ----
    ("23-receive-deliveries", |stage| {
        let pick = stage.window.global::<PickAdapter>();
        pick.set_choosing_reason(false);
        pick.invoke_put_down();
        stage.acknowledge();
        sample_device::add_receiving(&stage.journal)?;
        stage.open(Job::Receive);
        Ok(())
    }),
    ("24-receive-lines-good-scan", |stage| {
        stage.scan(sample_device::RECEIVE_ASN);
        Ok(())
    }),
    ("25-receive-case-quantity", |stage| {
        stage.scan(&sample_device::blue_mug_case_label());
        let receive = stage.window.global::<ReceiveAdapter>();
        receive.set_quantity(2);
        receive.set_quantity_fresh(false);
        Ok(())
    }),
    ("26-receive-lot-expiry", |stage| {
        stage
            .window
            .global::<ReceiveAdapter>()
            .invoke_confirm_quantity(2);
        stage.scan(sample_device::YOGHURT_GTIN);
        Ok(())
    }),
    ("27-receive-over-receipt", |stage| {
        stage.scan(&sample_device::yoghurt_label(("L8", "270531")));
        stage
            .window
            .global::<ReceiveAdapter>()
            .invoke_confirm_quantity(11);
        Ok(())
    }),
    ("28-receive-close-check", |stage| {
        stage.acknowledge();
        stage
            .window
            .global::<ReceiveAdapter>()
            .set_confirm_close(true);
        Ok(())
    }),
    ("29-putaway-waiting", |stage| {
        let receive = stage.window.global::<ReceiveAdapter>();
        receive.set_confirm_close(false);
        receive.invoke_close_receipt();
        stage.acknowledge();
        stage.open(Job::Putaway);
        Ok(())
    }),
    ("30-putaway-scan-bin", |stage| {
        stage.scan(sample_device::BLUE_MUG_GTIN);
        Ok(())
    }),
    ("31-putaway-wrong-scan", |stage| {
        stage.scan("A-03-2-C");
        Ok(())
    }),
    ("32-putaway-other-bin-reasons", |stage| {
        stage.acknowledge();
        stage
            .window
            .global::<PutawayAdapter>()
            .set_choosing_reason(true);
        Ok(())
    }),
    ("33-count-scan-bin", |stage| {
        stage
            .window
            .global::<PutawayAdapter>()
            .set_choosing_reason(false);
        stage.scan("A-03-2-B");
        stage.acknowledge();
        stage.window.global::<PutawayAdapter>().invoke_put_down();
        stage.open(Job::Count);
        Ok(())
    }),
    ("34-count-quantity", |stage| {
        stage.scan("A-03-2-B");
        stage.scan(sample_device::BLUE_MUG_GTIN);
        let count = stage.window.global::<CountAdapter>();
        count.set_quantity(20);
        count.set_quantity_fresh(false);
        Ok(())
    }),
    ("35-count-recount", |stage| {
        stage
            .window
            .global::<CountAdapter>()
            .invoke_confirm_quantity(20);
        Ok(())
    }),
    ("36-count-items-good-scan", |stage| {
        stage
            .window
            .global::<CountAdapter>()
            .invoke_confirm_quantity(20);
        Ok(())
    }),
    ("37-move-quantity", |stage| {
        stage.window.global::<CountAdapter>().invoke_bin_done();
        stage.acknowledge();
        stage.open(Job::Move);
        stage.scan("A-03-2-B");
        stage.scan(sample_device::BLUE_MUG_GTIN);
        let moves = stage.window.global::<MoveAdapter>();
        moves.set_quantity(5);
        moves.set_quantity_fresh(false);
        Ok(())
    }),
    ("38-move-to-bin", |stage| {
        stage
            .window
            .global::<MoveAdapter>()
            .invoke_confirm_quantity(5);
        Ok(())
    }),
    ("39-move-adjust", |stage| {
        stage.scan("A-03-2-C");
        stage.scan("A-03-2-C");
        stage.scan(sample_device::RED_MUG_GTIN);
        stage.acknowledge();
        let moves = stage.window.global::<MoveAdapter>();
        moves.set_quantity(1);
        moves.set_removing(false);
        moves.set_adjusting(true);
        Ok(())
    }),
    ("40-move-adjust-reasons", |stage| {
        stage
            .window
            .global::<MoveAdapter>()
            .set_choosing_reason(true);
        Ok(())
    }),
    ("41-pack-scan-order", |stage| {
        let moves = stage.window.global::<MoveAdapter>();
        moves.set_choosing_reason(false);
        moves.set_adjusting(false);
        moves.invoke_finish();
        stage.open(Job::Pack);
        Ok(())
    }),
    ("42-pack-items", |stage| {
        stage.scan(sample_device::TOTE_LABEL);
        stage.scan(sample_device::RED_MUG_GTIN);
        stage.scan(sample_device::RED_MUG_GTIN);
        stage.scan(sample_device::BLUE_MUG_GTIN);
        Ok(())
    }),
    ("43-pack-wrong-scan", |stage| {
        stage.scan(sample_device::BOLTS_GTIN);
        Ok(())
    }),
    ("44-pack-carton-label", |stage| {
        stage.acknowledge();
        stage.window.global::<PackAdapter>().invoke_close_carton();
        Ok(())
    }),
    ("45-pack-no-sscc-left", |stage| {
        stage
            .window
            .global::<PackAdapter>()
            .invoke_print_and_close();
        Ok(())
    }),
    ("46-pack-printed-and-closed", |stage| {
        stage.acknowledge();
        sample_device::add_sscc_block(&stage.journal)?;
        stage
            .window
            .global::<PackAdapter>()
            .invoke_print_and_close();
        Ok(())
    }),
    ("47-labels-queue", |stage| {
        stage.acknowledge();
        sample_device::add_label_jobs(&stage.journal, "tcp://10.0.0.40:9100")?;
        stage.go(Screen::Home);
        stage.go(Screen::Labels);
        Ok(())
    }),
    ("48-label-preview-waiting", |stage| {
        stage.window.global::<LabelsAdapter>().invoke_select(0);
        Ok(())
    }),
    ("49-label-in-doubt", |stage| {
        stage.window.global::<LabelsAdapter>().invoke_select(1);
        Ok(())
    }),
    ("50-label-bin-printed", |stage| {
        stage.window.global::<LabelsAdapter>().invoke_select(2);
        Ok(())
    }),
    ("51-labels-no-printer", |stage| {
        dockhand_app::label::settings::PrinterSettings::default()
            .save(&mut stage.journal.borrow_mut())?;
        stage.go(Screen::Home);
        stage.go(Screen::Labels);
        Ok(())
    }),
    ("52-setup-label-printer", |stage| {
        stage.go(Screen::Setup);
        let setup = stage.window.global::<SetupAdapter>();
        setup.set_printer("tcp://10.0.0.40:9100".into());
        Ok(())
    }),
    ("53-setup-bad-printer", |stage| {
        let setup = stage.window.global::<SetupAdapter>();
        setup.set_printer("10.0.0.40".into());
        setup.invoke_save();
        Ok(())
    }),
    ("54-lookup-bin-print-label", |stage| {
        stage.acknowledge();
        stage.go(Screen::Lookup);
        stage.scan("A-03-2-B");
        Ok(())
    }),
    ("55-pack-build-pallet-choose", |stage| {
        // A second order closed after SO-5521 (scene 46): both wait for a pallet.
        close_carton_of(stage, "SO-7000")?;
        stage.open(Job::Pack);
        stage.window.global::<PackAdapter>().invoke_choose_pallet();
        Ok(())
    }),
    ("56-pack-pallet-built", |stage| {
        stage
            .window
            .global::<PackAdapter>()
            .invoke_build_pallet("SO-5521".into());
        Ok(())
    }),
    ("57-label-cannot-print", |stage| {
        stage.acknowledge();
        stage
            .window
            .global::<PackAdapter>()
            .set_choosing_pallet(false);
        add_unprintable_label(stage)?;
        stage.go(Screen::Home);
        stage.go(Screen::Labels);
        stage.window.global::<LabelsAdapter>().invoke_select(0);
        Ok(())
    }),
    ("58-setup-printer-section", |stage| {
        stage.go(Screen::Setup);
        stage.window.global::<SetupAdapter>().set_show_printer(true);
        Ok(())
    }),
];

/// Closes a carton of 3 red mugs for `order` on the device's next SSCC, with its label, as
/// "Print label & close" records it.
fn close_carton_of(stage: &Stage, order: &str) -> anyhow::Result<()> {
    use dockhand_app::domain::{
        EventBody, LocationCode, OperatorId, OrderNumber, Pack, Qty, Sku, SsccAllocated, StockLine,
    };
    let sscc = stage.controllers.labels.take_sscc()?;
    let facts = vec![
        EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.clone(),
            purpose: Some("carton".into()),
            contents: vec![],
            order: Some(OrderNumber::new(order)?),
        }),
        EventBody::Pack(Pack {
            order: OrderNumber::new(order)?,
            carton: Some(sscc),
            lines: vec![StockLine {
                item: Sku::new("1003")?,
                qty: Qty::new(3)?,
                lot: None,
                expiry: None,
                serials: vec![],
            }],
            from: LocationCode::new(sample_device::PACK_STATION)?,
            to: LocationCode::new(sample_device::PACK_STATION)?,
            weight_grams: None,
        }),
    ];
    let settings = stage.controllers.labels.settings();
    dockhand_app::workflow::record_printing(
        &mut stage.journal.borrow_mut(),
        &OperatorId::new("ana")?,
        facts,
        &settings,
    )?;
    Ok(())
}

/// The printer now holds 4 × 2 in stock, and a carton label with four barcodes is asked
/// for: it cannot be laid out, so its job is failed with the reason.
fn add_unprintable_label(stage: &Stage) -> anyhow::Result<()> {
    use dockhand_app::label::settings::PrinterSettings;
    use dockhand_app::label::{CartonLabel, queue};
    use dockhand_app::workflow::labels::LabelRequest;
    let settings = PrinterSettings::parse("tcp://10.0.0.40:9100", "203", "4x2")?;
    settings.save(&mut stage.journal.borrow_mut())?;
    let job = queue::job_for_request(
        &settings,
        &LabelRequest::Carton(CartonLabel {
            gtin: sample_device::BLUE_MUG_GTIN.into(),
            lot: Some("L2027-0531-A7".into()),
            expiry: Some("270531".into()),
            serial: Some("SN-000184477".into()),
            sscc: Some("095060000000005959".into()),
            description: Some("Blue Mug 350 ml".into()),
            ..CartonLabel::default()
        }),
    );
    anyhow::ensure!(
        job.failed.is_some(),
        "the sample label unexpectedly fits 4 × 2"
    );
    stage
        .journal
        .borrow_mut()
        .insert_label_job_with_data(&job)?;
    Ok(())
}

/// The supervisor's conflict screens over the sample queue (`demo::sample_conflicts`):
/// the list, each kind of evidence, deciding, adjusting, the answer, and the devices that
/// may not resolve or cannot reach the server. They run after [`SCENES`].
const CONFLICT_SCENES: &[Scene] = &[
    ("c01-more-with-conflicts", |stage| {
        stage
            .window
            .global::<ShellAdapter>()
            .invoke_acknowledge_feedback();
        use_desk(stage, |me| SampleDesk::new(me, Role::Supervisor));
        stage.go(Screen::More);
        Ok(())
    }),
    ("c02-conflicts-list", |stage| {
        stage.go(Screen::Conflicts);
        Ok(())
    }),
    ("c03-conflict-pick-race", |stage| {
        stage.window.global::<ConflictsAdapter>().invoke_open(3);
        Ok(())
    }),
    ("c04-conflict-decide", |stage| {
        let conflicts = stage.window.global::<ConflictsAdapter>();
        conflicts.set_stage(ConflictsStage::Decide);
        Ok(())
    }),
    ("c05-conflict-confirm-accept", |stage| {
        let conflicts = stage.window.global::<ConflictsAdapter>();
        conflicts.set_chosen(Resolution::Accept);
        conflicts.set_stage(ConflictsStage::Confirm);
        Ok(())
    }),
    ("c06-conflict-adjust", |stage| {
        let conflicts = stage.window.global::<ConflictsAdapter>();
        conflicts.set_chosen(Resolution::Adjust);
        conflicts.set_delta(-1);
        conflicts.set_stage(ConflictsStage::Adjust);
        Ok(())
    }),
    ("c07-conflict-accepted", |stage| {
        let conflicts = stage.window.global::<ConflictsAdapter>();
        conflicts.invoke_confirm(Resolution::Accept, 0);
        Ok(())
    }),
    ("c08-conflict-over-receipt", |stage| {
        stage
            .window
            .global::<ShellAdapter>()
            .invoke_acknowledge_feedback();
        stage.window.global::<ConflictsAdapter>().invoke_open(2);
        Ok(())
    }),
    ("c09-conflict-outdated-count", |stage| {
        stage.window.global::<ConflictsAdapter>().invoke_open(1);
        Ok(())
    }),
    ("c10-conflicts-admin-read-only", |stage| {
        use_desk(stage, |me| SampleDesk::new(me, Role::Admin));
        stage.go(Screen::Conflicts);
        stage.window.global::<ConflictsAdapter>().invoke_open(3);
        Ok(())
    }),
    ("c11-conflicts-picker-not-for-role", |stage| {
        use_desk(stage, |me| SampleDesk::new(me, Role::Picker));
        stage.go(Screen::Conflicts);
        Ok(())
    }),
    ("c12-conflicts-server-unreachable", |stage| {
        use_desk(stage, SampleDesk::unreachable);
        stage.go(Screen::Conflicts);
        Ok(())
    }),
];

/// The conflict screens talk to `desk` made for this device.
fn use_desk(stage: &Stage, desk: impl FnOnce(DeviceId) -> std::sync::Arc<SampleDesk>) {
    let me = stage.journal.borrow().device_id();
    stage.controllers.conflicts.use_api(desk(me));
}

/// How many screenshots each size gets.
pub const SCENE_COUNT: usize = SCENES.len() + CONFLICT_SCENES.len();

/// Renders every scene at every size into `dir`; returns the files written.
pub fn render_all(dir: &Path, sizes: &[ScreenSize]) -> anyhow::Result<Vec<PathBuf>> {
    let surface = headless::install()?;
    let mut written = Vec::new();
    for &size in sizes {
        let size_dir = dir.join(size.label());
        std::fs::create_dir_all(&size_dir)
            .with_context(|| format!("cannot create {}", size_dir.display()))?;
        // A fresh device per size, so every size shows the same story.
        let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
        let journal = sample_device::create(&scratch.path().join("device.db"))?;
        let sync = ScriptedSync::new(dockhand_app::sync::SyncStatus::not_set_up(3));
        let controllers = Controllers::new(
            journal.clone(),
            Box::new(sync.clone()),
            Box::new(SilentFeedback),
        );
        let window = MainWindow::new().context("cannot create the main window")?;
        app::connect(&window, &controllers);
        headless::resize(&surface, size);
        window.show().context("cannot show the main window")?;
        let stage = Stage {
            window,
            controllers,
            sync,
            journal,
        };
        for (name, scene) in SCENES.iter().chain(CONFLICT_SCENES) {
            scene(&stage).with_context(|| format!("scene {name}"))?;
            let path = size_dir.join(format!("{name}.png"));
            headless::write_png(&surface, size, &path)?;
            written.push(path);
        }
        stage.window.hide().context("cannot hide the main window")?;
        drop(stage.controllers);
    }
    Ok(written)
}
