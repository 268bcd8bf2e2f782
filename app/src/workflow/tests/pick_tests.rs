use super::*;
use crate::domain::{EventBody, Pick};

fn pick_job(fake: &FakeProjections) -> Job {
    Job::open(
        &JobSpec::Pick {
            task: TaskId::new("T-1").unwrap(),
            tote: None,
        },
        fake,
    )
    .unwrap()
}

fn happy() -> Vec<String> {
    vec![
        "scan loc:TOTE-7".into(),
        "scan loc:A-03-2-B".into(),
        format!("scan gtin:{MUG}"),
        "qty 4".into(),
        "scan loc:A-05-1-A".into(),
        format!("scan gtin:{MILK} lot:L1 exp:2027-01-31"),
        "qty 2".into(),
        "scan loc:A-05-1-A".into(),
        format!("scan gtin:{SCANNER} serial:S1"),
        format!("scan gtin:{SCANNER} serial:S2"),
    ]
}

fn picks(fake: &FakeProjections) -> Vec<Pick> {
    bodies(fake)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Pick(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn happy_path_walks_lines_in_location_order_and_records_each_pick() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    assert_eq!(job.prompt(), Prompt::ScanTote);
    let lines = happy();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let steps = play(&mut job, &mut fake, &refs[..1]);
    assert_all_accepted(&steps);
    assert_eq!(
        job.prompt().text(),
        "Go to A-03-2-B: pick 4 each SKU 1002 Blue Mug (line 1 of 3)"
    );
    let steps = play(&mut job, &mut fake, &refs[1..]);
    assert_all_accepted(&steps);
    let last = steps.last().unwrap();
    assert!(last.done);
    assert_eq!(last.prompt.text(), "Pick task T-1 complete: 3 lines picked");

    let picks = picks(&fake);
    assert_eq!(picks.len(), 3);
    assert_eq!(
        (picks[0].line.item.as_str(), picks[0].line.qty),
        ("1002", qty(4))
    );
    assert_eq!(picks[0].from, loc("A-03-2-B"));
    assert_eq!(picks[0].to, loc("TOTE-7"));
    assert_eq!(picks[0].order, Some(OrderNumber::new("SO-1").unwrap()));
    assert_eq!(picks[1].line.lot, Some(lot("L1")));
    assert_eq!(picks[1].line.expiry, Some(date(2027, 1, 31)));
    assert_eq!(picks[1].fefo_override, None);
    assert_eq!(picks[2].line.serials, vec![serial("S1"), serial("S2")]);
    assert!(
        picks
            .iter()
            .all(|p| p.task == Some(TaskId::new("T-1").unwrap()))
    );
    // The stock moved: 6 mugs left in the bin, 4 allocated in the tote.
    assert!(
        fake.stock
            .iter()
            .any(|(l, r)| l == &loc("A-03-2-B") && r.item == sku("1002") && r.qty == 6)
    );
    assert!(
        fake.stock
            .iter()
            .any(|(l, r)| l == &loc("TOTE-7") && r.status == StockStatus::Allocated && r.qty == 4)
    );
}

#[test]
fn every_wrong_scan_is_refused_with_its_words_and_changes_nothing() {
    let tote = "scan loc:TOTE-7".to_owned();
    let at_mug = "scan loc:A-03-2-B".to_owned();
    let mug = format!("scan gtin:{MUG}");
    let mug_done = vec![tote.clone(), at_mug.clone(), mug.clone(), "qty 4".into()];
    let at_milk = [mug_done.clone(), vec!["scan loc:A-05-1-A".into()]].concat();
    let milk_done = [
        at_milk.clone(),
        vec![
            format!("scan gtin:{MILK} lot:L1 exp:2027-01-31"),
            "qty 2".into(),
            "scan loc:A-05-1-A".into(),
        ],
    ]
    .concat();
    let one_serial = [
        milk_done.clone(),
        vec![format!("scan gtin:{SCANNER} serial:S1")],
    ]
    .concat();
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            "scan loc:A-03-2-B".into(),
            "A-03-2-B is not a tote or staging place: scan the tote's label",
        ),
        (
            vec![],
            "scan loc:X-99".into(),
            "Unknown bin X-99: it is not in this warehouse's list",
        ),
        (vec![], "qty 3".into(), "That does not apply here"),
        (
            vec![tote.clone()],
            "scan loc:A-05-1-A".into(),
            "Wrong bin: go to A-03-2-B, scanned A-05-1-A",
        ),
        (
            vec![tote.clone()],
            mug.clone(),
            "Not expected here: scanned SKU 1002 Blue Mug. Go to A-03-2-B: pick 4 each SKU 1002 Blue Mug (line 1 of 3)",
        ),
        (
            vec![tote.clone()],
            "qty 4".into(),
            "That does not apply here",
        ),
        (
            vec![tote.clone(), at_mug.clone()],
            format!("scan gtin:{RED_MUG}"),
            "Wrong item: expected 4 x SKU 1002 Blue Mug, scanned SKU 1003 Red Mug",
        ),
        (
            vec![tote.clone(), at_mug.clone()],
            format!("scan gtin:{NOT_IN_CATALOG}"),
            "Unknown item: GTIN 09506000134390 is not in the catalog",
        ),
        (
            vec![tote.clone(), at_mug.clone()],
            "scan raw:XYZ".into(),
            "Unknown barcode XYZ",
        ),
        (
            vec![tote.clone(), at_mug.clone(), mug.clone()],
            "qty 5".into(),
            "Too many: this line asks for 4, entered 5",
        ),
        (
            vec![tote.clone(), at_mug.clone(), mug.clone()],
            "qty 0".into(),
            "Quantity must be at least 1",
        ),
        (
            vec![
                tote.clone(),
                at_mug.clone(),
                format!("scan gtin:{MUG_CASE}"),
            ],
            "qty 1".into(),
            "Too many: this line asks for 4, entered 12",
        ),
        (
            at_milk.clone(),
            format!("scan gtin:{MILK}"),
            "Lot missing: scan the label with the lot number for SKU 2001 Milk 1L",
        ),
        (
            milk_done.clone(),
            format!("scan gtin:{SCANNER}"),
            "Serial missing: SKU 3001 Hand Scanner needs one scan per unit with its serial number",
        ),
        (
            one_serial.clone(),
            format!("scan gtin:{SCANNER} serial:S1"),
            "Serial S1 was already scanned",
        ),
        (
            one_serial.clone(),
            "qty 2".into(),
            "SKU 3001 Hand Scanner is serialised: scan each unit instead of typing a quantity",
        ),
        (
            one_serial.clone(),
            format!("scan gtin:{MUG}"),
            "Wrong item: expected 2 x SKU 3001 Hand Scanner, scanned SKU 1002 Blue Mug",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = world();
        let mut job = pick_job(&fake);
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}

#[test]
fn a_later_lot_asks_for_a_reason_and_records_the_override() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    let setup = [
        "scan loc:TOTE-7",
        "scan loc:A-03-2-B",
        &format!("scan gtin:{MUG}"),
        "qty 4",
        "scan loc:A-05-1-A",
    ];
    assert_all_accepted(&play(&mut job, &mut fake, &setup));
    let step = job.handle(
        &i(&format!("scan gtin:{MILK} lot:L2 exp:2027-03-31")),
        &fake,
    );
    assert_eq!(
        step.feedback,
        Feedback::Warn {
            message: "Lot L2 (expires 2027-03-31) is not first to go: lot L1 expires 2027-01-31. Pick lot L1, or give a reason".into()
        }
    );
    assert!(step.events.is_empty());
    let steps = play(
        &mut job,
        &mut fake,
        &["override \"L1 pallet blocked\"", "qty 2"],
    );
    assert_all_accepted(&steps);
    let milk = picks(&fake).pop().unwrap();
    assert_eq!(milk.line.lot, Some(lot("L2")));
    assert_eq!(milk.fefo_override.as_deref(), Some("L1 pallet blocked"));
}

