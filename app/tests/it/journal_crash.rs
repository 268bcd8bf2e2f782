//! Crash safety of the journal: a `dockhand-cli journal record` process is killed with
//! SIGKILL at a random moment while it records scans as fast as it can; after each kill every
//! event whose seq it printed (i.e. whose commit returned) must be in the journal, `device_seq`
//! must be gapless, and SQLite's integrity check must pass.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dockhand_app::domain::DeviceSeq;
use dockhand_app::journal::Journal;

const KILLS: usize = 25;

fn scan_event(n: u64) -> String {
    format!(
        r#"{{"operator":"crash-test","scan":{{"data":"0109506000134352","symbology":"]C1"}},"kind":"receive","payload":{{"line":{{"item":"SKU-{n}","qty":1}},"to":"DOCK-1","status":"available"}}}}"#
    )
}

/// A small deterministic generator so a failing run can be repeated from its printed seed.
struct Lcg(u64);
impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn sigkill_mid_write_never_loses_a_confirmed_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let mut total_confirmed = 0u64;
    let mut next_item = 0u64;

    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockhand-cli"))
            .args(["journal", "record", "--warehouse", "WH1", "--db"])
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();

        // Feed events without pause on one thread; collect confirmations on another.
        let mut stdin = child.stdin.take().unwrap();
        let first_item = next_item;
        next_item += 100_000;
        std::thread::spawn(move || {
            for n in first_item.. {
                if stdin.write_all(scan_event(n).as_bytes()).is_err() {
                    break; // the process is gone
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<u64>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value: serde_json::Value = match serde_json::from_str(&line) {
                    Ok(v) => v,
                    Err(_) => break, // a line cut by the kill is not a confirmation
                };
                if let Some(seq) = value["seq"].as_u64() {
                    let _ = tx.send(seq);
                }
            }
        });

        // Kill at a random moment, once at least one scan was confirmed in this round.
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no event was recorded");
        let mut confirmed = vec![first];
        let deadline = Instant::now() + Duration::from_millis(rng.next_below(150));
        while Instant::now() < deadline {
            if let Ok(seq) = rx.recv_timeout(Duration::from_millis(1)) {
                confirmed.push(seq);
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        confirmed.extend(rx.try_iter());

        let journal = Journal::open(&db).unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): journal does not reopen after SIGKILL: {e}")
        });
        journal.integrity_check().unwrap();
        let count = journal.verify_gapless().unwrap();
        let highest = *confirmed.iter().max().unwrap();
        assert!(
            count >= highest,
            "round {round} (seed {seed}): seq {highest} was confirmed but the journal holds only {count} events"
        );
        let stored = journal.events_after(DeviceSeq(0), usize::MAX >> 1).unwrap();
        for seq in &confirmed {
            let event = &stored[(*seq - 1) as usize];
            assert_eq!(event.seq, DeviceSeq(*seq));
            assert_eq!(event.event.header.operator.as_str(), "crash-test");
        }
        assert_eq!(
            journal.stats().unwrap().pending,
            count,
            "every event has its outbox row"
        );
        total_confirmed = count;
    }
    assert!(
        total_confirmed > KILLS as u64,
        "the test recorded too little to mean anything"
    );
}
