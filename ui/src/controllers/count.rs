//! Cycle count: a scanned bin opens a blind count of it (a `JobSession` over a
//! `CountJob` that starts now, so earlier counts of the bin are not part of it). The
//! workflow never tells the counter the expected quantity; a first count further than
//! [`RECOUNT_THRESHOLD`] from it is asked again.

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{LocationCode, OperatorId};
use dockhand_app::workflow::{JobSpec, Prompt, Scanned};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession};

/// A first count this many units or more away from the device's figure is counted again.
pub const RECOUNT_THRESHOLD: u32 = 2;

/// Counting on this device.
#[derive(Debug)]
pub struct CountController {
    pub job: JobSession,
}

impl CountController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Count),
        }
    }

    /// The bin a scan names, when it names one.
    pub fn bin_from_scan(&self, scan: &Scan) -> Option<LocationCode> {
        match self.job.classify(scan) {
            Scanned::Location(code) => Some(code),
            _ => None,
        }
    }

    /// Starts the count of `bin` now for `operator`.
    pub fn start(&self, operator: OperatorId, bin: LocationCode) -> Result<Prompt, JobError> {
        let spec =
            JobSpec::count_starting_now(bin, RECOUNT_THRESHOLD, &*self.job.journal().borrow())?;
        self.job.start(operator, &spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;
    use dockhand_app::workflow::{Action, Feedback};

    #[test]
    fn a_count_far_from_the_books_is_asked_again_without_saying_the_figure() {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        let count = CountController::new(journal);
        let bin = count.bin_from_scan(&Scan::manual("A-03-2-B")).unwrap();
        let prompt = count.start(OperatorId::new("ana").unwrap(), bin).unwrap();
        assert!(matches!(
            prompt,
            Prompt::CountItems {
                counted_lines: 0,
                ..
            }
        ));
        count
            .job
            .scan(&Scan::manual(sample_device::BLUE_MUG_GTIN))
            .unwrap();
        let step = count.job.act(Action::Quantity(20)).unwrap();
        let Feedback::Warn { message } = &step.feedback else {
            panic!("{:?}", step.feedback)
        };
        assert!(!message.contains("24"), "{message}");
        assert!(matches!(step.prompt, Prompt::Recount { .. }));
        let step = count.job.act(Action::Quantity(20)).unwrap();
        assert!(matches!(step.feedback, Feedback::Good { .. }));
        assert!(count.bin_from_scan(&Scan::manual("ana")).is_none());
    }
}
