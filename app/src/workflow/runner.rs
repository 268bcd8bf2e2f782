//! Drives one job against the device journal: each input goes to the job, and the events
//! the step announces are journaled in one transaction before the step is returned, so a
//! scan shown green is already durable. Keeps the open-job hint current. Device only.
//!
//! Must not decide anything a job decides; it only sequences handle → record → answer.

use crate::domain::{EventBody, OperatorId};
use crate::journal::{EventDraft, Journal, JournalError, LabelJob, NewLabelJob};
use crate::label::queue;
use crate::label::settings::PrinterSettings;

use super::labels::labels_for;
use super::{Input, Job, JobSpec, OpenJobError, Prompt, Step};

/// Why a session could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{0}")]
    Open(#[from] OpenJobError),
    /// The step's events could not be recorded: the job is back where it was.
    #[error("the scan was not saved: {0}")]
    Journal(#[from] JournalError),
}

/// A job being worked on by an operator; every input goes through [`Session::handle`] with
/// the journal that records it.
#[derive(Debug, Clone)]
pub struct Session {
    operator: OperatorId,
    job: Job,
}

impl Session {
    /// Opens a job (brought to where its journaled facts say) and remembers it as the open one.
    pub fn start(
        journal: &mut Journal,
        operator: OperatorId,
        spec: &JobSpec,
    ) -> Result<Session, SessionError> {
        let job = Job::open(spec, &*journal)?;
        journal.save_open_job(&job.spec(), &operator)?;
        Ok(Session { operator, job })
    }

    /// Reopens the job that was open when the app stopped, if there was one.
    pub fn resume(journal: &mut Journal) -> Result<Option<Session>, SessionError> {
        let Some((spec, operator)) = journal.open_job()? else {
            return Ok(None);
        };
        let job = Job::open(&spec, &*journal)?;
        Ok(Some(Session { operator, job }))
    }

    pub fn job(&self) -> &Job {
        &self.job
    }

    pub fn prompt(&self) -> Prompt {
        self.job.prompt()
    }

    pub fn operator(&self) -> &OperatorId {
        &self.operator
    }

    /// Takes one input; its events are on disk when this returns `Ok`.
    pub fn handle(&mut self, journal: &mut Journal, input: &Input) -> Result<Step, SessionError> {
        self.handle_inner(journal, input, None)
            .map(|(step, _)| step)
    }

    /// Takes one input like [`Session::handle`] and queues the labels its facts call for
    /// (`labels_for`: a carton closed on a new SSCC, goods received without a label…) for
    /// `printer`, in the same transaction as the facts. A label that cannot be laid out
    /// does not stop the step: the facts are recorded, its job is stored failed with the
    /// reason, and the reason comes back with the step.
    pub fn handle_printing(
        &mut self,
        journal: &mut Journal,
        input: &Input,
        printer: &PrinterSettings,
    ) -> Result<Printed, SessionError> {
        let (step, labels) = self.handle_inner(journal, input, Some(printer))?;
        let (jobs, problems) = labels.unwrap_or_default();
        Ok(Printed {
            step,
            jobs,
            problems,
        })
    }

    fn handle_inner(
        &mut self,
        journal: &mut Journal,
        input: &Input,
        printer: Option<&PrinterSettings>,
    ) -> Result<(Step, Option<Queued>), SessionError> {
        let before = self.job.clone();
        let spec_before = before.spec();
        let step = self.job.handle(input, &*journal);
        let mut labels = None;
        if !step.events.is_empty() {
            let (jobs, problems) = match printer {
                Some(printer) => label_jobs(journal, &step.events, printer),
                None => (vec![], vec![]),
            };
            let drafts = step
                .events
                .iter()
                .map(|body| EventDraft {
                    operator: self.operator.clone(),
                    occurred_at: None,
                    scan: input.raw_scan().cloned(),
                    body: body.clone(),
                })
                .collect();
            if let Err(e) = journal.record_batch_with_label_jobs(drafts, &jobs) {
                self.job = before;
                return Err(e.into());
            }
            let mut stored = Vec::with_capacity(jobs.len());
            for job in &jobs {
                stored.extend(journal.label_job(&job.id)?);
            }
            labels = Some((stored, problems));
        }
        // The open-job hint is a convenience: its failure must not undo a recorded scan.
        let hint = if step.done {
            journal.clear_open_job()
        } else if self.job.spec() != spec_before {
            journal.save_open_job(&self.job.spec(), &self.operator)
        } else {
            Ok(())
        };
        if let Err(e) = hint {
            tracing::warn!(error = %e, "could not update the open-job hint");
        }
        Ok((step, labels))
    }
}

/// Label jobs stored with a step, and the labels that could not be made.
type Queued = (Vec<LabelJob>, Vec<String>);

/// A step and the labels queued with it.
#[derive(Debug, Clone)]
pub struct Printed {
    pub step: Step,
    pub jobs: Vec<LabelJob>,
    /// Why labels the step called for cannot be printed (their jobs are stored failed).
    pub problems: Vec<String>,
}

/// The jobs for the labels `events` call for. A label that cannot be laid out is stored as
/// a failed job with its reason (the label screen shows it) and reported.
fn label_jobs(
    journal: &Journal,
    events: &[EventBody],
    printer: &PrinterSettings,
) -> (Vec<NewLabelJob>, Vec<String>) {
    let requests = match labels_for(events, journal) {
        Ok(requests) => requests,
        Err(e) => return (vec![], vec![e.to_string()]),
    };
    let jobs: Vec<NewLabelJob> = requests
        .iter()
        .map(|request| queue::job_for_request(printer, request))
        .collect();
    let problems = jobs.iter().filter_map(|job| job.failed.clone()).collect();
    (jobs, problems)
}

/// Records `events` (facts decided outside a job, e.g. a pallet built of packed cartons) and
/// queues the labels they call for, in one transaction.
pub fn record_printing(
    journal: &mut Journal,
    operator: &OperatorId,
    events: Vec<EventBody>,
    printer: &PrinterSettings,
) -> Result<(Vec<LabelJob>, Vec<String>), JournalError> {
    let (jobs, problems) = label_jobs(journal, &events, printer);
    let drafts = events
        .into_iter()
        .map(|body| EventDraft {
            operator: operator.clone(),
            occurred_at: None,
            scan: None,
            body,
        })
        .collect();
    journal.record_batch_with_label_jobs(drafts, &jobs)?;
    let mut stored = Vec::with_capacity(jobs.len());
    for job in &jobs {
        stored.extend(journal.label_job(&job.id)?);
    }
    Ok((stored, problems))
}
