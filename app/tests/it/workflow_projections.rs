//! The journal's answers to the workflows' questions (`journal::workflow_store`), checked
//! against a real file: putaway suggestions by bin, zone rule and capacity, expiry of lots
//! from the server's balances, inbound documents by SSCC, the scan evidence on events.

use dockhand_app::domain::{
    DocumentKind, DocumentRef, Gtin, Item, LocationCode, Qty, Sku, StockStatus, Tracking,
};
use dockhand_app::workflow::{JobSpec, Projections, PutawayJob};

use crate::workflow_support::*;

fn loc(s: &str) -> LocationCode {
    LocationCode::new(s).unwrap()
}

#[test]
fn putaway_suggestions_follow_item_bin_then_zone_rule_then_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = seeded(&dir.path().join("device.db"));
    let yogurt = Item {
        sku: Sku::new("4001").unwrap(),
        name: "Yogurt".into(),
        gtins: vec![Gtin::parse("09506000134390").unwrap()],
        packs: vec![],
        tracking: Tracking::default(),
        category: Some("chilled".into()),
    };
    journal.upsert_items(std::slice::from_ref(&yogurt)).unwrap();
    let suggest = |j: &dockhand_app::journal::Journal, item: &Item, n: i64| {
        PutawayJob::suggest_bin(j, item, Qty::new(n).unwrap()).unwrap()
    };
    assert_eq!(suggest(&journal, &yogurt, 30), Some(loc("B-01-1-A")));
    assert_eq!(suggest(&journal, &yogurt, 41), Some(loc("B-02-1-A")));
    assert_eq!(suggest(&journal, &yogurt, 600), None);
    let mug = journal
        .item_by_sku(&Sku::new("1002").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(suggest(&journal, &mug, 5), Some(loc("A-03-2-B")));
    // Once yogurt is in B-01, it is that bin's item and B-01 is no longer empty.
    let mut session = start(
        &mut journal,
        &JobSpec::Receive {
            dock: loc("DOCK-1"),
            document: None,
            sscc: None,
            without_document: true,
            blind: true,
            inspect: false,
        },
    );
    play(
        &mut session,
        &mut journal,
        &["scan gtin:09506000134390 count:5", "close"],
    );
    let mut session = start(
        &mut journal,
        &JobSpec::Putaway {
            dock: loc("DOCK-1"),
        },
    );
    play(
        &mut session,
        &mut journal,
        &["scan gtin:09506000134390", "scan loc:B-01-1-A"],
    );
    assert_eq!(
        journal.bins_holding(&yogurt.sku).unwrap(),
        vec![loc("B-01-1-A")]
    );
    assert_eq!(
        journal.empty_bins(Some("B"), Qty::new(1).unwrap()).unwrap(),
        vec![loc("B-02-1-A")]
    );
}

#[test]
fn stock_rows_carry_lot_expiry_and_local_effects() {
    let dir = tempfile::tempdir().unwrap();
    let journal = seeded(&dir.path().join("device.db"));
    let rows = Projections::on_hand_at(&journal, &loc("A-05-1-A")).unwrap();
    let l1 = rows
        .iter()
        .find(|r| r.lot.as_ref().is_some_and(|l| l.as_str() == "L1"))
        .unwrap();
    assert_eq!(l1.expiry, chrono::NaiveDate::from_ymd_opt(2027, 1, 31));
    assert_eq!((l1.status, l1.qty), (StockStatus::Available, 6));
}

#[test]
fn documents_are_found_by_number_and_by_pallet_label() {
    let dir = tempfile::tempdir().unwrap();
    let journal = seeded(&dir.path().join("device.db"));
    let asn = DocumentRef {
        kind: DocumentKind::Asn,
        number: "ASN-1".into(),
    };
    assert_eq!(
        journal.inbound_document(&asn).unwrap().unwrap().lines.len(),
        2
    );
    let po = DocumentRef {
        kind: DocumentKind::Po,
        number: "ASN-1".into(),
    };
    assert!(journal.inbound_document(&po).unwrap().is_none());
    assert_eq!(
        journal
            .inbound_by_sscc("095060001000000012")
            .unwrap()
            .unwrap()
            .number,
        "ASN-1"
    );
    assert!(
        journal
            .inbound_by_sscc("095060001000000029")
            .unwrap()
            .is_none()
    );
    assert_eq!(journal.pick_tasks().unwrap().len(), 1);
}

#[test]
fn a_scan_is_kept_as_evidence_on_the_events_it_caused() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = seeded(&dir.path().join("device.db"));
    let mut session = start(
        &mut journal,
        &JobSpec::Receive {
            dock: loc("DOCK-1"),
            document: None,
            sscc: None,
            without_document: true,
            blind: true,
            inspect: false,
        },
    );
    play(
        &mut session,
        &mut journal,
        &[&format!("scan gtin:{MUG} count:2")],
    );
    let events = journal
        .events_after(dockhand_app::domain::DeviceSeq(0), 10)
        .unwrap();
    let scan = events[0].event.header.scan.clone().unwrap();
    assert_eq!(scan.data, format!("gtin:{MUG} count:2"));
}

#[test]
fn open_inbound_documents_are_listed_for_choosing() {
    let dir = tempfile::tempdir().unwrap();
    let journal = seeded(&dir.path().join("device.db"));
    let docs = journal.inbound_documents().unwrap();
    assert_eq!(
        docs.iter().map(|d| d.number.as_str()).collect::<Vec<_>>(),
        ["ASN-1"]
    );
}