#[test]
fn scanning_the_earliest_lot_after_a_fefo_warning_needs_no_reason() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    let setup = [
        "scan loc:TOTE-7",
        "scan loc:A-03-2-B",
        &format!("scan gtin:{MUG}"),
        "qty 4",
        "scan loc:A-05-1-A",
        &format!("scan gtin:{MILK} lot:L2"),
        &format!("scan gtin:{MILK} lot:L1"),
        "qty 2",
    ];
    play(&mut job, &mut fake, &setup);
    let milk = picks(&fake).pop().unwrap();
    assert_eq!((milk.line.lot, milk.fefo_override), (Some(lot("L1")), None));
    // The balance's expiry fills in for a label without one.
    assert_eq!(milk.line.expiry, Some(date(2027, 1, 31)));
}

#[test]
fn short_picks_record_what_was_found_and_close_the_line() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:TOTE-7",
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG}"),
            "qty 3",
            "short \"only 3 in bin\"",
        ],
    );
    assert_all_accepted(&steps);
    let picks = picks(&fake);
    assert_eq!(picks.len(), 2);
    assert_eq!(
        (picks[0].line.qty, picks[0].short.is_none()),
        (qty(3), true)
    );
    assert_eq!(picks[1].line.qty, qty(0));
    let short = picks[1].short.clone().unwrap();
    assert_eq!(
        (short.expected, short.reason.as_str()),
        (qty(1), "only 3 in bin")
    );
    assert_eq!(
        steps.last().unwrap().feedback,
        Feedback::good_with("Short pick recorded: 3 of 4 SKU 1002 Blue Mug".into())
    );
    assert_eq!(
        job.prompt().text(),
        "Go to A-05-1-A: pick 2 each SKU 2001 Milk 1L (line 2 of 3)"
    );
}

#[test]
fn a_case_scanned_asks_for_cases_and_counts_its_pack_size() {
    let mut fake = world();
    fake.pick_tasks[0].lines[1].qty = qty(24);
    let mut job = pick_job(&fake);
    let steps = play(
        &mut job,
        &mut fake,
        &[
            "scan loc:TOTE-7",
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG_CASE}"),
        ],
    );
    assert_eq!(
        steps[2].prompt.text(),
        "SKU 1002 Blue Mug: enter number of CS picked (12 each per CS; asked 24 each)"
    );
    play(&mut job, &mut fake, &["qty 2"]);
    assert_eq!(picks(&fake)[0].line.qty, qty(24));
}

