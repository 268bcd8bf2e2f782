//! Home: how much work of each job is waiting on this device.

use dockhand_app::journal::JournalError;

use super::SharedJournal;

/// Work waiting on the device, per job that has a source of work today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkWaiting {
    /// Open inbound documents (ASNs, purchase orders) to receive against.
    pub inbound_documents: usize,
    /// Open pick tasks.
    pub pick_tasks: usize,
}

/// Reads the job counts for the Home tiles and the job screens.
#[derive(Debug)]
pub struct HomeController {
    journal: SharedJournal,
}

impl HomeController {
    pub fn new(journal: SharedJournal) -> Self {
        Self { journal }
    }

    pub fn work_waiting(&self) -> Result<WorkWaiting, JournalError> {
        let journal = self.journal.borrow();
        Ok(WorkWaiting {
            inbound_documents: journal.open_tasks("inbound")?.len(),
            pick_tasks: journal.open_tasks("pick")?.len(),
        })
    }
}
