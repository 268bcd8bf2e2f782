//! Put away: what waits at the dock, and the putaway job over it (a `JobSession` over a
//! `PutawayJob`). The job opens at the first item scanned, so merely looking at the dock
//! leaves no open job behind. The workflow suggests the bin (the item's bin, else an empty
//! bin of its putaway zone) and refuses a wrong one with the bin it expected.

use std::cell::RefCell;

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{LocationCode, LocationKind, OperatorId};
use dockhand_app::workflow::{ItemLabel, JobSpec, Scanned, Step};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession, location_kind, locations_of_kind};

/// One item waiting at the dock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingLine {
    pub item: ItemLabel,
    pub qty: i64,
}

/// What a scan means while no item is being put away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockScan {
    /// A dock door label: put away from here from now on.
    Dock(LocationCode),
    /// For the putaway job (an item, or something it will refuse in its own words).
    ForJob,
}

/// Putting away on this device.
#[derive(Debug)]
pub struct PutawayController {
    pub job: JobSession,
    dock: RefCell<Option<LocationCode>>,
}

impl PutawayController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Putaway),
            dock: RefCell::new(None),
        }
    }

    /// The dock put away from: the one scanned, else the open job's, else the first dock.
    pub fn dock(&self) -> Result<Option<LocationCode>, JobError> {
        if let Some(JobSpec::Putaway { dock }) = self.job.spec() {
            return Ok(Some(dock));
        }
        if let Some(dock) = self.dock.borrow().clone() {
            return Ok(Some(dock));
        }
        Ok(locations_of_kind(self.job.journal(), LocationKind::Dock)?
            .into_iter()
            .next())
    }

    /// Everything with stock at the dock, as the device knows it, by item.
    pub fn waiting(&self) -> Result<Vec<WaitingLine>, JobError> {
        let Some(dock) = self.dock()? else {
            return Ok(Vec::new());
        };
        let journal = self.job.journal().borrow();
        let mut out: Vec<WaitingLine> = Vec::new();
        for row in journal.on_hand_at(&dock)? {
            if row.qty <= 0 {
                continue;
            }
            match out.iter_mut().find(|w| w.item.sku == row.item) {
                Some(line) => line.qty += row.qty,
                None => {
                    let name = journal
                        .item_by_sku(&row.item)?
                        .map(|item| item.name)
                        .unwrap_or_default();
                    out.push(WaitingLine {
                        item: ItemLabel {
                            sku: row.item,
                            name,
                        },
                        qty: row.qty,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Reads a scan made while no item is carried: a dock label changes the dock.
    pub fn dock_scan(&self, scan: &Scan) -> Result<DockScan, JobError> {
        if let Scanned::Location(code) = self.job.classify(scan)
            && location_kind(self.job.journal(), &code)? == Some(LocationKind::Dock)
        {
            return Ok(DockScan::Dock(code));
        }
        Ok(DockScan::ForJob)
    }

    /// Put away from `dock` from now on (an open job at another dock is left).
    pub fn choose_dock(&self, dock: LocationCode) -> Result<(), JobError> {
        if self.job.is_open() && self.dock()?.as_ref() != Some(&dock) {
            self.job.act(dockhand_app::workflow::Action::Cancel)?;
        }
        *self.dock.borrow_mut() = Some(dock);
        Ok(())
    }

    /// A scan for the job, opening it at the dock first when it is not open yet.
    pub fn scan(&self, operator: OperatorId, scan: &Scan) -> Result<Step, JobError> {
        if !self.job.is_open() {
            let Some(dock) = self.dock()? else {
                return Err(JobError::NoJob);
            };
            self.job.start(operator, &JobSpec::Putaway { dock })?;
        }
        self.job.scan(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;
    use dockhand_app::workflow::{Feedback, Prompt};

    #[test]
    fn what_waits_at_the_dock_is_listed_and_the_suggested_bin_is_the_items_bin() {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        let putaway = PutawayController::new(journal.clone());
        assert!(
            putaway.waiting().unwrap().is_empty(),
            "the sample dock is empty"
        );
        sample_device::receive_at_dock(&journal, "1002", 24).unwrap();
        let waiting = putaway.waiting().unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(
            (waiting[0].item.name.as_str(), waiting[0].qty),
            ("Blue Mug 350 ml", 24)
        );
        assert!(!putaway.job.is_open(), "looking opens no job");
        let ana = OperatorId::new("ana").unwrap();
        let step = putaway
            .scan(ana, &Scan::manual(sample_device::BLUE_MUG_GTIN))
            .unwrap();
        assert_eq!(step.feedback, Feedback::good());
        let Prompt::ScanPutawayBin { suggested, qty, .. } = step.prompt else {
            panic!("{:?}", step.prompt)
        };
        assert_eq!(suggested.unwrap().as_str(), "A-03-2-B");
        assert_eq!(qty.units(), 24);
    }
}
