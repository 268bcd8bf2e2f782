//! A device as its own process, for tests that kill it: `dockhand-test-device JOURNAL
//! BATCH` syncs with the real client (`sim::drain`: rounds until nothing is pending,
//! retrying transient failures) and prints `drained` at the end.

use std::time::Duration;

use anyhow::Context;
use dockhand_app::journal::Journal;
use dockhand_app::sim::{SimConfig, drain};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: dockhand-test-device JOURNAL BATCH")?;
    let batch_size: usize = args.next().context("missing BATCH")?.parse()?;
    let journal = Journal::open(&path)?;
    let config = SimConfig {
        batch_size,
        converge_timeout: Duration::from_secs(300),
        ..SimConfig::default()
    };
    drain(journal, &config).await?;
    println!("drained");
    Ok(())
}
