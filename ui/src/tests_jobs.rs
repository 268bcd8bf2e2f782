//! UI tests of the job screens (receive, put away, count, move/adjust, pack), headless: the
//! real window and adapters over the sample journal, driven by key events into the scan
//! input (as a wedge scanner types) and taps on buttons found by their label, and checked
//! by what the screen shows and what the journal then holds.

use std::rc::Rc;

use dockhand_app::domain::{DeviceSeq, EventBody};
use slint::{ComponentHandle, LogicalSize, Model};

use crate::app::Controllers;
use crate::feedback::SilentFeedback;
use crate::sample_device::{self, ScriptedSync};
use crate::test_printer::{FakePrinter, unused_port};
use crate::test_support::{OnScreen, enrolled_sample_journal, show_window};
use crate::{
    CountAdapter, CountStage, FeedbackKind, LabelsAdapter, MainWindow, MoveAdapter, MoveStage,
    PackAdapter, PackStage, PutawayAdapter, PutawayStage, ReceiveAdapter, ReceiveStage, Screen,
    SetupAdapter,
};
use dockhand_app::journal::LabelJobState;
use dockhand_app::label::printer::{AddressLink, LinkTimeouts};
use dockhand_app::label::settings::PrinterSettings;

struct Device {
    window: MainWindow,
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
    /// A set-up device with the receiving samples, signed in as "ana" by a badge scan.
    fn signed_in() -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let (journal, dir) = enrolled_sample_journal();
        sample_device::add_receiving(&journal).unwrap();
        Self::over(journal, dir)
    }

    /// The app restarted: a new window and controllers over the journal reopened from disk.
    fn restarted(self) -> Self {
        let Device {
            window,
            journal,
            controllers,
            _dir,
        } = self;
        window.hide().unwrap();
        drop((window, controllers, journal));
        let journal = std::rc::Rc::new(std::cell::RefCell::new(
            dockhand_app::journal::Journal::open(_dir.path().join("device.db")).unwrap(),
        ));
        Self::over(journal, _dir)
    }

    /// The app over `journal`, signed in as "ana" by a badge scan.
    fn over(journal: crate::controllers::SharedJournal, dir: tempfile::TempDir) -> Self {
        let sync = ScriptedSync::new(sample_device::status_synced());
        let controllers =
            Controllers::new(journal.clone(), Box::new(sync), Box::new(SilentFeedback));
        // The test machine may stall between two key events far longer than a scanner
        // does; a generous key gap keeps each scan one burst however busy it is.
        let mut wedge = controllers.setup.wedge_config();
        wedge.max_key_gap_ms = 5_000;
        controllers.scan_input.borrow_mut().reconfigure(wedge);
        let window = show_window(&controllers);
        let device = Self {
            window,
            journal,
            controllers,
            _dir: dir,
        };
        device.scan("ana");
        assert_eq!(device.screen(), Screen::Home);
        device
    }

    /// Types a number on the number pad.
    fn type_number(&self, n: u32) {
        for digit in n.to_string().chars() {
            self.tap_button(&digit.to_string());
        }
    }

    /// Every text on screen, for "is this number shown anywhere".
    fn texts_on_screen(&self) -> Vec<String> {
        i_slint_backend_testing::ElementQuery::from_root(&self.window)
            .find_all()
            .into_iter()
            .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
            .collect()
    }

    fn assert_good(&self, what: &str) {
        let (kind, text) = self.feedback();
        assert_eq!(kind, FeedbackKind::Good, "{what}: {text}");
    }

    /// Every event in the journal after `after`.
    fn events_after(&self, after: u64) -> Vec<EventBody> {
        self.journal
            .borrow()
            .events_after(DeviceSeq(after), 1000)
            .unwrap()
            .into_iter()
            .map(|r| r.event.body)
            .collect()
    }

    fn last_seq(&self) -> u64 {
        self.journal.borrow().last_seq().unwrap().0
    }

    /// Sets the label printer in the device settings, as the setup screen stores it.
    fn set_printer(&self, address: &str) {
        PrinterSettings::parse(address, "203", "4x6")
            .unwrap()
            .save(&mut self.journal.borrow_mut())
            .unwrap();
    }

    /// Runs the print queue once, inline (the app's print worker does this on its thread).
    fn drain(&self) -> dockhand_app::label::queue::QueueReport {
        let address = self.controllers.labels.settings().printer.unwrap();
        let mut link = AddressLink {
            address,
            timeouts: LinkTimeouts::default(),
        };
        self.controllers
            .labels
            .drain_with(&mut link)
            .unwrap()
            .unwrap()
    }

    /// Packs the sample order SO-5521 (picked into TOTE-1) into one open carton.
    fn fill_a_carton(&self) {
        sample_device::pick_sample_task(&self.journal).unwrap();
        self.tap_button("Pack");
        self.scan(sample_device::TOTE_LABEL);
        for gtin in [sample_device::RED_MUG_GTIN; 2]
            .into_iter()
            .chain([sample_device::BLUE_MUG_GTIN; 5])
        {
            self.scan(gtin);
            self.assert_good(gtin);
        }
    }
}

