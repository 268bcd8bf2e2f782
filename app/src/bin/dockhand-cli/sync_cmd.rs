//! `dockhand-cli sync`: one sync round against a server, printing what it did as JSON.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use dockhand_app::journal::Journal;
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The journal file.
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
    db: std::path::PathBuf,
    /// Server base URL, e.g. http://127.0.0.1:8080 (stored in the journal for next time).
    #[arg(long, env = "DOCKHAND_SERVER")]
    server: Option<String>,
    /// This device's token from enrolment (stored in the journal for next time).
    #[arg(long, env = "DOCKHAND_TOKEN")]
    token: Option<String>,
    /// Events per push request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

pub fn run(args: SyncArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_round(&args.db, &args))
}

async fn run_round(db: &Path, args: &SyncArgs) -> anyhow::Result<()> {
    let mut journal =
        Journal::open(db).with_context(|| format!("cannot open the journal {}", db.display()))?;
    if let (Some(server), Some(token)) = (&args.server, &args.token) {
        journal.set_credentials(server, token)?;
    }
    let (server, token) = journal.credentials()?.context(
        "this device has no server yet: pass --server URL --token TOKEN (from enrol-device)",
    )?;
    let client = SyncClient::new(&server, &token, Duration::from_secs(args.timeout))?;
    let options = RoundOptions {
        batch_size: args.batch,
        ..RoundOptions::default()
    };
    let report = sync_round(&mut journal, &client, options)
        .await
        .with_context(|| {
            format!("sync with {server} failed; queued scans are kept and will be sent next time")
        })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
