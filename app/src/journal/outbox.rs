//! The outbox: each event's sync state.
//!
//! The server applies a device's events strictly in `device_seq` order and answers every
//! one, so "pending" is a watermark (`device.acked_seq`): every event above it waits to be
//! pushed. The server's verdict for each answered event is kept in `sync_results`.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Journal, JournalError};
use crate::domain::{DeviceSeq, EventId};

/// Where an event stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Not yet acknowledged by the server.
    Pending,
    Applied,
    /// Applied, and a supervisor has a conflict to look at.
    Conflict,
    /// Quarantined by the server; the reason is in `detail`.
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Applied => "applied",
            OutboxState::Conflict => "conflict",
            OutboxState::Rejected => "rejected",
        }
    }

    fn parse(s: Option<&str>) -> Result<Self, JournalError> {
        Ok(match s {
            None => OutboxState::Pending,
            Some("applied") => OutboxState::Applied,
            Some("conflict") => OutboxState::Conflict,
            Some("rejected") => OutboxState::Rejected,
            Some(other) => {
                return Err(JournalError::Inconsistent(format!(
                    "unknown sync state {other:?}"
                )));
            }
        })
    }
}

/// One event's sync state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub seq: DeviceSeq,
    pub event_id: EventId,
    pub kind: String,
    pub state: OutboxState,
    /// The conflict or rejection reason the server gave.
    pub detail: Option<String>,
}

/// The server's verdict on one event, to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncVerdict {
    pub seq: DeviceSeq,
    pub state: OutboxState,
    pub detail: Option<String>,
    /// The server's answer as JSON, kept as evidence.
    pub result: String,
}

impl Journal {
    /// Events with their sync state, oldest first; only pending ones when `pending_only`.
    pub fn outbox(
        &self,
        pending_only: bool,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.device_seq, e.event_id, e.kind, r.state, r.detail
             FROM events e LEFT JOIN sync_results r USING (device_seq)
             WHERE e.device_seq > CASE WHEN ?1 THEN (SELECT acked_seq FROM device) ELSE 0 END
             ORDER BY e.device_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![pending_only, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, event_id, kind, state, detail) = row?;
            out.push(OutboxEntry {
                seq: DeviceSeq(seq as u64),
                event_id: event_id.parse().map_err(|e| {
                    JournalError::Inconsistent(format!("event {seq} has a bad id: {e}"))
                })?,
                kind,
                state: OutboxState::parse(state.as_deref())?,
                detail,
            });
        }
        Ok(out)
    }

    /// The highest sequence number the server has answered.
    pub fn acked_seq(&self) -> Result<DeviceSeq, JournalError> {
        let seq: i64 = self
            .conn
            .query_row("SELECT acked_seq FROM device", [], |r| r.get(0))?;
        Ok(DeviceSeq(seq as u64))
    }

    /// The lowest pending sequence number, if any: where the next push starts.
    pub fn first_pending_seq(&self) -> Result<Option<DeviceSeq>, JournalError> {
        let acked = self.acked_seq()?;
        Ok((self.last_seq()? > acked).then(|| acked.next()))
    }

    /// Stores the server's verdicts and moves the watermark over every event answered
    /// without a gap. Verdicts for events already answered (a retried push) replace the
    /// stored ones. One transaction.
    pub fn record_sync_verdicts(&mut self, verdicts: &[SyncVerdict]) -> Result<(), JournalError> {
        self.record_push_answer(verdicts, None)
    }

    /// [`Self::record_sync_verdicts`], and, in the same transaction, the server transaction
    /// that applied every event up to a seq (`commit`: the answer's `last_applied_seq` and
    /// `commit_txid`), which [`Self::reflect_acknowledged_effects`] compares with pull
    /// barriers.
    pub fn record_push_answer(
        &mut self,
        verdicts: &[SyncVerdict],
        commit: Option<(DeviceSeq, u64)>,
    ) -> Result<(), JournalError> {
        let now = chrono::Utc::now().to_rfc3339();
        let tx = self.conn.transaction()?;
        if let Some((seq, txid)) = commit {
            tx.execute(
                "INSERT OR REPLACE INTO push_commits (last_seq, txid) VALUES (?1, ?2)",
                params![seq.0 as i64, txid.min(i64::MAX as u64) as i64],
            )?;
        }
        {
            let mut acked: i64 = tx.query_row("SELECT acked_seq FROM device", [], |r| r.get(0))?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_results (device_seq, state, detail, result, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut sorted: Vec<&SyncVerdict> = verdicts.iter().collect();
            sorted.sort_by_key(|v| v.seq);
            for verdict in sorted {
                if verdict.state == OutboxState::Pending {
                    return Err(JournalError::Inconsistent(format!(
                        "a verdict for event {} cannot be 'pending'",
                        verdict.seq
                    )));
                }
                let exists: Option<i64> = tx
                    .query_row(
                        "SELECT device_seq FROM events WHERE device_seq = ?1",
                        params![verdict.seq.0 as i64],
                        |r| r.get(0),
                    )
                    .optional()?;
                if exists.is_none() {
                    return Err(JournalError::Inconsistent(format!(
                        "the server answered for event {}, which this journal does not hold",
                        verdict.seq
                    )));
                }
                put.execute(params![
                    verdict.seq.0 as i64,
                    verdict.state.as_str(),
                    verdict.detail,
                    verdict.result,
                    now
                ])?;
                if verdict.seq.0 as i64 == acked + 1 {
                    acked += 1;
                }
            }
            tx.execute(
                "UPDATE device SET acked_seq = ?1, push_attempts = 0, last_push_error = NULL WHERE id = 1",
                params![acked],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Remembers a failed push (network down, server error) for the sync status screen.
    pub fn record_push_failure(&mut self, error: &str) -> Result<u32, JournalError> {
        let attempts: i64 = self.conn.query_row(
            "UPDATE device SET push_attempts = push_attempts + 1, last_push_error = ?1
             WHERE id = 1 RETURNING push_attempts",
            params![error],
            |r| r.get(0),
        )?;
        Ok(attempts.clamp(0, i64::from(u32::MAX)) as u32)
    }

    /// Moves the watermark back so events after `seq` are pushed again (the server lost
    /// them). Their stored verdicts are kept until new ones replace them.
    ///
    /// The server's transaction ids may restart lower after a restore, so the recorded
    /// commits are forgotten too (the events' effects are then reflected after the next
    /// complete pull, as before commits were recorded).
    pub fn rewind_acked(&mut self, seq: DeviceSeq) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE device SET acked_seq = MIN(acked_seq, ?1) WHERE id = 1",
            params![seq.0 as i64],
        )?;
        tx.execute("DELETE FROM push_commits", [])?;
        tx.commit()?;
        Ok(())
    }

    /// The newest server transaction whose events are acknowledged but whose effects are
    /// not yet reflected: a pull must reach a barrier above it first.
    pub fn unreflected_push_txid(&self) -> Result<Option<u64>, JournalError> {
        let txid: Option<i64> = self.conn.query_row(
            "SELECT MAX(txid) FROM push_commits
             WHERE last_seq > (SELECT reflected_seq FROM device)",
            [],
            |r| r.get(0),
        )?;
        Ok(txid.map(|t| t.max(0) as u64))
    }
}
