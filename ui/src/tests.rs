//! UI tests, headless: the real window and adapters over the sample journal, driven the
//! way a person drives the device — key events into the focused scan input, taps on
//! buttons found by their label — and checked by what the screen then shows.

use std::cell::Cell;
use std::rc::Rc;

use i_slint_backend_testing::ElementHandle;
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

use crate::app::Controllers;
use crate::feedback::Feedback;
use crate::sample_device::{self, ScriptedSync};
use crate::test_support::{OnScreen, enrolled_sample_journal, show_window};
use crate::{
    FeedbackKind, LookupAdapter, LookupKind, MainWindow, PickAdapter, PickStage, Screen,
    SyncAdapter, Verdict,
};

#[derive(Debug, Default)]
struct RecordedFeedback {
    good: Cell<u32>,
    bad: Cell<u32>,
}

impl Feedback for Rc<RecordedFeedback> {
    fn good(&self) {
        self.good.set(self.good.get() + 1);
    }
    fn bad(&self) {
        self.bad.set(self.bad.get() + 1);
    }
}

struct Device {
    window: MainWindow,
    sync: Rc<ScriptedSync>,
    feedback: Rc<RecordedFeedback>,
    journal: crate::controllers::SharedJournal,
    controllers: Rc<Controllers>,
    _dir: tempfile::TempDir,
}

impl OnScreen for Device {
    fn window(&self) -> &MainWindow {
        &self.window
    }
}

impl Device {
    /// A set-up device showing Sign in, on the testing backend of this test's thread.
    fn new() -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let (journal, dir) = enrolled_sample_journal();
        let sync = ScriptedSync::new(sample_device::status_offline(3));
        let feedback = Rc::new(RecordedFeedback::default());
        let controllers = Controllers::new(
            journal.clone(),
            Box::new(sync.clone()),
            Box::new(feedback.clone()),
        );
        let window = show_window(&controllers);
        Self {
            window,
            sync,
            feedback,
            journal,
            controllers,
            _dir: dir,
        }
    }

    /// Signed in as "ana" by a badge scan, on Home.
    fn signed_in() -> Self {
        let device = Self::new();
        assert_eq!(device.screen(), Screen::SignIn);
        device.scan("ana");
        assert_eq!(device.screen(), Screen::Home);
        device
    }

    /// Taps the text field labelled `label` (not its caption, which carries the same words).
    fn tap_field(&self, label: &str) {
        let field = ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| {
                e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput)
            })
            .unwrap_or_else(|| panic!("no text field labelled {label:?} on screen"));
        field.mock_single_click(PointerEventButton::Left);
    }
}

