//! Random scan sequences through `workflow::Session` against a real journal never panic,
//! and the journal holds exactly the events the steps announced — nothing more, nothing
//! less, in the same order — with a gapless sequence.

use dockhand_app::domain::{DeviceSeq, LocationCode, TaskId};
use dockhand_app::workflow::{JobSpec, Session};
use proptest::prelude::*;

use crate::workflow_support::*;

fn pool() -> Vec<String> {
    let mut pool: Vec<String> = [
        "scan loc:TOTE-7",
        "scan loc:A-03-2-B",
        "scan loc:A-05-1-A",
        "scan loc:B-01-1-A",
        "scan loc:DOCK-1",
        "scan loc:NOWHERE",
        "scan sscc:095060001000000012",
        "scan sscc:095060001000000029",
        "scan doc:asn:ASN-1",
        "scan doc:order:SO-1",
        "scan raw:noise",
        "qty 0",
        "qty 1",
        "qty 2",
        "qty 4",
        "confirm",
        "skip",
        "close",
        "short \"gone\"",
        "override \"blocked\"",
        "quality pass",
        "quality hold",
        "status damaged \"dropped\"",
        "adjust -1 damaged",
        "adjust 2 found",
        "weight 700",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for gtin in [MUG, MUG_CASE] {
        pool.push(format!("scan gtin:{gtin}"));
        pool.push(format!("scan gtin:{gtin} count:2"));
    }
    for lot in ["L1", "L2"] {
        pool.push(format!("scan gtin:{MILK} lot:{lot} exp:2027-02-28"));
    }
    for serial in ["S1", "S2"] {
        pool.push(format!("scan gtin:{SCANNER} serial:{serial}"));
    }
    pool
}

fn spec(index: usize) -> JobSpec {
    let dock = LocationCode::new("DOCK-1").unwrap();
    match index {
        0 => JobSpec::Pick {
            task: TaskId::new("T-1").unwrap(),
            tote: None,
        },
        1 => JobSpec::Receive {
            dock,
            document: None,
            sscc: None,
            without_document: false,
            blind: false,
            inspect: true,
        },
        2 => JobSpec::Putaway { dock },
        3 => JobSpec::Count {
            location: LocationCode::new("A-05-1-A").unwrap(),
            after_seq: 0,
            recount_threshold: 0,
        },
        4 => JobSpec::Pack {
            station: LocationCode::new("PACK-1").unwrap(),
            order: None,
            tote: None,
        },
        _ => JobSpec::Stock,
    }
}

proptest! {
    // Every accepted scan is an fsync: keep the case count modest.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_journal_holds_exactly_the_announced_events(
        job in 0usize..6,
        picks in proptest::collection::vec(0usize..64, 1..30),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = seeded(&dir.path().join("device.db"));
        let pool = pool();
        let mut session = Session::start(&mut journal, operator(), &spec(job)).unwrap();
        let mut announced = Vec::new();
        for p in picks {
            let step = session.handle(&mut journal, &input(&pool[p % pool.len()])).unwrap();
            announced.extend(step.events.iter().map(|e| serde_json::to_value(e).unwrap()));
            if step.done {
                break;
            }
        }
        let recorded: Vec<serde_json::Value> = journal
            .raw_events_after(DeviceSeq(0), 10_000)
            .unwrap()
            .into_iter()
            .map(|raw| serde_json::json!({ "kind": raw.kind, "payload": raw.payload }))
            .collect();
        prop_assert_eq!(recorded, announced);
        journal.verify_gapless().unwrap();
    }
}
