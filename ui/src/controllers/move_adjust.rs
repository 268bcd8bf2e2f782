//! Move and adjust: bin-to-bin moves and corrections with a reason code (a `JobSession`
//! over a `StockJob`). The job opens at the first scan and each change is one fact,
//! recorded when confirmed; nothing waits to be resumed but the screen itself.

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{AdjustReason, OperatorId};
use dockhand_app::workflow::{Action, JobSpec, Step};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession};

/// The reason codes in the order the screen shows them.
pub const ADJUST_REASONS: [AdjustReason; 8] = [
    AdjustReason::Found,
    AdjustReason::Lost,
    AdjustReason::Damaged,
    AdjustReason::Expired,
    AdjustReason::Theft,
    AdjustReason::Sample,
    AdjustReason::DataCorrection,
    AdjustReason::Other,
];

/// Moving and correcting stock on this device.
#[derive(Debug)]
pub struct MoveController {
    pub job: JobSession,
}

impl MoveController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Stock),
        }
    }

    /// A scan for the job, opening it first when it is not open yet.
    pub fn scan(&self, operator: OperatorId, scan: &Scan) -> Result<Step, JobError> {
        if !self.job.is_open() {
            self.job.start(operator, &JobSpec::Stock)?;
        }
        self.job.scan(scan)
    }

    /// The adjustment of `delta` units for the reason shown at `reason_index`.
    pub fn adjustment(delta: i64, reason_index: usize) -> Option<Action> {
        let reason = *ADJUST_REASONS.get(reason_index)?;
        Some(Action::Adjust { delta, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;
    use dockhand_app::workflow::Prompt;

    #[test]
    fn a_move_takes_bin_item_quantity_and_target_and_an_adjustment_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        let moves = MoveController::new(journal);
        let ana = OperatorId::new("ana").unwrap();
        moves.scan(ana.clone(), &Scan::manual("A-03-2-B")).unwrap();
        let step = moves
            .scan(ana.clone(), &Scan::manual(sample_device::BLUE_MUG_GTIN))
            .unwrap();
        assert!(matches!(
            step.prompt,
            Prompt::MoveQuantity { available: 24, .. }
        ));
        moves.job.act(Action::Quantity(4)).unwrap();
        let step = moves.scan(ana.clone(), &Scan::manual("A-03-2-C")).unwrap();
        assert_eq!(step.events.len(), 1);
        assert!(matches!(step.prompt, Prompt::ScanSourceBin));

        moves.scan(ana.clone(), &Scan::manual("A-03-2-C")).unwrap();
        moves
            .scan(ana, &Scan::manual(sample_device::RED_MUG_GTIN))
            .unwrap();
        let adjust = MoveController::adjustment(1, 0).unwrap();
        assert_eq!(
            adjust,
            Action::Adjust {
                delta: 1,
                reason: AdjustReason::Found
            }
        );
        let step = moves.job.act(adjust).unwrap();
        assert_eq!(step.events.len(), 1);
        assert!(MoveController::adjustment(1, 8).is_none());
    }
}
