//! Every job survives the app being closed mid-job: the journal is dropped and reopened
//! from its file, the open job is resumed from the journal alone, and the finished job's
//! facts are exactly those of an uninterrupted run.

use dockhand_app::domain::{LocationCode, TaskId};
use dockhand_app::workflow::{JobSpec, Prompt, Session};

use crate::workflow_support::*;

/// Runs `before`, closes everything, reopens, checks the resumed prompt, runs `after`;
/// compares with running `before` + `straight_after` in one go on a fresh journal.
fn interrupted_equals_straight(
    spec: impl Fn(&dockhand_app::journal::Journal) -> JobSpec,
    before: &[&str],
    resumed_prompt: &str,
    after: &[&str],
    straight_after: &[&str],
) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let straight_db = dir.path().join("straight.db");
    let cut_db = dir.path().join("cut.db");

    let mut journal = seeded(&straight_db);
    let spec_straight = spec(&journal);
    let mut session = start(&mut journal, &spec_straight);
    play(&mut session, &mut journal, before);
    play(&mut session, &mut journal, straight_after);
    let straight = facts(&journal);
    drop(journal);

    {
        let mut journal = seeded(&cut_db);
        let spec_cut = spec(&journal);
        let mut session = start(&mut journal, &spec_cut);
        play(&mut session, &mut journal, before);
        // The app dies here: nothing but the file survives.
    }
    let mut journal = open(&cut_db);
    let mut session = Session::resume(&mut journal).unwrap().expect("an open job");
    assert_eq!(session.prompt().text(), resumed_prompt);
    let steps = play(&mut session, &mut journal, after);
    assert!(steps.last().unwrap().done);
    assert!(
        journal.open_job().unwrap().is_none(),
        "a finished job is not reopened"
    );
    let resumed = facts(&journal);
    assert_eq!(resumed, straight);
    journal.verify_gapless().unwrap();
    resumed
}

#[test]
fn pick_resumes_at_the_same_line_after_a_restart() {
    let mug = format!("scan gtin:{MUG}");
    let milk = format!("scan gtin:{MILK} lot:L1");
    let s1 = format!("scan gtin:{SCANNER} serial:S1");
    let s2 = format!("scan gtin:{SCANNER} serial:S2");
    let facts = interrupted_equals_straight(
        |_| JobSpec::Pick {
            task: TaskId::new("T-1").unwrap(),
            tote: None,
        },
        // Line 1 picked; at line 2 the bin was scanned but nothing picked yet.
        &[
            "scan loc:TOTE-7",
            "scan loc:A-03-2-B",
            &mug,
            "qty 4",
            "scan loc:A-05-1-A",
        ],
        "Go to A-05-1-A: pick 2 each SKU 2001 Milk 1L (line 2 of 3)",
        &[
            "scan loc:A-05-1-A",
            &milk,
            "qty 2",
            "scan loc:A-05-1-A",
            &s1,
            &s2,
        ],
        &[&milk, "qty 2", "scan loc:A-05-1-A", &s1, &s2],
    );
    assert_eq!(facts.len(), 3);
    // FEFO expiry came from the server's balances; the tote from the first pick.
    assert_eq!(facts[1]["payload"]["line"]["expiry"], "2027-01-31");
    assert_eq!(facts[2]["payload"]["to"], "TOTE-7");
}

#[test]
fn receiving_resumes_with_its_tally_after_a_restart() {
    let facts = interrupted_equals_straight(
        |_| JobSpec::Receive {
            dock: LocationCode::new("DOCK-1").unwrap(),
            document: None,
            sscc: None,
            without_document: false,
            blind: false,
            inspect: false,
        },
        &[
            "scan sscc:095060001000000012",
            &format!("scan gtin:{MUG_CASE}"),
            "qty 2",
        ],
        "Receiving ASN-1: scan an item\n  SKU 1002 Blue Mug: 24 of 24 received, complete\n  SKU 2001 Milk 1L: 0 of 10 received, short by 10",
        &[
            &format!("scan gtin:{MILK} lot:L5 exp:2027-06-30"),
            "qty 10",
            "close",
        ],
        &[
            &format!("scan gtin:{MILK} lot:L5 exp:2027-06-30"),
            "qty 10",
            "close",
        ],
    );
    assert_eq!(facts.last().unwrap()["kind"], "receipt_closed");
    assert_eq!(
        facts.last().unwrap()["payload"]["variances"],
        serde_json::json!([])
    );
}

