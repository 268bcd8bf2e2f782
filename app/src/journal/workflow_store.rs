//! The journal as the workflows see it: [`Projections`] for [`Journal`] (the small queries
//! workflows need — bins holding an item, empty bins by capacity, inbound documents by
//! SSCC, one job's events), putaway zone rules, and the open-job hint (`device_job`).
//!
//! Read-only towards events: workflows' facts are written by `workflow::Session` through
//! [`Journal::record_batch`], never here.

use chrono::{NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Journal, JournalError};
use crate::domain::{
    DocumentRef, Gtin, Item, Location, LocationCode, LotCode, OperatorId, OrderNumber, Qty,
    RawEvent, Sku, TaskId, UnitOfMeasure,
};
use crate::protocol::{InboundDocumentRecord, PickTaskRecord};
use crate::workflow::{
    Fact, History, JobSpec, ProjectionError, Projections, StockRow, order_lines_of,
};

impl From<JournalError> for ProjectionError {
    fn from(e: JournalError) -> Self {
        ProjectionError(e.to_string())
    }
}

impl From<rusqlite::Error> for ProjectionError {
    fn from(e: rusqlite::Error) -> Self {
        ProjectionError(JournalError::from(e).to_string())
    }
}

fn bad_json(what: &str, e: serde_json::Error) -> ProjectionError {
    ProjectionError(format!("{what} stored in the journal is not valid: {e}"))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T, ProjectionError> {
    serde_json::from_str(body).map_err(|e| bad_json(what, e))
}

impl Journal {
    /// Remembers the open job, so the app reopens it after a restart.
    pub fn save_open_job(
        &mut self,
        spec: &JobSpec,
        operator: &OperatorId,
    ) -> Result<(), JournalError> {
        let spec = serde_json::to_string(spec)
            .map_err(|e| JournalError::Inconsistent(format!("job cannot be stored: {e}")))?;
        self.conn.execute(
            "INSERT INTO device_job (id, spec, operator, updated_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, operator = excluded.operator,
                                            updated_at = excluded.updated_at",
            params![spec, operator.as_str(), Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// The job that was open when the app stopped, if any.
    pub fn open_job(&self) -> Result<Option<(JobSpec, OperatorId)>, JournalError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT spec, operator FROM device_job WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(spec, operator)| {
            let spec = serde_json::from_str(&spec).map_err(|e| {
                JournalError::Inconsistent(format!(
                    "the open job stored in the journal is not valid: {e}"
                ))
            })?;
            Ok((spec, OperatorId::new(operator)?))
        })
        .transpose()
    }

    /// Forgets the open job (it finished or was left on purpose).
    pub fn clear_open_job(&mut self) -> Result<(), JournalError> {
        self.conn.execute("DELETE FROM device_job", [])?;
        Ok(())
    }

    /// Sends items of `category` to `zone` at putaway.
    pub fn set_putaway_zone(&mut self, category: &str, zone: &str) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO putaway_zone_rules (category, zone) VALUES (?1, ?2)",
            params![category, zone],
        )?;
        Ok(())
    }

    fn facts(
        &self,
        sql: &str,
        key: &str,
        extra: i64,
    ) -> Result<Vec<(u64, String)>, ProjectionError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![key, extra], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            out.push((seq as u64, body));
        }
        Ok(out)
    }
}

/// Stock at or holding… : the server's balance plus this device's unreflected effects.
const BALANCES: &str = "SELECT location, item, lot, status, expiry, qty FROM server_balances
                        UNION ALL
                        SELECT location, item, lot, status, NULL, delta FROM local_deltas";

impl Projections for Journal {
    fn item_by_gtin(&self, gtin: &Gtin) -> Result<Option<(Item, UnitOfMeasure)>, ProjectionError> {
        Ok(Journal::item_by_gtin(self, gtin)?.map(|hit| {
            let unit = hit.item.unit_for_gtin(gtin).unwrap_or(UnitOfMeasure {
                code: hit.uom,
                base_units: hit.base_units.max(1),
                gtin: Some(gtin.clone()),
            });
            (hit.item, unit)
        }))
    }

    fn item_by_sku(&self, sku: &Sku) -> Result<Option<Item>, ProjectionError> {
        Ok(Journal::item_by_sku(self, sku)?)
    }

    fn location(&self, code: &LocationCode) -> Result<Option<Location>, ProjectionError> {
        Ok(Journal::location(self, code)?)
    }