/// The SSCC in a label's GS1-128 `(00)` symbol: its bracketed text line.
fn printed_sscc(zpl: &str) -> Option<String> {
    let at = zpl.find("(00)")?;
    Some(zpl[at + 4..at + 22].to_owned())
}

#[test]
fn a_full_receive_against_an_asn_by_scans() {
    let device = Device::signed_in();
    let before = device.last_seq();
    device.tap_button("Receive");
    assert_eq!(device.screen(), Screen::Receive);
    let receive = device.window.global::<ReceiveAdapter>();
    assert_eq!(receive.get_stage(), ReceiveStage::Documents);
    assert!(device.shows_text("ASN4713\n2 lines · 34 each"));
    assert!(device.shows_text("At dock DOCK-1"));

    // The delivery's label opens it.
    device.scan(sample_device::RECEIVE_ASN);
    device.assert_good("document label");
    assert_eq!(receive.get_stage(), ReceiveStage::Items);
    assert_eq!(receive.get_document(), sample_device::RECEIVE_ASN);
    assert!(device.shows_text("0 / 24"), "expected shown per line");
    assert!(device.shows_text("0/2 complete"));

    // A case label: two cases of 12 by the number pad.
    device.scan(&sample_device::blue_mug_case_label());
    device.assert_good("case label");
    assert_eq!(receive.get_stage(), ReceiveStage::Quantity);
    assert_eq!(
        (receive.get_unit().as_str(), receive.get_base_units()),
        ("CS", 12)
    );
    device.type_number(2);
    device.tap_button("✔ Receive 24");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ Received 24 each of SKU 1002 Blue Mug 350 ml".to_owned()
        )
    );
    assert!(device.shows_text("24 / 24"));
    assert!(device.shows_text("✔ Complete"));

    // The yoghurt's retail barcode has no lot or expiry: the screen asks for them.
    device.scan(sample_device::YOGHURT_GTIN);
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Warn, "{text}");
    assert!(text.starts_with("⚠ Lot missing"), "{text}");
    assert_eq!(receive.get_stage(), ReceiveStage::LotExpiry);
    assert!(receive.get_need_lot() && receive.get_need_expiry());
    assert!(device.shows_text("Scan the label with lot and expiry"));
    // Its carton's GS1-128 label carries both.
    device.scan(&sample_device::yoghurt_label(("L8", "270531")));
    device.assert_good("lot label");
    assert_eq!(receive.get_stage(), ReceiveStage::Quantity);
    device.type_number(10);
    device.tap_button("✔ Receive 10");
    device.assert_good("yoghurt received");
    assert!(device.shows_text("2/2 complete"));

    // One more than the delivery says: received, with the over-receipt in amber.
    device.scan(&sample_device::yoghurt_label(("L8", "270531")));
    device.tap_button("✔ Receive 1");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Warn);
    assert!(
        text.ends_with("Yoghurt 500 g. Over-receipt: 11 of 10 on ASN4713, check the delivery"),
        "{text}"
    );
    assert!(device.shows_text("⚠ 1 over"));

    // Close: the differences first, then for good.
    device.tap_button("Close receipt");
    assert!(device.shows_text("Close ASN4713?"));
    device.tap_button("✔ Close it");
    assert_eq!(receive.get_stage(), ReceiveStage::Documents);
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Good);
    assert_eq!(
        text,
        "✔ ASN4713 closed with differences: SKU 3001 Yoghurt 500 g: 11 of 10 received, over by 1"
    );
    assert!(
        !device.shows_text("ASN4713\n2 lines · 34 each"),
        "a closed delivery is not offered"
    );

    let events = device.events_after(before);
    let received: Vec<(String, i64, Option<String>, Option<String>)> = events
        .iter()
        .filter_map(|e| match e {
            EventBody::Receive(r) => Some((
                r.line.item.as_str().to_owned(),
                r.line.qty.units(),
                r.line.lot.as_ref().map(|l| l.as_str().to_owned()),
                r.line.expiry.map(|d| d.to_string()),
            )),
            _ => None,
        })
        .collect();
    let lot = || Some("L8".to_owned());
    let expiry = || Some("2027-05-31".to_owned());
    assert_eq!(
        received,
        vec![
            ("1002".into(), 24, None, None),
            ("3001".into(), 10, lot(), expiry()),
            ("3001".into(), 1, lot(), expiry()),
        ]
    );
    assert!(matches!(events.last(), Some(EventBody::ReceiptClosed(c)) if c.variances.len() == 1));
    assert_eq!(events.len(), 4, "nothing but the receipts and the close");
    assert!(device.journal.borrow().open_job().unwrap().is_none());
}

