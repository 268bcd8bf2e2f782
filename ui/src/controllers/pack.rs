//! Pack: the pack station, and the order being packed (a `JobSession` over a `PackJob`).
//! The job opens at the first scan (an order label or the tote it was picked into); the
//! workflow checks every item against the order and closes cartons on their label. Which
//! orders can become a pallet is read from the journal (`LabelsController::
//! orders_to_palletise`), not kept here.

use std::cell::RefCell;

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{LocationCode, LocationKind, OperatorId};
use dockhand_app::workflow::{JobSpec, Scanned, Step};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession, location_kind, locations_of_kind};

/// Packing on this device.
#[derive(Debug)]
pub struct PackController {
    pub job: JobSession,
    station: RefCell<Option<LocationCode>>,
}

impl PackController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Pack),
            station: RefCell::new(None),
        }
    }

    /// The pack station: the open job's, else the one scanned, else the first one.
    pub fn station(&self) -> Result<Option<LocationCode>, JobError> {
        if let Some(JobSpec::Pack { station, .. }) = self.job.spec() {
            return Ok(Some(station));
        }
        if let Some(station) = self.station.borrow().clone() {
            return Ok(Some(station));
        }
        Ok(
            locations_of_kind(self.job.journal(), LocationKind::PackStation)?
                .into_iter()
                .next(),
        )
    }

    /// The pack station a scan names, when it names one.
    pub fn station_from_scan(&self, scan: &Scan) -> Result<Option<LocationCode>, JobError> {
        if let Scanned::Location(code) = self.job.classify(scan)
            && location_kind(self.job.journal(), &code)? == Some(LocationKind::PackStation)
        {
            return Ok(Some(code));
        }
        Ok(None)
    }

    pub fn choose_station(&self, station: LocationCode) {
        *self.station.borrow_mut() = Some(station);
    }

    /// A scan for the job, opening it at the station first when it is not open yet.
    pub fn scan(&self, operator: OperatorId, scan: &Scan) -> Result<Step, JobError> {
        if !self.job.is_open() {
            let Some(station) = self.station()? else {
                return Err(JobError::NoJob);
            };
            let spec = JobSpec::Pack {
                station,
                order: None,
                tote: None,
            };
            self.job.start(operator, &spec)?;
        }
        self.job.scan(scan)
    }
}
