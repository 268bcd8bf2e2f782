//! What the sync client stores: credentials, the pull cursor, pulled changes applied to the
//! projections (one transaction per page), conflicts shown to the user, sync timestamps.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::projections::{put_items, put_locations, put_server_balances, put_task};
use super::{Journal, JournalError};
use crate::protocol::{Change, PullResponse};

/// What applying one pull page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PullApplied {
    pub changes: usize,
    /// The server asked for a full refetch: projections were cleared and the cursor reset.
    pub refetch: bool,
    pub has_more: bool,
}

/// A conflict the server opened for one of this device's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceConflict {
    pub conflict_id: i64,
    pub event_id: Option<String>,
    pub kind: String,
    pub state: String,
    pub message: String,
}

/// What the sync screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncMarks {
    pub server_url: Option<String>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub push_attempts: u32,
    pub last_push_error: Option<String>,
    pub clock_offset_ms: i64,
}

impl Journal {
    /// Stores the server address and this device's token (at enrolment).
    pub fn set_credentials(&mut self, server_url: &str, token: &str) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE device SET server_url = ?1, token = ?2 WHERE id = 1",
            params![server_url, token],
        )?;
        Ok(())
    }

    /// The stored server address and token, when the device is enrolled.
    pub fn credentials(&self) -> Result<Option<(String, String)>, JournalError> {
        let row: (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT server_url, token FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(match row {
            (Some(url), Some(token)) => Some((url, token)),
            _ => None,
        })
    }

    /// Applies one page of pulled changes and advances the cursor, in one transaction: a
    /// crash leaves either the whole page applied with its cursor, or neither.
    pub fn apply_pull_page(&mut self, page: &PullResponse) -> Result<PullApplied, JournalError> {
        let tx = self.conn.transaction()?;
        if page.refetch {
            tx.execute_batch(
                "DELETE FROM server_balances; DELETE FROM catalog_gtins; DELETE FROM catalog_items;
                 DELETE FROM locations; DELETE FROM tasks; DELETE FROM device_conflicts;
                 UPDATE device SET pull_cursor = NULL WHERE id = 1;",
            )?;
            tx.commit()?;
            return Ok(PullApplied {
                changes: 0,
                refetch: true,
                has_more: true,
            });
        }
        let now = Utc::now().to_rfc3339();
        for change in &page.changes {
            match change {
                Change::Item(item) => put_items(&tx, std::slice::from_ref(item))?,
                Change::Location(location) => put_locations(&tx, std::slice::from_ref(location))?,
                Change::Balance(balance) => {
                    put_server_balances(&tx, std::slice::from_ref(balance))?
                }
                Change::PickTask(task) => {
                    let body = serde_json::to_value(task)
                        .map_err(|e| JournalError::Inconsistent(e.to_string()))?;
                    put_task(&tx, "pick", task.task.as_str(), "open", None, &body)?;
                }
                Change::PickTaskClosed { task } => {
                    tx.execute(
                        "UPDATE tasks SET state = 'closed' WHERE kind = 'pick' AND task_id = ?1",
                        params![task.as_str()],
                    )?;
                }
                Change::InboundDocument(doc) => {
                    let body = serde_json::to_value(doc)
                        .map_err(|e| JournalError::Inconsistent(e.to_string()))?;
                    let id = format!(
                        "{}:{}",
                        serde_json::to_value(doc.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        doc.number
                    );
                    put_task(&tx, "inbound", &id, &doc.state, doc.sscc.as_deref(), &body)?;
                }
                Change::Conflict {
                    conflict_id,
                    event_id,
                    kind,
                    state,
                    message,
                } => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO device_conflicts
                         (conflict_id, event_id, kind, state, message, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        conflict_id,
                        event_id.map(|e| e.to_string()),
                        kind,
                        state,
                        message,
                        now
                    ])?;
                }
            }
        }
        tx.execute(
            "UPDATE device SET pull_cursor = ?1 WHERE id = 1",
            params![page.next_cursor],
        )?;
        tx.commit()?;
        Ok(PullApplied {
            changes: page.changes.len(),
            refetch: false,
            has_more: page.has_more,
        })
    }

    /// Marks the end of a successful sync round.
    pub fn record_sync_success(&mut self, at: DateTime<Utc>) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE device SET last_sync_at = ?1, push_attempts = 0, last_push_error = NULL WHERE id = 1",
            params![at.to_rfc3339()],
        )?;
        Ok(())
    }

    pub fn sync_marks(&self) -> Result<SyncMarks, JournalError> {
        let (server_url, last, attempts, error, offset): (
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
            i64,
        ) = self.conn.query_row(
            "SELECT server_url, last_sync_at, push_attempts, last_push_error, clock_offset_ms
             FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        Ok(SyncMarks {
            server_url,
            last_sync_at: last
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|d| d.with_timezone(&Utc)),
            push_attempts: attempts.clamp(0, i64::from(u32::MAX)) as u32,
            last_push_error: error,
            clock_offset_ms: offset,
        })
    }

    /// Conflicts the server reported for this device that are still open.
    pub fn open_device_conflicts(&self) -> Result<Vec<DeviceConflict>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT conflict_id, event_id, kind, state, message FROM device_conflicts
             WHERE state = 'open' ORDER BY conflict_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeviceConflict {
                conflict_id: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                state: r.get(3)?,
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored body of an inbound document or pick task, by kind and id.
    pub fn task_body(
        &self,
        kind: &str,
        task_id: &str,
    ) -> Result<Option<serde_json::Value>, JournalError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM tasks WHERE kind = ?1 AND task_id = ?2",
                params![kind, task_id],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| super::projections::json_err("task", e)))
            .transpose()
    }
}
