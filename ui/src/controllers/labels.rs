//! Labels: the device's print queue (newest first) with a preview of what each label
//! carries, the printer from the device settings, and the label actions of the job screens
//! (an SSCC for a carton or a pallet, a bin label). The queue itself is
//! `dockhand_app::label::queue`; sending happens on the print worker's thread
//! (`crate::print_worker`), never here, except in [`LabelsController::drain_with`] which
//! tests and the screenshot mode run inline.

use std::cell::RefCell;

use dockhand_app::domain::{EventBody, LocationCode, OperatorId, OrderNumber};
use dockhand_app::journal::{JournalError, LabelJob, LabelJobState};
use dockhand_app::label::printer::PrinterLink;
use dockhand_app::label::queue::{self, QueueError, QueueReport, Resolution};
use dockhand_app::label::settings::{PrinterSettings, SettingsError};
use dockhand_app::label::{LabelError, LabelKind, layout_json};
use dockhand_app::workflow::labels::{
    OrderToPalletise, PalletError, bin_label, orders_to_palletise, pallet_of,
};
use dockhand_app::workflow::record_printing;

use super::SharedJournal;

/// Why a label action did not happen, in words for the person at the device.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// No leased SSCC block has serials left: the device must sync once.
    #[error("no SSCCs left on this device")]
    NoSscc,
    #[error("{0}")]
    Pallet(#[from] PalletError),
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Settings(#[from] SettingsError),
    #[error("{0}")]
    Label(#[from] LabelError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("{0} is not a location in this warehouse")]
    UnknownLocation(String),
    /// The label cannot be laid out on the stock set now: why, and what to do.
    #[error("{0}")]
    Unprintable(String),
}

/// Where a job stands, as the label screen says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Waiting,
    Printed,
    /// Needs someone: a send broke half-way, so it may have printed (in doubt), or the
    /// label cannot be laid out on the stock (unprintable, with the reason). A label whose
    /// printer was unreachable is still `Waiting` (it retries on its own), with the last
    /// error.
    Failed,
    Cancelled,
}

/// A pallet just built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltPallet {
    pub sscc: String,
    /// How many cartons are on it.
    pub cartons: usize,
    /// Why its label cannot be printed (its job is failed), if it cannot.
    pub label_problem: Option<String>,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: String,
    pub kind: LabelKind,
    /// The data that tells labels apart: SSCC, GTIN, bin code.
    pub key: String,
    pub status: JobStatus,
    pub in_doubt: bool,
    /// Cannot be laid out on the stock: `last_error` says why and what to do.
    pub unprintable: bool,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// `HH:MM` local to the job's creation (UTC on the device clock).
    pub time: String,
}

/// What a label will print: its text lines and the bracketed element strings (or the plain
/// data) of each symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub lines: Vec<String>,
    pub symbols: Vec<String>,
}

/// Wakes the print worker when a job is queued or someone asks to retry now.
pub type Wake = Box<dyn Fn()>;

/// The label screen and the label actions, over the UI thread's journal.
pub struct LabelsController {
    journal: SharedJournal,
    wake: RefCell<Option<Wake>>,
}

impl std::fmt::Debug for LabelsController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelsController").finish_non_exhaustive()
    }
}

