//! Appending events and reading them back.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::{Journal, JournalError};
use crate::domain::{
    DeviceSeq, Event, EventBody, EventHeader, EventId, OperatorId, RawEvent, ScanRecord,
};

/// An operation to record: what happened and who did it. The journal adds the device, the
/// sequence number, the id and (unless given) the time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    pub operator: OperatorId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanRecord>,
    #[serde(flatten)]
    pub body: EventBody,
}

/// An event as stored, with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub seq: DeviceSeq,
    pub event: Event,
}

/// Counts for `journal stats` and the sync badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct JournalStats {
    pub events: u64,
    pub last_seq: u64,
    pub pending: u64,
    pub applied: u64,
    pub conflicts: u64,
    pub rejected: u64,
    pub catalog_items: u64,
    pub locations: u64,
}

impl Journal {
    /// Records one event durably and returns it with its sequence number. When this
    /// returns, the event is on disk.
    pub fn record(&mut self, draft: EventDraft) -> Result<RecordedEvent, JournalError> {
        let mut recorded = self.record_batch(vec![draft])?;
        recorded
            .pop()
            .ok_or_else(|| JournalError::Inconsistent("nothing recorded".into()))
    }

    /// Records several events in one transaction: all or none.
    pub fn record_batch(
        &mut self,
        drafts: Vec<EventDraft>,
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        self.record_batch_with_label_jobs(drafts, &[])
    }

    /// Records events and queues the label jobs they call for in one transaction: a crash
    /// leaves both or neither (never a closed carton without its label job).
    pub fn record_batch_with_label_jobs(
        &mut self,
        drafts: Vec<EventDraft>,
        jobs: &[super::labels::NewLabelJob],
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        let warehouse = self.warehouse.clone().ok_or(JournalError::NoWarehouse)?;
        for draft in &drafts {
            draft.body.validate()?;
        }
        let device_id = self.device_id;
        let now = self.now();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut seq = DeviceSeq(tx.query_row(
            "SELECT COALESCE(MAX(device_seq), 0) FROM events",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64);
        let mut out = Vec::with_capacity(drafts.len());
        for draft in drafts {
            seq = seq.next();
            let event = Event {
                header: EventHeader {
                    event_id: EventId::new_v7(),
                    device_id,
                    device_seq: seq,
                    occurred_at: draft.occurred_at.unwrap_or(now),
                    operator: draft.operator,
                    warehouse: warehouse.clone(),
                    scan: draft.scan,
                },
                body: draft.body,
            };
            insert_event(&tx, &event)?;
            out.push(RecordedEvent { seq, event });
        }
        for job in jobs {
            super::labels::insert_job(&tx, job)?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Events with `device_seq > after`, oldest first, at most `limit`.
    pub fn events_after(
        &self,
        after: DeviceSeq,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_seq, body FROM events WHERE device_seq > ?1 ORDER BY device_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after.0 as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let event = decode_stored(seq, &body)?;
            out.push(RecordedEvent {
                seq: DeviceSeq(seq as u64),
                event,
            });
        }
        Ok(out)
    }

    /// The stored wire form of events with `device_seq > after` (what push sends).
    pub fn raw_events_after(
        &self,
        after: DeviceSeq,
        limit: usize,
    ) -> Result<Vec<RawEvent>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_seq, body FROM events WHERE device_seq > ?1 ORDER BY device_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after.0 as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            out.push(serde_json::from_str(&body).map_err(|e| {
                JournalError::Inconsistent(format!("event {seq} is not valid JSON: {e}"))
            })?);
        }
        Ok(out)
    }

    /// The highest sequence number recorded (0 when empty).
    pub fn last_seq(&self) -> Result<DeviceSeq, JournalError> {
        let seq: i64 =
            self.conn
                .query_row("SELECT COALESCE(MAX(device_seq), 0) FROM events", [], |r| {
                    r.get(0)
                })?;
        Ok(DeviceSeq(seq as u64))
    }

    /// Checks that `device_seq` runs 1..=n with no gap; returns n.
    pub fn verify_gapless(&self) -> Result<u64, JournalError> {
        let (count, min, max): (i64, Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT count(*), MIN(device_seq), MAX(device_seq) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        match (min, max) {
            (None, None) if count == 0 => Ok(0),
            (Some(1), Some(max)) if max == count => Ok(count as u64),
            _ => Err(JournalError::Inconsistent(format!(
                "device_seq is not gapless: {count} events from {min:?} to {max:?}"
            ))),
        }
    }

    pub fn stats(&self) -> Result<JournalStats, JournalError> {
        let count = |sql: &str| -> Result<u64, JournalError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(JournalStats {
            events: count("SELECT count(*) FROM events")?,
            last_seq: count("SELECT COALESCE(MAX(device_seq), 0) FROM events")?,
            pending: count(
                "SELECT count(*) FROM events WHERE device_seq > (SELECT acked_seq FROM device)",
            )?,
            applied: count("SELECT count(*) FROM sync_results WHERE state = 'applied'")?,
            conflicts: count("SELECT count(*) FROM sync_results WHERE state = 'conflict'")?,
            rejected: count("SELECT count(*) FROM sync_results WHERE state = 'rejected'")?,
            catalog_items: count("SELECT count(*) FROM catalog_items")?,
            locations: count("SELECT count(*) FROM locations")?,
        })
    }
}

fn decode_stored(seq: i64, body: &str) -> Result<Event, JournalError> {
    let raw: RawEvent = serde_json::from_str(body)
        .map_err(|e| JournalError::Inconsistent(format!("event {seq} is not valid JSON: {e}")))?;
    Ok(raw.decode()?)
}

fn insert_event(tx: &Transaction<'_>, event: &Event) -> Result<(), JournalError> {
    let seq = event.header.device_seq.0 as i64;
    tx.prepare_cached(
        "INSERT INTO events (device_seq, event_id, kind, occurred_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        seq,
        event.header.event_id.to_string(),
        event.kind(),
        event.header.occurred_at.to_rfc3339(),
        event.to_json(),
    ])?;
    super::projections::add_local_effects(tx, &event.body.stock_effects(), 1)
}
