//! Pick: the device's open pick tasks, and the one pick job being worked on. Every scan is
//! classified by the barcode engine (`Input::from_scan`) and handed to a
//! `workflow::Session`, which journals the step's events before answering; the workflow
//! decides everything (right bin, right item, quantities, short picks), this only carries.

use std::cell::RefCell;

use dockhand_app::barcode::{ClassifyConfig, Scan};
use dockhand_app::domain::{DocumentKind, OperatorId, TaskId};
use dockhand_app::journal::JournalError;
use dockhand_app::workflow::{
    Action, Input, Job, JobSpec, PickJob, ProjectionError, Projections, Prompt, Scanned, Session,
    SessionError, Step,
};

use super::SharedJournal;

/// One open task as the task list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummary {
    pub task: TaskId,
    pub order: Option<String>,
    pub lines: usize,
    pub units: i64,
}

/// Why the Pick screen could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("{0}")]
    Projection(#[from] ProjectionError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// An input arrived with no pick job open.
    #[error("no pick task is open")]
    NoJob,
}

/// The open pick job, if any, over the device journal.
#[derive(Debug)]
pub struct PickController {
    journal: SharedJournal,
    classify: ClassifyConfig,
    session: RefCell<Option<Session>>,
}

impl PickController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            journal,
            classify: ClassifyConfig::default(),
            session: RefCell::new(None),
        }
    }

    /// Reopens the pick job the device was in (the journal's open-job hint) at the line its
    /// recorded picks say; `false` when the open job is not a pick (or there is none). A job
    /// put down by another operator goes on in `operator`'s name from the same line.
    pub fn resume(&self, operator: &OperatorId) -> Result<bool, PickError> {
        if self.session.borrow().is_some() {
            return Ok(true);
        }
        let mut journal = self.journal.borrow_mut();
        let (spec, by) = match journal.open_job()? {
            Some((spec @ JobSpec::Pick { .. }, by)) => (spec, by),
            _ => return Ok(false),
        };
        let session = if &by == operator {
            Session::resume(&mut journal)?
        } else {
            Some(Session::start(&mut journal, operator.clone(), &spec)?)
        };
        let is_pick = matches!(session.as_ref().map(Session::job), Some(Job::Pick(_)));
        if is_pick {
            *self.session.borrow_mut() = session;
        }
        Ok(is_pick)
    }

    /// Open tasks on this device with something left to pick, by task id.
    pub fn tasks(&self) -> Result<Vec<TaskSummary>, PickError> {
        let journal = self.journal.borrow();
        let mut out = Vec::new();
        for task in PickJob::tasks_for_zone(&*journal, None)? {
            let finished = PickJob::open(&task.task, None, &*journal)
                .map(|job| matches!(job.prompt(), Prompt::TaskComplete { .. }))
                .unwrap_or(false);
            if finished {
                continue;
            }
            out.push(TaskSummary {
                order: task.order.as_ref().map(|o| o.to_string()),
                lines: task.lines.len(),
                units: task.lines.iter().map(|l| l.qty.units()).sum(),
                task: task.task,
            });
        }
        Ok(out)
    }

    /// Starts (or continues) `task` for `operator`; remembered as the device's open job.
    pub fn start(&self, operator: OperatorId, task: &TaskId) -> Result<Prompt, PickError> {
        let spec = JobSpec::Pick {
            task: task.clone(),
            tote: None,
        };
        let session = Session::start(&mut self.journal.borrow_mut(), operator, &spec)?;
        let prompt = session.prompt();
        *self.session.borrow_mut() = Some(session);
        Ok(prompt)
    }

    /// What the open job asks for now.
    pub fn prompt(&self) -> Option<Prompt> {
        self.session.borrow().as_ref().map(Session::prompt)
    }

    /// A scan from the scan input, classified the way every job classifies.
    pub fn scan(&self, scan: &Scan) -> Result<Step, PickError> {
        self.handle(&Input::from_scan(scan, &self.classify))
    }

    /// The pick task a scanned task label names, when this device holds it.
    pub fn task_from_scan(&self, scan: &Scan) -> Option<TaskId> {
        let Scanned::Document(document) = Scanned::classify(scan, &self.classify) else {
            return None;
        };
        if document.kind != DocumentKind::PickTask {
            return None;
        }
        let task = TaskId::new(document.number).ok()?;
        let known = self.journal.borrow().pick_task(&task).ok().flatten();
        known.map(|_| task)
    }

    /// A button: short pick, skip, a quantity, confirm, leave.
    pub fn act(&self, action: Action) -> Result<Step, PickError> {
        self.handle(&Input::Action(action))
    }

    fn handle(&self, input: &Input) -> Result<Step, PickError> {
        let mut slot = self.session.borrow_mut();
        let session = slot.as_mut().ok_or(PickError::NoJob)?;
        let step = session.handle(&mut self.journal.borrow_mut(), input)?;
        if step.done {
            *slot = None;
        }
        Ok(step)
    }

    /// Puts the job down without leaving it: the open-job hint stays, so opening Pick
    /// again continues at the same line.
    pub fn put_down(&self) {
        *self.session.borrow_mut() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;
    use dockhand_app::workflow::{Fact, History};

    fn controller() -> (PickController, SharedJournal, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        (PickController::new(journal.clone()), journal, dir)
    }

    fn picks(journal: &SharedJournal) -> Vec<Fact> {
        let task = TaskId::new(sample_device::PICK_TASK).unwrap();
        journal.borrow().history(&History::PickTask(task)).unwrap()
    }

    #[test]
    fn the_sample_task_is_listed_and_picks_to_the_end() {
        let (pick, journal, _dir) = controller();
        let tasks = pick.tasks().unwrap();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].task.as_str(), sample_device::PICK_TASK);
        let operator = OperatorId::new("ana").unwrap();
        let prompt = pick.start(operator, &tasks[0].task).unwrap();
        assert_eq!(prompt, Prompt::ScanTote);
        assert!(
            !pick
                .scan(&Scan::manual(sample_device::TOTE_LABEL))
                .unwrap()
                .feedback
                .is_bad()
        );
        let mut done = false;
        for (bin, gtin, qty) in sample_device::PICK_SCRIPT {
            assert!(!pick.scan(&Scan::manual(*bin)).unwrap().feedback.is_bad());
            assert!(!pick.scan(&Scan::manual(*gtin)).unwrap().feedback.is_bad());
            let step = pick.act(Action::Quantity(*qty)).unwrap();
            assert!(!step.feedback.is_bad(), "{step:?}");
            done = step.done;
        }
        assert!(done);
        assert_eq!(picks(&journal).len(), sample_device::PICK_SCRIPT.len());
        assert!(
            pick.tasks().unwrap().is_empty(),
            "a finished task is not offered"
        );
        assert!(matches!(pick.act(Action::Skip), Err(PickError::NoJob)));
    }

    #[test]
    fn a_put_down_job_resumes_at_the_same_line() {
        let (pick, journal, _dir) = controller();
        let ana = OperatorId::new("ana").unwrap();
        assert!(!pick.resume(&ana).unwrap());
        let task = TaskId::new(sample_device::PICK_TASK).unwrap();
        pick.start(OperatorId::new("ana").unwrap(), &task).unwrap();
        pick.scan(&Scan::manual(sample_device::TOTE_LABEL)).unwrap();
        let (bin, gtin, qty) = sample_device::PICK_SCRIPT[0];
        pick.scan(&Scan::manual(bin)).unwrap();
        pick.scan(&Scan::manual(gtin)).unwrap();
        pick.act(Action::Quantity(qty)).unwrap();
        let before = pick.prompt();
        pick.put_down();
        assert!(pick.prompt().is_none());
        assert!(pick.resume(&ana).unwrap());
        assert_eq!(pick.prompt(), before);
        assert!(matches!(
            pick.prompt(),
            Some(Prompt::ScanPickLocation { line: 2, of: 3, .. })
        ));

        // Another picker takes the device over: same line, the new picker's name.
        pick.put_down();
        let bob = OperatorId::new("bob").unwrap();
        assert!(pick.resume(&bob).unwrap());
        assert_eq!(pick.prompt(), before);
        let (_, by) = journal.borrow().open_job().unwrap().unwrap();
        assert_eq!(by, bob);
    }
}