#[test]
fn a_typed_expiry_that_is_not_a_date_is_refused_in_red() {
    let device = Device::signed_in();
    device.tap_button("Receive");
    device.scan(sample_device::RECEIVE_ASN);
    device.scan(sample_device::YOGHURT_GTIN);
    let receive = device.window.global::<ReceiveAdapter>();
    receive.set_lot_text("L9".into());
    receive.set_expiry_text("271345".into());
    device.tap_button("✔ Use this");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Bad,
            "✖ Expiry 271345 is not a date: type it as on the label, YYMMDD (e.g. 270531)"
                .to_owned()
        )
    );
    assert_eq!(receive.get_stage(), ReceiveStage::LotExpiry);
    receive.set_expiry_text("271231".into());
    device.tap_button("✔ Use this");
    device.assert_good("typed lot and expiry");
    assert_eq!(receive.get_stage(), ReceiveStage::Quantity);
    // Back puts the item down without receiving it.
    device.tap_button("Back");
    assert_eq!(receive.get_stage(), ReceiveStage::Items);
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn a_wrong_bin_at_putaway_is_red_with_the_bin_expected() {
    let device = Device::signed_in();
    sample_device::receive_at_dock(&device.journal, "1002", 24).unwrap();
    device.tap_button("Put away");
    assert_eq!(device.screen(), Screen::Putaway);
    assert!(device.shows_text("24 each · SKU 1002 Blue Mug 350 ml"));
    let before = device.last_seq();

    device.scan(sample_device::BLUE_MUG_GTIN);
    let putaway = device.window.global::<PutawayAdapter>();
    assert_eq!(putaway.get_stage(), PutawayStage::Bin);
    assert_eq!(putaway.get_suggested(), "A-03-2-B");
    assert!(
        device.shows_text("A-03-2-B"),
        "the suggested bin is on screen"
    );

    device.scan("A-03-2-C");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert_eq!(
        text,
        "✖ Wrong bin: suggested A-03-2-B, scanned A-03-2-C. Scan A-03-2-B, or override with a reason"
    );
    assert!(
        device.shows_text(&crate::adapters::shell::no_break_codes(&text)),
        "the reason is on screen"
    );
    assert_eq!(putaway.get_stage(), PutawayStage::Bin, "still carrying");
    assert_eq!(device.last_seq(), before, "nothing recorded");

    device.scan("A-03-2-B");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ Put 24 each SKU 1002 Blue Mug 350 ml in A-03-2-B".to_owned()
        )
    );
    assert_eq!(putaway.get_stage(), PutawayStage::Item);
    assert!(device.shows_text("Nothing waits here · Receive a delivery first"));
    let events = device.events_after(before);
    let [EventBody::Putaway(put)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (put.from.as_str(), put.to.as_str(), put.line.qty.units()),
        ("DOCK-1", "A-03-2-B", 24)
    );
    device.tap_button("Home");
    assert_eq!(device.screen(), Screen::Home);
    assert!(device.journal.borrow().open_job().unwrap().is_none());
}