impl LabelsController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            journal,
            wake: RefCell::new(None),
        }
    }

    /// What to call when jobs are queued or a retry is asked for (the print worker).
    pub fn set_wake(&self, wake: Wake) {
        *self.wake.borrow_mut() = Some(wake);
    }

    /// Tells the print worker there is work.
    pub fn wake(&self) {
        if let Some(wake) = self.wake.borrow().as_ref() {
            wake();
        }
    }

    /// The printer the device prints with (settings, `DOCKHAND_PRINTER` overriding). A
    /// stored setting that no longer reads is logged and treated as no printer.
    pub fn settings(&self) -> PrinterSettings {
        PrinterSettings::effective(&self.journal.borrow()).unwrap_or_else(|error| {
            tracing::error!(%error, "the label printer setting cannot be read");
            PrinterSettings::default()
        })
    }

    /// Jobs waiting for the printer, and jobs that need someone to look at the printer
    /// (failed jobs wait for nothing and are in neither).
    pub fn waiting(&self) -> Result<(u64, u64), JournalError> {
        self.journal.borrow().label_jobs_waiting()
    }

    /// The newest `limit` jobs, newest first.
    pub fn jobs(&self, limit: usize) -> Result<Vec<JobRow>, JournalError> {
        Ok(self
            .journal
            .borrow()
            .recent_label_jobs(limit)?
            .iter()
            .map(row)
            .collect())
    }

    /// What job `id` prints, laid out for the current stock.
    pub fn preview(&self, id: &str) -> Result<Preview, LabelsError> {
        let job = self
            .journal
            .borrow()
            .label_job(id)?
            .ok_or_else(|| QueueError::UnknownJob(id.to_owned()))?;
        // A failed job cannot be laid out: its reason is what the screen shows.
        let Some(data) = job
            .data
            .as_ref()
            .filter(|_| job.state != LabelJobState::Failed)
        else {
            return Ok(Preview::default());
        };
        let settings = self.settings();
        let template = layout_json(job.kind.parse()?, data, settings.stock, settings.dpi)?;
        let symbols: Vec<String> = template
            .symbols()
            .into_iter()
            .map(|s| {
                if s.human_readable.is_empty() {
                    s.data
                } else {
                    s.human_readable
                }
            })
            .collect();
        Ok(Preview {
            // The line under each GS1 symbol is listed with the symbols, not twice.
            lines: template
                .texts()
                .into_iter()
                .filter(|t| !(t.starts_with('(') && symbols.iter().any(|s| s == t)))
                .map(str::to_owned)
                .collect(),
            symbols,
        })
    }

    /// A new copy of job `id`.
    pub fn reprint(&self, id: &str) -> Result<LabelJob, LabelsError> {
        let settings = self.settings();
        let job =
            queue::reprint(&mut self.journal.borrow_mut(), id, &settings).map_err(|error| {
                match error {
                    QueueError::Label(label) => {
                        LabelsError::Unprintable(queue::unprintable_reason(&label, &settings))
                    }
                    other => other.into(),
                }
            })?;
        self.wake();
        Ok(job)
    }

    /// Job `id` will not print.
    pub fn cancel(&self, id: &str) -> Result<LabelJob, LabelsError> {
        Ok(queue::cancel(&mut self.journal.borrow_mut(), id)?)
    }

    /// An in-doubt job: someone looked at the printer.
    pub fn resolve(&self, id: &str, resolution: Resolution) -> Result<LabelJob, LabelsError> {
        let job = queue::resolve(&mut self.journal.borrow_mut(), id, resolution)?;
        if resolution == Resolution::Reprint {
            self.wake();
        }
        Ok(job)
    }

    /// Runs the queue once on this thread with `link` (tests, screenshots); the app's print
    /// worker does the same on its own thread.
    pub fn drain_with(
        &self,
        link: &mut dyn PrinterLink,
    ) -> Result<Option<QueueReport>, LabelsError> {
        let settings = self.settings();
        Ok(queue::run_configured(
            &mut self.journal.borrow_mut(),
            &settings,
            link,
        )?)
    }

    /// The next SSCC of the device's leased blocks (committed before it is used: a crash
    /// skips it, never repeats it). The caller records the `sscc_allocated` fact with what
    /// it labels.
    pub fn take_sscc(&self) -> Result<String, LabelsError> {
        let sscc = self
            .journal
            .borrow_mut()
            .take_sscc()?
            .ok_or(LabelsError::NoSscc)?;
        Ok(sscc.to_string())
    }

    /// This device's orders with closed cartons on no pallet yet, the order whose carton
    /// closed last first (from the journaled facts, so the same after a restart).
    pub fn orders_to_palletise(&self) -> Result<Vec<OrderToPalletise>, LabelsError> {
        let facts = self.journal.borrow().cartons_and_pallets()?;
        Ok(orders_to_palletise(&facts))
    }

    /// Builds a pallet of `order`'s closed cartons that are on no pallet yet, under a new
    /// SSCC, and queues its label with the fact in one transaction. An order with nothing
    /// left to put on a pallet is refused before a serial is spent.
    pub fn build_pallet(
        &self,
        operator: &OperatorId,
        order: &OrderNumber,
    ) -> Result<BuiltPallet, LabelsError> {
        let facts = self.journal.borrow().cartons_and_pallets()?;
        // Checked before a serial is spent.
        pallet_of(order, "000000000000000000", &facts)?;
        let sscc = self.take_sscc()?;
        let event = pallet_of(order, &sscc, &facts)?;
        let cartons = match &event {
            EventBody::SsccAllocated(a) => a.contents.len(),
            _ => 0,
        };
        let settings = self.settings();
        let (_, problems) = record_printing(
            &mut self.journal.borrow_mut(),
            operator,
            vec![event],
            &settings,
        )?;
        self.wake();
        Ok(BuiltPallet {
            sscc,
            cartons,
            label_problem: problems.into_iter().next(),
        })
    }

    /// Queues the shelf label of `code`.
    pub fn print_bin_label(&self, code: &LocationCode) -> Result<LabelJob, LabelsError> {
        let location = self
            .journal
            .borrow()
            .location(code)?
            .ok_or_else(|| LabelsError::UnknownLocation(code.to_string()))?;
        let settings = self.settings();
        let mut jobs = queue::jobs_for_requests(&settings, &[bin_label(&location)])?;
        let job = jobs
            .pop()
            .ok_or_else(|| LabelError::Layout("no bin label was made".into()))?;
        let stored = self.journal.borrow_mut().insert_label_job_with_data(&job)?;
        self.wake();
        Ok(stored)
    }
}

