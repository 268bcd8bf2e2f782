//! A device as its own process, for tests that kill it: `dockhand-test-device JOURNAL
//! BATCH` runs sync rounds with the real client until nothing is pending, printing
//! `pushed N` after each answered batch round and `drained` at the end.

use std::time::Duration;

use anyhow::Context;
use dockhand_app::journal::Journal;
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: dockhand-test-device JOURNAL BATCH")?;
    let batch: usize = args.next().context("missing BATCH")?.parse()?;
    let mut journal = Journal::open(&path)?;
    let (url, token) = journal
        .credentials()?
        .context("journal has no credentials")?;
    let client = SyncClient::new(&url, &token, Duration::from_secs(30))?;
    loop {
        match sync_round(
            &mut journal,
            &client,
            RoundOptions {
                batch_size: batch,
                ..RoundOptions::default()
            },
        )
        .await
        {
            Ok(report) => {
                println!("pushed {}", report.pushed);
                if journal.first_pending_seq()?.is_none() {
                    println!("drained");
                    return Ok(());
                }
            }
            Err(e) if e.is_transient() => {
                println!("retry: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
