//! Pure sync decisions: which batches to push, and what each server answer means for the
//! outbox.

use crate::domain::DeviceSeq;
use crate::journal::{OutboxState, SyncVerdict};
use crate::protocol::{EventOutcome, PushResponse};

/// Events `from..=through` to push in one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushBatch {
    pub from: DeviceSeq,
    pub through: DeviceSeq,
}

impl PushBatch {
    pub fn len(&self) -> usize {
        (self.through.0 + 1).saturating_sub(self.from.0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits the pending range `first_pending..=last_seq` into batches of at most `batch_size`.
pub fn plan_push_batches(
    first_pending: Option<DeviceSeq>,
    last_seq: DeviceSeq,
    batch_size: usize,
) -> Vec<PushBatch> {
    let Some(first) = first_pending else {
        return Vec::new();
    };
    let size = batch_size.max(1) as u64;
    let mut out = Vec::new();
    let mut from = first.0;
    while from <= last_seq.0 {
        let through = (from + size - 1).min(last_seq.0);
        out.push(PushBatch {
            from: DeviceSeq(from),
            through: DeviceSeq(through),
        });
        from = through + 1;
    }
    out
}

/// Turns a push answer into the verdicts to store. Every outcome is final for its event: a
/// rejected event is recorded as rejected and never blocks the ones behind it.
pub fn classify_push(response: &PushResponse) -> Vec<SyncVerdict> {
    response
        .results
        .iter()
        .map(|r| {
            let (state, detail) = match &r.outcome {
                EventOutcome::Applied => (OutboxState::Applied, None),
                EventOutcome::AppliedWithConflict { message, .. } => {
                    (OutboxState::Conflict, Some(message.clone()))
                }
                EventOutcome::Rejected { reason, .. } => {
                    (OutboxState::Rejected, Some(reason.clone()))
                }
            };
            SyncVerdict {
                seq: r.device_seq,
                state,
                detail,
                result: serde_json::to_string(r).unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventId;
    use crate::protocol::EventResult;

    #[test]
    fn pending_range_is_split_into_batches() {
        let batches = plan_push_batches(Some(DeviceSeq(3)), DeviceSeq(12), 4);
        let ranges: Vec<_> = batches
            .iter()
            .map(|b| (b.from.0, b.through.0, b.len()))
            .collect();
        assert_eq!(ranges, vec![(3, 6, 4), (7, 10, 4), (11, 12, 2)]);
        assert!(plan_push_batches(None, DeviceSeq(12), 4).is_empty());
        assert_eq!(
            plan_push_batches(Some(DeviceSeq(1)), DeviceSeq(1), 0).len(),
            1
        );
    }

    #[test]
    fn outcomes_become_final_verdicts() {
        let result = |seq, outcome| EventResult {
            device_seq: DeviceSeq(seq),
            event_id: EventId::new_v7(),
            outcome,
        };
        let response = PushResponse {
            commit_txid: None,
            results: vec![
                result(1, EventOutcome::Applied),
                result(
                    2,
                    EventOutcome::AppliedWithConflict {
                        conflict_id: 7,
                        conflict_kind: "pick_beyond_balance".into(),
                        message: "last unit picked twice".into(),
                    },
                ),
                result(
                    3,
                    EventOutcome::Rejected {
                        conflict_id: Some(8),
                        reason: "unsupported version 2".into(),
                    },
                ),
            ],
            last_applied_seq: DeviceSeq(3),
            server_time: chrono::Utc::now(),
        };
        let verdicts = classify_push(&response);
        let states: Vec<_> = verdicts
            .iter()
            .map(|v| (v.seq.0, v.state, v.detail.clone()))
            .collect();
        assert_eq!(
            states,
            vec![
                (1, OutboxState::Applied, None),
                (
                    2,
                    OutboxState::Conflict,
                    Some("last unit picked twice".into())
                ),
                (
                    3,
                    OutboxState::Rejected,
                    Some("unsupported version 2".into())
                ),
            ]
        );
    }
}
