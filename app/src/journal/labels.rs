//! The label print queue and the device's leased SSCC blocks (schema 5). The queue's
//! decisions live in `label::queue`; this file only stores and reads.

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Journal, JournalError};
use crate::domain::{EventBody, RawEvent};
use crate::label::sscc::{BlockState, Sscc, SsccBlock, SsccScheme};

/// Where a print job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelJobState {
    /// Waiting for the printer.
    Queued,
    /// Its bytes are on the way now.
    Sending,
    /// The printer took every byte.
    Printed,
    /// A send was interrupted: the label may have printed. Not resent until resolved.
    InDoubt,
    Cancelled,
    /// The label cannot be laid out on the device's stock (schema 8): never sent; the
    /// reason and what to do are in `last_error`. Reprint makes a new job.
    Failed,
}

impl LabelJobState {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelJobState::Queued => "queued",
            LabelJobState::Sending => "sending",
            LabelJobState::Printed => "printed",
            LabelJobState::InDoubt => "in_doubt",
            LabelJobState::Cancelled => "cancelled",
            LabelJobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<LabelJobState, JournalError> {
        Ok(match s {
            "queued" => LabelJobState::Queued,
            "sending" => LabelJobState::Sending,
            "printed" => LabelJobState::Printed,
            "in_doubt" => LabelJobState::InDoubt,
            "cancelled" => LabelJobState::Cancelled,
            "failed" => LabelJobState::Failed,
            other => {
                return Err(JournalError::Inconsistent(format!(
                    "unknown label job state {other:?}"
                )));
            }
        })
    }
}

/// One print job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelJob {
    pub id: String,
    pub seq: i64,
    pub printer: String,
    pub kind: String,
    #[serde(skip)]
    pub zpl: String,
    pub state: LabelJobState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub printed_at: Option<String>,
    /// The label's data as JSON (the fields of its kind); `None` for older jobs.
    pub data: Option<String>,
}

/// A job to queue: what [`Journal::insert_label_job`] and
/// [`Journal::record_batch_with_label_jobs`] store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLabelJob {
    pub id: String,
    /// The printer's address, or empty when none is set yet (the job waits for one).
    pub printer: String,
    pub kind: String,
    pub zpl: String,
    pub data: Option<String>,
    /// `Some(reason)`: the label could not be laid out, so the job is stored `failed` with
    /// the reason (and an empty `zpl`), shown on the label screen, never sent.
    pub failed: Option<String>,
}

/// The label printer as the device's settings store it (raw text; `label::settings` reads it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPrinterSettings {
    pub printer: Option<String>,
    pub dpi: Option<String>,
    pub stock: Option<String>,
}

const JOB_COLUMNS: &str =
    "id, seq, printer, kind, zpl, state, attempts, last_error, created_at, printed_at, data";

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(LabelJob, String)> {
    Ok((
        LabelJob {
            id: r.get(0)?,
            seq: r.get(1)?,
            printer: r.get(2)?,
            kind: r.get(3)?,
            zpl: r.get(4)?,
            state: LabelJobState::Queued,
            attempts: r.get(6)?,
            last_error: r.get(7)?,
            created_at: r.get(8)?,
            printed_at: r.get(9)?,
            data: r.get(10)?,
        },
        r.get(5)?,
    ))
}

fn with_state((mut job, state): (LabelJob, String)) -> Result<LabelJob, JournalError> {
    job.state = LabelJobState::parse(&state)?;
    Ok(job)
}

/// Inserts a queued job inside the caller's transaction.
pub(super) fn insert_job(
    tx: &rusqlite::Transaction<'_>,
    job: &NewLabelJob,
) -> Result<(), JournalError> {
    let now = Utc::now().to_rfc3339();
    let state = match job.failed {
        Some(_) => LabelJobState::Failed,
        None => LabelJobState::Queued,
    };
    tx.execute(
        "INSERT INTO label_jobs (id, seq, printer, kind, zpl, state, created_at, updated_at, data,
                                 last_error)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM label_jobs), ?2, ?3, ?4,
                 ?7, ?5, ?5, ?6, ?8)",
        params![
            job.id,
            job.printer,
            job.kind,
            job.zpl,
            now,
            job.data,
            state.as_str(),
            job.failed
        ],
    )?;
    Ok(())
}

