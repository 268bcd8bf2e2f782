//! `dockhand-cli journal …`

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use dockhand_app::domain::{DeviceSeq, WarehouseCode};
use dockhand_app::journal::{EventDraft, Journal, OpenOptions};

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Append events read as JSON from stdin (one object, or several one after another);
    /// prints `{"seq":…,"event_id":…}` for each once it is on disk.
    Record {
        /// Warehouse to set if the journal has none yet.
        #[arg(long)]
        warehouse: Option<WarehouseCode>,
    },
    /// Print events as JSON lines, oldest first.
    List {
        /// Only events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Print each event's sync state as JSON lines.
    Outbox {
        /// Only events not yet acknowledged by the server.
        #[arg(long)]
        pending: bool,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Print counts (events, pending, conflicts, catalog size) as JSON.
    Stats,
}

pub fn run(db: &Path, command: JournalCommand) -> anyhow::Result<()> {
    let warehouse = match &command {
        JournalCommand::Record { warehouse } => warehouse.clone(),
        _ => None,
    };
    let mut journal = Journal::open_with(
        db,
        OpenOptions {
            warehouse,
            ..OpenOptions::default()
        },
    )
    .with_context(|| format!("cannot open the journal {}", db.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        JournalCommand::Record { .. } => {
            let stdin = std::io::stdin();
            let reader = std::io::BufReader::new(stdin.lock());
            record_from(&mut journal, reader, &mut out)?;
        }
        JournalCommand::List { after, limit } => {
            for raw in journal.raw_events_after(DeviceSeq(after), limit)? {
                writeln!(out, "{}", serde_json::to_string(&raw)?)?;
            }
        }
        JournalCommand::Outbox { pending, limit } => {
            for entry in journal.outbox(pending, limit)? {
                writeln!(out, "{}", serde_json::to_string(&entry)?)?;
            }
        }
        JournalCommand::Stats => {
            let mut stats = serde_json::to_value(journal.stats()?)?;
            stats["device_id"] = journal.device_id().to_string().into();
            stats["warehouse"] = journal.warehouse().map(|w| w.to_string()).into();
            writeln!(out, "{stats}")?;
        }
    }
    Ok(())
}

/// Records every JSON value in `input`, printing each seq as soon as it is durable.
fn record_from(
    journal: &mut Journal,
    input: impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let stream = serde_json::Deserializer::from_reader(input).into_iter::<serde_json::Value>();
    for (index, value) in stream.enumerate() {
        let value = value.with_context(|| format!("input value {} is not JSON", index + 1))?;
        let draft: EventDraft = serde_json::from_value(value).with_context(|| {
            format!(
                "input value {} is not an event (expected operator, kind, payload)",
                index + 1
            )
        })?;
        let recorded = journal.record(draft)?;
        writeln!(
            out,
            "{{\"seq\":{},\"event_id\":\"{}\"}}",
            recorded.seq, recorded.event.header.event_id
        )?;
        out.flush()?;
    }
    Ok(())
}
