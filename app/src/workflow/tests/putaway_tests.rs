use super::*;
use crate::domain::Putaway;

fn with_dock(rows: Vec<(LocationCode, StockRow)>) -> FakeProjections {
    let mut fake = world();
    fake.stock.extend(rows);
    fake
}

fn putaway_job(fake: &FakeProjections) -> Job {
    Job::open(
        &JobSpec::Putaway {
            dock: loc("DOCK-1"),
        },
        fake,
    )
    .unwrap()
}

fn putaways(fake: &FakeProjections) -> Vec<Putaway> {
    bodies(fake)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Putaway(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn suggests_the_items_bin_and_confirms_by_scanning_it() {
    let mut fake = with_dock(vec![stock("DOCK-1", "1002", None, None, 12)]);
    let mut job = putaway_job(&fake);
    assert_eq!(job.prompt().text(), "Put away from DOCK-1: scan an item");
    let steps = play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}")]);
    assert_eq!(
        steps[0].prompt.text(),
        "Take 12 each SKU 1002 Blue Mug to A-03-2-B: scan the bin"
    );
    let steps = play(&mut job, &mut fake, &["scan loc:A-03-2-B"]);
    assert_eq!(
        steps[0].feedback,
        Feedback::good_with("Put 12 each SKU 1002 Blue Mug in A-03-2-B".into())
    );
    let p = &putaways(&fake)[0];
    assert_eq!(
        (p.from.clone(), p.to.clone(), p.line.qty),
        (loc("DOCK-1"), loc("A-03-2-B"), qty(12))
    );
    assert_eq!(
        (p.suggested.clone(), p.override_reason.clone()),
        (Some(loc("A-03-2-B")), None)
    );
    assert!(
        fake.on_hand_at(&loc("DOCK-1"))
            .unwrap()
            .iter()
            .all(|r| r.qty == 0)
    );
}

#[test]
fn without_a_bin_of_the_item_the_zone_rule_then_any_empty_bin_by_capacity() {
    // Milk is chilled → zone B; the smallest empty bin of B that holds it.
    let mut fake = with_dock(vec![stock(
        "DOCK-1",
        "2001",
        Some("L9"),
        Some(date(2027, 9, 1)),
        30,
    )]);
    fake.stock
        .retain(|(_, r)| r.item != sku("2001") || r.lot == Some(lot("L9")));
    let milk = fake.item_by_sku(&sku("2001")).unwrap().unwrap();
    assert_eq!(
        PutawayJob::suggest_bin(&fake, &milk, qty(30)).unwrap(),
        Some(loc("B-01-1-A"))
    );
    assert_eq!(
        PutawayJob::suggest_bin(&fake, &milk, qty(41)).unwrap(),
        Some(loc("B-02-1-A"))
    );
    // Zone B full for 600: any empty bin that holds it.
    assert_eq!(
        PutawayJob::suggest_bin(&fake, &milk, qty(600)).unwrap(),
        Some(loc("C-01-1-A"))
    );
    assert_eq!(
        PutawayJob::suggest_bin(&fake, &milk, qty(5000)).unwrap(),
        None
    );
    // Scanners have no zone rule: smallest empty bin anywhere.
    fake.stock.retain(|(_, r)| r.item != sku("3001"));
    let scanner = fake.item_by_sku(&sku("3001")).unwrap().unwrap();
    assert_eq!(
        PutawayJob::suggest_bin(&fake, &scanner, qty(1)).unwrap(),
        Some(loc("B-01-1-A"))
    );

    let mut job = putaway_job(&fake);
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MILK} lot:L9"), "scan loc:B-01-1-A"],
    );
    assert_all_accepted(&steps);
    let p = &putaways(&fake)[0];
    assert_eq!(
        (p.line.lot.clone(), p.line.expiry),
        (Some(lot("L9")), Some(date(2027, 9, 1)))
    );
}

#[test]
fn another_bin_needs_an_override_with_a_reason() {
    let mut fake = with_dock(vec![stock("DOCK-1", "1002", None, None, 12)]);
    let mut job = putaway_job(&fake);
    play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}")]);
    assert_refused(
        &mut job,
        &mut fake,
        "scan loc:A-01-1-A",
        "Wrong bin: suggested A-03-2-B, scanned A-01-1-A. Scan A-03-2-B, or override with a reason",
    );
    let steps = play(
        &mut job,
        &mut fake,
        &["override \"bin full\"", "scan loc:A-01-1-A"],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[0].prompt.text(),
        "Override (bin full): scan the bin you put SKU 1002 Blue Mug in"
    );
    let p = &putaways(&fake)[0];
    assert_eq!(
        (p.to.clone(), p.override_reason.as_deref()),
        (loc("A-01-1-A"), Some("bin full"))
    );
}

#[test]
fn part_of_a_line_can_go_and_held_stock_stays_held() {
    let mut held = stock("DOCK-1", "1002", None, None, 12);
    held.1.status = StockStatus::OnHold;
    let mut fake = with_dock(vec![held]);
    let mut job = putaway_job(&fake);
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 5", "scan loc:A-03-2-B"],
    );
    assert_all_accepted(&steps);
    let p = &putaways(&fake)[0];
    assert_eq!((p.line.qty, p.status), (qty(5), StockStatus::OnHold));
    // Reopening needs nothing but the dock's stock: 7 still wait.
    let mut reopened = Job::open(&job.spec(), &fake).unwrap();
    let steps = play(&mut reopened, &mut fake, &[&format!("scan gtin:{MUG}")]);
    assert_eq!(
        steps[0].prompt.text(),
        "Take 7 each SKU 1002 Blue Mug to A-03-2-B: scan the bin"
    );
}

#[test]
fn every_wrong_putaway_input_is_refused_with_its_words() {
    let mug = format!("scan gtin:{MUG}");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            format!("scan gtin:{RED_MUG}"),
            "Nothing of SKU 1003 Red Mug waits at DOCK-1",
        ),
        (
            vec![],
            format!("scan gtin:{NOT_IN_CATALOG}"),
            "Unknown item: GTIN 09506000134390 is not in the catalog",
        ),
        (
            vec![],
            "scan loc:A-03-2-B".into(),
            "Not expected here: scanned bin A-03-2-B. Put away from DOCK-1: scan an item",
        ),
        (vec![], "qty 2".into(), "That does not apply here"),
        (
            vec![mug.clone()],
            "qty 13".into(),
            "Only 12 each of SKU 1002 Blue Mug wait at DOCK-1",
        ),
        (
            vec![mug.clone()],
            "scan loc:TOTE-7".into(),
            "TOTE-7 is not a storage bin: scan a bin on a shelf",
        ),
        (
            vec![mug.clone()],
            "scan loc:Z-9".into(),
            "Unknown bin Z-9: it is not in this warehouse's list",
        ),
        (
            vec![mug.clone(), "override \"full\"".into()],
            "scan loc:DOCK-1".into(),
            "DOCK-1 is not a storage bin: scan a bin on a shelf",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = with_dock(vec![stock("DOCK-1", "1002", None, None, 12)]);
        let mut job = putaway_job(&fake);
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}