impl Journal {
    /// Queues a job durably.
    pub fn insert_label_job(
        &mut self,
        id: &str,
        printer: &str,
        kind: &str,
        zpl: &str,
    ) -> Result<LabelJob, JournalError> {
        self.insert_label_job_with_data(&NewLabelJob {
            id: id.to_owned(),
            printer: printer.to_owned(),
            kind: kind.to_owned(),
            zpl: zpl.to_owned(),
            data: None,
            failed: None,
        })
    }

    /// Queues a job with its label data durably.
    pub fn insert_label_job_with_data(
        &mut self,
        job: &NewLabelJob,
    ) -> Result<LabelJob, JournalError> {
        let tx = self.conn.transaction()?;
        insert_job(&tx, job)?;
        tx.commit()?;
        self.label_job(&job.id)?
            .ok_or_else(|| JournalError::Inconsistent(format!("label job {} vanished", job.id)))
    }

    /// Newest first, at most `limit` (the label screen).
    pub fn recent_label_jobs(&self, limit: usize) -> Result<Vec<LabelJob>, JournalError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM label_jobs ORDER BY seq DESC LIMIT ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![limit as i64], job_from_row)?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// How many jobs wait (queued or sending) and how many need someone to look
    /// (in doubt), over every printer. A failed job (cannot be laid out) waits for nothing.
    pub fn label_jobs_waiting(&self) -> Result<(u64, u64), JournalError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(SUM(state IN ('queued', 'sending')), 0),
                    COALESCE(SUM(state = 'in_doubt'), 0) FROM label_jobs",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }

    /// Points every queued job at `printer` (the one in the settings now): jobs queued
    /// while no printer was set, or for a printer since replaced, print there. Returns how
    /// many moved.
    pub fn retarget_queued_label_jobs(&mut self, printer: &str) -> Result<usize, JournalError> {
        Ok(self.conn.execute(
            "UPDATE label_jobs SET printer = ?1 WHERE state = 'queued' AND printer <> ?1",
            params![printer],
        )?)
    }

    /// The label printer in the device's settings.
    pub fn printer_settings(&self) -> Result<StoredPrinterSettings, JournalError> {
        Ok(self.conn.query_row(
            "SELECT label_printer, label_dpi, label_stock FROM device WHERE id = 1",
            [],
            |r| {
                Ok(StoredPrinterSettings {
                    printer: r.get(0)?,
                    dpi: r.get(1)?,
                    stock: r.get(2)?,
                })
            },
        )?)
    }

    /// Stores the label printer settings (already checked by the caller).
    pub fn set_printer_settings(
        &mut self,
        settings: &StoredPrinterSettings,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE device SET label_printer = ?1, label_dpi = ?2, label_stock = ?3 WHERE id = 1",
            params![settings.printer, settings.dpi, settings.stock],
        )?;
        Ok(())
    }

    pub fn label_job(&self, id: &str) -> Result<Option<LabelJob>, JournalError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM label_jobs WHERE id = ?1");
        self.conn
            .query_row(&sql, params![id], job_from_row)
            .optional()?
            .map(with_state)
            .transpose()
    }

    /// Jobs in queue order, all or only those not printed yet.
    pub fn label_jobs(&self, open_only: bool, limit: usize) -> Result<Vec<LabelJob>, JournalError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM label_jobs {} ORDER BY seq LIMIT ?1",
            if open_only {
                "WHERE state IN ('queued', 'sending', 'in_doubt')"
            } else {
                ""
            }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![limit as i64], job_from_row)?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// The oldest queued job for `printer`.
    pub fn next_queued_label_job(&self, printer: &str) -> Result<Option<LabelJob>, JournalError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM label_jobs WHERE printer = ?1 AND state = 'queued'
             ORDER BY seq LIMIT 1"
        );
        self.conn
            .query_row(&sql, params![printer], job_from_row)
            .optional()?
            .map(with_state)
            .transpose()
    }

    /// Moves a job from `from` to `to`; false when it was not in `from` (someone else moved
    /// it). Entering `sending` counts an attempt; entering `printed` stamps the time.
    pub fn move_label_job(
        &mut self,
        id: &str,
        from: LabelJobState,
        to: LabelJobState,
        error: Option<&str>,
    ) -> Result<bool, JournalError> {
        let now = Utc::now().to_rfc3339();
        let changed = self.conn.execute(
            "UPDATE label_jobs SET state = ?3, updated_at = ?4,
                    attempts = attempts + (?3 = 'sending'),
                    last_error = COALESCE(?5, CASE WHEN ?3 = 'printed' THEN NULL ELSE last_error END),
                    printed_at = CASE WHEN ?3 = 'printed' THEN ?4 ELSE printed_at END
             WHERE id = ?1 AND state = ?2",
            params![id, from.as_str(), to.as_str(), now, error],
        )?;
        Ok(changed == 1)
    }

    /// The queued jobs of `printer` in order (the print worker lays each out again for the
    /// stock it prints on now).
    pub fn queued_label_jobs(&self, printer: &str) -> Result<Vec<LabelJob>, JournalError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM label_jobs WHERE printer = ?1 AND state = 'queued'
             ORDER BY seq"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![printer], job_from_row)?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// Replaces a queued job's ZPL (laid out again for the current stock); false when the
    /// job is no longer queued.
    pub fn relayout_queued_label_job(&mut self, id: &str, zpl: &str) -> Result<bool, JournalError> {
        let changed = self.conn.execute(
            "UPDATE label_jobs SET zpl = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'queued'",
            params![id, zpl, Utc::now().to_rfc3339()],
        )?;
        Ok(changed == 1)
    }

    /// Jobs of `printer` left `sending` by an interrupted run become `in_doubt`; returns
    /// how many.
    pub fn mark_interrupted_label_jobs(&mut self, printer: &str) -> Result<usize, JournalError> {
        Ok(self.conn.execute(
            "UPDATE label_jobs SET state = 'in_doubt', updated_at = ?2,
                    last_error = 'interrupted while sending: check whether it printed'
             WHERE printer = ?1 AND state = 'sending'",
            params![printer, Utc::now().to_rfc3339()],
        )?)
    }

    /// Counts of `printer`'s jobs by state.
    pub fn label_queue_counts(&self, printer: &str) -> Result<Vec<(String, u64)>, JournalError> {
        let mut stmt = self.conn.prepare(
            "SELECT state, count(*) FROM label_jobs WHERE printer = ?1 GROUP BY state ORDER BY state",
        )?;
        let rows = stmt.query_map(params![printer], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// This device's `pack` and `sscc_allocated` facts in journal order: the closed cartons
    /// and the pallets built of them ("Build pallet" decides from these,
    /// `workflow::labels::orders_to_palletise`). Read through schema 8's partial index.
    pub fn cartons_and_pallets(&self) -> Result<Vec<EventBody>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_seq, body FROM events WHERE kind IN ('pack', 'sscc_allocated')
             ORDER BY device_seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let raw: RawEvent = serde_json::from_str(&body).map_err(|e| {
                JournalError::Inconsistent(format!("event {seq} is not valid JSON: {e}"))
            })?;
            out.push(raw.decode()?.body);
        }
        Ok(out)
    }

    /// Stores a block leased by the server.
    pub fn add_sscc_block(&mut self, block: &SsccBlock) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT INTO sscc_blocks (extension, company_prefix, first_serial, last_serial,
                                      next_serial, leased_at)
             VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
            params![
                block.scheme.extension,
                block.scheme.company_prefix,
                block.first as i64,
                block.last as i64,
                Utc::now().to_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// The device's blocks with serials left, oldest first.
    pub fn sscc_blocks(&self) -> Result<Vec<BlockState>, JournalError> {
        let mut stmt = self.conn.prepare(
            "SELECT extension, company_prefix, first_serial, last_serial, next_serial
             FROM sscc_blocks WHERE next_serial <= last_serial ORDER BY leased_at, first_serial",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u8>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (extension, prefix, first, last, next) = row?;
            let scheme = SsccScheme::new(extension, &prefix)
                .map_err(|e| JournalError::Inconsistent(format!("stored SSCC block: {e}")))?;
            out.push(BlockState {
                block: SsccBlock {
                    scheme,
                    first: first as u64,
                    last: last as u64,
                },
                next: next as u64,
            });
        }
        Ok(out)
    }

    /// Takes the next serial of the oldest block durably and returns its SSCC (`None` when
    /// no block has serials left). The serial is spent even if the caller then fails.
    pub fn take_sscc(&mut self) -> Result<Option<Sscc>, JournalError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let row: Option<(u8, String, i64)> = tx
            .query_row(
                "SELECT extension, company_prefix, next_serial FROM sscc_blocks
                 WHERE next_serial <= last_serial ORDER BY leased_at, first_serial LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((extension, prefix, serial)) = row else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE sscc_blocks SET next_serial = next_serial + 1
             WHERE extension = ?1 AND company_prefix = ?2 AND next_serial = ?3",
            params![extension, prefix, serial],
        )?;
        tx.commit()?;
        let scheme = SsccScheme::new(extension, &prefix)
            .map_err(|e| JournalError::Inconsistent(format!("stored SSCC block: {e}")))?;
        let sscc = scheme
            .sscc(serial as u64)
            .map_err(|e| JournalError::Inconsistent(format!("stored SSCC block: {e}")))?;
        Ok(Some(sscc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WarehouseCode;
    use crate::journal::OpenOptions;

    fn journal(dir: &tempfile::TempDir) -> Journal {
        Journal::open_with(
            dir.path().join("device.db"),
            OpenOptions {
                warehouse: Some(WarehouseCode::new("WH1").unwrap()),
                ..OpenOptions::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn a_label_that_cannot_be_laid_out_is_stored_failed_with_its_reason_and_waits_for_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = journal(&dir);
        let job = |id: &str, failed: Option<&str>| NewLabelJob {
            id: id.into(),
            printer: "tcp://10.0.0.9:9100".into(),
            kind: "carton".into(),
            zpl: if failed.is_some() { "" } else { "^XA^XZ" }.into(),
            data: Some("{}".into()),
            failed: failed.map(str::to_owned),
        };
        journal
            .insert_label_job_with_data(&job("a", Some("Does not fit 4 × 2 in")))
            .unwrap();
        journal.insert_label_job_with_data(&job("b", None)).unwrap();
        let a = journal.label_job("a").unwrap().unwrap();
        assert_eq!(a.state, LabelJobState::Failed);
        assert_eq!(a.last_error.as_deref(), Some("Does not fit 4 × 2 in"));
        assert_eq!(
            journal.label_jobs_waiting().unwrap(),
            (1, 0),
            "only b waits"
        );
        let queued: Vec<String> = journal
            .queued_label_jobs("tcp://10.0.0.9:9100")
            .unwrap()
            .into_iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(queued, ["b"]);
        assert!(
            journal
                .relayout_queued_label_job("b", "^XA^FDnew^XZ")
                .unwrap()
        );
        assert!(
            !journal.relayout_queued_label_job("a", "^XA^XZ").unwrap(),
            "a failed job is not laid out again"
        );
        assert_eq!(journal.label_job("b").unwrap().unwrap().zpl, "^XA^FDnew^XZ");
    }

    /// "Build pallet" reads the journal's cartons and pallets through schema 8's index.
    #[test]
    fn cartons_and_pallets_are_read_through_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal(&dir);
        let plan: Vec<String> = journal
            .conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT device_seq, body FROM events
                 WHERE kind IN ('pack', 'sscc_allocated') ORDER BY device_seq",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            plan.iter()
                .any(|p| p.contains("events_cartons_and_pallets")),
            "{plan:?}"
        );
        assert!(journal.cartons_and_pallets().unwrap().is_empty());
    }
}
