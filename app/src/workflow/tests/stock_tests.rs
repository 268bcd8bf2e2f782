use super::*;
use crate::domain::{AdjustReason, EventBody};

fn stock_job() -> Job {
    Job::Stock(StockJob::new())
}

#[test]
fn a_move_takes_stock_from_one_bin_to_another_by_scan() {
    let mut fake = world();
    let mut job = stock_job();
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:A-05-1-A",
            &format!("scan gtin:{MILK} lot:L2"),
            "qty 4",
            "scan loc:B-02-1-A",
        ],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[1].prompt.text(),
        "SKU 2001 Milk 1L: enter quantity (6 each here)"
    );
    assert_eq!(
        steps[3].feedback,
        Feedback::good_with("Moved 4 each SKU 2001 Milk 1L to B-02-1-A".into())
    );
    let EventBody::Move(m) = &bodies(&fake)[0] else {
        panic!()
    };
    assert_eq!(
        (m.from.clone(), m.to.clone(), m.line.qty),
        (loc("A-05-1-A"), loc("B-02-1-A"), qty(4))
    );
    assert_eq!(
        (m.line.lot.clone(), m.line.expiry),
        (Some(lot("L2")), Some(date(2027, 3, 31)))
    );
    assert_eq!(job.prompt(), Prompt::ScanSourceBin);
}

#[test]
fn status_changes_and_adjustments_carry_their_reason() {
    let mut fake = world();
    let mut job = stock_job();
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG}"),
            "qty 2",
            "status damaged \"dropped\"",
            &format!("scan gtin:{MUG}"),
            "adjust -3 lost",
            "close",
        ],
    );
    assert_all_accepted(&steps);
    let all = bodies(&fake);
    let EventBody::StatusChange(s) = &all[0] else {
        panic!()
    };
    assert_eq!(
        (s.from_status, s.to_status, s.reason.as_str(), s.line.qty),
        (
            StockStatus::Available,
            StockStatus::Damaged,
            "dropped",
            qty(2)
        )
    );
    let EventBody::Adjust(a) = &all[1] else {
        panic!()
    };
    assert_eq!(
        (a.delta, a.reason, a.location.clone()),
        (-3, AdjustReason::Lost, loc("A-03-2-B"))
    );
    assert!(steps.last().unwrap().done);
    let available: i64 = fake
        .on_hand_at(&loc("A-03-2-B"))
        .unwrap()
        .iter()
        .filter(|r| r.status == StockStatus::Available)
        .map(|r| r.qty)
        .sum();
    assert_eq!(available, 5);
}

#[test]
fn every_wrong_stock_input_is_refused_with_its_words() {
    let at = "scan loc:A-03-2-B".to_owned();
    let mug = format!("scan gtin:{MUG}");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            "scan loc:NOWHERE".into(),
            "Unknown bin NOWHERE: it is not in this warehouse's list",
        ),
        (
            vec![],
            mug.clone(),
            "Not expected here: scanned SKU 1002 Blue Mug. Scan the bin to take stock from",
        ),
        (
            vec![at.clone()],
            format!("scan gtin:{MILK}"),
            "Lot missing: scan the label with the lot number for SKU 2001 Milk 1L",
        ),
        (
            vec![at.clone(), mug.clone()],
            "qty 11".into(),
            "Only 10 each of SKU 1002 Blue Mug in A-03-2-B",
        ),
        (
            vec![at.clone(), mug.clone()],
            "adjust -11 lost".into(),
            "Cannot remove more than the 10 each of SKU 1002 Blue Mug in this bin",
        ),
        (
            vec![at.clone(), mug.clone()],
            "adjust 0 found".into(),
            "An adjustment must add or remove at least 1",
        ),
        (
            vec![at.clone(), mug.clone(), "qty 2".into()],
            "scan loc:A-03-2-B".into(),
            "A-03-2-B is the bin the stock comes from: scan another bin",
        ),
        (
            vec![at.clone(), mug.clone(), "qty 2".into()],
            "status available \"ok\"".into(),
            "The stock is already available",
        ),
        (
            vec![at.clone(), mug.clone(), "qty 2".into()],
            "scan loc:Z-1".into(),
            "Unknown bin Z-1: it is not in this warehouse's list",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = world();
        let mut job = stock_job();
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}

#[test]
fn serialised_stock_moves_by_serial() {
    let mut fake = world();
    let mut job = stock_job();
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:A-05-1-A",
            &format!("scan gtin:{SCANNER} serial:S1"),
            &format!("scan gtin:{SCANNER} serial:S2"),
            "confirm",
            "scan loc:B-02-1-A",
        ],
    );
    assert_all_accepted(&steps);
    let EventBody::Move(m) = &bodies(&fake)[0] else {
        panic!()
    };
    assert_eq!(
        (m.line.qty, m.line.serials.clone()),
        (qty(2), vec![serial("S1"), serial("S2")])
    );
}
