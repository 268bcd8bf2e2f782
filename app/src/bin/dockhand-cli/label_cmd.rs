//! `dockhand-cli label …`: render labels to ZPL, print them through the journal's queue,
//! inspect the queue and settle jobs interrupted mid-send.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use dockhand_app::journal::Journal;
use dockhand_app::label::printer::{AddressLink, LinkTimeouts, PrinterAddress};
use dockhand_app::label::queue::{self, QueueReport, Resolution};
use dockhand_app::label::{Dpi, LabelKind, Stock, layout_json, zpl};
use dockhand_app::sync::backoff::Backoff;

#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Print a label's ZPL to stdout.
    Zpl(ZplArgs),
    /// Queue a label in the journal and send the printer's queue (retrying while the
    /// printer is unreachable, up to --retry-for).
    Print(PrintArgs),
    /// Send what is queued for a printer.
    Drain(DrainArgs),
    /// List print jobs as JSON lines.
    Queue(QueueArgs),
    /// Settle a job interrupted while sending, after looking at the printer.
    Resolve(ResolveArgs),
    /// SSCCs from blocks leased by the server: lease, allocate offline, show what is left.
    Sscc {
        #[command(subcommand)]
        command: SsccCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum SsccCommand {
    /// Lease a new block from the server when 20% or less of the last one is left (or
    /// always, with --force). Uses the server and token stored by `dockhand-cli sync`.
    Lease {
        #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
        db: PathBuf,
        #[arg(long, default_value_t = 1000)]
        size: u64,
        #[arg(long)]
        force: bool,
    },
    /// Allocate the next SSCC offline and record it as an sscc_allocated event.
    Allocate {
        #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
        db: PathBuf,
        #[arg(long, env = "DOCKHAND_OPERATOR")]
        operator: dockhand_app::domain::OperatorId,
        /// What the SSCC labels: pallet or carton.
        #[arg(long, default_value = "pallet")]
        purpose: String,
    },
    /// The device's blocks and how many SSCCs are left.
    Status {
        #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
        db: PathBuf,
    },
}

/// The journal and the printer.
#[derive(Debug, Args)]
pub struct PrinterArgs {
    /// The journal file.
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
    pub db: PathBuf,
    /// tcp://HOST:9100 or serial:/dev/ttyUSB0[?baud=9600].
    #[arg(long, env = "DOCKHAND_PRINTER")]
    pub printer: PrinterAddress,
    /// Keep retrying an unreachable printer for this many seconds (0: try once).
    #[arg(long, default_value_t = 0)]
    pub retry_for: u64,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    #[command(flatten)]
    pub spec: LabelSpec,
    #[command(flatten)]
    pub target: PrinterArgs,
}

#[derive(Debug, Args)]
pub struct DrainArgs {
    #[command(flatten)]
    pub target: PrinterArgs,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
    pub db: PathBuf,
    /// Only jobs not printed yet (queued, sending, in doubt).
    #[arg(long)]
    pub open: bool,
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
    pub db: PathBuf,
    /// The job id (from `label queue --open`).
    #[arg(long)]
    pub job: String,
    /// The label is on the printer: mark it printed.
    #[arg(long, conflicts_with = "reprint", required_unless_present = "reprint")]
    pub printed: bool,
    /// The label is not on the printer: queue it again.
    #[arg(long)]
    pub reprint: bool,
}

/// What to print and on which stock.
#[derive(Debug, Args)]
pub struct LabelSpec {
    /// sscc (pallet), carton, item or bin.
    #[arg(long)]
    pub kind: LabelKind,
    /// The label's data as JSON, e.g. '{"sscc":"095060001000000012"}' (see docs/labels.md).
    #[arg(long)]
    pub json: String,
    /// Printer resolution: 203 or 300 dpi.
    #[arg(long, default_value = "203", env = "DOCKHAND_PRINTER_DPI")]
    pub dpi: Dpi,
    /// Label size: 4x6, 4x2 (inches) or WIDTHxHEIGHTmm.
    #[arg(long, default_value = "4x6", env = "DOCKHAND_LABEL_SIZE")]
    pub size: Stock,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZplFormat {
    /// The ZPL alone.
    Zpl,
    /// A JSON object with the ZPL, the stock, and every barcode's symbology and data.
    Json,
}

#[derive(Debug, Args)]
pub struct ZplArgs {
    #[command(flatten)]
    pub spec: LabelSpec,
    #[arg(long, value_enum, default_value = "zpl")]
    pub format: ZplFormat,
}

pub fn run(command: LabelCommand) -> anyhow::Result<()> {
    match command {
        LabelCommand::Zpl(args) => zpl_cmd(&args),
        LabelCommand::Print(args) => {
            let template = layout_json(
                args.spec.kind,
                &args.spec.json,
                args.spec.size,
                args.spec.dpi,
            )
            .with_context(|| format!("cannot make the {} label", args.spec.kind))?;
            let mut journal = open(&args.target.db)?;
            let job = queue::enqueue(&mut journal, &args.target.printer, &template)?;
            println!(
                "{}",
                serde_json::json!({"queued": job.id, "printer": job.printer})
            );
            drain(&mut journal, &args.target)
        }
        LabelCommand::Drain(args) => {
            let mut journal = open(&args.target.db)?;
            drain(&mut journal, &args.target)
        }
        LabelCommand::Queue(args) => {
            let journal = open(&args.db)?;
            let mut out = std::io::stdout().lock();
            for job in journal.label_jobs(args.open, args.limit)? {
                writeln!(out, "{}", serde_json::to_string(&job)?)?;
            }
            Ok(())
        }
        LabelCommand::Sscc { command } => sscc(command),
        LabelCommand::Resolve(args) => {
            let mut journal = open(&args.db)?;
            let resolution = if args.printed {
                Resolution::Printed
            } else {
                Resolution::Reprint
            };
            let job = queue::resolve(&mut journal, &args.job, resolution)?;
            println!("{}", serde_json::to_string(&job)?);
            Ok(())
        }
    }
}

fn sscc(command: SsccCommand) -> anyhow::Result<()> {
    use dockhand_app::label::allocate::{allocate_sscc, needs_renewal};
    use dockhand_app::label::sscc::SsccAllocator;
    match command {
        SsccCommand::Lease { db, size, force } => {
            let mut journal = open(&db)?;
            if !force && !needs_renewal(&journal)? {
                println!(
                    "{}",
                    serde_json::json!({"leased": null, "reason": "more than 20% of the last block is left"})
                );
                return Ok(());
            }
            let (server, token) = journal.credentials()?.context(
                "this device has no server yet: run `dockhand-cli sync --server URL --token TOKEN` once",
            )?;
            let client =
                dockhand_app::sync::SyncClient::new(&server, &token, Duration::from_secs(30))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let block = runtime
                .block_on(client.lease_sscc_block(size))
                .with_context(|| format!("cannot lease SSCCs from {server}"))?;
            journal.add_sscc_block(&block)?;
            println!("{}", serde_json::json!({ "leased": block }));
            Ok(())
        }
        SsccCommand::Allocate {
            db,
            operator,
            purpose,
        } => {
            let mut journal = open(&db)?;
            let (sscc, recorded) = allocate_sscc(&mut journal, operator, &purpose)?;
            println!(
                "{}",
                serde_json::json!({
                    "sscc": sscc,
                    "seq": recorded.seq.get(),
                    "needs_renewal": needs_renewal(&journal)?,
                })
            );
            Ok(())
        }
        SsccCommand::Status { db } => {
            let journal = open(&db)?;
            let allocator = SsccAllocator::new(journal.sscc_blocks()?);
            println!(
                "{}",
                serde_json::json!({
                    "remaining": allocator.remaining(),
                    "needs_renewal": allocator.needs_renewal(),
                    "blocks": allocator.blocks(),
                })
            );
            Ok(())
        }
    }
}

fn open(db: &Path) -> anyhow::Result<Journal> {
    Journal::open(db).with_context(|| format!("cannot open the journal {}", db.display()))
}

/// Runs the queue and prints the report; fails when labels are left waiting or in doubt,
/// so scripts notice.
fn drain(journal: &mut Journal, target: &PrinterArgs) -> anyhow::Result<()> {
    let mut link = AddressLink {
        address: target.printer.clone(),
        timeouts: LinkTimeouts::default(),
    };
    let report: QueueReport = queue::run_with_retry(
        journal,
        &target.printer,
        &mut link,
        Duration::from_secs(target.retry_for),
        Backoff::default(),
    )?;
    println!("{}", serde_json::to_string(&report)?);
    if report.in_doubt > 0 {
        anyhow::bail!(
            "{} label(s) were interrupted while sending and may have printed: check the printer, then `dockhand-cli label resolve --job ID --printed` or `--reprint` (ids: `label queue --open`)",
            report.in_doubt
        );
    }
    if report.waiting > 0 {
        anyhow::bail!(
            "{} label(s) wait in the queue for {} ({}); they print with `dockhand-cli label drain` once it is reachable",
            report.waiting,
            target.printer,
            report.last_error.as_deref().unwrap_or("not sent")
        );
    }
    Ok(())
}

fn zpl_cmd(args: &ZplArgs) -> anyhow::Result<()> {
    let spec = &args.spec;
    let template = layout_json(spec.kind, &spec.json, spec.size, spec.dpi)
        .with_context(|| format!("cannot make the {} label", spec.kind))?;
    let zpl = zpl::render(&template, None)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ZplFormat::Zpl => out.write_all(zpl.as_bytes())?,
        ZplFormat::Json => {
            let value = serde_json::json!({
                "kind": spec.kind,
                "width_mm": spec.size.width_mm,
                "height_mm": spec.size.height_mm,
                "dots_per_mm": spec.dpi.dots_per_mm(),
                "zpl": zpl,
                "symbols": template.symbols(),
                "texts": template.texts(),
            });
            writeln!(out, "{value}")?;
        }
    }
    Ok(())
}
