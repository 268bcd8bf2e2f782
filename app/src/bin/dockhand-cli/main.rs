//! `dockhand-cli`: the handheld core from a terminal — journal inspection, barcode parsing,
//! scanner listening, workflow scripts, sync — for tests, support and scripting.

mod journal_cmd;
mod label_cmd;
mod listen_cmd;
mod parse_cmd;
mod script_cmd;
mod sim_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "dockhand-cli",
    version,
    about = "Dockhand handheld core from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect and append to a device journal.
    Journal {
        /// The journal file (created if missing).
        #[arg(
            long,
            env = "DOCKHAND_DB",
            default_value = "dockhand.db",
            global = true
        )]
        db: PathBuf,
        #[command(subcommand)]
        command: journal_cmd::JournalCommand,
    },
    /// Run one sync round with the server: push queued events, pull changes.
    Sync(sync_cmd::SyncArgs),
    /// Simulate devices working shifts (partly offline) against a real server.
    Sim(sim_cmd::SimArgs),
    /// Print each scan from a serial scanner or stdin as a JSON line as it arrives.
    Listen(listen_cmd::ListenArgs),
    /// Play a script of scans and actions against a journal and print the prompts
    /// (`dockhand-cli script --help` lists the commands).
    Script(script_cmd::ScriptArgs),
    /// Parse barcode scans read from stdin (one per line) and print what each means as
    /// JSON lines.
    Parse(parse_cmd::ParseArgs),
    /// Render labels (SSCC pallet, carton, item, bin) to ZPL and print them through the
    /// journal's print queue.
    Label {
        #[command(subcommand)]
        command: label_cmd::LabelCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Journal { db, command } => journal_cmd::run(&db, command),
        Command::Sync(args) => sync_cmd::run(args),
        Command::Sim(args) => sim_cmd::run(args),
        Command::Listen(args) => listen_cmd::run(args),
        Command::Script(args) => script_cmd::run(args),
        Command::Parse(args) => parse_cmd::run(&args),
        Command::Label { command } => label_cmd::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