#[test]
fn a_blind_count_with_a_variance_never_shows_the_expected_quantity() {
    let device = Device::signed_in();
    let before = device.last_seq();
    device.tap_button("Count");
    assert_eq!(device.screen(), Screen::Count);
    let count = device.window.global::<CountAdapter>();
    assert_eq!(count.get_stage(), CountStage::Bin);

    device.scan("A-03-2-B");
    assert_eq!(count.get_stage(), CountStage::Items);
    device.scan(sample_device::BLUE_MUG_GTIN);
    assert_eq!(count.get_stage(), CountStage::Quantity);
    // The books say 24 blue mugs here: that number is nowhere on screen.
    let shown = device.texts_on_screen();
    assert!(shown.iter().any(|t| t == "Blue Mug 350 ml"), "{shown:?}");
    assert!(!shown.iter().any(|t| t.contains("24")), "{shown:?}");
    assert_eq!(count.get_quantity(), 0, "the pad starts from nothing");

    device.type_number(20);
    device.tap_button("✔ Count 20");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Warn);
    assert_eq!(text, "⚠ Please count SKU 1002 Blue Mug 350 ml again");
    assert_eq!(count.get_stage(), CountStage::Recount);
    let shown = device.texts_on_screen();
    assert!(!shown.iter().any(|t| t.contains("24")), "{shown:?}");

    device.type_number(20);
    device.tap_button("✔ Count 20");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ Counted 20 each SKU 1002 Blue Mug 350 ml".to_owned()
        )
    );
    assert_eq!(count.get_stage(), CountStage::Items);
    assert!(device.shows_text("1 counted"));

    // The red mugs are not counted: bin done records them as none.
    device.tap_button("✔ Bin done");
    assert_eq!(count.get_stage(), CountStage::Bin, "ready for the next bin");
    assert_eq!(
        device.feedback().1,
        "✔ Count of A-03-2-B finished: 2 lines recorded"
    );
    let counts: Vec<(String, i64, bool)> = device
        .events_after(before)
        .into_iter()
        .filter_map(|e| match e {
            EventBody::Count(c) => Some((
                c.item.as_str().to_owned(),
                c.counted.units(),
                c.recount_of.is_some(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("1002".into(), 20, false),
            ("1002".into(), 20, true),
            ("1003".into(), 0, false),
        ]
    );
    // Next bin.
    device.scan("A-03-2-C");
    assert_eq!(count.get_stage(), CountStage::Items);
    assert_eq!(count.get_bin(), "A-03-2-C");
}

#[test]
fn a_move_and_an_adjustment_by_scans() {
    let device = Device::signed_in();
    let before = device.last_seq();
    device.tap_button("Move");
    assert_eq!(device.screen(), Screen::MoveAdjust);
    let moves = device.window.global::<MoveAdapter>();
    assert_eq!(moves.get_stage(), MoveStage::Source);

    device.scan("A-03-2-B");
    assert_eq!(moves.get_stage(), MoveStage::Item);
    device.scan(sample_device::BLUE_MUG_GTIN);
    assert_eq!(moves.get_stage(), MoveStage::Quantity);
    assert!(device.shows_text("24 each in A-03-2-B"));
    device.type_number(5);
    device.tap_button("Move 5");
    assert_eq!(moves.get_stage(), MoveStage::Target);
    device.scan("A-03-2-B");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert!(text.contains("the bin the stock comes from"), "{text}");
    device.scan("A-03-2-C");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ Moved 5 each SKU 1002 Blue Mug 350 ml to A-03-2-C".to_owned()
        )
    );
    assert_eq!(
        moves.get_stage(),
        MoveStage::Source,
        "ready for the next move"
    );

    // A red mug found in A-03-2-C, where the books have none: adjust +1, reason Found.
    device.scan("A-03-2-C");
    device.scan(sample_device::RED_MUG_GTIN);
    device.tap_button("Adjust");
    device.tap_button("Add 1");
    device.tap_button("Found");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ SKU 1003 Red Mug 350 ml adjusted by +1".to_owned()
        )
    );
    assert_eq!(moves.get_stage(), MoveStage::Item);

    let events = device.events_after(before);
    let [EventBody::Move(moved), EventBody::Adjust(adjust)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (
            moved.from.as_str(),
            moved.to.as_str(),
            moved.line.item.as_str(),
            moved.line.qty.units()
        ),
        ("A-03-2-B", "A-03-2-C", "1002", 5)
    );
    assert_eq!(
        (adjust.location.as_str(), adjust.item.as_str(), adjust.delta),
        ("A-03-2-C", "1003", 1)
    );
    assert_eq!(adjust.reason, dockhand_app::domain::AdjustReason::Found);

    device.tap_button("Home");
    assert_eq!(device.screen(), Screen::Home);
    assert!(device.journal.borrow().open_job().unwrap().is_none());
}

#[test]
fn packing_a_picked_tote_into_one_carton() {
    let device = Device::signed_in();
    sample_device::pick_sample_task(&device.journal).unwrap();
    let before = device.last_seq();
    device.tap_button("Pack");
    assert_eq!(device.screen(), Screen::Pack);
    let pack = device.window.global::<PackAdapter>();
    assert_eq!(pack.get_station(), sample_device::PACK_STATION);

    device.scan(sample_device::TOTE_LABEL);
    device.assert_good("tote");
    assert_eq!(pack.get_stage(), PackStage::Items);
    assert_eq!(pack.get_order(), "SO-5521");
    let left = |pack: &PackAdapter| -> Vec<(String, i32)> {
        pack.get_remaining()
            .iter()
            .map(|r| (r.sku.to_string(), r.qty))
            .collect()
    };
    assert_eq!(left(&pack), vec![("1002".into(), 5), ("1003".into(), 2)]);

    device.scan(sample_device::BOLTS_GTIN);
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert!(text.contains("not on order SO-5521"), "{text}");

    for gtin in [sample_device::RED_MUG_GTIN; 2]
        .into_iter()
        .chain([sample_device::BLUE_MUG_GTIN; 5])
    {
        device.scan(gtin);
        device.assert_good(gtin);
    }
    assert_eq!(pack.get_in_carton(), 7);
    assert!(left(&pack).is_empty());
    device.tap_button("Close with a pre-printed label");
    assert_eq!(pack.get_stage(), PackStage::CartonLabel);
    device.scan(&format!("]C100{}", sample_device::CARTON_LABEL));
    assert_eq!(
        pack.get_stage(),
        PackStage::Order,
        "ready for the next order"
    );
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Good,
            "✔ Order SO-5521 packed in 1 cartons".to_owned()
        )
    );
    let events = device.events_after(before);
    let [EventBody::Pack(packed)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(packed.carton.as_deref(), Some(sample_device::CARTON_LABEL));
    assert_eq!(packed.from.as_str(), "TOTE-1");
}

