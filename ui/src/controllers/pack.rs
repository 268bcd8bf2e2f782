//! Pack: the pack station, and the order being packed (a `JobSession` over a `PackJob`).
//! The job opens at the first scan (an order label or the tote it was picked into); the
//! workflow checks every item against the order and closes cartons on their label.

use std::cell::RefCell;

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{LocationCode, LocationKind, OperatorId, OrderNumber};
use dockhand_app::workflow::{JobSpec, Scanned, Step};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession, location_kind, locations_of_kind};

/// Packing on this device.
#[derive(Debug)]
pub struct PackController {
    pub job: JobSession,
    station: RefCell<Option<LocationCode>>,
    /// The order last packed on this device, offered for "Build pallet" once the job is over.
    last_order: RefCell<Option<(OperatorId, OrderNumber)>>,
}

impl PackController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Pack),
            station: RefCell::new(None),
            last_order: RefCell::new(None),
        }
    }

    /// Notes the open job's order once it has closed cartons (so it can become a pallet
    /// after the order is done).
    pub fn note_progress(&self) {
        if let (Some((order, cartons)), Some(operator)) =
            (self.job.pack_progress(), self.job.operator())
            && cartons > 0
        {
            *self.last_order.borrow_mut() = Some((operator, order));
        }
    }

    /// A carton of `order` was just closed by `operator`.
    pub fn carton_closed(&self, operator: OperatorId, order: OrderNumber) {
        *self.last_order.borrow_mut() = Some((operator, order));
    }

    /// The order whose closed cartons "Build pallet" would put on a pallet.
    pub fn pallet_order(&self) -> Option<(OperatorId, OrderNumber)> {
        self.last_order.borrow().clone()
    }

    /// A pallet was built for the order: not offered again.
    pub fn pallet_built(&self) {
        *self.last_order.borrow_mut() = None;
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
