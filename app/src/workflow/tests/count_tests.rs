use super::*;
use crate::domain::CountRecord;

fn count_job(fake: &FakeProjections, at: &str, threshold: u32) -> Job {
    Job::open(
        &JobSpec::Count {
            location: loc(at),
            after_seq: fake.last_seq().unwrap(),
            recount_threshold: threshold,
        },
        fake,
    )
    .unwrap()
}

fn counts(fake: &FakeProjections) -> Vec<(crate::domain::EventId, CountRecord)> {
    fake.facts
        .iter()
        .filter_map(|f| match &f.body {
            EventBody::Count(c) => Some((f.event_id, c.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_blind_count_never_shows_the_expected_quantity_and_carries_the_cursor() {
    let mut fake = world();
    let mut job = count_job(&fake, "A-03-2-B", 0);
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG}"),
            "qty 10",
            "close",
        ],
    );
    assert_all_accepted(&steps);
    for step in &steps {
        let words = format!("{} {:?}", step.prompt.text(), step.feedback.text());
        assert!(
            !words.contains("10 each") || words.contains("Counted 10"),
            "{words}"
        );
    }
    assert_eq!(
        steps[1].prompt.text(),
        "Count SKU 1002 Blue Mug: enter quantity (each)"
    );
    assert_eq!(
        steps[3].prompt.text(),
        "Count of A-03-2-B finished: 1 lines recorded"
    );
    let c = counts(&fake);
    assert_eq!(c.len(), 1);
    let c = &c[0].1;
    assert_eq!(
        (c.counted, c.cursor.as_deref(), c.recount_of),
        (qty(10), Some("cursor-42"), None)
    );
}

#[test]
fn a_variance_beyond_the_threshold_asks_for_a_recount_linked_to_the_first() {
    let mut fake = world();
    let mut job = count_job(&fake, "A-03-2-B", 1);
    let steps = play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}"), "qty 7"]);
    assert_eq!(
        steps[1].feedback,
        Feedback::Warn {
            message: "Please count SKU 1002 Blue Mug again".into()
        }
    );
    assert!(!steps[1].prompt.text().contains("10 each"));
    // Reopened mid-recount, it still asks for the recount.
    let mut job = Job::open(&job.spec(), &fake).unwrap();
    assert_eq!(job.prompt().text(), "Please count SKU 1002 Blue Mug again");
    assert_refused(
        &mut job,
        &mut fake,
        &format!("scan gtin:{RED_MUG}"),
        "Please count SKU 1002 Blue Mug again",
    );
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 8", "close"],
    );
    assert_all_accepted(&steps);
    let c = counts(&fake);
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].1.recount_of, Some(c[0].0));
    assert_eq!(c[1].1.counted, qty(8));
}

#[test]
fn within_the_threshold_no_recount() {
    let mut fake = world();
    let mut job = count_job(&fake, "A-03-2-B", 2);
    let steps = play(&mut job, &mut fake, &[&format!("scan gtin:{MUG}"), "qty 8"]);
    assert_eq!(
        steps[1].feedback,
        Feedback::good_with("Counted 8 each SKU 1002 Blue Mug".into())
    );
}

#[test]
fn lots_and_serials_are_counted_separately_and_missed_lines_count_zero_at_close() {
    let mut fake = world();
    let mut job = count_job(&fake, "A-05-1-A", 100);
    let steps = play(
        &mut job,
        &mut fake,
        &[
            &format!("scan gtin:{MILK} lot:L1"),
            "qty 6",
            &format!("scan gtin:{SCANNER} serial:S1"),
            &format!("scan gtin:{SCANNER} serial:S2"),
            "confirm",
            "close",
        ],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[3].prompt.text(),
        "Count SKU 3001 Hand Scanner: scan each unit's serial (2 scanned). Confirm when done"
    );
    let c: Vec<CountRecord> = counts(&fake).into_iter().map(|(_, c)| c).collect();
    assert_eq!(c.len(), 3);
    assert_eq!((c[0].lot.clone(), c[0].counted), (Some(lot("L1")), qty(6)));
    assert_eq!(c[1].serials, vec![serial("S1"), serial("S2")]);
    // Lot L2 was expected and not found.
    assert_eq!(
        (c[2].item.clone(), c[2].lot.clone(), c[2].counted),
        (sku("2001"), Some(lot("L2")), qty(0))
    );
}