#[test]
fn every_job_screen_has_a_way_home_from_its_more_panel() {
    let device = Device::signed_in();
    sample_device::receive_at_dock(&device.journal, "1002", 24).unwrap();
    // Into the middle of each job, then More → Home · continue later.
    device.tap_button("Receive");
    device.scan(sample_device::RECEIVE_ASN);
    device.tap_button("More");
    device.tap_button("Home · continue later");
    assert_eq!(device.screen(), Screen::Home);
    // …and Receive opens again at the same delivery.
    device.tap_button("Receive");
    assert_eq!(
        device.window.global::<ReceiveAdapter>().get_stage(),
        ReceiveStage::Items
    );
    device.tap_button("More");
    device.tap_button("Leave this delivery");
    assert_eq!(
        device.window.global::<ReceiveAdapter>().get_stage(),
        ReceiveStage::Documents
    );
    device.tap_button("Home");

    device.tap_button("Put away");
    device.scan(sample_device::BLUE_MUG_GTIN);
    device.tap_button("More");
    device.tap_button("Home · continue later");
    assert_eq!(device.screen(), Screen::Home);

    device.tap_button("Count");
    device.scan("A-03-2-B");
    device.tap_button("More");
    device.tap_button("Home · continue later");
    assert_eq!(device.screen(), Screen::Home);

    device.tap_button("Move");
    device.scan("A-03-2-B");
    device.scan(sample_device::BLUE_MUG_GTIN);
    device.tap_button("More");
    device.tap_button("Home");
    assert_eq!(device.screen(), Screen::Home);

    sample_device::pick_sample_task(&device.journal).unwrap();
    device.tap_button("Pack");
    device.scan(sample_device::TOTE_LABEL);
    device.scan(sample_device::RED_MUG_GTIN);
    device.tap_button("More");
    device.tap_button("Home · continue later");
    assert_eq!(device.screen(), Screen::Home);
    // Pack opens again at the same order (the open carton's scans are scanned again).
    device.tap_button("Pack");
    let pack = device.window.global::<PackAdapter>();
    assert_eq!(pack.get_stage(), PackStage::Items);
    assert_eq!(pack.get_order(), "SO-5521");
    assert!(device.window.get_scan_has_focus());
}

#[test]
fn print_label_and_close_prints_one_carton_label_with_the_allocated_sscc() {
    let device = Device::signed_in();
    sample_device::add_sscc_block(&device.journal).unwrap();
    let printer = FakePrinter::start();
    device.set_printer(&printer.address());
    device.fill_a_carton();
    let before = device.last_seq();
    device.tap_button("Print label & close");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Good, "{text}");
    let events = device.events_after(before);
    let [EventBody::SsccAllocated(allocated), EventBody::Pack(packed)] = events.as_slice() else {
        panic!("{events:?}")
    };
    let sscc = "095060000000005003";
    assert_eq!(allocated.sscc, sscc, "the first serial of the leased block");
    assert_eq!(allocated.purpose.as_deref(), Some("carton"));
    assert_eq!(packed.carton.as_deref(), Some(sscc));
    // The label job is in the journal with the facts, waiting; the strip says so.
    let jobs = device.journal.borrow().label_jobs(false, 10).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, LabelJobState::Queued);
    assert_eq!(
        device.window.global::<LabelsAdapter>().get_waiting(),
        1,
        "1 label waiting"
    );
    assert!(device.shows_text("▶ 1 label waiting for the printer"));

    let report = device.drain();
    assert_eq!(report.printed.len(), 1);
    let printed = printer.labels();
    assert_eq!(printed.len(), 1, "exactly one label");
    assert!(printed[0].starts_with("^XA"), "ZPL: {}", printed[0]);
    assert_eq!(printed_sscc(&printed[0]).as_deref(), Some(sscc));
    assert!(printed[0].contains(&format!("job {}", jobs[0].id)));
    device.drain();
    assert_eq!(printer.labels().len(), 1, "never printed twice");
}

#[test]
fn a_carton_closed_while_the_printer_is_down_waits_and_prints_once_when_it_is_up() {
    let device = Device::signed_in();
    sample_device::add_sscc_block(&device.journal).unwrap();
    let port = unused_port();
    device.set_printer(&format!("tcp://127.0.0.1:{port}"));
    device.fill_a_carton();
    device.tap_button("Print label & close");
    device.assert_good("carton closed");
    let report = device.drain();
    assert_eq!(report.waiting, 1);
    assert!(report.last_error.is_some());

    // The label screen: waiting, with the reason.
    device.tap_button("Home");
    device.tap_button("Labels");
    assert_eq!(device.screen(), Screen::Labels);
    let labels = device.window.global::<LabelsAdapter>();
    let row = labels.get_jobs().row_data(0).unwrap();
    // Red and blue mugs in one carton: the SSCC label with the order.
    assert_eq!((row.kind.as_str(), row.status), ("sscc", 0), "waiting");
    assert_eq!(row.key, "095060000000005003");
    assert!(row.error.contains("unreachable"), "{}", row.error);
    assert!(device.shows_text("SSCC label 095060000000005003"));

    // The printer comes up: printed, once.
    let printer = FakePrinter::start_on(port);
    device.tap_button("Retry now");
    let report = device.drain();
    assert_eq!(report.printed.len(), 1);
    device.drain();
    assert_eq!(printer.labels().len(), 1);
    crate::adapters::labels::worker_changed(&device.window, &device.controllers);
    let row = labels.get_jobs().row_data(0).unwrap();
    assert_eq!(row.status, 1, "printed");
    assert_eq!(labels.get_waiting(), 0);
    device.tap_button("Back");
    assert!(!device.shows_text("▶ 1 label waiting for the printer"));
}