#[test]
fn putaway_resumes_from_what_still_waits_at_the_dock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    {
        let mut journal = seeded(&db);
        let mut receiving = start(
            &mut journal,
            &JobSpec::Receive {
                dock: LocationCode::new("DOCK-1").unwrap(),
                document: None,
                sscc: None,
                without_document: true,
                blind: true,
                inspect: false,
            },
        );
        play(
            &mut receiving,
            &mut journal,
            &[
                &format!("scan gtin:{MUG} count:12"),
                &format!("scan gtin:{MILK} lot:L5 exp:2027-06-30 count:30"),
                "close",
            ],
        );
        let mut putaway = start(
            &mut journal,
            &JobSpec::Putaway {
                dock: LocationCode::new("DOCK-1").unwrap(),
            },
        );
        let steps = play(
            &mut putaway,
            &mut journal,
            &[
                &format!("scan gtin:{MUG}"),
                "scan loc:A-03-2-B",
                &format!("scan gtin:{MILK}"),
            ],
        );
        // Milk already has a bin: that comes before its zone rule.
        assert_eq!(
            steps[2].prompt.text(),
            "Take 30 each SKU 2001 Milk 1L to A-05-1-A: scan the bin"
        );
    }
    let mut journal = open(&db);
    let mut session = Session::resume(&mut journal).unwrap().unwrap();
    assert_eq!(
        session.prompt().text(),
        "Put away from DOCK-1: scan an item"
    );
    let steps = play(
        &mut session,
        &mut journal,
        &[&format!("scan gtin:{MILK}"), "scan loc:A-05-1-A"],
    );
    assert_eq!(steps[1].events.len(), 1);
    let dock = journal
        .on_hand_at(&LocationCode::new("DOCK-1").unwrap())
        .unwrap();
    assert!(dock.is_empty(), "{dock:?}");
    let facts = facts(&journal);
    assert_eq!(facts.iter().filter(|f| f["kind"] == "putaway").count(), 2);
}

#[test]
fn a_count_resumes_at_the_recount_and_links_it_to_the_first_count() {
    let facts = interrupted_equals_straight(
        |journal| JobSpec::Count {
            location: LocationCode::new("A-05-1-A").unwrap(),
            after_seq: journal.last_seq().unwrap().get(),
            recount_threshold: 0,
        },
        &[&format!("scan gtin:{MILK} lot:L1"), "qty 5"],
        "Please count SKU 2001 Milk 1L lot L1 again",
        &["qty 6", "close"],
        &["qty 6", "close"],
    );
    // First count, recount, then zero counts for what was expected and not counted.
    assert_eq!(facts.len(), 4, "{facts:#?}");
    assert!(facts[0]["payload"].get("recount_of").is_none());
    assert_eq!(facts[1]["payload"]["recount_of"], "event #1");
}

#[test]
fn the_recount_points_at_the_first_counts_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let mut journal = seeded(&db);
    let spec = JobSpec::Count {
        location: LocationCode::new("A-03-2-B").unwrap(),
        after_seq: 0,
        recount_threshold: 2,
    };
    let mut session = start(&mut journal, &spec);
    play(
        &mut session,
        &mut journal,
        &[&format!("scan gtin:{MUG}"), "qty 3"],
    );
    assert!(matches!(session.prompt(), Prompt::Recount { .. }));
    play(&mut session, &mut journal, &["qty 4", "close"]);
    let events = journal
        .events_after(dockhand_app::domain::DeviceSeq(0), 10)
        .unwrap();
    let first = events[0].event.header.event_id;
    let dockhand_app::domain::EventBody::Count(recount) = &events[1].event.body else {
        panic!()
    };
    assert_eq!(recount.recount_of, Some(first));
    assert_eq!(events[0].event.header.operator.as_str(), "ana");
    // A typed quantity is not a scan: no scan evidence on the event.
    assert_eq!(events[0].event.header.scan, None);
}

