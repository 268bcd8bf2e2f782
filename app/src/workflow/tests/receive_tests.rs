use super::*;
use crate::domain::{QualityDecision, ReceiptVariance, Receive};

fn receive_spec(blind: bool, inspect: bool) -> JobSpec {
    JobSpec::Receive {
        dock: loc("DOCK-1"),
        document: None,
        sscc: None,
        without_document: false,
        blind,
        inspect,
    }
}

fn open(fake: &FakeProjections, spec: JobSpec) -> Job {
    Job::open(&spec, fake).unwrap()
}

fn receipts(fake: &FakeProjections) -> Vec<Receive> {
    bodies(fake)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Receive(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn asn_by_pallet_label_with_cases_lots_live_variance_and_close_summary() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    assert_eq!(job.prompt().text(), "Scan the ASN, PO or pallet label");
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan sscc:095060001000000012",
            &format!("scan gtin:{MUG_CASE}"),
            "qty 1",
            &format!("scan gtin:{MILK} lot:L7 exp:2027-05-31"),
            "qty 12",
        ],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        job.prompt().text(),
        "Receiving ASN-1: scan an item\n  SKU 1002 Blue Mug: 12 of 24 received, short by 12\n  SKU 2001 Milk 1L: 12 of 10 received, over by 2"
    );
    let step = job.handle(&i(&format!("scan gtin:{RED_MUG}")), &fake);
    assert_eq!(
        step.feedback,
        Feedback::Warn {
            message: "SKU 1003 Red Mug is not on ASN-1: it will be received as unexpected".into()
        }
    );
    let steps = play(&mut job, &mut fake, &["qty 2", "close"]);
    assert_all_accepted(&steps);
    let closed = steps.last().unwrap();
    assert!(closed.done);
    assert_eq!(
        closed.prompt.text(),
        "ASN-1 closed with differences: SKU 1002 Blue Mug: 12 of 24 received, short by 12; SKU 2001 Milk 1L: 12 of 10 received, over by 2; SKU 1003 Red Mug: 2 of 0 received, over by 2 (not on document)"
    );
    let r = receipts(&fake);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].line.qty, qty(12));
    let pack = r[0].pack.clone().unwrap();
    assert_eq!(
        (pack.uom.as_str(), pack.base_units, pack.count),
        ("CS", 12, 1)
    );
    assert_eq!(r[0].sscc.as_deref(), Some("095060001000000012"));
    assert_eq!(r[1].line.lot, Some(lot("L7")));
    assert_eq!(r[1].line.expiry, Some(date(2027, 5, 31)));
    assert!(
        r.iter()
            .all(|r| r.status == StockStatus::Available && r.to == loc("DOCK-1"))
    );
    let Some(EventBody::ReceiptClosed(c)) = bodies(&fake).pop() else {
        panic!()
    };
    assert_eq!(
        c.variances,
        vec![
            ReceiptVariance {
                item: sku("1002"),
                expected: qty(24),
                received: qty(12)
            },
            ReceiptVariance {
                item: sku("2001"),
                expected: qty(10),
                received: qty(12)
            },
            ReceiptVariance {
                item: sku("1003"),
                expected: qty(0),
                received: qty(2)
            },
        ]
    );
}

#[test]
fn blind_receiving_hides_expected_quantities_until_close() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(true, false));
    play(
        &mut job,
        &mut fake,
        &["scan doc:asn:ASN-1", &format!("scan gtin:{MUG} count:24")],
    );
    let text = job.prompt().text();
    assert_eq!(
        text,
        "Receiving ASN-1: scan an item\n  SKU 1002 Blue Mug: 24 received\n  SKU 2001 Milk 1L: 0 received"
    );
    let closed = play(&mut job, &mut fake, &["close"]).pop().unwrap();
    assert_eq!(
        closed.prompt.text(),
        "ASN-1 closed with differences: SKU 2001 Milk 1L: 0 of 10 received, short by 10"
    );
}

#[test]
fn without_a_document_items_are_received_one_by_one() {
    let mut fake = world();
    let spec = JobSpec::Receive {
        dock: loc("DOCK-1"),
        document: None,
        sscc: None,
        without_document: true,
        blind: true,
        inspect: false,
    };
    let mut job = open(&fake, spec);
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "confirm", "close"],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps.last().unwrap().prompt.text(),
        "Blind receiving finished: 1 lines received"
    );
    assert_eq!(receipts(&fake)[0].document, None);
    assert_eq!(fake.facts.len(), 1);
}

