//! Sync: the status the badge and the sync screen show, the device's recent work with the
//! server's verdict on each, and "Sync now".
//!
//! The sync loop itself runs in `dockhand_app::sync`; this controller only reads it through
//! [`SyncControl`], so tests and screenshots can stand in for a live loop.

use dockhand_app::journal::{JournalError, OutboxEntry};
use dockhand_app::sync::{SyncHandle, SyncStatus};

use super::SharedJournal;

/// What the UI needs from the sync loop.
pub trait SyncControl {
    fn status(&self) -> SyncStatus;
    /// Starts a round now instead of waiting for the timer or the backoff.
    fn sync_now(&self);
}

impl SyncControl for SyncHandle {
    fn status(&self) -> SyncStatus {
        SyncHandle::status(self)
    }

    fn sync_now(&self) {
        SyncHandle::sync_now(self);
    }
}

/// How many of the latest operations the sync screen lists.
pub const RECENT_WORK_ROWS: usize = 30;

/// Reads the outbox and asks the sync loop for rounds.
pub struct SyncController {
    journal: SharedJournal,
    sync: Box<dyn SyncControl>,
}

impl std::fmt::Debug for SyncController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncController")
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

impl SyncController {
    pub fn new(journal: SharedJournal, sync: Box<dyn SyncControl>) -> Self {
        Self { journal, sync }
    }

    pub fn status(&self) -> SyncStatus {
        self.sync.status()
    }

    pub fn sync_now(&self) {
        tracing::info!("sync requested from the device");
        self.sync.sync_now();
    }

    /// The latest `limit` operations with their verdicts, newest first.
    pub fn recent_work(&self, limit: usize) -> Result<Vec<OutboxEntry>, JournalError> {
        let journal = self.journal.borrow();
        // The outbox lists oldest first; reading from the start costs one pass over the
        // journal, which is fine for a screen a person opens.
        let total = usize::try_from(journal.last_seq()?.get()).unwrap_or(usize::MAX);
        let mut entries = journal.outbox(false, total)?;
        entries.reverse();
        entries.truncate(limit);
        Ok(entries)
    }
}