#[test]
fn packing_resumes_after_the_closed_cartons() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let mug = format!("scan gtin:{MUG}");
    {
        let mut journal = seeded(&db);
        let mut pick = start(
            &mut journal,
            &JobSpec::Pick {
                task: TaskId::new("T-1").unwrap(),
                tote: None,
            },
        );
        play(
            &mut pick,
            &mut journal,
            &[
                "scan loc:TOTE-7",
                "scan loc:A-03-2-B",
                &mug,
                "qty 4",
                "scan loc:A-05-1-A",
                &format!("scan gtin:{MILK} lot:L1"),
                "qty 2",
                "scan loc:A-05-1-A",
                &format!("scan gtin:{SCANNER} serial:S1"),
                &format!("scan gtin:{SCANNER} serial:S2"),
            ],
        );
        let mut pack = start(
            &mut journal,
            &JobSpec::Pack {
                station: LocationCode::new("PACK-1").unwrap(),
                order: None,
                tote: None,
            },
        );
        play(
            &mut pack,
            &mut journal,
            &[
                "scan doc:order:SO-1",
                "scan loc:TOTE-7",
                &format!("{mug} count:4"),
                "close",
                "scan sscc:095060001000000029",
                // Scanned into the next carton, then the app dies: these are scanned again.
                &format!("scan gtin:{MILK} lot:L1"),
            ],
        );
    }
    let mut journal = open(&db);
    let mut session = Session::resume(&mut journal).unwrap().unwrap();
    assert_eq!(
        session.prompt().text(),
        "Order SO-1: scan items into the carton (0 in carton). Still to pack: 2 x SKU 2001 Milk 1L, 2 x SKU 3001 Hand Scanner"
    );
    let steps = play(
        &mut session,
        &mut journal,
        &[
            &format!("scan gtin:{MILK} lot:L1 count:2"),
            &format!("scan gtin:{SCANNER} serial:S1"),
            &format!("scan gtin:{SCANNER} serial:S2"),
            "weight 900",
            "close",
            "scan sscc:095060001000000036",
        ],
    );
    assert!(steps.last().unwrap().done);
    let packs: Vec<_> = facts(&journal)
        .into_iter()
        .filter(|f| f["kind"] == "pack")
        .collect();
    assert_eq!(packs.len(), 2);
    assert_eq!(packs[1]["payload"]["weight_grams"], 900);
    // Everything picked for the order left the tote for the pack station.
    let tote = journal
        .on_hand_at(&LocationCode::new("TOTE-7").unwrap())
        .unwrap();
    assert!(tote.is_empty(), "{tote:?}");
}

#[test]
fn a_half_done_move_is_redone_after_a_restart_and_nothing_half_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    {
        let mut journal = seeded(&db);
        let mut session = start(&mut journal, &JobSpec::Stock);
        play(
            &mut session,
            &mut journal,
            &["scan loc:A-03-2-B", &format!("scan gtin:{MUG}"), "qty 3"],
        );
        assert_eq!(journal.last_seq().unwrap().get(), 0);
    }
    let mut journal = open(&db);
    let mut session = Session::resume(&mut journal).unwrap().unwrap();
    assert_eq!(session.prompt().text(), "Scan the bin to take stock from");
    play(
        &mut session,
        &mut journal,
        &[
            "scan loc:A-03-2-B",
            &format!("scan gtin:{MUG}"),
            "qty 3",
            "scan loc:B-02-1-A",
            "close",
        ],
    );
    let facts = facts(&journal);
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0]["kind"], "move");
}
