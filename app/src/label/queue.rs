//! The durable print queue: a label asked for is a job in the journal before anything is
//! sent, so it survives an unreachable printer, a crash and a restart.
//!
//! Each job goes `queued → sending → printed`, each step committed. A send that fails
//! before any byte left puts the job back to `queued` (retried later, in order). A job
//! found in `sending` when a run starts, or whose send broke half-way, becomes `in_doubt`:
//! the printer may have printed it, so it is never resent on its own; someone looks at
//! the printer and [`resolve`]s it as printed or to be reprinted. A `printed` job is never
//! sent again. So a label is never lost and never printed twice by the queue.
//!
//! A label that cannot be laid out on the device's stock (a lot too long for 4 × 2, too
//! many barcodes) is `failed`, with the reason and what to do in words
//! ([`unprintable_reason`]): when it is asked for, or when the print worker lays a waiting
//! job out again for the stock set now ([`run_configured`]). It is never sent or retried;
//! the rest of the queue goes on. Reprint makes a new job, laid out for the stock set then.

use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

use super::printer::{PrinterAddress, PrinterLink, SendError};
use super::settings::PrinterSettings;
use super::{LabelError, LabelKind, Template, layout_json, zpl};
use crate::journal::{Journal, JournalError, LabelJob, LabelJobState, NewLabelJob};
use crate::sync::backoff::Backoff;
use crate::workflow::labels::LabelRequest;

/// Why the queue could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error("print job {0} does not exist")]
    UnknownJob(String),
    #[error(
        "print job {id} is {state}, not in doubt; only a job interrupted while sending can be resolved"
    )]
    NotInDoubt { id: String, state: &'static str },
    #[error("print job {id} is {state}; only a waiting or unresolved job can be cancelled")]
    NotCancellable { id: String, state: &'static str },
}

/// What a queue run did and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueReport {
    /// Jobs printed by this run, in order.
    pub printed: Vec<String>,
    /// Jobs still waiting for the printer.
    pub waiting: u64,
    /// Jobs that need someone to check the printer.
    pub in_doubt: u64,
    /// Jobs this run found cannot be laid out on the stock set now: failed, never sent.
    pub failed: Vec<String>,
    /// Why the last send failed, if it did.
    pub last_error: Option<String>,
}

/// An operator's answer for an in-doubt job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The label is on the printer's output: mark it printed.
    Printed,
    /// It is not: queue it again.
    Reprint,
}

/// Queues `template` for `printer`; the job id is written into the ZPL's `^FX` comment.
pub fn enqueue(
    journal: &mut Journal,
    printer: &PrinterAddress,
    template: &Template,
) -> Result<LabelJob, QueueError> {
    let id = Uuid::now_v7().to_string();
    let zpl = zpl::render(template, Some(&format!("job {id}")))?;
    Ok(journal.insert_label_job(&id, &printer.to_string(), template.kind, &zpl)?)
}

/// A job for `template` on `printer_key` (an address, or empty: no printer set yet), not
/// stored yet: the caller stores it, alone or with the facts that called for it
/// (`Journal::record_batch_with_label_jobs`).
pub fn new_job(
    printer_key: &str,
    template: &Template,
    data: Option<String>,
) -> Result<NewLabelJob, LabelError> {
    let id = Uuid::now_v7().to_string();
    let zpl = zpl::render(template, Some(&format!("job {id}")))?;
    Ok(NewLabelJob {
        id,
        printer: printer_key.to_owned(),
        kind: template.kind.to_owned(),
        zpl,
        data,
        failed: None,
    })
}

/// Why a label cannot be printed on `settings`' stock, and what to do, in words for the
/// person at the device (stored as a failed job's `last_error`).
pub fn unprintable_reason(error: &LabelError, settings: &PrinterSettings) -> String {
    let size = format!("{} at {} dpi", settings.stock.describe(), settings.dpi);
    match error {
        LabelError::Layout(why) if settings.stock.is_tall() => format!(
            "Does not fit {size} ({why}): the label's data is too long for this stock; tell a supervisor"
        ),
        LabelError::Layout(why) => format!(
            "Does not fit {size} ({why}): choose the larger 4 × 6 in label size in Settings, then tap Reprint"
        ),
        LabelError::Data(why) | LabelError::Setting(why) => {
            format!("Cannot be printed ({why}): the label's data is wrong; tell a supervisor")
        }
        LabelError::Gs1(why) => {
            format!("Cannot be printed ({why}): the label's data is wrong; tell a supervisor")
        }
    }
}