fn row(job: &LabelJob) -> JobRow {
    let kind = job.kind.parse().unwrap_or(LabelKind::Carton);
    let status = match job.state {
        LabelJobState::Printed => JobStatus::Printed,
        LabelJobState::Cancelled => JobStatus::Cancelled,
        LabelJobState::InDoubt | LabelJobState::Failed => JobStatus::Failed,
        LabelJobState::Queued | LabelJobState::Sending => JobStatus::Waiting,
    };
    JobRow {
        id: job.id.clone(),
        kind,
        key: key_of(kind, job.data.as_deref()),
        status,
        in_doubt: job.state == LabelJobState::InDoubt,
        unprintable: job.state == LabelJobState::Failed,
        attempts: job.attempts,
        last_error: job.last_error.clone(),
        time: job
            .created_at
            .get(11..16)
            .map_or_else(String::new, str::to_owned),
    }
}

/// The value a person tells this label by.
fn key_of(kind: LabelKind, data: Option<&str>) -> String {
    let Some(value) = data.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) else {
        return String::new();
    };
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        LabelKind::Sscc => field("sscc"),
        LabelKind::Carton => field("sscc").or_else(|| field("gtin")),
        LabelKind::Item => field("gtin"),
        LabelKind::Bin => field("code"),
    }
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;

    #[test]
    fn a_bin_label_is_queued_with_its_data_and_previews_its_path_and_code() {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        let labels = LabelsController::new(journal);
        let job = labels
            .print_bin_label(&LocationCode::new("A-03-2-B").unwrap())
            .unwrap();
        assert_eq!(job.printer, "", "no printer set: it waits for one");
        let rows = labels.jobs(10).unwrap();
        assert_eq!(rows[0].key, "A-03-2-B");
        assert_eq!(rows[0].status, JobStatus::Waiting);
        let preview = labels.preview(&job.id).unwrap();
        assert_eq!(preview.symbols, ["A-03-2-B", "A-03-2-B"]);
        assert!(
            preview.lines.iter().any(|l| l.contains("A-03-2-B")),
            "{preview:?}"
        );
        assert_eq!(labels.waiting().unwrap(), (1, 0));
        labels.cancel(&job.id).unwrap();
        assert_eq!(labels.jobs(10).unwrap()[0].status, JobStatus::Cancelled);
        assert!(matches!(labels.take_sscc(), Err(LabelsError::NoSscc)));
        assert!(matches!(
            labels.print_bin_label(&LocationCode::new("Z-99").unwrap()),
            Err(LabelsError::UnknownLocation(_))
        ));
    }
}