#[test]
fn every_wrong_count_input_is_refused_with_its_words() {
    let mug = format!("scan gtin:{MUG}");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            "scan loc:A-01-1-A".into(),
            "Count is at a different bin; scanned A-01-1-A",
        ),
        (
            vec![],
            format!("scan gtin:{MILK}"),
            "Lot missing: scan the label with the lot number for SKU 2001 Milk 1L",
        ),
        (
            vec![],
            format!("scan gtin:{NOT_IN_CATALOG}"),
            "Unknown item: GTIN 09506000134390 is not in the catalog",
        ),
        (vec![], "qty 3".into(), "That does not apply here"),
        (
            vec![],
            "scan doc:order:SO-1".into(),
            "Not expected here: scanned document SO-1. Count A-03-2-B: scan an item (0 counted). Close when the bin is done",
        ),
        (
            vec![mug.clone()],
            format!("scan gtin:{RED_MUG}"),
            "Enter the quantity for SKU 1002 Blue Mug first",
        ),
        (
            vec![mug.clone()],
            "close".into(),
            "That does not apply here",
        ),
        (
            vec![format!("scan gtin:{SCANNER} serial:S1")],
            format!("scan gtin:{SCANNER} serial:S1"),
            "Serial S1 was already scanned",
        ),
        (
            vec![format!("scan gtin:{SCANNER} serial:S1")],
            "qty 4".into(),
            "SKU 3001 Hand Scanner is serialised: scan each unit instead of typing a quantity",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = world();
        let mut job = count_job(&fake, "A-03-2-B", 0);
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}

#[test]
fn counts_before_the_job_began_are_not_part_of_it() {
    let mut fake = world();
    let mut first = count_job(&fake, "A-03-2-B", 0);
    play(
        &mut first,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 10", "close"],
    );
    let mut second = count_job(&fake, "A-03-2-B", 0);
    assert_eq!(
        second.prompt().text(),
        "Count A-03-2-B: scan an item (0 counted). Close when the bin is done"
    );
    play(
        &mut second,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 10"],
    );
    assert_eq!(counts(&fake)[1].1.recount_of, None);
}

#[test]
fn the_counter_can_ask_to_recount_the_last_line() {
    let mut fake = world();
    let mut job = count_job(&fake, "A-03-2-B", 5);
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MUG}"), "qty 9", "recount", "qty 10"],
    );
    assert_all_accepted(&steps);
    assert_eq!(
        steps[2].prompt.text(),
        "Please count SKU 1002 Blue Mug again"
    );
    let c = counts(&fake);
    assert_eq!(c[1].1.recount_of, Some(c[0].0));
}

#[test]
fn a_count_starting_now_ignores_earlier_counts() {
    let mut fake = world();
    fake.record(&[EventBody::Count(CountRecord {
        location: loc("A-03-2-B"),
        item: sku("1002"),
        lot: None,
        counted: qty(1),
        status: StockStatus::Available,
        serials: vec![],
        cursor: None,
        recount_of: None,
    })]);
    let spec = JobSpec::count_starting_now(loc("A-03-2-B"), 0, &fake).unwrap();
    assert_eq!(
        spec,
        JobSpec::Count {
            location: loc("A-03-2-B"),
            after_seq: 1,
            recount_threshold: 0
        }
    );
    let job = Job::open(&spec, &fake).unwrap();
    assert_eq!(
        job.prompt(),
        Prompt::CountItems {
            location: loc("A-03-2-B"),
            counted_lines: 0
        }
    );
}