#[test]
fn inspection_holds_each_line_until_a_quality_decision() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, true));
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan doc:asn:ASN-1",
            &format!("scan gtin:{MUG}"),
            "qty 5",
            "quality fail",
            &format!("scan gtin:{MUG}"),
            "qty 3",
            "quality hold",
        ],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[2].feedback,
        Feedback::good_with("Received 5 each of SKU 1002 Blue Mug, on hold for quality".into())
    );
    assert_eq!(
        steps[2].prompt.text(),
        "Quality check of 5 each SKU 1002 Blue Mug: pass, fail or hold"
    );
    let all = bodies(&fake);
    let EventBody::QualityDecision(q) = &all[1] else {
        panic!("{all:?}")
    };
    assert_eq!(
        (q.decision, q.from_status, q.line.qty),
        (QualityDecision::Fail, StockStatus::OnHold, qty(5))
    );
    // 5 failed → quarantined, 3 held → still on hold.
    let at_dock = fake.on_hand_at(&loc("DOCK-1")).unwrap();
    let status_qty = |s: StockStatus| {
        at_dock
            .iter()
            .filter(|r| r.status == s)
            .map(|r| r.qty)
            .sum::<i64>()
    };
    assert_eq!(status_qty(StockStatus::Quarantined), 5);
    assert_eq!(status_qty(StockStatus::OnHold), 3);
    assert_eq!(status_qty(StockStatus::Available), 0);
}

#[test]
fn serialised_items_are_received_one_serial_per_scan() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    play(
        &mut job,
        &mut fake,
        &[
            "scan doc:asn:ASN-1",
            &format!("scan gtin:{SCANNER} serial:S9"),
        ],
    );
    let r = receipts(&fake);
    assert_eq!(
        (r[0].line.qty, r[0].line.serials.clone()),
        (qty(1), vec![serial("S9")])
    );
    assert_refused(
        &mut job,
        &mut fake,
        &format!("scan gtin:{SCANNER} serial:S9"),
        "Serial S9 was already scanned",
    );
}

#[test]
fn every_wrong_receiving_input_is_refused_with_its_words() {
    let doc = "scan doc:asn:ASN-1".to_owned();
    let mug = format!("scan gtin:{MUG}");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            "scan doc:asn:ASN-404".into(),
            "Unknown document ASN-404: it is not on this device; sync and try again",
        ),
        (
            vec![],
            "scan doc:po:PO-9".into(),
            "PO-9 is closed: nothing more can be received on it",
        ),
        (
            vec![],
            "scan sscc:095060001000000099".into(),
            "Unknown pallet 095060001000000099: no open ASN has this label",
        ),
        (
            vec![],
            mug.clone(),
            "Not expected here: scanned SKU 1002 Blue Mug. Scan the ASN, PO or pallet label",
        ),
        (vec![], "close".into(), "That does not apply here"),
        (
            vec![doc.clone()],
            format!("scan gtin:{NOT_IN_CATALOG}"),
            "Unknown item: GTIN 09506000134390 is not in the catalog",
        ),
        (
            vec![doc.clone(), format!("scan gtin:{MILK}")],
            format!("scan gtin:{MUG}"),
            "Enter the lot and expiry for SKU 2001 Milk 1L first",
        ),
        (
            vec![doc.clone(), format!("scan gtin:{MILK}")],
            "lot - ".into(),
            "Enter the lot and expiry for SKU 2001 Milk 1L first",
        ),
        (
            vec![doc.clone()],
            format!("scan gtin:{SCANNER}"),
            "Serial missing: SKU 3001 Hand Scanner needs one scan per unit with its serial number",
        ),
        (
            vec![doc.clone()],
            "qty 3".into(),
            "That does not apply here",
        ),
        (
            vec![doc.clone()],
            "scan raw:]C1garbage".into(),
            "Unknown barcode garbage: expected an AI at position 0, found \"garb\"",
        ),
        (
            vec![doc.clone(), mug.clone()],
            "qty 0".into(),
            "Quantity must be at least 1",
        ),
        (
            vec![doc.clone(), mug.clone()],
            format!("scan gtin:{RED_MUG}"),
            "Enter the quantity for SKU 1002 Blue Mug first",
        ),
        (
            vec![doc.clone(), mug.clone()],
            "close".into(),
            "That does not apply here",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = world();
        let mut job = open(&fake, receive_spec(false, false));
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}

#[test]
fn a_receipt_reopened_from_its_facts_keeps_its_tally_and_refuses_a_closed_document() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    play(
        &mut job,
        &mut fake,
        &["scan doc:asn:ASN-1", &format!("scan gtin:{MUG}"), "qty 20"],
    );
    let before = job.prompt();
    let spec = job.spec();
    let mut reopened = Job::open(&spec, &fake).unwrap();
    assert_eq!(reopened.prompt(), before);
    play(
        &mut reopened,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 4", "close"],
    );
    let Some(EventBody::ReceiptClosed(c)) = bodies(&fake).pop() else {
        panic!()
    };
    assert_eq!(c.variances.len(), 1, "{c:?}");
    assert_eq!(
        Job::open(&spec, &fake).unwrap_err(),
        OpenJobError::Refused("ASN-1 is closed: nothing more can be received on it".into())
    );
}

