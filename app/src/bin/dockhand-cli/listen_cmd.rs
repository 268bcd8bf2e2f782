//! `dockhand-cli listen …`: prints each scan from a scanner as one JSON line the moment it
//! arrives — the raw `Scan`, not its meaning (that is the barcode engine's job).

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{ArgGroup, Args};
use dockhand_app::barcode::{Scan, ScanSource, Symbology};
use dockhand_app::scanner::profile::SerialProfile;
use dockhand_app::scanner::{
    FramingConfig, LinkState, ProfileInput, ScanFramer, ScannerProfile, SerialScanner, Terminator,
};
use serde::Serialize;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["serial", "stdin"])))]
pub struct ListenArgs {
    /// Read a serial or USB-serial scanner at this path (e.g. /dev/ttyACM0).
    #[arg(long, value_name = "PATH")]
    serial: Option<String>,
    /// Baud rate of the serial scanner [default: the profile's, else 9600].
    #[arg(long, requires = "serial")]
    baud: Option<u32>,
    /// Read scans from standard input, one per line, as a wedge with an Enter suffix types
    /// them (or a script plays them).
    #[arg(long)]
    stdin: bool,
    /// A profile preset (zebra-datawedge-keystroke, honeywell-wedge, generic-usb-serial) or
    /// a JSON profile file; sets framing, FNC1 substitute and line settings.
    #[arg(long, env = "DOCKHAND_SCANNER_PROFILE")]
    profile: Option<String>,
}

/// One output line: the scan, plus the symbology its identifier names.
#[derive(Debug, Serialize)]
struct ScanLine<'a> {
    #[serde(flatten)]
    scan: &'a Scan,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbology_name: Option<Symbology>,
}

pub fn run(args: ListenArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOCKHAND_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    exit_cleanly_on_ctrl_c()?;
    let profile = args
        .profile
        .as_deref()
        .map(ScannerProfile::preset_or_file)
        .transpose()?;
    match args.serial {
        Some(path) => listen_serial(path, args.baud, profile),
        None => listen_stdin(profile),
    }
}

fn print_scan(out: &mut impl Write, scan: &Scan) -> anyhow::Result<()> {
    let line = ScanLine {
        scan,
        symbology_name: scan.symbology.map(|id| id.symbology()),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Stdin carries whole lines, so only the profile's data settings (FNC1 substitute, AIM
/// identifiers) apply, not its timing.
fn listen_stdin(profile: Option<ScannerProfile>) -> anyhow::Result<()> {
    let (fnc1_substitute, strip_aim_id) = match profile.map(|p| p.input) {
        Some(ProfileInput::Wedge(w)) => (w.fnc1_substitute, w.strip_aim_id),
        Some(ProfileInput::Serial(s)) => (s.framing.fnc1_substitute, s.framing.strip_aim_id),
        None => (None, true),
    };
    let mut framer = ScanFramer::new(FramingConfig {
        terminator: Terminator::Lf,
        fnc1_substitute,
        strip_aim_id,
        // A script may pause between lines; never throw a line away for it.
        discard_partial_after_ms: 24 * 60 * 60 * 1000,
        ..FramingConfig::default()
    });
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut buf = [0u8; 4096];
    loop {
        let n = match input.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("cannot read standard input"),
        };
        let frames = if n == 0 {
            framer.finish_input()
        } else {
            framer.push(&buf[..n], Instant::now())
        };
        let received_at = chrono::Utc::now();
        let mut out = stdout.lock();
        for frame in frames {
            print_scan(&mut out, &frame.into_scan(received_at, ScanSource::Manual))?;
        }
        if n == 0 {
            return Ok(());
        }
    }
}

fn listen_serial(
    path: String,
    baud: Option<u32>,
    profile: Option<ScannerProfile>,
) -> anyhow::Result<()> {
    let mut settings = match profile.map(|p| p.input) {
        Some(ProfileInput::Serial(serial)) => serial,
        Some(ProfileInput::Wedge(_)) => {
            anyhow::bail!("the profile is for a keyboard wedge, not a serial scanner")
        }
        None => SerialProfile::default(),
    };
    settings.port.path = path;
    if let Some(baud) = baud {
        settings.port.baud_rate = baud;
    }
    let (tx, rx) = mpsc::channel();
    let scanner = SerialScanner::open(
        settings.port.clone(),
        settings.framing.clone(),
        settings.reconnect_policy(),
        tx,
    )?;
    eprintln!(
        "listening on {} at {} baud; Ctrl-C to stop",
        settings.port.path, settings.port.baud_rate
    );
    let stdout = std::io::stdout();
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(scan) => print_scan(&mut stdout.lock(), &scan)?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let LinkState::Stopped { reason } = scanner.state() {
                    anyhow::bail!("the serial scanner stopped: {reason}");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return match scanner.state() {
                    LinkState::Stopped { reason } => {
                        Err(anyhow::anyhow!("the serial scanner stopped: {reason}"))
                    }
                    _ => Ok(()),
                };
            }
        }
    }
}

/// Ctrl-C (or SIGTERM) ends `listen` with success: every scan line already printed is
/// complete and flushed (the handler takes the stdout lock first), and the OS closes the
/// port. The handlers are registered before this returns, so no early signal is missed.
fn exit_cleanly_on_ctrl_c() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot set up the Ctrl-C handler")?;
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        (
            signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?,
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        )
    };
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
            let mut out = std::io::stdout().lock();
            let _ = out.flush();
            std::process::exit(0);
        })
        .context("cannot start the Ctrl-C handler")?;
    Ok(())
}
