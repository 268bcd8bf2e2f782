//! `dockhand-cli script …`: plays a text script of scans and actions against a journal and
//! prints each step's feedback and prompt, exactly as the handheld would show them.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use dockhand_app::domain::{
    DocumentKind, DocumentRef, LocationCode, OperatorId, TaskId, WarehouseCode,
};
use dockhand_app::journal::{Journal, OpenOptions};
use dockhand_app::workflow::{Input, JobSpec, Session};

/// Script syntax, one command per line (`#` starts a comment):
///
///   job pick TASK [tote:LOC]              open a pick task (continues where it stopped)
///   job receive DOCK [doc:asn:N|doc:po:N] [blind] [inspect] [nodoc]
///   job putaway DOCK
///   job count LOC [threshold:N]
///   job pack STATION [order:N]
///   job stock                             bin-to-bin moves, status changes, adjustments
///   resume                                reopen the job open when the app stopped
///   scan gtin:GTIN [lot:L] [exp:YYYY-MM-DD] [serial:S] [count:N]
///   scan loc:CODE | scan sscc:SSCC | scan doc:KIND:NUMBER | scan raw:DATA
///   qty N | confirm | skip | close | cancel | recount
///   short "REASON" | override "REASON" | quality pass|fail|hold
///   status STATUS "REASON" | adjust ±N REASON | weight GRAMS
///
/// Each input prints `OK: …`, `WRONG: …` or `CHECK: …` and then the next prompt after `» `.
/// A malformed line stops the script with its line number and a non-zero exit.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ScriptArgs {
    /// The journal file (created if missing).
    #[arg(long, env = "DOCKHAND_DB", default_value = "dockhand.db")]
    db: PathBuf,
    /// Who is scanning.
    #[arg(long, env = "DOCKHAND_OPERATOR", default_value = "script")]
    operator: OperatorId,
    /// Warehouse to set if the journal has none yet.
    #[arg(long)]
    warehouse: Option<WarehouseCode>,
    /// The script file, or `-` for stdin.
    script: PathBuf,
}

pub fn run(args: ScriptArgs) -> anyhow::Result<()> {
    let mut journal = Journal::open_with(
        &args.db,
        OpenOptions {
            warehouse: args.warehouse.clone(),
            ..OpenOptions::default()
        },
    )
    .with_context(|| format!("cannot open the journal {}", args.db.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.script == Path::new("-") {
        let stdin = std::io::stdin();
        play(&mut journal, &args.operator, stdin.lock(), &mut out)
    } else {
        let file = std::fs::File::open(&args.script)
            .with_context(|| format!("cannot read the script {}", args.script.display()))?;
        play(
            &mut journal,
            &args.operator,
            std::io::BufReader::new(file),
            &mut out,
        )
    }
}

fn play(
    journal: &mut Journal,
    operator: &OperatorId,
    script: impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut session: Option<Session> = None;
    for (index, line) in script.lines().enumerate() {
        let number = index + 1;
        let line = line.with_context(|| format!("line {number}: cannot read"))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        writeln!(out, "> {line}")?;
        if line == "resume" || line.starts_with("job ") {
            session = None;
            let opened = if line == "resume" {
                Session::resume(journal).with_context(|| format!("line {number}: cannot resume"))?
            } else {
                let spec = job_spec(&line[4..], journal)
                    .with_context(|| format!("line {number}: {line}"))?;
                Some(
                    Session::start(journal, operator.clone(), &spec)
                        .with_context(|| format!("line {number}: cannot open the job"))?,
                )
            };
            match opened {
                Some(s) => {
                    writeln!(out, "» {}", s.prompt().text())?;
                    session = Some(s);
                }
                None => writeln!(out, "no job was open")?,
            }
            continue;
        }
        let input =
            Input::parse_script_line(line).with_context(|| format!("line {number}: {line}"))?;
        let Some(current) = session.as_mut() else {
            bail!("line {number}: no job is open; start one with `job …`");
        };
        let step = current
            .handle(journal, &input)
            .with_context(|| format!("line {number}: {line}"))?;
        if let Some(feedback) = step.feedback.text() {
            writeln!(out, "{feedback}")?;
        }
        for event in &step.events {
            writeln!(out, "  recorded {}", event.kind())?;
        }
        writeln!(out, "» {}", step.prompt.text())?;
        if step.done {
            session = None;
        }
    }
    Ok(())
}

fn job_spec(words: &str, journal: &Journal) -> anyhow::Result<JobSpec> {
    let mut words = words.split_whitespace();
    let kind = words.next().unwrap_or_default();
    let rest: Vec<&str> = words.collect();
    let first = |what: &str| -> anyhow::Result<&str> {
        rest.first()
            .copied()
            .with_context(|| format!("expected {what}"))
    };
    let option = |key: &str| rest.iter().find_map(|w| w.strip_prefix(key));
    let flag = |name: &str| rest.contains(&name);
    Ok(match kind {
        "pick" => JobSpec::Pick {
            task: TaskId::new(first("a task id, e.g. `job pick T-1`")?)?,
            tote: option("tote:").map(LocationCode::new).transpose()?,
        },
        "receive" => JobSpec::Receive {
            dock: LocationCode::new(first("a dock, e.g. `job receive DOCK-1`")?)?,
            document: option("doc:").map(document).transpose()?,
            sscc: None,
            without_document: flag("nodoc"),
            blind: flag("blind"),
            inspect: flag("inspect"),
        },
        "putaway" => JobSpec::Putaway {
            dock: LocationCode::new(first("a dock, e.g. `job putaway DOCK-1`")?)?,
        },
        "count" => JobSpec::Count {
            location: LocationCode::new(first("a bin, e.g. `job count A-03-2-B`")?)?,
            after_seq: journal.last_seq()?.get(),
            recount_threshold: option("threshold:")
                .map(str::parse)
                .transpose()
                .context("threshold must be a whole number")?
                .unwrap_or(0),
        },
        "pack" => JobSpec::Pack {
            station: LocationCode::new(first("a pack station, e.g. `job pack PACK-1`")?)?,
            order: option("order:")
                .map(dockhand_app::domain::OrderNumber::new)
                .transpose()?,
            tote: None,
        },
        "stock" => JobSpec::Stock,
        other => bail!("unknown job {other:?}: pick, receive, putaway, count, pack or stock"),
    })
}

fn document(text: &str) -> anyhow::Result<DocumentRef> {
    let (kind, number) = text
        .split_once(':')
        .context("expected doc:asn:NUMBER or doc:po:NUMBER")?;
    let kind = match kind {
        "asn" => DocumentKind::Asn,
        "po" => DocumentKind::Po,
        other => bail!("receiving takes an ASN or a PO, not {other:?}"),
    };
    Ok(DocumentRef {
        kind,
        number: number.to_owned(),
    })
}