#[test]
fn a_tracked_item_without_lot_or_expiry_asks_for_them_instead_of_refusing() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    play(&mut job, &mut fake, &["scan doc:asn:ASN-1"]);
    let step = job.handle(&i(&format!("scan gtin:{MILK}")), &fake);
    assert_eq!(
        step.feedback,
        Feedback::Warn {
            message: "Lot missing: scan the label with the lot number for SKU 2001 Milk 1L".into()
        }
    );
    assert!(step.events.is_empty());
    assert!(matches!(
        job.prompt(),
        Prompt::ReceiveLotExpiry {
            need_lot: true,
            need_expiry: true,
            ..
        }
    ));
    assert_eq!(
        job.prompt().text(),
        "SKU 2001 Milk 1L: scan the label with the lot and expiry, or type it"
    );
    // The carton's GS1 label brings the lot; the expiry is still missing.
    let step = job.handle(&i(&format!("scan gtin:{MILK} lot:L7")), &fake);
    assert_eq!(
        step.feedback,
        Feedback::Warn {
            message: "Expiry missing: scan the label with the expiry date for SKU 2001 Milk 1L"
                .into()
        }
    );
    let Prompt::ReceiveLotExpiry {
        lot: Some(l),
        need_lot: false,
        need_expiry: true,
        ..
    } = job.prompt()
    else {
        panic!("{:?}", job.prompt())
    };
    assert_eq!(l, lot("L7"));
    // Typed from the printed label, then the quantity.
    let steps = play(&mut job, &mut fake, &["lot - 2027-05-31", "qty 10"]);
    assert_all_accepted(&steps);
    assert!(matches!(steps[0].prompt, Prompt::EnterQuantity { .. }));
    let r = receipts(&fake);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].line.lot, Some(lot("L7")));
    assert_eq!(r[0].line.expiry, Some(date(2027, 5, 31)));
    assert_eq!(r[0].line.qty, qty(10));
}

#[test]
fn skip_puts_a_scanned_item_back_without_receiving_it() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    let steps = play(
        &mut job,
        &mut fake,
        &["scan doc:asn:ASN-1", &format!("scan gtin:{MILK}"), "skip"],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[2].feedback,
        Feedback::good_with("SKU 2001 Milk 1L not received: scan the next item".into())
    );
    assert!(matches!(job.prompt(), Prompt::ReceiveItems { .. }));
    play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}"), "skip"]);
    assert!(matches!(job.prompt(), Prompt::ReceiveItems { .. }));
    assert!(receipts(&fake).is_empty());
}

#[test]
fn receiving_more_than_the_document_expects_warns_with_the_numbers() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan doc:asn:ASN-1",
            &format!("scan gtin:{MUG_CASE}"),
            "qty 2",
        ],
    );
    assert_eq!(
        steps[2].feedback,
        Feedback::good_with("Received 24 each of SKU 1002 Blue Mug".into()),
        "exactly the expected quantity is no warning"
    );
    let steps = play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}"), "qty 1"]);
    assert_eq!(
        steps[1].feedback,
        Feedback::Warn {
            message: "Received 1 each of SKU 1002 Blue Mug. Over-receipt: 25 of 24 on ASN-1, check the delivery".into()
        }
    );
    assert_eq!(
        receipts(&fake).len(),
        2,
        "the over-receipt is still recorded"
    );

    // Blind receiving never tells.
    let mut fake = world();
    let mut job = open(&fake, receive_spec(true, false));
    let steps = play(
        &mut job,
        &mut fake,
        &["scan doc:asn:ASN-1", &format!("scan gtin:{MUG} count:30")],
    );
    assert!(
        matches!(steps[1].feedback, Feedback::Good { .. }),
        "{:?}",
        steps[1].feedback
    );
}

#[test]
fn an_unlabelled_carton_keyed_in_is_received_without_a_gtin_and_gets_an_item_label() {
    let mut fake = world();
    let mut job = open(&fake, receive_spec(false, false));
    let steps = play(
        &mut job,
        &mut fake,
        &["scan doc:asn:ASN-1", "key 1002", "qty 6"],
    );
    assert_all_accepted(&steps);
    let [received] = receipts(&fake).try_into().unwrap();
    assert_eq!((received.gtin, received.line.qty.units()), (None, 6));
    let labels = crate::workflow::labels::labels_for(&steps[2].events, &fake).unwrap();
    assert!(
        matches!(&labels[..], [crate::workflow::labels::LabelRequest::Item(l)] if l.sku.as_deref() == Some("1002")),
        "{labels:?}"
    );
    assert_refused(
        &mut job,
        &mut fake,
        "key 9999",
        "Unknown item: SKU 9999 is not in the catalog; sync and try again",
    );
}