/// Closes a carton of `order` (3 red mugs) on the next SSCC of the device's block, with its
/// carton label, as "Print label & close" records it; returns the carton's SSCC.
fn close_carton_of(device: &Device, order: &str) -> String {
    use dockhand_app::domain::{
        LocationCode, OperatorId, OrderNumber, Pack, Qty, Sku, SsccAllocated, StockLine,
    };
    let sscc = device.controllers.labels.take_sscc().unwrap();
    let facts = vec![
        EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.clone(),
            purpose: Some("carton".into()),
            contents: vec![],
            order: Some(OrderNumber::new(order).unwrap()),
        }),
        EventBody::Pack(Pack {
            order: OrderNumber::new(order).unwrap(),
            carton: Some(sscc.clone()),
            lines: vec![StockLine {
                item: Sku::new("1003").unwrap(),
                qty: Qty::new(3).unwrap(),
                lot: None,
                expiry: None,
                serials: vec![],
            }],
            from: LocationCode::new(sample_device::PACK_STATION).unwrap(),
            to: LocationCode::new(sample_device::PACK_STATION).unwrap(),
            weight_grams: None,
        }),
    ];
    let settings = device.controllers.labels.settings();
    dockhand_app::workflow::record_printing(
        &mut device.journal.borrow_mut(),
        &OperatorId::new("ana").unwrap(),
        facts,
        &settings,
    )
    .unwrap();
    sscc
}

#[test]
fn build_pallet_offers_every_packed_order_after_a_restart_and_refuses_one_already_on_a_pallet() {
    let device = Device::signed_in();
    sample_device::add_sscc_block(&device.journal).unwrap();
    let printer = FakePrinter::start();
    device.set_printer(&printer.address());
    // Order A: SO-5521 packed on the screen; order B: SO-7000 closed after it.
    device.fill_a_carton();
    device.tap_button("Print label & close");
    device.assert_good("carton of SO-5521 closed");
    let carton_a = "095060000000005003";
    let carton_b = close_carton_of(&device, "SO-7000");
    assert_eq!(carton_b, "095060000000005010");

    // The app restarts: what Build pallet offers comes from the journal.
    let device = device.restarted();
    device.tap_button("Pack");
    let pack = device.window.global::<PackAdapter>();
    let offered: Vec<(String, i32)> = pack
        .get_pallet_orders()
        .iter()
        .map(|r| (r.order.to_string(), r.cartons))
        .collect();
    assert_eq!(
        offered,
        [("SO-7000".to_owned(), 1), ("SO-5521".to_owned(), 1)],
        "both orders, the one closed last first"
    );
    device.tap_button("Build pallet · 2 orders ready");
    assert!(pack.get_choosing_pallet());

    // A first, then B: each pallet holds its own order's carton.
    let mut pallets = Vec::new();
    for (order, carton) in [("SO-5521", carton_a), ("SO-7000", carton_b.as_str())] {
        let before = device.last_seq();
        device.tap_button(&format!("{order} · 1 carton"));
        let (kind, text) = device.feedback();
        assert_eq!(kind, FeedbackKind::Good, "{text}");
        let events = device.events_after(before);
        let [EventBody::SsccAllocated(pallet)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(pallet.purpose.as_deref(), Some("pallet"));
        assert_eq!(pallet.contents, [carton]);
        assert_eq!(pallet.order.as_ref().map(|o| o.as_str()), Some(order));
        assert_eq!(
            text,
            format!(
                "✔ Pallet {} built of 1 carton · SSCC label queued",
                pallet.sscc
            )
        );
        pallets.push(pallet.sscc.clone());
    }
    assert_eq!(pallets, ["095060000000005027", "095060000000005034"]);
    assert!(
        !pack.get_choosing_pallet(),
        "nothing left: the chooser closes"
    );
    assert_eq!(pack.get_pallet_orders().row_count(), 0);
    assert!(!device.shows_text("Build pallet · 1 order ready"));

    // A again (a stale tap): refused in words, nothing recorded, no serial spent.
    let before = device.last_seq();
    pack.invoke_build_pallet("SO-5521".into());
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Bad,
            "✖ No pallet built: Every closed carton of order SO-5521 is on a pallet already \
             (pallet 095060000000005027): close another carton to build a new pallet"
                .to_owned()
        )
    );
    assert_eq!(device.last_seq(), before);
    assert_eq!(
        device.controllers.labels.take_sscc().unwrap(),
        "095060000000005041",
        "the refused pallet took no SSCC"
    );

    // Each pallet label carries its SSCC and its own content.
    device.drain();
    let printed = printer.labels();
    let label_of = |sscc: &str| {
        printed
            .iter()
            .find(|zpl| printed_sscc(zpl).as_deref() == Some(sscc))
            .unwrap_or_else(|| panic!("no label with SSCC {sscc}: {printed:?}"))
    };
    let (a, b) = (label_of(&pallets[0]), label_of(&pallets[1]));
    assert!(a.contains("ORDER SO-5521") && !a.contains("SO-7000"), "{a}");
    assert!(
        !a.contains("(02)"),
        "red and blue mugs: no single content: {a}"
    );
    assert!(b.contains("ORDER SO-7000"), "{b}");
    assert!(
        b.contains(&format!("(02){}(37)3", sample_device::RED_MUG_GTIN)),
        "3 red mugs: {b}"
    );
    assert_eq!(printed.len(), 4, "two carton labels, two pallet labels");
}