/// The job for one label a workflow step asked for, laid out for `settings`' stock; a
/// label that cannot be laid out is a failed job carrying the reason (see
/// [`unprintable_reason`]), so it shows on the label screen instead of vanishing.
pub fn job_for_request(settings: &PrinterSettings, request: &LabelRequest) -> NewLabelJob {
    let made = request
        .layout(settings.stock, settings.dpi)
        .and_then(|template| {
            new_job(
                &settings.printer_key(),
                &template,
                Some(request.data_json()),
            )
        });
    match made {
        Ok(job) => job,
        Err(error) => {
            let reason = unprintable_reason(&error, settings);
            tracing::warn!(kind = %request.kind(), %reason, "label cannot be laid out; its job is failed");
            NewLabelJob {
                id: Uuid::now_v7().to_string(),
                printer: settings.printer_key(),
                kind: request.kind().as_str().to_owned(),
                zpl: String::new(),
                data: Some(request.data_json()),
                failed: Some(reason),
            }
        }
    }
}

/// The jobs for the labels a workflow step asked for, laid out for `settings`' stock.
pub fn jobs_for_requests(
    settings: &PrinterSettings,
    requests: &[LabelRequest],
) -> Result<Vec<NewLabelJob>, LabelError> {
    requests
        .iter()
        .map(|request| {
            let template = request.layout(settings.stock, settings.dpi)?;
            new_job(
                &settings.printer_key(),
                &template,
                Some(request.data_json()),
            )
        })
        .collect()
}

/// Queues a new copy of job `id` (the same label data laid out again, a new job id).
pub fn reprint(
    journal: &mut Journal,
    id: &str,
    settings: &PrinterSettings,
) -> Result<LabelJob, QueueError> {
    let job = journal
        .label_job(id)?
        .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))?;
    let new = match &job.data {
        Some(data) => {
            let kind: LabelKind = job.kind.parse()?;
            let template = layout_json(kind, data, settings.stock, settings.dpi)?;
            new_job(&settings.printer_key(), &template, Some(data.clone()))?
        }
        None => {
            let new_id = Uuid::now_v7().to_string();
            NewLabelJob {
                zpl: job
                    .zpl
                    .replace(&format!("job {}", job.id), &format!("job {new_id}")),
                id: new_id,
                printer: settings.printer_key(),
                kind: job.kind.clone(),
                data: None,
                failed: None,
            }
        }
    };
    Ok(journal.insert_label_job_with_data(&new)?)
}

/// Cancels a waiting or in-doubt job: it will not print.
pub fn cancel(journal: &mut Journal, id: &str) -> Result<LabelJob, QueueError> {
    let job = journal
        .label_job(id)?
        .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))?;
    let mut moved = false;
    for from in [LabelJobState::Queued, LabelJobState::InDoubt] {
        if journal.move_label_job(id, from, LabelJobState::Cancelled, None)? {
            moved = true;
            break;
        }
    }
    if !moved {
        return Err(QueueError::NotCancellable {
            id: id.to_owned(),
            state: job.state.as_str(),
        });
    }
    journal
        .label_job(id)?
        .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))
}

/// One run for the device's configured printer: queued jobs (also those queued before a
/// printer was set) go to it and are laid out again for the stock set now
/// ([`relayout_queued`]), then [`run_once`]. `None` when no printer is set.
pub fn run_configured(
    journal: &mut Journal,
    settings: &PrinterSettings,
    link: &mut dyn PrinterLink,
) -> Result<Option<QueueReport>, QueueError> {
    let Some(printer) = &settings.printer else {
        return Ok(None);
    };
    let key = printer.to_string();
    journal.retarget_queued_label_jobs(&key)?;
    let failed = relayout_queued(journal, &key, settings)?;
    let mut report = run_once(journal, printer, link)?;
    report.failed = failed;
    Ok(Some(report))
}

/// Lays each queued job of `printer` that has its label data out again for `settings`'
/// stock and resolution (they may have changed since it was queued). A job that no longer
/// fits is marked failed with [`unprintable_reason`] and never sent; the others keep their
/// place. Returns the failed jobs' ids.
pub fn relayout_queued(
    journal: &mut Journal,
    printer: &str,
    settings: &PrinterSettings,
) -> Result<Vec<String>, QueueError> {
    let mut failed = Vec::new();
    for job in journal.queued_label_jobs(printer)? {
        let Some(data) = &job.data else { continue };
        let laid_out = job
            .kind
            .parse::<LabelKind>()
            .and_then(|kind| layout_json(kind, data, settings.stock, settings.dpi))
            .and_then(|template| zpl::render(&template, Some(&format!("job {}", job.id))));
        match laid_out {
            Ok(zpl) if zpl == job.zpl => {}
            Ok(zpl) => {
                journal.relayout_queued_label_job(&job.id, &zpl)?;
            }
            Err(error) => {
                let reason = unprintable_reason(&error, settings);
                if journal.move_label_job(
                    &job.id,
                    LabelJobState::Queued,
                    LabelJobState::Failed,
                    Some(&reason),
                )? {
                    tracing::warn!(printer, job = %job.id, kind = %job.kind, %reason, "label cannot be laid out; job failed");
                    failed.push(job.id);
                }
            }
        }
    }
    Ok(failed)
}

