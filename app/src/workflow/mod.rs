//! Handheld jobs as pure state machines: receiving, putaway, picking, packing, cycle
//! counts, moves and adjustments. Each takes a scan or an action, checks it against the
//! local projections and returns the next prompt plus the events to journal. No I/O here:
//! the UI, the CLI and the tests drive the same code.
//!
//! Contract of every job ([`Job::handle`]):
//! - a wrong scan or action returns [`Feedback::Bad`] with the exact words, no events, and
//!   leaves the job exactly as it was;
//! - the events in a [`Step`] are the only facts the job wants recorded, and they must be
//!   journaled (in one transaction) before the next input;
//! - a job's progress is derived from journaled facts alone ([`Job::open`] replays its
//!   [`History`]), so a job killed at any point resumes at the same line.
//!
//! Must not: touch SQLite, files, the network or the clock (the journal stamps events).

mod classified;
mod common;
mod count;
mod fake;
mod input;
pub mod labels;
mod pack;
mod pick;
mod projections;
mod prompt;
mod putaway;
mod receive;
#[cfg(feature = "device")]
mod runner;
mod stock;
pub mod text;

pub use count::CountJob;
pub use fake::FakeProjections;
pub use input::{Action, Input, Scanned, ScriptSyntaxError};
pub use pack::PackJob;
pub use pick::PickJob;
pub use projections::{Fact, History, ProjectionError, Projections, StockRow, order_lines_of};
pub use prompt::{Feedback, ItemLabel, Prompt, ReceiptProgress};
pub use putaway::PutawayJob;
pub use receive::ReceiveJob;
#[cfg(feature = "device")]
pub use runner::{Printed, Session, SessionError, record_printing};
pub use stock::StockJob;

use serde::{Deserialize, Serialize};

use crate::domain::{DocumentRef, EventBody, LocationCode, OrderNumber, TaskId};

use common::Refusal;

/// The answer to one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub prompt: Prompt,
    pub feedback: Feedback,
    /// Facts to journal, in order, in one transaction.
    pub events: Vec<EventBody>,
    /// The job is over (finished or left); [`Step::prompt`] says which.
    pub done: bool,
}

impl Step {
    pub(crate) fn ok(prompt: Prompt, feedback: Feedback, events: Vec<EventBody>) -> Step {
        Step {
            prompt,
            feedback,
            events,
            done: false,
        }
    }

    pub(crate) fn finished(mut self) -> Step {
        self.done = true;
        self
    }
}

/// Which job to open, and where it stands; stored as a hint of the open job so the app can
/// reopen it after a restart. Progress is never stored here: it comes from the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum JobSpec {
    Receive {
        /// Where received goods land.
        dock: LocationCode,
        /// The ASN or PO, once scanned or chosen from the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<DocumentRef>,
        /// The pallet label that opened the document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sscc: Option<String>,
        /// Receive without any document.
        #[serde(default)]
        without_document: bool,
        /// Blind receiving: expected quantities are not shown.
        #[serde(default)]
        blind: bool,
        /// Every line is received on hold and waits for a quality decision.
        #[serde(default)]
        inspect: bool,
    },
    Putaway {
        dock: LocationCode,
    },
    Pick {
        task: TaskId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tote: Option<LocationCode>,
    },
    Count {
        location: LocationCode,
        /// Counts recorded after this journal position belong to this job.
        after_seq: u64,
        /// A first count further than this from the device's on-hand asks for a recount.
        recount_threshold: u32,
    },
    Pack {
        station: LocationCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<OrderNumber>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tote: Option<LocationCode>,
    },
    /// Bin-to-bin moves, status changes and adjustments.
    Stock,
}

impl JobSpec {
    /// A count of `location` starting now: counts already in the journal are not part of it.
    pub fn count_starting_now(
        location: LocationCode,
        recount_threshold: u32,
        proj: &dyn Projections,
    ) -> Result<JobSpec, ProjectionError> {
        Ok(JobSpec::Count {
            location,
            after_seq: proj.last_seq()?,
            recount_threshold,
        })
    }
}

/// Why a job could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenJobError {
    /// Words for the user, e.g. "Unknown pick task T-9: sync and try again".
    #[error("{0}")]
    Refused(String),
}

impl From<Refusal> for OpenJobError {
    fn from(refusal: Refusal) -> Self {
        OpenJobError::Refused(refusal.0)
    }
}

/// An open job of any kind.
#[derive(Debug, Clone)]
pub enum Job {
    Receive(ReceiveJob),
    Putaway(PutawayJob),
    Pick(PickJob),
    Count(CountJob),
    Pack(PackJob),
    Stock(StockJob),
}

impl Job {
    /// Opens a job and brings it to where its journaled facts say it is.
    pub fn open(spec: &JobSpec, proj: &dyn Projections) -> Result<Job, OpenJobError> {
        Ok(match spec {
            JobSpec::Receive { .. } => Job::Receive(ReceiveJob::open(spec, proj)?),
            JobSpec::Putaway { dock } => Job::Putaway(PutawayJob::open(dock.clone(), proj)?),
            JobSpec::Pick { task, tote } => Job::Pick(PickJob::open(task, tote.clone(), proj)?),
            JobSpec::Count {
                location,
                after_seq,
                recount_threshold,
            } => Job::Count(CountJob::open(
                location.clone(),
                *after_seq,
                *recount_threshold,
                proj,
            )?),
            JobSpec::Pack {
                station,
                order,
                tote,
            } => Job::Pack(PackJob::open(
                station.clone(),
                order.clone(),
                tote.clone(),
                proj,
            )?),
            JobSpec::Stock => Job::Stock(StockJob::new()),
        })
    }

    /// What this job would be reopened from now.
    pub fn spec(&self) -> JobSpec {
        match self {
            Job::Receive(j) => j.spec(),
            Job::Putaway(j) => j.spec(),
            Job::Pick(j) => j.spec(),
            Job::Count(j) => j.spec(),
            Job::Pack(j) => j.spec(),
            Job::Stock(_) => JobSpec::Stock,
        }
    }

    /// What the screen asks for now.
    pub fn prompt(&self) -> Prompt {
        match self {
            Job::Receive(j) => j.prompt(),
            Job::Putaway(j) => j.prompt(),
            Job::Pick(j) => j.prompt(),
            Job::Count(j) => j.prompt(),
            Job::Pack(j) => j.prompt(),
            Job::Stock(j) => j.prompt(),
        }
    }

    /// Takes one input. A refused input leaves the job exactly as it was.
    pub fn handle(&mut self, input: &Input, proj: &dyn Projections) -> Step {
        if input == &Input::Action(Action::Cancel) {
            return Step::ok(
                Prompt::JobLeft,
                Feedback::good_with(text::job_left()),
                vec![],
            )
            .finished();
        }
        let before = self.clone();
        let result = match self {
            Job::Receive(j) => j.handle(input, proj),
            Job::Putaway(j) => j.handle(input, proj),
            Job::Pick(j) => j.handle(input, proj),
            Job::Count(j) => j.handle(input, proj),
            Job::Pack(j) => j.handle(input, proj),
            Job::Stock(j) => j.handle(input, proj),
        };
        match result {
            Ok(step) => step,
            Err(refusal) => {
                *self = before;
                Step::ok(self.prompt(), Feedback::Bad { message: refusal.0 }, vec![])
            }
        }
    }
}

#[cfg(test)]
mod tests;