#[test]
fn a_label_that_does_not_fit_the_stock_is_red_with_what_to_do_and_not_counted_as_waiting() {
    use dockhand_app::label::CartonLabel;
    use dockhand_app::label::queue;
    use dockhand_app::workflow::labels::LabelRequest;
    let device = Device::signed_in();
    let printer = FakePrinter::start();
    device.set_printer(&printer.address());
    // Four barcodes: queued for 4 × 6 in stock, then the printer is loaded with 4 × 2.
    let settings = device.controllers.labels.settings();
    let long = queue::job_for_request(
        &settings,
        &LabelRequest::Carton(CartonLabel {
            gtin: sample_device::BLUE_MUG_GTIN.into(),
            lot: Some("ABCDEFGHIJKLMNOPQRST".into()),
            expiry: Some("271231".into()),
            serial: Some("12345678901234567890".into()),
            sscc: Some("095060000000005003".into()),
            ..CartonLabel::default()
        }),
    );
    device
        .journal
        .borrow_mut()
        .insert_label_job_with_data(&long)
        .unwrap();
    PrinterSettings::parse(&printer.address(), "203", "4x2")
        .unwrap()
        .save(&mut device.journal.borrow_mut())
        .unwrap();
    let report = device.drain();
    assert_eq!(report.failed, std::slice::from_ref(&long.id));
    assert_eq!(report.waiting, 0);
    assert!(printer.labels().is_empty(), "nothing sent");

    device.tap_button("More");
    device.tap_button("Labels");
    let labels = device.window.global::<LabelsAdapter>();
    let row = labels.get_jobs().row_data(0).unwrap();
    assert_eq!((row.status, row.unprintable), (2, true), "red: not printed");
    let reason = "Does not fit 4 × 2 in at 203 dpi (4 barcodes do not fit on 102 × 51 mm \
                  stock; use taller stock (4x6)): choose the larger 4 × 6 in label size in \
                  Settings, then tap Reprint";
    assert_eq!(row.error, reason);
    assert!(device.shows_text(&format!("✖ Cannot print · {reason}")));
    assert_eq!(labels.get_waiting(), 0, "the amber bar does not count it");
    assert!(!device.shows_text("▶ 1 label waiting for the printer"));

    // Tapped: the reason again at the top of its panel; Reprint, no Cancel.
    device.tap_button("Carton 095060000000005003");
    assert!(device.shows_text("✖ This label cannot print:"));
    assert!(device.shows_text(reason));
    assert!(!device.shows_text("Cancel label"));
    // Still 4 × 2: Reprint says why it cannot.
    device.tap_button("Reprint");
    assert_eq!(device.feedback().0, FeedbackKind::Bad);
    assert!(
        device.feedback().1.contains("Does not fit 4 × 2 in"),
        "{:?}",
        device.feedback()
    );
    // What the reason says to do: 4 × 6 in, then Reprint. It prints.
    device.set_printer(&printer.address());
    device.tap_button("Reprint");
    device.drain();
    let printed = printer.labels();
    assert_eq!(printed.len(), 1);
    assert_eq!(
        printed_sscc(&printed[0]).as_deref(),
        Some("095060000000005003")
    );
}

#[test]
fn an_unlabelled_carton_received_by_choosing_its_item_gets_an_item_label() {
    let device = Device::signed_in();
    device.tap_button("Receive");
    device.scan(sample_device::RECEIVE_ASN);
    let before = device.last_seq();
    device.tap_button("Carton has no label");
    assert!(device.shows_text("Which item is in the unlabelled carton?"));
    device.tap_button("Blue Mug 350 ml · 1002");
    let receive = device.window.global::<ReceiveAdapter>();
    assert_eq!(receive.get_stage(), ReceiveStage::Quantity);
    device.type_number(6);
    device.tap_button("✔ Receive 6");
    device.assert_good("received");
    let events = device.events_after(before);
    let [EventBody::Receive(received)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (received.gtin.as_ref(), received.line.qty.units()),
        (None, 6)
    );
    let jobs = device.journal.borrow().label_jobs(false, 10).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, "item");
    assert_eq!(jobs[0].printer, "", "no printer yet: it waits for one");
    assert!(
        jobs[0]
            .zpl
            .contains(&format!("(01){}", sample_device::BLUE_MUG_GTIN))
    );

    // No printer: the label screen says so, and its button leads to the settings.
    device.tap_button("More");
    device.tap_button("Labels");
    assert!(device.shows_text("No printer set — set one in Settings"));
    device.tap_button("Settings");
    assert_eq!(device.screen(), Screen::Setup);
}

