//! Random inputs never panic, never announce an invalid fact, and a refused input never
//! announces anything or moves the job.

use proptest::prelude::*;

use super::*;

/// Inputs that mean something somewhere in the test world, plus noise.
pub(crate) fn input_pool() -> Vec<String> {
    let mut pool: Vec<String> = [
        "scan loc:TOTE-7",
        "scan loc:A-03-2-B",
        "scan loc:A-05-1-A",
        "scan loc:A-01-1-A",
        "scan loc:B-01-1-A",
        "scan loc:DOCK-1",
        "scan loc:PACK-1",
        "scan loc:NOWHERE",
        "scan sscc:095060001000000012",
        "scan sscc:095060001000000029",
        "scan doc:asn:ASN-1",
        "scan doc:po:PO-9",
        "scan doc:order:SO-1",
        "scan raw:garbage",
        "qty 0",
        "qty 1",
        "qty 2",
        "qty 4",
        "qty 12",
        "qty 4000000000",
        "confirm",
        "skip",
        "close",
        "recount",
        "short \"not found\"",
        "override \"pallet blocked\"",
        "quality pass",
        "quality fail",
        "quality hold",
        "status damaged \"dropped\"",
        "status available \"found ok\"",
        "adjust -1 damaged",
        "adjust 3 found",
        "adjust -500 lost",
        "weight 1250",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for gtin in [MUG, MUG_CASE, RED_MUG, NOT_IN_CATALOG] {
        pool.push(format!("scan gtin:{gtin}"));
        pool.push(format!("scan gtin:{gtin} count:3"));
    }
    for l in ["L1", "L2", "L9"] {
        pool.push(format!("scan gtin:{MILK} lot:{l}"));
        pool.push(format!("scan gtin:{MILK} lot:{l} exp:2027-02-28"));
    }
    for s in ["S1", "S2", "S3"] {
        pool.push(format!("scan gtin:{SCANNER} serial:{s}"));
    }
    pool.push(format!("scan gtin:{SCANNER}"));
    pool
}

pub(crate) fn specs(fake: &FakeProjections) -> Vec<JobSpec> {
    vec![
        JobSpec::Pick {
            task: TaskId::new("T-1").unwrap(),
            tote: None,
        },
        JobSpec::Receive {
            dock: loc("DOCK-1"),
            document: None,
            sscc: None,
            without_document: false,
            blind: false,
            inspect: true,
        },
        JobSpec::Receive {
            dock: loc("DOCK-1"),
            document: None,
            sscc: None,
            without_document: true,
            blind: true,
            inspect: false,
        },
        JobSpec::Putaway {
            dock: loc("DOCK-1"),
        },
        JobSpec::Count {
            location: loc("A-05-1-A"),
            after_seq: fake.last_seq().unwrap(),
            recount_threshold: 1,
        },
        JobSpec::Pack {
            station: loc("PACK-1"),
            order: None,
            tote: None,
        },
        JobSpec::Stock,
    ]
}

fn seeded_world() -> FakeProjections {
    let mut fake = world();
    fake.stock.push(stock("DOCK-1", "1002", None, None, 12));
    fake.stock.push(stock("TOTE-7", "1002", None, None, 0));
    fake
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_inputs_never_panic_and_only_announced_valid_facts_are_recorded(
        job_index in 0usize..7,
        picks in proptest::collection::vec(0usize..100, 0..40),
    ) {
        let pool = input_pool();
        let mut fake = seeded_world();
        let spec = specs(&fake)[job_index].clone();
        let mut job = Job::open(&spec, &fake).unwrap();
        let mut announced = Vec::new();
        for p in picks {
            let input = i(&pool[p % pool.len()]);
            let before = job.prompt();
            let step = job.handle(&input, &fake);
            if step.feedback.is_bad() {
                prop_assert!(step.events.is_empty(), "{input:?}: refused but announced {:?}", step.events);
                prop_assert_eq!(&job.prompt(), &before);
            }
            for event in &step.events {
                prop_assert!(event.validate().is_ok(), "{input:?} announced an invalid fact {event:?}");
            }
            prop_assert_eq!(&step.prompt, &job.prompt());
            announced.extend(step.events.iter().cloned());
            fake.record(&step.events);
            if step.done {
                break;
            }
        }
        prop_assert_eq!(bodies(&fake), announced);
        // Reopening from the facts alone always works for a job that was not finished.
        let _ = Job::open(&job.spec(), &fake);
    }
}
