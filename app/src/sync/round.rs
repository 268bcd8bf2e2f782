//! One sync round: push every pending event in order, then pull every change, then let the
//! server's balances replace the local effects it now includes.
//!
//! Crash safety: verdicts are stored only after the server answered, so a crash mid-push
//! means the batch is sent again and the server answers with its stored results (it is
//! idempotent by device seq). A pull page and its cursor commit together.

use std::time::Duration;

use serde::Serialize;

use super::client::{SyncClient, SyncError};
use super::plan::{classify_push, plan_push_batches};
use crate::domain::DeviceSeq;
use crate::journal::Journal;
use crate::protocol::PushRequest;

/// Knobs of a round.
#[derive(Debug, Clone, Copy)]
pub struct RoundOptions {
    pub batch_size: usize,
    pub pull_limit: u32,
    /// Give up a round after this many refetch signals (a server bug otherwise loops).
    pub max_refetches: u32,
}

impl Default for RoundOptions {
    fn default() -> Self {
        Self {
            batch_size: 500,
            pull_limit: 2000,
            max_refetches: 2,
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    pub pushed: usize,
    pub applied: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub refetched: bool,
    pub clock_offset_ms: i64,
    pub elapsed_ms: u128,
}

/// Runs one round against `client`. Returns the first error that stops it; everything done
/// before the error is kept.
pub async fn sync_round(
    journal: &mut Journal,
    client: &SyncClient,
    options: RoundOptions,
) -> Result<RoundReport, SyncError> {
    let started = std::time::Instant::now();
    let mut report = RoundReport::default();
    let mut batch_size = options
        .batch_size
        .clamp(1, crate::protocol::MAX_PUSH_EVENTS);
    let mut rewinds = 0;

    // Push, in order. The plan is recomputed after each answer: the server may have
    // answered fewer events than sent (it stops at a gap), or more were recorded meanwhile.
    loop {
        let batches = plan_push_batches(
            journal.first_pending_seq()?,
            journal.last_seq()?,
            batch_size,
        );
        let Some(batch) = batches.first().copied() else {
            break;
        };
        let events = journal.raw_events_after(DeviceSeq(batch.from.0 - 1), batch.len())?;
        let queued = journal.last_seq()?.0.saturating_sub(batch.through.0);
        let request = PushRequest {
            device_id: journal.device_id(),
            events,
            queued: Some(queued),
        };
        match client.push(&request).await {
            Ok(answer) => {
                let verdicts = classify_push(&answer.body);
                if verdicts.is_empty() {
                    return Err(SyncError::Protocol(
                        "the server answered a push with no results".into(),
                    ));
                }
                for v in &verdicts {
                    match v.state {
                        crate::journal::OutboxState::Applied => report.applied += 1,
                        crate::journal::OutboxState::Conflict => report.conflicts += 1,
                        crate::journal::OutboxState::Rejected => report.rejected += 1,
                        crate::journal::OutboxState::Pending => {}
                    }
                }
                report.pushed += verdicts.len();
                let commit = answer
                    .body
                    .commit_txid
                    .map(|txid| (answer.body.last_applied_seq, txid));
                journal.record_push_answer(&verdicts, commit)?;
                let offset = answer.clock_offset();
                journal.set_clock_offset(offset)?;
                report.clock_offset_ms = offset.num_milliseconds();
            }
            Err(SyncError::TooLarge) if batch_size > 1 => batch_size /= 2,
            Err(SyncError::SeqGap { expected, got }) => {
                // The server lost events it had answered (restored from a backup): the
                // journal still holds them, so send them again from where it stands.
                if rewinds >= 3 || expected.0 == 0 || expected > journal.acked_seq()? {
                    return Err(SyncError::SeqGap { expected, got });
                }
                rewinds += 1;
                tracing::warn!(%expected, %got, "server is behind this device; resending");
                journal.rewind_acked(DeviceSeq(expected.0 - 1))?;
            }
            Err(e) => {
                journal.record_push_failure(&e.to_string())?;
                return Err(e);
            }
        }
    }

    // Pull until the server has nothing more. The pushed events' balances are in the pull
    // once its barrier passes the transaction that applied them; another device's
    // transaction that began earlier can hold the barrier back for a moment, so pull again
    // (briefly) rather than leave the pushed effects unreflected until the next round.
    let mut refetches = 0;
    let mut barrier_waits = 0;
    let barrier = loop {
        let cursor = journal.pull_cursor()?;
        let page = match client.pull(cursor.as_deref(), options.pull_limit).await {
            Ok(page) => page,
            Err(e) => {
                journal.record_push_failure(&e.to_string())?;
                return Err(e);
            }
        };
        let applied = journal.apply_pull_page(&page.body)?;
        report.pulled += applied.changes;
        if applied.refetch {
            refetches += 1;
            report.refetched = true;
            if refetches > options.max_refetches {
                return Err(SyncError::Protocol(
                    "the server keeps asking for a refetch".into(),
                ));
            }
            continue;
        }
        if applied.has_more {
            continue;
        }
        let waiting_for = journal.unreflected_push_txid()?;
        match (page.body.barrier, waiting_for) {
            (Some(barrier), Some(txid)) if barrier <= txid && barrier_waits < BARRIER_WAITS => {
                barrier_waits += 1;
                tokio::time::sleep(BARRIER_WAIT).await;
            }
            (barrier, _) => break barrier,
        }
    };
    journal.reflect_acknowledged_effects(barrier)?;
    journal.record_sync_success(chrono::Utc::now())?;
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

/// How often, and how long apart, a round pulls again for a barrier that has not yet passed
/// its own pushes (other devices' transactions end within milliseconds).
const BARRIER_WAITS: u32 = 10;
const BARRIER_WAIT: Duration = Duration::from_millis(20);

/// How long a client waits for one HTTP answer by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
