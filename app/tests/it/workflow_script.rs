//! `dockhand-cli script` against a real journal file: the prompts and feedback it prints,
//! the facts it records, resuming in a second run, and the line number of a bad line.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::workflow_support::*;

fn run_script(db: &std::path::Path, script: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockhand-cli"))
        .args(["script", "--operator", "ana", "--db"])
        .arg(db)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_pick_script_prints_prompts_and_feedback_and_resumes_in_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    drop(seeded(&db));
    let first = format!(
        "# first half of task T-1\njob pick T-1\nscan loc:TOTE-7\nscan loc:A-03-2-B\nscan gtin:{RED}\nscan gtin:{MUG}\nqty 4\n",
        RED = "09506000134369",
    );
    let out = run_script(&db, &first);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "> job pick T-1\n\
         » Scan the tote to pick into\n\
         > scan loc:TOTE-7\n\
         » Go to A-03-2-B: pick 4 each SKU 1002 Blue Mug (line 1 of 3)\n\
         > scan loc:A-03-2-B\n\
         » At A-03-2-B: scan 4 each SKU 1002 Blue Mug (line 1 of 3)\n\
         > scan gtin:09506000134369\n\
         WRONG: Unknown item: GTIN 09506000134369 is not in the catalog\n\
         » At A-03-2-B: scan 4 each SKU 1002 Blue Mug (line 1 of 3)\n\
         > scan gtin:09506000134352\n\
         » SKU 1002 Blue Mug: enter quantity picked (asked 4 each)\n\
         > qty 4\n\
         OK: Picked 4 each SKU 1002 Blue Mug\n  recorded pick\n\
         » Go to A-05-1-A: pick 2 each SKU 2001 Milk 1L (line 2 of 3)\n"
    );
    let second = format!(
        "resume\nscan loc:A-05-1-A\nscan gtin:{MILK} lot:L2\noverride \"L1 blocked\"\nqty 2\nscan loc:A-05-1-A\nscan gtin:{SCANNER} serial:S1\nshort \"one missing\"\n"
    );
    let out = run_script(&db, &second);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "> resume\n» Go to A-05-1-A: pick 2 each SKU 2001 Milk 1L (line 2 of 3)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("CHECK: Lot L2 (expires 2027-03-31) is not first to go: lot L1 expires 2027-01-31. Pick lot L1, or give a reason\n"), "{stdout}");
    assert!(
        stdout.ends_with("» Pick task T-1 complete: 3 lines, 1 short\n"),
        "{stdout}"
    );

    let journal = open(&db);
    let facts = facts(&journal);
    assert_eq!(facts.len(), 3);
    assert_eq!(facts[1]["payload"]["fefo_override"], "L1 blocked");
    assert_eq!(facts[2]["payload"]["short"]["reason"], "one missing");
    assert_eq!(
        facts[2]["payload"]["line"]["serials"],
        serde_json::json!(["S1"])
    );
    assert!(journal.open_job().unwrap().is_none());
}

#[test]
fn a_malformed_line_stops_the_script_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    drop(seeded(&db));
    let out = run_script(&db, "job count A-03-2-B\n\nqty four\nclose\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("line 3: qty four"), "{stderr}");
    assert!(stderr.contains("expected a whole number"), "{stderr}");
    let out = run_script(&db, "job teleport X\n");
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("line 1: job teleport X")
    );
    let out = run_script(&db, "scan loc:A-03-2-B\n");
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("line 1: no job is open")
    );
}

#[test]
fn receiving_and_putaway_by_script() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    drop(seeded(&db));
    let script = format!(
        "job receive DOCK-1 doc:asn:ASN-1\nscan gtin:{MUG_CASE}\nqty 2\nscan gtin:{MILK} lot:L5 exp:2027-06-30\nqty 9\nclose\n\
         job putaway DOCK-1\nscan gtin:{MUG}\nscan loc:A-03-2-B\n"
    );
    let out = run_script(&db, &script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(
            "» ASN-1 closed with differences: SKU 2001 Milk 1L: 9 of 10 received, short by 1\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("OK: Put 24 each SKU 1002 Blue Mug in A-03-2-B\n"),
        "{stdout}"
    );
    let kinds: Vec<String> = facts(&open(&db))
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["receive", "receive", "receipt_closed", "putaway"]);
}