    fn on_hand_at(&self, code: &LocationCode) -> Result<Vec<StockRow>, ProjectionError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT item, lot, status, MAX(expiry), SUM(qty) FROM (
                 SELECT item, lot, status, expiry, qty FROM server_balances WHERE location = ?1
                 UNION ALL
                 SELECT item, lot, status, NULL, delta FROM local_deltas WHERE location = ?1
             ) GROUP BY item, lot, status HAVING SUM(qty) <> 0 ORDER BY item, lot, status",
        )?;
        let rows = stmt.query_map(params![code.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (item, lot, status, expiry, qty) = row?;
            let invalid =
                |what: &str| ProjectionError(format!("{what} stored in the journal is not valid"));
            out.push(StockRow {
                item: Sku::new(item).map_err(|e| ProjectionError(e.to_string()))?,
                lot: if lot.is_empty() {
                    None
                } else {
                    Some(LotCode::new(lot).map_err(|e| ProjectionError(e.to_string()))?)
                },
                expiry: match expiry {
                    Some(d) => Some(
                        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                            .map_err(|_| invalid("an expiry date"))?,
                    ),
                    None => None,
                },
                status: status.parse().map_err(|_| invalid("a stock status"))?,
                qty,
            });
        }
        Ok(out)
    }

    fn bins_holding(&self, sku: &Sku) -> Result<Vec<LocationCode>, ProjectionError> {
        let sql = format!(
            "SELECT l.code FROM locations l
             JOIN (SELECT location, SUM(qty) AS qty FROM ({BALANCES}) WHERE item = ?1 GROUP BY location) s
               ON s.location = l.code
             WHERE l.kind = 'bin' AND s.qty > 0
             ORDER BY l.pick_sequence, l.code"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![sku.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(LocationCode::new(row?).map_err(|e| ProjectionError(e.to_string()))?);
        }
        Ok(out)
    }

    fn putaway_zone(&self, item: &Item) -> Result<Option<String>, ProjectionError> {
        let Some(category) = &item.category else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached("SELECT zone FROM putaway_zone_rules WHERE category = ?1")?
            .query_row(params![category], |r| r.get(0))
            .optional()?)
    }

    fn empty_bins(
        &self,
        zone: Option<&str>,
        need: Qty,
    ) -> Result<Vec<LocationCode>, ProjectionError> {
        let sql = format!(
            "SELECT l.code FROM locations l
             WHERE l.kind = 'bin'
               AND json_extract(l.body, '$.capacity') >= ?1
               AND (?2 IS NULL OR json_extract(l.body, '$.path.zone') = ?2)
               AND NOT EXISTS (
                   SELECT 1 FROM ({BALANCES}) b WHERE b.location = l.code
                   GROUP BY b.item, b.lot, b.status HAVING SUM(b.qty) <> 0)
             ORDER BY json_extract(l.body, '$.capacity'), l.pick_sequence, l.code
             LIMIT 10"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![need.units(), zone], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(LocationCode::new(row?).map_err(|e| ProjectionError(e.to_string()))?);
        }
        Ok(out)
    }

    fn pick_task(&self, task: &TaskId) -> Result<Option<PickTaskRecord>, ProjectionError> {
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM tasks WHERE kind = 'pick'
                   AND (task_id = ?1 OR json_extract(body, '$.task') = ?1) LIMIT 1",
            )?
            .query_row(params![task.as_str()], |r| r.get(0))
            .optional()?;
        body.map(|b| parse("a pick task", &b)).transpose()
    }

    fn pick_tasks(&self) -> Result<Vec<PickTaskRecord>, ProjectionError> {
        self.open_tasks("pick")?
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| bad_json("a pick task", e)))
            .collect()
    }

    fn inbound_documents(&self) -> Result<Vec<InboundDocumentRecord>, ProjectionError> {
        self.open_tasks("inbound")?
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| bad_json("an inbound document", e)))
            .collect()
    }

    fn order_lines(&self, order: &OrderNumber) -> Result<Vec<(Sku, Qty)>, ProjectionError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM tasks WHERE kind = 'pick' ORDER BY task_id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut tasks: Vec<PickTaskRecord> = Vec::new();
        for row in rows {
            tasks.push(parse("a pick task", &row?)?);
        }
        Ok(order_lines_of(&tasks, order))
    }

    fn inbound_document(
        &self,
        doc: &DocumentRef,
    ) -> Result<Option<InboundDocumentRecord>, ProjectionError> {
        let kind = serde_json::to_value(doc.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM tasks WHERE kind = 'inbound'
                   AND json_extract(body, '$.kind') = ?1 AND json_extract(body, '$.number') = ?2
                 LIMIT 1",
            )?
            .query_row(params![kind, doc.number], |r| r.get(0))
            .optional()?;
        body.map(|b| parse("an inbound document", &b)).transpose()
    }

    fn inbound_by_sscc(
        &self,
        sscc: &str,
    ) -> Result<Option<InboundDocumentRecord>, ProjectionError> {
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM tasks WHERE kind = 'inbound'
                   AND (sscc = ?1 OR json_extract(body, '$.sscc') = ?1)
                 ORDER BY state = 'open' DESC LIMIT 1",
            )?
            .query_row(params![sscc], |r| r.get(0))
            .optional()?;
        body.map(|b| parse("an inbound document", &b)).transpose()
    }

    fn pull_cursor(&self) -> Result<Option<String>, ProjectionError> {
        Ok(Journal::pull_cursor(self)?)
    }

    fn last_seq(&self) -> Result<u64, ProjectionError> {
        Ok(Journal::last_seq(self)?.get())
    }

    fn history(&self, of: &History) -> Result<Vec<Fact>, ProjectionError> {
        // Each query matches one partial index of migration 0002.
        let rows = match of {
            History::PickTask(task) => self.facts(
                "SELECT device_seq, body FROM events
                 WHERE kind = 'pick' AND json_extract(body, '$.payload.task') = ?1 AND ?2 = 0
                 ORDER BY device_seq",
                task.as_str(),
                0,
            )?,
            History::Receipt(doc) => self.facts(
                "SELECT device_seq, body FROM events
                 WHERE kind IN ('receive', 'receipt_closed')
                   AND json_extract(body, '$.payload.document.number') = ?1 AND ?2 = 0
                 ORDER BY device_seq",
                &doc.number,
                0,
            )?,
            History::CountAt {
                location,
                after_seq,
            } => self.facts(
                "SELECT device_seq, body FROM events
                 WHERE kind = 'count' AND json_extract(body, '$.payload.location') = ?1
                   AND device_seq > ?2
                 ORDER BY device_seq",
                location.as_str(),
                *after_seq as i64,
            )?,
            History::PickedInto(tote) => self.facts(
                "SELECT device_seq, body FROM events
                 WHERE kind = 'pick' AND json_extract(body, '$.payload.to') = ?1 AND ?2 = 0
                 ORDER BY device_seq",
                tote.as_str(),
                0,
            )?,
            History::PackedOrder(order) => self.facts(
                "SELECT device_seq, body FROM events
                 WHERE kind = 'pack' AND json_extract(body, '$.payload.order') = ?1 AND ?2 = 0
                 ORDER BY device_seq",
                order.as_str(),
                0,
            )?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for (seq, body) in rows {
            let raw: RawEvent = parse(&format!("event {seq}"), &body)?;
            let event = raw.decode().map_err(|e| ProjectionError(e.to_string()))?;
            // The index prefilters; the definition decides (e.g. the document's kind).
            if of.includes(seq, &event.body) {
                out.push(Fact {
                    event_id: event.header.event_id,
                    seq,
                    body: event.body,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WarehouseCode;
    use crate::journal::OpenOptions;

    /// Replaying a job must use migration 0002's partial indexes, not scan the journal.
    #[test]
    fn job_histories_are_read_through_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open_with(
            dir.path().join("device.db"),
            OpenOptions {
                warehouse: Some(WarehouseCode::new("WH1").unwrap()),
                ..OpenOptions::default()
            },
        )
        .unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = journal
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows = stmt
                .query_map(params!["X", 0], |r| r.get::<_, String>(3))
                .unwrap();
            rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
        };
        for (sql, index) in [
            (
                "SELECT device_seq, body FROM events WHERE kind = 'pick' AND json_extract(body, '$.payload.task') = ?1 AND ?2 = 0",
                "events_pick_by_task",
            ),
            (
                "SELECT device_seq, body FROM events WHERE kind IN ('receive', 'receipt_closed') AND json_extract(body, '$.payload.document.number') = ?1 AND ?2 = 0",
                "events_receipt_by_document",
            ),
            (
                "SELECT device_seq, body FROM events WHERE kind = 'count' AND json_extract(body, '$.payload.location') = ?1 AND device_seq > ?2",
                "events_count_by_location",
            ),
            (
                "SELECT device_seq, body FROM events WHERE kind = 'pack' AND json_extract(body, '$.payload.order') = ?1 AND ?2 = 0",
                "events_pack_by_order",
            ),
            (
                "SELECT device_seq, body FROM events WHERE kind = 'pick' AND json_extract(body, '$.payload.to') = ?1 AND ?2 = 0",
                "events_pick_by_tote",
            ),
        ] {
            let plan = plan(sql);
            assert!(plan.contains(index), "{index}: {plan}");
        }
    }

    #[test]
    fn the_open_job_hint_round_trips_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path().join("device.db")).unwrap();
        assert!(journal.open_job().unwrap().is_none());
        let spec = JobSpec::Putaway {
            dock: LocationCode::new("DOCK-1").unwrap(),
        };
        let ana = OperatorId::new("ana").unwrap();
        journal.save_open_job(&spec, &ana).unwrap();
        assert_eq!(journal.open_job().unwrap(), Some((spec, ana)));
        journal.clear_open_job().unwrap();
        assert!(journal.open_job().unwrap().is_none());
    }
}