#[test]
fn look_up_a_bin_and_print_its_label_with_a_preview_of_what_prints() {
    let device = Device::signed_in();
    device.tap_button("Look up");
    device.scan("A-03-2-B");
    device.tap_button("Print bin label");
    let (kind, text) = device.feedback();
    assert_eq!(
        (kind, text.as_str()),
        (FeedbackKind::Good, "✔ Bin label A-03-2-B queued")
    );
    let jobs = device.journal.borrow().label_jobs(false, 10).unwrap();
    assert_eq!(jobs[0].kind, "bin");
    device.tap_button("Home");
    device.tap_button("Labels");
    device.tap_button("Bin A-03-2-B");
    let labels = device.window.global::<LabelsAdapter>();
    let symbols: Vec<String> = labels
        .get_preview_symbols()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(symbols, ["A-03-2-B", "A-03-2-B"], "Code 128 and QR");
    assert!(
        labels
            .get_preview_lines()
            .iter()
            .any(|l| l.contains("A-03-2-B")),
        "the code in large type"
    );
    device.tap_button("Reprint");
    assert_eq!(
        device.journal.borrow().label_jobs(false, 10).unwrap().len(),
        2,
        "{:?}",
        device.feedback()
    );
    // The new copy is selected; Cancel label is in the bottom bar, never under the fold.
    device.tap_button("Cancel label");
    assert_eq!(
        device.journal.borrow().recent_label_jobs(1).unwrap()[0].state,
        LabelJobState::Cancelled
    );
    device.tap_button("Back");
    assert_eq!(
        labels.get_selected(),
        -1,
        "Back leaves the label for the list"
    );
    device.tap_button("Back");
    assert_eq!(device.screen(), Screen::Home);
}

#[test]
fn a_bad_printer_address_is_refused_on_the_setup_screen() {
    let device = Device::signed_in();
    // The smaller handheld: every printer setting is on screen, not under the fold.
    device
        .window
        .window()
        .set_size(LogicalSize::new(480.0, 800.0));
    device.tap_button("More");
    device.tap_button("Device setup");
    let setup = device.window.global::<SetupAdapter>();
    setup.set_printer("10.0.0.9:9100".into());
    device.tap_button("Save");
    assert_eq!(
        device.feedback(),
        (
            FeedbackKind::Bad,
            "✖ Label printer: printer \"10.0.0.9:9100\" is not a printer address; write tcp://HOST:9100 or serial:/dev/ttyUSB0".to_owned()
        )
    );
    assert_eq!(device.screen(), Screen::Setup);
    assert_eq!(
        device.journal.borrow().printer_settings().unwrap().printer,
        None
    );
    assert!(
        setup.get_show_printer(),
        "the printer section is up, with its field"
    );
    setup.set_printer("tcp://10.0.0.9:9100".into());
    device.tap_button("○ 4×2 in");
    device.tap_button("○ 300 dpi");
    assert_eq!(setup.get_label_stock(), "4x2");
    device.tap_button("Save");
    device.assert_good("saved");
    let stored = device.journal.borrow().printer_settings().unwrap();
    assert_eq!(
        (
            stored.printer.as_deref(),
            stored.stock.as_deref(),
            stored.dpi.as_deref()
        ),
        (Some("tcp://10.0.0.9:9100"), Some("4x2"), Some("300"))
    );
}

#[test]
fn without_sscc_block_print_and_close_says_to_sync_and_a_scanned_label_still_closes() {
    let device = Device::signed_in();
    device.fill_a_carton();
    let before = device.last_seq();
    device.tap_button("Print label & close");
    let (kind, text) = device.feedback();
    assert_eq!(kind, FeedbackKind::Bad);
    assert!(text.contains("sync once while online"), "{text}");
    assert_eq!(device.last_seq(), before, "nothing recorded");
    let pack = device.window.global::<PackAdapter>();
    assert_eq!(
        pack.get_stage(),
        PackStage::Items,
        "the carton is still open"
    );
    device.tap_button("Close with a pre-printed label");
    device.scan(&format!("]C100{}", sample_device::CARTON_LABEL));
    device.assert_good("closed on the scanned label");
    assert!(
        device
            .journal
            .borrow()
            .label_jobs(false, 10)
            .unwrap()
            .is_empty(),
        "a pre-printed label is on the carton: nothing to print"
    );
}