#[test]
fn the_scan_input_has_an_element_id_and_focus_at_start() {
    let device = Device::new();
    let found = ElementHandle::find_by_element_id(&device.window, "MainWindow::scan-input").count();
    assert_eq!(found, 1);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn scanning_an_item_barcode_shows_the_item_and_where_it_is() {
    let device = Device::signed_in();
    device.scan(sample_device::BLUE_MUG_GTIN);

    assert_eq!(device.screen(), Screen::Lookup);
    let lookup = device.window.global::<LookupAdapter>();
    assert_eq!(lookup.get_kind(), LookupKind::Item);
    assert!(device.shows_text("Blue Mug 350 ml"));
    let places: Vec<(String, i32)> = lookup
        .get_rows()
        .iter()
        .map(|row| (row.place.to_string(), row.quantity))
        .collect();
    assert_eq!(
        places,
        vec![("A-03-2-B".to_owned(), 24), ("A-03-2-C".to_owned(), 6)]
    );
    assert!(device.shows_text("24 each"));
    assert_eq!(device.feedback().0, FeedbackKind::Good);
    // One beep for the sign-in badge, one for the item.
    assert_eq!(
        (device.feedback.good.get(), device.feedback.bad.get()),
        (2, 0)
    );
}

#[test]
fn scanning_a_bin_shows_what_is_in_it() {
    let device = Device::signed_in();
    device.scan("A-03-2-B");
    assert_eq!(
        device.window.global::<LookupAdapter>().get_kind(),
        LookupKind::Bin
    );
    assert!(device.shows_text("A-03-2-B"));
    assert!(device.shows_text("Red Mug 350 ml"));
    assert!(device.shows_text("12 each"));
}

#[test]
fn an_unknown_scan_shows_red_with_the_reason_until_tapped() {
    let device = Device::signed_in();
    device.scan(sample_device::UNKNOWN_GTIN);

    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert!(text.starts_with("✖ Unknown item"), "{text}");
    assert!(text.contains("9506000134383"), "{text}");
    assert!(device.shows_text(&text), "the reason is on screen");
    assert_eq!(device.feedback.bad.get(), 1);
    assert_eq!(
        device.window.global::<LookupAdapter>().get_kind(),
        LookupKind::Prompt,
        "nothing stale is shown next to the error"
    );

    device.tap(&text);
    assert_eq!(device.feedback().0, FeedbackKind::None);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn a_gs1_carton_label_is_read_by_the_barcode_engine() {
    let device = Device::signed_in();
    device.scan("]C1010950600013435217271231\u{1d}10ABC123");
    assert_eq!(device.feedback().0, FeedbackKind::Good);
    assert_eq!(
        device.window.global::<LookupAdapter>().get_kind(),
        LookupKind::Item
    );
}

#[test]
fn the_next_scan_replaces_a_red_band() {
    let device = Device::signed_in();
    device.scan("]C10109506000134357");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert!(
        text.contains("check digit wrong: expected 2, got 7"),
        "{text}"
    );
    device.scan("A-03-2-B");
    assert_eq!(device.feedback().0, FeedbackKind::Good);
}

#[test]
fn sync_now_asks_the_sync_loop_and_the_screen_lists_verdicts_newest_first() {
    let device = Device::signed_in();
    device.tap("⚠ Offline · 3 queued");
    assert_eq!(device.screen(), Screen::Sync);

    let work: Vec<_> = device
        .window
        .global::<SyncAdapter>()
        .get_recent_work()
        .iter()
        .collect();
    assert_eq!(work.first().map(|row| row.seq), Some(8));
    let refused = work.iter().find(|row| row.seq == 4).unwrap();
    assert_eq!(refused.verdict, Verdict::Refused);
    assert_eq!(refused.detail, sample_device::REFUSED_REASON);
    assert!(device.shows_text("○ Waiting"));

    device.tap("Sync now");
    assert_eq!(device.sync.sync_now_requests(), 1);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn focus_returns_to_the_scan_input_after_a_button_tap() {
    let device = Device::new();
    // Typing an operator id moves focus into the field...
    device.tap_field("Operator id");
    assert!(!device.window.get_scan_has_focus());
    // ...and any button hands it back, so the next scan is not typed into a field.
    device.tap("Device setup");
    assert_eq!(device.screen(), Screen::Setup);
    assert!(device.window.get_scan_has_focus());
    device.scan("ENROL-42");
    assert_eq!(
        device
            .window
            .global::<crate::SetupAdapter>()
            .get_token()
            .as_str(),
        "ENROL-42",
        "a scan on setup is the enrolment code"
    );
}

#[test]
fn every_job_tile_opens_a_screen_with_a_way_back() {
    let device = Device::signed_in();
    for (job, expected) in [
        ("Receive", Screen::Receive),
        ("Put away", Screen::Putaway),
        ("Pick", Screen::Pick),
        ("Pack", Screen::Pack),
        ("Count", Screen::Count),
        ("Move", Screen::MoveAdjust),
    ] {
        device.tap(job);
        assert_eq!(device.screen(), expected, "{job}");
        assert!(device.window.get_scan_has_focus(), "{job}");
        device.tap("Home");
        assert_eq!(device.screen(), Screen::Home, "{job}");
    }
    device.tap("Pick");
    assert!(device.shows_text("PT1001\n3 lines · 7 each"));
    device.tap("Home");
    device.tap("Receive");
    assert!(device.shows_text("ASN-4711\n1 line · 48 each"));
}

impl Device {
    /// Signed in, Pick tapped, the sample task chosen and the tote scanned: line 1, scan bin.
    fn picking() -> Self {
        let device = Self::signed_in();
        device.tap("Pick");
        assert_eq!(device.screen(), Screen::Pick);
        device.tap("PT1001\n3 lines · 7 each");
        assert_eq!(device.pick().get_stage(), PickStage::Tote);
        device.scan(sample_device::TOTE_LABEL);
        assert_eq!(device.feedback().0, FeedbackKind::Good);
        assert_eq!(device.pick().get_stage(), PickStage::Bin);
        device
    }

    fn pick(&self) -> PickAdapter<'_> {
        self.window.global::<PickAdapter>()
    }

    /// The pick events the journal holds for the sample task.
    fn task_picks(&self) -> Vec<dockhand_app::domain::Pick> {
        use dockhand_app::workflow::{History, Projections};
        let task = dockhand_app::domain::TaskId::new(sample_device::PICK_TASK).unwrap();
        self.journal
            .borrow()
            .history(&History::PickTask(task))
            .unwrap()
            .into_iter()
            .filter_map(|fact| match fact.body {
                dockhand_app::domain::EventBody::Pick(pick) => Some(pick),
                _ => None,
            })
            .collect()
    }

    fn events(&self) -> usize {
        use dockhand_app::workflow::Projections;
        usize::try_from(Projections::last_seq(&*self.journal.borrow()).unwrap()).unwrap()
    }
}

#[test]
fn a_full_pick_by_scans_ends_with_the_task_done_and_exactly_its_picks_journaled() {
    let device = Device::picking();
    let events_before = device.events();
    for (n, (bin, gtin, qty)) in sample_device::PICK_SCRIPT.iter().enumerate() {
        let pick = device.pick();
        assert_eq!(pick.get_progress(), format!("line {} of 3", n + 1));
        assert_eq!(pick.get_bin(), *bin);
        assert!(device.shows_text(bin), "the bin is on screen");
        assert_eq!(pick.get_qty(), i32::try_from(*qty).unwrap());
        device.scan(bin);
        assert_eq!(device.feedback().0, FeedbackKind::Good, "bin {bin}");
        assert_eq!(pick.get_stage(), PickStage::Item);
        device.scan(gtin);
        assert_eq!(device.feedback().0, FeedbackKind::Good, "item {gtin}");
        assert_eq!(pick.get_stage(), PickStage::Quantity);
        assert_eq!(
            pick.get_quantity(),
            i32::try_from(*qty).unwrap(),
            "asked is the default"
        );
        device.tap(&format!("✔ Picked {qty}"));
    }
    assert_eq!(device.screen(), Screen::Home, "a done task returns to Home");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Good);
    assert_eq!(text, "✔ Pick task PT1001 complete: 3 lines picked");

    let picks = device.task_picks();
    let got: Vec<(String, String, i64, String)> = picks
        .iter()
        .map(|p| {
            (
                p.from.as_str().to_owned(),
                p.line.item.as_str().to_owned(),
                p.line.qty.units(),
                p.to.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("A-03-2-B".into(), "1002".into(), 3, "TOTE-1".into()),
            ("A-03-2-B".into(), "1003".into(), 2, "TOTE-1".into()),
            ("A-03-2-C".into(), "1002".into(), 2, "TOTE-1".into()),
        ]
    );
    assert!(picks.iter().all(|p| p.short.is_none()));
    assert_eq!(device.events() - events_before, 3, "nothing but the picks");
    assert!(device.journal.borrow().open_job().unwrap().is_none());
    assert_eq!(
        device
            .window
            .global::<crate::HomeAdapter>()
            .get_pick_tasks(),
        0,
        "Home counts only tasks with something left"
    );
    // The finished task is no longer offered.
    device.tap("Pick");
    assert!(device.shows_text("No pick tasks on this device yet · Sync to fetch tasks"));
}

#[test]
fn a_wrong_item_shows_the_workflows_words_in_red_and_stays_on_the_line() {
    let device = Device::picking();
    device.scan("A-03-2-B");
    let events_before = device.events();
    device.scan(sample_device::RED_MUG_GTIN);
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert_eq!(
        text,
        "✖ Wrong item: expected 3 x SKU 1002 Blue Mug 350 ml, scanned SKU 1003 Red Mug 350 ml"
    );
    assert!(device.shows_text(&text));
    assert_eq!(device.feedback.bad.get(), 1);
    let pick = device.pick();
    assert_eq!(
        pick.get_stage(),
        PickStage::Item,
        "still waiting for the item"
    );
    assert_eq!(pick.get_progress(), "line 1 of 3");
    assert_eq!(device.events(), events_before, "nothing recorded");
    // The right item replaces the red band.
    device.scan(sample_device::BLUE_MUG_GTIN);
    assert_eq!(device.feedback().0, FeedbackKind::Good);
    assert_eq!(pick.get_stage(), PickStage::Quantity);
}

#[test]
fn a_short_pick_asks_a_reason_and_records_the_short() {
    let device = Device::picking();
    device.scan("A-03-2-B");
    device.tap("Short pick");
    assert!(device.pick().get_choosing_reason());
    assert!(device.shows_text("Why short?"));
    device.tap("Bin empty");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Good);
    assert_eq!(
        text,
        "✔ Short pick recorded: 0 of 3 SKU 1002 Blue Mug 350 ml"
    );
    let picks = device.task_picks();
    assert_eq!(picks.len(), 1);
    let short = picks[0].short.as_ref().expect("a short pick");
    assert_eq!(short.reason, "Bin empty");
    assert_eq!(short.expected.units(), 3);
    assert_eq!(picks[0].line.qty.units(), 0);
    let pick = device.pick();
    assert_eq!(pick.get_progress(), "line 2 of 3", "on to the next line");
    assert_eq!(pick.get_stage(), PickStage::Bin);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn skip_and_the_steppers_work_without_a_keyboard() {
    let device = Device::picking();
    device.tap("Skip");
    assert_eq!(device.pick().get_bin(), "A-03-2-B");
    assert_eq!(
        device.pick().get_item_name(),
        "Red Mug 350 ml",
        "line 1 went to the back"
    );
    device.scan("A-03-2-B");
    device.scan(sample_device::RED_MUG_GTIN);
    device.tap("−");
    assert_eq!(device.pick().get_quantity(), 1);
    device.tap("✔ Picked 1");
    assert_eq!(
        device.feedback().1,
        "✔ Picked 1 each SKU 1003 Red Mug 350 ml"
    );
    assert_eq!(
        device.pick().get_stage(),
        PickStage::Item,
        "1 more to pick here"
    );
    assert_eq!(device.pick().get_qty(), 1);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn opening_pick_again_resumes_the_job_at_the_same_line() {
    let device = Device::picking();
    let (bin, gtin, qty) = sample_device::PICK_SCRIPT[0];
    device.scan(bin);
    device.scan(gtin);
    device.tap(&format!("✔ Picked {qty}"));
    assert_eq!(device.pick().get_progress(), "line 2 of 3");
    device.tap("More");
    device.tap("Home · continue later");
    assert_eq!(device.screen(), Screen::Home);
    // The app forgets the job in memory (as after a restart); the journal remembers it.
    device.controllers.pick.put_down();
    device.tap("Pick");
    assert_eq!(device.screen(), Screen::Pick);
    let pick = device.pick();
    assert_eq!(
        pick.get_stage(),
        PickStage::Bin,
        "no task list, no tote again"
    );
    assert_eq!(pick.get_progress(), "line 2 of 3");
    assert_eq!(pick.get_item_name(), "Red Mug 350 ml");
    device.scan("A-03-2-B");
    assert_eq!(device.feedback().0, FeedbackKind::Good);
}

#[test]
fn a_later_lot_asks_why_and_the_reason_is_recorded_with_the_pick() {
    let device = Device::signed_in();
    sample_device::add_lot_task(&device.journal).unwrap();
    device.tap("Pick");
    device.tap("PT1002\n1 line · 2 each");
    device.scan(sample_device::TOTE_LABEL);
    device.scan(sample_device::LOT_BIN);
    device.scan(&sample_device::yoghurt_label(sample_device::LOT_LATER));
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Warn);
    assert!(text.starts_with("⚠ Lot LNEW"), "{text}");
    assert!(text.contains("lot LOLD expires 2026-12-05"), "{text}");
    assert_eq!(device.pick().get_stage(), PickStage::LotCheck);

    assert!(device.shows_text("Scan lot LOLD (expires 2026-12-05)"));
    device.tap("Keep this lot");
    assert!(device.shows_text("Why this lot?"));
    device.tap("Earlier lot not here");
    assert_eq!(device.pick().get_stage(), PickStage::Quantity);
    device.tap("✔ Picked 2");
    assert_eq!(device.screen(), Screen::Home);

    use dockhand_app::workflow::{History, Projections};
    let task = dockhand_app::domain::TaskId::new(sample_device::LOT_TASK).unwrap();
    let facts = device
        .journal
        .borrow()
        .history(&History::PickTask(task))
        .unwrap();
    let [fact] = facts.as_slice() else {
        panic!("{facts:?}")
    };
    let dockhand_app::domain::EventBody::Pick(pick) = &fact.body else {
        panic!("{fact:?}")
    };
    assert_eq!(pick.line.lot.as_ref().unwrap().as_str(), "LNEW");
    assert_eq!(pick.fefo_override.as_deref(), Some("Earlier lot not here"));
}

#[test]
fn leaving_a_task_returns_home_and_offers_it_again() {
    let device = Device::picking();
    device.tap("More");
    device.tap("Leave this task");
    assert_eq!(device.screen(), Screen::Home);
    assert_eq!(device.feedback().1, "✔ Job left; you can continue it later");
    device.tap("Pick");
    assert_eq!(device.pick().get_stage(), PickStage::Tasks);
    // A task label scanned on the list opens the task.
    device.scan("PT1001");
    assert_eq!(device.screen(), Screen::Pick);
    assert_eq!(
        device.pick().get_stage(),
        PickStage::Tote,
        "nothing was picked into the tote"
    );
}

#[test]
fn screenshot_mode_draws_every_screen_at_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = crate::screenshots::default_sizes().unwrap();
    let written = crate::screenshots::render_all(dir.path(), &sizes).unwrap();
    assert_eq!(written.len(), 2 * crate::screenshots::SCENE_COUNT);
    for path in &written {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let expected = if path.to_string_lossy().contains("480x800") {
            (480, 800)
        } else {
            (720, 1280)
        };
        assert_eq!((info.width, info.height), expected, "{}", path.display());
        let colours: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
        assert!(colours.len() > 20, "{} looks blank", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        let has = |rgb: [u8; 3]| pixels.chunks(3).any(|p| p == rgb);
        if name.contains("good-scan") {
            assert!(has([0x00, 0x5A, 0x24]), "{name} has no green band");
        }
        if name.contains("wrong-scan") {
            assert!(has([0xA0, 0x00, 0x1C]), "{name} has no red band");
        }
        if name.contains("offline") {
            assert!(has([0xFF, 0xC4, 0x00]), "{name} has no amber badge");
        }
    }
}

/// WCAG relative luminance of `#RRGGBB`.
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[test]
fn every_text_colour_pair_of_the_theme_meets_aaa_contrast() {
    let theme = include_str!("../ui/theme.slint");
    let colours: std::collections::HashMap<&str, &str> = theme
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("out property <color> ")?;
            let (name, value) = rest.split_once(": ")?;
            Some((name, value.get(..7)?))
        })
        .collect();
    let mut pairs = vec![
        ("ink", "page"),
        ("ink", "surface"),
        ("ink-secondary", "page"),
        ("ink-secondary", "surface"),
    ];
    // Every `on-x` colour is text drawn on `x`.
    for name in colours.keys() {
        if let Some(background) = name.strip_prefix("on-") {
            pairs.push((name, background));
        }
    }
    assert!(pairs.len() > 10, "the theme's colours were not found");
    for (text, background) in pairs {
        let (a, b) = (luminance(colours[text]), luminance(colours[background]));
        let ratio = (a.max(b) + 0.05) / (a.min(b) + 0.05);
        assert!(ratio >= 7.0, "{text} on {background} is only {ratio:.1}:1");
    }
}

#[test]
fn a_new_status_from_the_sync_loop_refreshes_the_open_sync_screen() {
    let device = Device::signed_in();
    device.tap("⚠ Offline · 3 queued");
    let rows = || {
        device
            .window
            .global::<SyncAdapter>()
            .get_recent_work()
            .row_count()
    };
    assert_eq!(rows(), 8);

    // Meanwhile a pick was recorded and the loop came back online.
    sample_device::record_pick(&device.journal, 1).unwrap();
    device.sync.set_status(sample_device::status_synced());
    crate::adapters::sync_status::apply_published_status(
        &device.window,
        &sample_device::status_synced(),
    );
    assert!(device.shows_text("✔ Synced"));
    assert!(device.shows_text("✔ Online"));
    assert_eq!(rows(), 9, "the new pick is listed");
}
