//! Drives one job against the device journal: each input goes to the job, and the events
//! the step announces are journaled in one transaction before the step is returned, so a
//! scan shown green is already durable. Keeps the open-job hint current. Device only.
//!
//! Must not decide anything a job decides; it only sequences handle → record → answer.

use crate::domain::OperatorId;
use crate::journal::{EventDraft, Journal, JournalError};

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

    /// Takes one input; its events are on disk when this returns `Ok`.
    pub fn handle(&mut self, journal: &mut Journal, input: &Input) -> Result<Step, SessionError> {
        let before = self.job.clone();
        let spec_before = before.spec();
        let step = self.job.handle(input, &*journal);
        if !step.events.is_empty() {
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
            if let Err(e) = journal.record_batch(drafts) {
                self.job = before;
                return Err(e.into());
            }
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
        Ok(step)
    }
}