/// Queues the labels a workflow step asked for (see `workflow::labels::labels_for`).
pub fn enqueue_requests(
    journal: &mut Journal,
    printer: &PrinterAddress,
    stock: super::Stock,
    dpi: super::Dpi,
    requests: &[crate::workflow::labels::LabelRequest],
) -> Result<Vec<LabelJob>, QueueError> {
    let mut jobs = Vec::with_capacity(requests.len());
    for request in requests {
        let template = request.layout(stock, dpi)?;
        jobs.push(enqueue(journal, printer, &template)?);
    }
    Ok(jobs)
}

/// Sends `printer`'s queued jobs in order until the queue is empty or a send fails.
pub fn run_once(
    journal: &mut Journal,
    printer: &PrinterAddress,
    link: &mut dyn PrinterLink,
) -> Result<QueueReport, QueueError> {
    let key = printer.to_string();
    let interrupted = journal.mark_interrupted_label_jobs(&key)?;
    if interrupted > 0 {
        tracing::warn!(printer = %key, interrupted, "print jobs interrupted by a restart are in doubt");
    }
    let mut report = QueueReport::default();
    while let Some(job) = journal.next_queued_label_job(&key)? {
        if !journal.move_label_job(&job.id, LabelJobState::Queued, LabelJobState::Sending, None)? {
            continue;
        }
        match link.send(job.zpl.as_bytes()) {
            Ok(()) => {
                journal.move_label_job(
                    &job.id,
                    LabelJobState::Sending,
                    LabelJobState::Printed,
                    None,
                )?;
                tracing::info!(printer = %key, job = %job.id, kind = %job.kind, "label printed");
                report.printed.push(job.id);
            }
            Err(e @ SendError::Unreachable(_)) => {
                let text = e.to_string();
                journal.move_label_job(
                    &job.id,
                    LabelJobState::Sending,
                    LabelJobState::Queued,
                    Some(&text),
                )?;
                report.last_error = Some(text);
                break;
            }
            Err(e @ SendError::Interrupted(_)) => {
                let text = e.to_string();
                journal.move_label_job(
                    &job.id,
                    LabelJobState::Sending,
                    LabelJobState::InDoubt,
                    Some(&text),
                )?;
                tracing::warn!(printer = %key, job = %job.id, error = %text, "print job in doubt");
                report.last_error = Some(text);
                break;
            }
        }
    }
    for (state, count) in journal.label_queue_counts(&key)? {
        match state.as_str() {
            "queued" => report.waiting = count,
            "in_doubt" => report.in_doubt = count,
            _ => {}
        }
    }
    Ok(report)
}

/// Runs the queue, retrying with jittered backoff while the printer is unreachable, until
/// nothing waits or `retry_for` has passed.
pub fn run_with_retry(
    journal: &mut Journal,
    printer: &PrinterAddress,
    link: &mut dyn PrinterLink,
    retry_for: Duration,
    backoff: Backoff,
) -> Result<QueueReport, QueueError> {
    let started = Instant::now();
    let mut failures = 0u32;
    let mut printed = Vec::new();
    loop {
        let mut report = run_once(journal, printer, link)?;
        printed.append(&mut report.printed);
        if report.waiting == 0 || report.last_error.is_none() || started.elapsed() >= retry_for {
            report.printed = printed;
            return Ok(report);
        }
        failures += 1;
        let left = retry_for.saturating_sub(started.elapsed());
        std::thread::sleep(backoff.delay(failures, rand::random::<f64>()).min(left));
    }
}

/// Settles an in-doubt job after someone looked at the printer.
pub fn resolve(
    journal: &mut Journal,
    id: &str,
    resolution: Resolution,
) -> Result<LabelJob, QueueError> {
    let job = journal
        .label_job(id)?
        .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))?;
    let to = match resolution {
        Resolution::Printed => LabelJobState::Printed,
        Resolution::Reprint => LabelJobState::Queued,
    };
    if !journal.move_label_job(id, LabelJobState::InDoubt, to, None)? {
        return Err(QueueError::NotInDoubt {
            id: id.to_owned(),
            state: job.state.as_str(),
        });
    }
    journal
        .label_job(id)?
        .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))
}
