//! `dockhand-cli sim`: simulated devices working shifts against a real server.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use dockhand_app::domain::WarehouseCode;
use dockhand_app::sim::{SimConfig, run_simulation};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Server base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "DOCKHAND_SERVER")]
    server: String,
    /// An admin device's token (from `dockhand-sync-server enrol-device --role admin`); its
    /// warehouse is the one simulated.
    #[arg(long, env = "DOCKHAND_ADMIN_TOKEN")]
    admin_token: String,
    /// The admin token's warehouse.
    #[arg(long, default_value = "WH1")]
    warehouse: WarehouseCode,
    #[arg(long, default_value_t = 4)]
    devices: usize,
    /// Events each device records during its shift.
    #[arg(long, default_value_t = 500)]
    events: usize,
    #[arg(long, default_value_t = 50)]
    items: usize,
    #[arg(long, default_value_t = 40)]
    bins: usize,
    /// Share of each shift spent offline (0–1), in one stretch mid-shift.
    #[arg(long, default_value_t = 0.5)]
    offline: f64,
    /// While online, sync after this many events.
    #[arg(long, default_value_t = 25)]
    sync_every: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the device journals go (a fresh temporary directory by default).
    #[arg(long)]
    dir: Option<PathBuf>,
}

pub fn run(args: SimArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let temp;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp = tempfile_dir()?;
            temp.clone()
        }
    };
    let config = SimConfig {
        warehouse: args.warehouse.clone(),
        devices: args.devices,
        events_per_device: args.events,
        items: args.items,
        bins: args.bins,
        offline_fraction: args.offline,
        sync_every: args.sync_every,
        seed: args.seed,
        converge_timeout: Duration::from_secs(600),
        ..SimConfig::default()
    };
    let progress = |line: String| eprintln!("sim: {line}");
    let summary = runtime
        .block_on(run_simulation(
            &args.server,
            &args.admin_token,
            &dir,
            &config,
            &progress,
        ))
        .context("simulation failed")?;
    eprintln!("sim: journals are in {}", dir.display());
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("dockhand-sim-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
