//! `dockhand`: the handheld UI on the desktop.
//!
//! - `dockhand --db device.db` runs the UI over a device journal, with the sync loop in the
//!   background.
//! - `dockhand --screenshots DIR [--size 480x800]...` renders every screen headless to PNGs.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::Context;
use clap::Parser;
use dockhand_app::journal::Journal;
use dockhand_app::sync::{SyncService, SyncServiceConfig};
use dockhand_ui::adapters::sync_status::publish_status;
use dockhand_ui::app::{self, Controllers};
use dockhand_ui::feedback::TerminalFeedback;
use dockhand_ui::headless::ScreenSize;
use dockhand_ui::{MainWindow, screenshots};
use slint::ComponentHandle;

/// Dockhand's handheld UI.
#[derive(Debug, Parser)]
#[command(name = "dockhand", version)]
struct Cli {
    /// The device journal (created if missing).
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand-device.db")]
    db: PathBuf,
    /// Render every screen to PNG files in this directory instead of opening a window.
    #[arg(long, value_name = "DIR")]
    screenshots: Option<PathBuf>,
    /// Screen size for --screenshots, e.g. 480x800 or 720x1280 (repeatable; both by default).
    #[arg(long, value_name = "WxH", value_parser = ScreenSize::parse)]
    size: Vec<ScreenSize>,
    /// Start a local server with sample data and run against it (not built yet).
    #[arg(long)]
    demo: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if cli.demo {
        anyhow::bail!(
            "dockhand --demo is coming in the next update (it needs the sync server's demo mode); \
             for now run `dockhand --db FILE` against a server you enrolled with, or \
             `dockhand --screenshots DIR` to see every screen with sample data"
        );
    }
    if let Some(dir) = cli.screenshots {
        let sizes = if cli.size.is_empty() {
            screenshots::default_sizes()?
        } else {
            cli.size
        };
        let written = screenshots::render_all(&dir, &sizes)?;
        for path in &written {
            println!("{}", path.display());
        }
        eprintln!("{} screenshots in {}", written.len(), dir.display());
        return Ok(());
    }
    run_window(cli.db)
}

/// The interactive UI: the journal on the UI thread, the sync loop on a tokio runtime.
fn run_window(db: PathBuf) -> anyhow::Result<()> {
    let journal = Journal::open(&db)
        .with_context(|| format!("cannot open the device journal {}", db.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the sync runtime")?;
    let sync = {
        let _entered = runtime.enter();
        SyncService::spawn(SyncServiceConfig::new(&db)).context("cannot start the sync loop")?
    };
    let controllers = Controllers::new(
        Rc::new(RefCell::new(journal)),
        Box::new(sync.clone()),
        Box::new(TerminalFeedback),
    );
    let window = MainWindow::new().context("cannot open the window (is a display available?)")?;
    app::connect(&window, &controllers);

    let mut updates = sync.subscribe();
    let weak = window.as_weak();
    runtime.spawn(async move {
        while updates.changed().await.is_ok() {
            let status = updates.borrow_and_update().clone();
            publish_status(&weak, status);
        }
    });

    window.run().context("the window closed with an error")?;
    sync.stop();
    Ok(())
}
