use super::*;
use crate::domain::Pack;

const CARTON_1: &str = "095060001000000029";
const CARTON_2: &str = "095060001000000036";

/// The world after task T-1 was picked into TOTE-7.
fn picked_world() -> FakeProjections {
    let mut fake = world();
    for (sku_, lot_, n) in [
        ("1002", None, 4),
        ("2001", Some("L1"), 2),
        ("3001", None, 2),
    ] {
        let mut row = stock("TOTE-7", sku_, lot_, None, n);
        row.1.status = StockStatus::Allocated;
        fake.stock.push(row);
    }
    fake
}

fn pack_job(fake: &FakeProjections) -> Job {
    Job::open(
        &JobSpec::Pack {
            station: loc("PACK-1"),
            order: None,
            tote: None,
        },
        fake,
    )
    .unwrap()
}

fn packs(fake: &FakeProjections) -> Vec<Pack> {
    bodies(fake)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Pack(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn first_carton() -> Vec<String> {
    vec![
        "scan doc:order:SO-1".into(),
        "scan loc:TOTE-7".into(),
        format!("scan gtin:{MUG}"),
        format!("scan gtin:{MUG} count:3"),
        format!("scan gtin:{MILK} lot:L1"),
        format!("scan gtin:{MILK} lot:L1"),
        "weight 1250".into(),
        "close".into(),
        format!("scan sscc:{CARTON_1}"),
    ]
}

#[test]
fn every_item_is_scanned_into_cartons_closed_with_an_sscc_and_weight() {
    let mut fake = picked_world();
    let mut job = pack_job(&fake);
    let lines = first_carton();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let steps = play(&mut job, &mut fake, &refs);
    assert_all_accepted(&steps);
    assert_eq!(
        steps[2].prompt.text(),
        "Order SO-1: scan items into the carton (1 in carton). Still to pack: 2 x SKU 2001 Milk 1L, 3 x SKU 1002 Blue Mug, 2 x SKU 3001 Hand Scanner"
    );
    assert_eq!(
        steps[8].feedback,
        Feedback::good_with("Carton 095060001000000029 closed with 6 each".into())
    );
    let steps = play(
        &mut job,
        &mut fake,
        &[
            &format!("scan gtin:{SCANNER} serial:S1"),
            &format!("scan gtin:{SCANNER} serial:S2"),
            "close",
            &format!("scan sscc:{CARTON_2}"),
        ],
    );
    assert_all_accepted(&steps);
    let last = steps.last().unwrap();
    assert!(last.done);
    assert_eq!(last.prompt.text(), "Order SO-1 packed in 2 cartons");
    let packs = packs(&fake);
    assert_eq!(packs.len(), 2);
    assert_eq!(packs[0].carton.as_deref(), Some(CARTON_1));
    assert_eq!(packs[0].weight_grams, Some(1250));
    assert_eq!(
        (packs[0].from.clone(), packs[0].to.clone()),
        (loc("TOTE-7"), loc("PACK-1"))
    );
    assert_eq!(packs[0].lines.len(), 2);
    assert_eq!(packs[0].lines[0].qty, qty(4));
    assert_eq!(packs[1].weight_grams, None);
    assert_eq!(packs[1].lines[0].serials, vec![serial("S1"), serial("S2")]);
}

#[test]
fn every_wrong_packing_input_is_refused_with_its_words() {
    let order = "scan doc:order:SO-1".to_owned();
    let tote = "scan loc:TOTE-7".to_owned();
    let mugs = format!("scan gtin:{MUG} count:4");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![],
            "scan doc:order:SO-404".into(),
            "Unknown order SO-404: no pick on this device lists it",
        ),
        (
            vec![],
            "scan loc:TOTE-7".into(),
            "No order was picked into TOTE-7 on this device: scan the order",
        ),
        (
            vec![],
            format!("scan gtin:{MUG}"),
            "Not expected here: scanned SKU 1002 Blue Mug. Scan the order or its tote",
        ),
        (
            vec![order.clone()],
            "scan loc:A-03-2-B".into(),
            "Nothing picked for SO-1 is in A-03-2-B",
        ),
        (
            vec![order.clone(), tote.clone()],
            format!("scan gtin:{RED_MUG}"),
            "Wrong item: SKU 1003 Red Mug is not on order SO-1",
        ),
        (
            vec![order.clone(), tote.clone(), mugs.clone()],
            format!("scan gtin:{MUG}"),
            "Too many: order SO-1 needs 4 x SKU 1002 Blue Mug, all are packed",
        ),
        (
            vec![order.clone(), tote.clone()],
            format!("scan gtin:{MUG_CASE}"),
            "Too many: order SO-1 needs 4 x SKU 1002 Blue Mug, all are packed",
        ),
        (
            vec![order.clone(), tote.clone()],
            "close".into(),
            "Missing: 2 x SKU 2001 Milk 1L, 4 x SKU 1002 Blue Mug, 2 x SKU 3001 Hand Scanner",
        ),
        (
            vec![order.clone(), tote.clone()],
            format!("scan gtin:{MILK}"),
            "Lot missing: scan the label with the lot number for SKU 2001 Milk 1L",
        ),
        (
            vec![
                order.clone(),
                tote.clone(),
                format!("scan gtin:{SCANNER} serial:S1"),
            ],
            format!("scan gtin:{SCANNER} serial:S1"),
            "Serial S1 was already scanned",
        ),
        (
            vec![order.clone(), tote.clone(), mugs.clone(), "close".into()],
            "scan raw:12345".into(),
            "12345 is not a carton label: scan a new SSCC label (18 digits)",
        ),
        (
            vec![order.clone(), tote.clone(), mugs.clone(), "close".into()],
            "scan sscc:095060001000000013".into(),
            "095060001000000013 is not a carton label: scan a new SSCC label (18 digits)",
        ),
        (
            vec![
                order.clone(),
                tote.clone(),
                mugs.clone(),
                "close".into(),
                format!("scan sscc:{CARTON_1}"),
                format!("scan gtin:{MILK} lot:L1"),
                "close".into(),
            ],
            format!("scan sscc:{CARTON_1}"),
            "Carton label 095060001000000029 is already used: scan a new one",
        ),
    ];
    for (setup, wrong, message) in cases {
        let mut fake = picked_world();
        let mut job = pack_job(&fake);
        let refs: Vec<&str> = setup.iter().map(String::as_str).collect();
        assert_all_accepted(&play(&mut job, &mut fake, &refs));
        assert_refused(&mut job, &mut fake, &wrong, message);
    }
}

