//! `dockhand`: the handheld UI on the desktop.
//!
//! - `dockhand --db device.db` runs the UI over a device journal, with the sync loop in the
//!   background.
//! - `dockhand --screenshots DIR [--size 480x800]...` renders every screen headless to PNGs.
//! - `dockhand --demo` runs a demo warehouse: a sync server in this process over a throwaway
//!   PostgreSQL (or `DATABASE_URL`), a scratch journal enrolled as a supervisor device.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::Context;
use clap::Parser;
use dockhand_app::journal::Journal;
use dockhand_app::sync::{SyncService, SyncServiceConfig};
use dockhand_ui::adapters::sync_status::publish_status;
use dockhand_ui::app::{self, Controllers};
use dockhand_ui::controllers::conflicts::Runner;
use dockhand_ui::demo::{self, DemoSession, DemoStatus};
use dockhand_ui::feedback::TerminalFeedback;
use dockhand_ui::headless::ScreenSize;
use dockhand_ui::print_worker::{PrintWorker, WorkerTiming};
use dockhand_ui::{LabelsAdapter, MainWindow, screenshots};
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
    /// Run a demo warehouse: a sync server in this process with sample data (a throwaway
    /// PostgreSQL cluster made with initdb, or a fresh database on DATABASE_URL), and a
    /// scratch journal enrolled as a supervisor device. Everything is removed on exit.
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
    if cli.demo {
        return run_demo();
    }
    let runtime = sync_runtime()?;
    run_window(&runtime, cli.db, None)
}

fn sync_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the sync runtime")
}

/// `--demo`: sets the demo warehouse up, runs the window over its journal, cleans up.
fn run_demo() -> anyhow::Result<()> {
    let runtime = sync_runtime()?;
    eprintln!("Setting up the demo warehouse (a few seconds)…");
    let session = DemoSession::start(&runtime)?;
    match &session.status {
        DemoStatus::Online {
            url,
            database,
            seeded,
        } => eprintln!(
            "Demo server at {url} on {database}; {} conflicts waiting.",
            seeded.conflicts.len()
        ),
        DemoStatus::Offline { reason } => eprintln!(
            "No PostgreSQL for the demo ({reason}).\nThe handheld runs offline with the demo \
             warehouse on the device; set DATABASE_URL or install PostgreSQL for the server."
        ),
    }
    println!(
        "\nThe keyboard is the scanner: type a code, then Enter.\n\n{}\n",
        demo::data::cheat_sheet()
    );
    let status = session.status.clone();
    let result = run_window(&runtime, session.journal_path.clone(), Some(status));
    if let Err(error) = session.shut_down(&runtime) {
        eprintln!("The demo did not clean up completely: {error:#}");
    }
    result
}

/// The interactive UI: the journal on the UI thread, the sync loop and the conflict
/// screens' requests on a tokio runtime. `demo` says how a demo came up.
fn run_window(
    runtime: &tokio::runtime::Runtime,
    db: PathBuf,
    demo: Option<DemoStatus>,
) -> anyhow::Result<()> {
    let journal = Journal::open(&db)
        .with_context(|| format!("cannot open the device journal {}", db.display()))?;
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
    // Labels print on their own thread; the label screen and the strip follow its runs.
    let weak = window.as_weak();
    let printer = PrintWorker::spawn(db.clone(), WorkerTiming::default(), move || {
        let _ = weak.upgrade_in_event_loop(|w| w.global::<LabelsAdapter>().invoke_refresh());
    })
    .context("cannot start the print worker")?;
    controllers.labels.set_wake(Box::new(printer.waker()));
    controllers
        .conflicts
        .set_runner(Runner::Background(runtime.handle().clone()));
    if let Some(status) = &demo {
        demo::notice::show(&window, &controllers, status);
    }
    // Ctrl-C closes the window like the close button, so a demo still cleans up.
    runtime.spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = slint::invoke_from_event_loop(|| {
                let _ = slint::quit_event_loop();
            });
        }
    });

    let mut updates = sync.subscribe();
    let weak = window.as_weak();
    runtime.spawn(async move {
        while updates.changed().await.is_ok() {
            let status = updates.borrow_and_update().clone();
            publish_status(&weak, status);
        }
    });

    window.run().context("the window closed with an error")?;
    printer.stop();
    sync.stop();
    Ok(())
}
