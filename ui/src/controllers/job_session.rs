//! The one open job of a job screen (receive, put away, pack, count, move/adjust): a
//! `workflow::Session` over the device journal that journals each step before answering.
//! Scans are classified by the barcode engine (`Input::from_scan`) the way every job
//! classifies; the workflow decides everything, this only carries. Pick keeps its own
//! controller (it came first); these screens share this one.

use std::cell::RefCell;

use dockhand_app::barcode::{ClassifyConfig, Scan};
use dockhand_app::domain::{LocationCode, LocationKind, OperatorId};
use dockhand_app::journal::JournalError;
use dockhand_app::label::settings::PrinterSettings;
use dockhand_app::workflow::{
    Action, Input, Job, JobSpec, ProjectionError, Prompt, Scanned, Session, SessionError, Step,
};

use super::SharedJournal;

/// Which job a screen drives; a resumed job of another kind is not this screen's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Receive,
    Putaway,
    Pack,
    Count,
    Stock,
}

impl JobKind {
    fn owns(self, spec: &JobSpec) -> bool {
        matches!(
            (self, spec),
            (JobKind::Receive, JobSpec::Receive { .. })
                | (JobKind::Putaway, JobSpec::Putaway { .. })
                | (JobKind::Pack, JobSpec::Pack { .. })
                | (JobKind::Count, JobSpec::Count { .. })
                | (JobKind::Stock, JobSpec::Stock)
        )
    }

    fn owns_job(self, job: &Job) -> bool {
        self.owns(&job.spec())
    }
}

/// Why a job screen could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("{0}")]
    Projection(#[from] ProjectionError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// An input arrived with no job open.
    #[error("no job is open")]
    NoJob,
}

/// The open job of one kind, if any, over the device journal.
#[derive(Debug)]
pub struct JobSession {
    journal: SharedJournal,
    classify: ClassifyConfig,
    kind: JobKind,
    session: RefCell<Option<Session>>,
}

impl JobSession {
    pub fn new(journal: SharedJournal, kind: JobKind) -> Self {
        Self {
            journal,
            classify: ClassifyConfig::default(),
            kind,
            session: RefCell::new(None),
        }
    }

    pub fn journal(&self) -> &SharedJournal {
        &self.journal
    }

    /// What a scan means, by the rules every job uses.
    pub fn classify(&self, scan: &Scan) -> Scanned {
        Scanned::classify(scan, &self.classify)
    }

    /// Reopens this kind's job the device was in (the journal's open-job hint), where its
    /// recorded facts say; `false` when the open job is of another kind or there is none.
    /// A job put down by another operator goes on in `operator`'s name.
    pub fn resume(&self, operator: &OperatorId) -> Result<bool, JobError> {
        if self.session.borrow().is_some() {
            return Ok(true);
        }
        let mut journal = self.journal.borrow_mut();
        let (spec, by) = match journal.open_job()? {
            Some((spec, by)) if self.kind.owns(&spec) => (spec, by),
            _ => return Ok(false),
        };
        let session = if &by == operator {
            Session::resume(&mut journal)?
        } else {
            Some(Session::start(&mut journal, operator.clone(), &spec)?)
        };
        let ours = session
            .as_ref()
            .is_some_and(|s| self.kind.owns_job(s.job()));
        if ours {
            *self.session.borrow_mut() = session;
        }
        Ok(ours)
    }

    /// Opens `spec` for `operator`, remembered as the device's open job.
    pub fn start(&self, operator: OperatorId, spec: &JobSpec) -> Result<Prompt, JobError> {
        let session = Session::start(&mut self.journal.borrow_mut(), operator, spec)?;
        let prompt = session.prompt();
        *self.session.borrow_mut() = Some(session);
        Ok(prompt)
    }

    pub fn is_open(&self) -> bool {
        self.session.borrow().is_some()
    }

    /// What the open job asks for now.
    pub fn prompt(&self) -> Option<Prompt> {
        self.session.borrow().as_ref().map(Session::prompt)
    }

    /// What the open job would be reopened from (its dock, bin, order…).
    pub fn spec(&self) -> Option<JobSpec> {
        self.session.borrow().as_ref().map(|s| s.job().spec())
    }

    /// A scan from the scan input, classified the way every job classifies.
    pub fn scan(&self, scan: &Scan) -> Result<Step, JobError> {
        self.handle(&Input::from_scan(scan, &self.classify))
    }

    /// A button: a quantity, confirm, close, leave…
    pub fn act(&self, action: Action) -> Result<Step, JobError> {
        self.handle(&Input::Action(action))
    }

    /// The input goes to the job; the labels its facts call for (a carton closed on a new
    /// SSCC, an unlabelled carton received) are queued with them, in one transaction.
    fn handle(&self, input: &Input) -> Result<Step, JobError> {
        let mut slot = self.session.borrow_mut();
        let session = slot.as_mut().ok_or(JobError::NoJob)?;
        let mut journal = self.journal.borrow_mut();
        let printer = PrinterSettings::effective(&journal).unwrap_or_else(|error| {
            tracing::error!(%error, "the label printer setting cannot be read; labels wait");
            PrinterSettings::default()
        });
        let printed = session.handle_printing(&mut journal, input, &printer)?;
        // Their jobs are stored failed with the reason: the label screen shows them red.
        for problem in &printed.problems {
            tracing::warn!(%problem, "a label the step called for cannot be printed");
        }
        let step = printed.step;
        if step.done {
            *slot = None;
        }
        Ok(step)
    }

    /// The operator of the open job.
    pub fn operator(&self) -> Option<OperatorId> {
        self.session.borrow().as_ref().map(|s| s.operator().clone())
    }

    /// Puts the job down without leaving it: the open-job hint stays, so opening the
    /// screen again continues where it was.
    pub fn put_down(&self) {
        *self.session.borrow_mut() = None;
    }
}

/// Locations of one kind (docks, pack stations) in walking order.
pub fn locations_of_kind(
    journal: &SharedJournal,
    kind: LocationKind,
) -> Result<Vec<LocationCode>, JournalError> {
    journal.borrow().location_codes_of_kind(kind)
}

/// The kind of a known location; `None` for a code not in this warehouse.
pub fn location_kind(
    journal: &SharedJournal,
    code: &LocationCode,
) -> Result<Option<LocationKind>, JournalError> {
    Ok(journal.borrow().location(code)?.map(|l| l.kind))
}