#[test]
fn an_order_reopened_continues_after_its_closed_cartons_and_can_close_short() {
    let mut fake = picked_world();
    let mut job = pack_job(&fake);
    let lines = first_carton();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    play(&mut job, &mut fake, &refs);
    let mut reopened = Job::open(&job.spec(), &fake).unwrap();
    assert_eq!(reopened.prompt(), job.prompt());
    let steps = play(&mut reopened, &mut fake, &["short \"scanners not found\""]);
    assert!(steps[0].done);
    assert_eq!(
        steps[0].feedback,
        Feedback::Warn {
            message: "Order SO-1 packed short. Missing: 2 x SKU 3001 Hand Scanner".into()
        }
    );
    assert_eq!(packs(&fake).len(), 1);
}

#[test]
fn scanning_the_tote_first_finds_the_order_picked_into_it() {
    let mut fake = world();
    let mut pick = Job::open(
        &JobSpec::Pick {
            task: TaskId::new("T-1").unwrap(),
            tote: None,
        },
        &fake,
    )
    .unwrap();
    play(
        &mut pick,
        &mut fake,
        &[
            "scan loc:TOTE-7",
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG}"),
            "qty 4",
        ],
    );
    let mut job = pack_job(&fake);
    let steps = play(&mut job, &mut fake, &["scan loc:TOTE-7"]);
    assert_all_accepted(&steps);
    assert!(
        matches!(steps[0].prompt, Prompt::PackItems { ref order, .. } if order == "SO-1"),
        "{:?}",
        steps[0].prompt
    );
    assert_eq!(
        job.spec(),
        JobSpec::Pack {
            station: loc("PACK-1"),
            order: Some(OrderNumber::new("SO-1").unwrap()),
            tote: Some(loc("TOTE-7"))
        }
    );
}

#[test]
fn a_carton_closed_on_an_sscc_the_device_allocated_records_the_allocation_with_it() {
    let mut fake = picked_world();
    let mut job = pack_job(&fake);
    let mut lines = first_carton();
    lines.truncate(lines.len() - 2); // no "close" / label scan
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_all_accepted(&play(&mut job, &mut fake, &lines));
    let steps = play(&mut job, &mut fake, &[&format!("close-sscc {CARTON_1}")]);
    assert_all_accepted(&steps);
    let [EventBody::SsccAllocated(allocated), EventBody::Pack(pack)] = steps[0].events.as_slice()
    else {
        panic!("{:?}", steps[0].events)
    };
    assert_eq!(allocated.sscc, CARTON_1);
    assert_eq!(allocated.purpose.as_deref(), Some("carton"));
    assert_eq!(allocated.order.as_ref().map(|o| o.as_str()), Some("SO-1"));
    assert_eq!(pack.carton.as_deref(), Some(CARTON_1));
    // The carton label is what this step calls for.
    let labels = crate::workflow::labels::labels_for(&steps[0].events, &fake).unwrap();
    assert_eq!(labels.len(), 1, "{labels:?}");
    // An empty carton cannot close on a new SSCC either.
    assert_refused(
        &mut job,
        &mut fake,
        &format!("close-sscc {CARTON_2}"),
        "Missing: 2 x SKU 3001 Hand Scanner",
    );
}