#[test]
fn skip_sends_the_line_to_the_back() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    let steps = play(&mut job, &mut fake, &["scan loc:TOTE-7", "skip"]);
    assert_all_accepted(&steps);
    assert!(
        matches!(job.prompt(), Prompt::ScanPickLocation { ref location, .. } if location == &loc("A-05-1-A"))
    );
    assert!(fake.facts.is_empty());
}

#[test]
fn a_task_reopened_from_its_facts_continues_at_the_same_line() {
    let lines = happy();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    // Uninterrupted.
    let mut straight = world();
    let mut job = pick_job(&straight);
    play(&mut job, &mut straight, &refs);
    // Interrupted after every possible input.
    for cut in 0..refs.len() {
        let mut fake = world();
        let mut job = pick_job(&fake);
        play(&mut job, &mut fake, &refs[..cut]);
        let mut reopened = Job::open(&job.spec(), &fake).unwrap();
        // Work not yet recorded (a scanned bin, an item without its quantity) is redone
        // from the start of the line the reopened job asks for.
        let line_starts = [1, 4, 7];
        let redo: Vec<&str> = match reopened.prompt() {
            Prompt::ScanTote => refs.to_vec(),
            Prompt::ScanPickLocation { .. } => refs[line_starts[fake.facts.len()]..].to_vec(),
            Prompt::TaskComplete { .. } => vec![],
            other => panic!("reopened at {other:?}"),
        };
        play(&mut reopened, &mut fake, &redo);
        assert_eq!(bodies(&fake), bodies(&straight), "cut after {cut}");
    }
}

#[test]
fn tasks_are_listed_by_zone() {
    let fake = world();
    assert_eq!(PickJob::tasks_for_zone(&fake, Some("A")).unwrap().len(), 1);
    assert!(
        PickJob::tasks_for_zone(&fake, Some("B"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        Job::open(
            &JobSpec::Pick {
                task: TaskId::new("T-404").unwrap(),
                tote: None
            },
            &fake
        )
        .unwrap_err(),
        OpenJobError::Refused("Unknown pick task T-404: sync and try again".into())
    );
}

#[test]
fn a_storage_error_is_a_try_again_message_not_a_crash() {
    let mut fake = world();
    let mut job = pick_job(&fake);
    play(
        &mut job,
        &mut fake,
        &["scan loc:TOTE-7", "scan loc:A-03-2-B"],
    );
    fake.fail_with = Some("disk I/O error".into());
    assert_refused(
        &mut job,
        &mut fake,
        &format!("scan gtin:{MUG}"),
        "Could not read the device's data (disk I/O error). Try again; call support if it repeats.",
    );
}

#[test]
fn a_wave_task_records_each_lines_own_order() {
    let mut fake = world();
    let task = &mut fake.pick_tasks[0];
    task.mode = "wave".into();
    task.order = None;
    task.lines[1].order = Some(OrderNumber::new("SO-7").unwrap());
    task.lines[0].order = Some(OrderNumber::new("SO-8").unwrap());
    let mut job = pick_job(&fake);
    let lines = happy();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    play(&mut job, &mut fake, &refs[..7]);
    let orders: Vec<Option<String>> = picks(&fake)
        .iter()
        .map(|p| p.order.as_ref().map(|o| o.to_string()))
        .collect();
    assert_eq!(
        orders,
        vec![Some("SO-7".to_owned()), Some("SO-8".to_owned())]
    );
    // Reopened, the picks are matched back to their lines by order too.
    let reopened = Job::open(&job.spec(), &fake).unwrap();
    assert_eq!(reopened.prompt(), job.prompt());
}

#[test]
fn a_reserved_lot_must_be_the_one_picked() {
    let mut fake = world();
    fake.pick_tasks[0].lines[0].lot = Some(lot("L2"));
    let mut job = pick_job(&fake);
    let setup = [
        "scan loc:TOTE-7",
        "scan loc:A-03-2-B",
        &format!("scan gtin:{MUG}"),
        "qty 4",
        "scan loc:A-05-1-A",
    ];
    assert_all_accepted(&play(&mut job, &mut fake, &setup));
    assert_eq!(
        job.prompt().text(),
        "At A-05-1-A: scan 2 each SKU 2001 Milk 1L lot L2 (line 2 of 3)"
    );
    assert_refused(
        &mut job,
        &mut fake,
        &format!("scan gtin:{MILK} lot:L1"),
        "Wrong lot: expected lot L2, scanned lot L1",
    );
    // The server reserved L2: no FEFO question.
    let steps = play(
        &mut job,
        &mut fake,
        &[&format!("scan gtin:{MILK} lot:L2"), "qty 2"],
    );
    assert_all_accepted(&steps);
    assert_eq!(picks(&fake)[1].fefo_override, None);
}
