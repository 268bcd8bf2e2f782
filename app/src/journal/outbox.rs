//! The outbox: each event's sync state, from `pending` to the server's verdict.

use rusqlite::params;
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
    /// Quarantined by the server; the reason is in `last_error`.
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

    fn parse(s: &str) -> Result<Self, JournalError> {
        Ok(match s {
            "pending" => OutboxState::Pending,
            "applied" => OutboxState::Applied,
            "conflict" => OutboxState::Conflict,
            "rejected" => OutboxState::Rejected,
            other => {
                return Err(JournalError::Inconsistent(format!(
                    "unknown outbox state {other:?}"
                )));
            }
        })
    }
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub seq: DeviceSeq,
    pub event_id: EventId,
    pub kind: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub last_error: Option<String>,
}

impl Journal {
    /// Outbox rows, oldest first; only pending ones when `pending_only`.
    pub fn outbox(
        &self,
        pending_only: bool,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, JournalError> {
        let sql = if pending_only {
            "SELECT o.device_seq, e.event_id, e.kind, o.state, o.attempts, o.last_error
             FROM outbox o JOIN events e USING (device_seq)
             WHERE o.state = 'pending' ORDER BY o.device_seq LIMIT ?1"
        } else {
            "SELECT o.device_seq, e.event_id, e.kind, o.state, o.attempts, o.last_error
             FROM outbox o JOIN events e USING (device_seq)
             ORDER BY o.device_seq LIMIT ?1"
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, event_id, kind, state, attempts, last_error) = row?;
            out.push(OutboxEntry {
                seq: DeviceSeq(seq as u64),
                event_id: event_id.parse().map_err(|e| {
                    JournalError::Inconsistent(format!("event {seq} has a bad id: {e}"))
                })?,
                kind,
                state: OutboxState::parse(&state)?,
                attempts: attempts.clamp(0, i64::from(u32::MAX)) as u32,
                last_error,
            });
        }
        Ok(out)
    }

    /// The lowest pending sequence number, if any: where the next push starts.
    pub fn first_pending_seq(&self) -> Result<Option<DeviceSeq>, JournalError> {
        let seq: Option<i64> = self.conn.query_row(
            "SELECT MIN(device_seq) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(seq.map(|s| DeviceSeq(s as u64)))
    }

    /// Stores the server's verdict for events, in one transaction.
    pub fn mark_outbox(
        &mut self,
        verdicts: &[(DeviceSeq, OutboxState, Option<String>, String)],
    ) -> Result<(), JournalError> {
        let now = chrono::Utc::now().to_rfc3339();
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = ?2, last_error = ?3, result = ?4, updated_at = ?5,
                 attempts = attempts + 1 WHERE device_seq = ?1",
            )?;
            for (seq, state, error, result) in verdicts {
                stmt.execute(params![seq.0 as i64, state.as_str(), error, result, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
