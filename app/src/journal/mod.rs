//! The device journal: an append-only SQLite log of every confirmed operation, the outbox
//! that tracks each event's sync state, and the local projections (catalog, locations,
//! balances, open tasks) the workflows check scans against.
//!
//! Durability: WAL with `synchronous=FULL`, so a call to [`Journal::record`] that returned
//! has reached the disk and survives a battery pull. `device_seq` is assigned inside the
//! writing transaction, so it is gapless. A file that is not a Dockhand journal, or is
//! damaged, is refused with [`JournalError`]; it is never reset.
//!
//! All SQL of the device lives in this module.

mod events;
mod labels;
mod migrations;
mod outbox;
mod projections;
mod sync_store;
mod workflow_store;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::domain::{DeviceId, EventDecodeError, IdError, WarehouseCode};

pub use events::{EventDraft, JournalStats, RecordedEvent};
pub use labels::{LabelJob, LabelJobState, NewLabelJob, StoredPrinterSettings};
pub use outbox::{OutboxEntry, OutboxState, SyncVerdict};
pub use projections::{CatalogHit, OnHandRow};
pub use sync_store::{DeviceConflict, PullApplied, SyncMarks};

/// `PRAGMA application_id` of a Dockhand journal ("DKH1").
pub const APPLICATION_ID: i32 = 0x444B_4831;

/// What went wrong with the journal, phrased for the person holding the device or the
/// operator supporting it.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "{path} is not a Dockhand journal (it belongs to another application, id {application_id:#x}); refusing to touch it"
    )]
    Foreign { path: PathBuf, application_id: i32 },
    #[error(
        "{path} is damaged and cannot be read as a journal ({detail}); keep the file for support and do not delete it: it may hold unsynced scans"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer Dockhand (journal schema {found}, this build knows up to {supported}); update the app"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("this device is not set up for a warehouse yet; enrol it first")]
    NoWarehouse,
    #[error("event refused: {0}")]
    InvalidEvent(#[from] EventDecodeError),
    #[error("event refused: {0}")]
    InvalidId(#[from] IdError),
    #[error("journal data is inconsistent: {0}")]
    Inconsistent(String),
    #[error("journal storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// How to open a journal.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Warehouse to set when the journal is created (or when none is set yet).
    pub warehouse: Option<WarehouseCode>,
    /// Device id to use when the journal is created; random otherwise.
    pub device_id: Option<DeviceId>,
    /// Run `PRAGMA quick_check` when opening (on by default in [`Journal::open`]).
    pub skip_quick_check: bool,
}

/// An open device journal. One per process; not shared between threads.
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    device_id: DeviceId,
    warehouse: Option<WarehouseCode>,
    clock_offset: Duration,
}

impl Journal {
    /// Opens the journal at `path`, creating it if the file does not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Self::open_with(path, OpenOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, options: OpenOptions) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let corrupt = |e: rusqlite::Error| classify_open_error(&path, e);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(corrupt)?;

        // Reading the header is the first thing that fails on a file that is not SQLite.
        let application_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(corrupt)?;
        let user_version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(corrupt)?;
        let table_count: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(corrupt)?;
        if application_id != APPLICATION_ID && (application_id != 0 || table_count > 0) {
            return Err(JournalError::Foreign {
                path,
                application_id,
            });
        }
        if user_version > migrations::LATEST {
            return Err(JournalError::NewerSchema {
                path,
                found: user_version,
                supported: migrations::LATEST,
            });
        }
        if table_count > 0 && !options.skip_quick_check {
            let verdict: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(corrupt)?;
            if verdict != "ok" {
                return Err(JournalError::Corrupt {
                    path,
                    detail: verdict,
                });
            }
        }

        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(corrupt)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::Inconsistent(format!(
                "SQLite refused WAL mode (got {mode}); the journal needs a local file system"
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -16384;",
        )
        .map_err(corrupt)?;

        let mut conn = conn;
        migrations::apply(&mut conn, &path)?;

        let existing: Option<(String, Option<String>, i64)> = conn
            .query_row(
                "SELECT device_id, warehouse, clock_offset_ms FROM device WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (device_id, warehouse, offset_ms) = match existing {
            Some((id, warehouse, offset)) => {
                let id = id.parse().map_err(|e| {
                    JournalError::Inconsistent(format!("device id {id:?} is not a UUID: {e}"))
                })?;
                let warehouse = match (warehouse, options.warehouse) {
                    (Some(w), _) => Some(WarehouseCode::new(w)?),
                    (None, Some(w)) => {
                        conn.execute(
                            "UPDATE device SET warehouse = ?1 WHERE id = 1",
                            params![w.as_str()],
                        )?;
                        Some(w)
                    }
                    (None, None) => None,
                };
                (DeviceId(id), warehouse, offset)
            }
            None => {
                let id = options.device_id.unwrap_or_else(DeviceId::new_random);
                conn.execute(
                    "INSERT INTO device (id, device_id, warehouse, created_at) VALUES (1, ?1, ?2, ?3)",
                    params![
                        id.to_string(),
                        options.warehouse.as_ref().map(|w| w.as_str()),
                        Utc::now().to_rfc3339()
                    ],
                )?;
                (id, options.warehouse, 0)
            }
        };

        Ok(Journal {
            conn,
            path,
            device_id,
            warehouse,
            clock_offset: Duration::milliseconds(offset_ms),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn warehouse(&self) -> Option<&WarehouseCode> {
        self.warehouse.as_ref()
    }

    /// Sets the warehouse (at enrolment).
    pub fn set_warehouse(&mut self, warehouse: WarehouseCode) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE device SET warehouse = ?1 WHERE id = 1",
            params![warehouse.as_str()],
        )?;
        self.warehouse = Some(warehouse);
        Ok(())
    }

    /// The device clock corrected by the offset learned from the server.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Remembers how far the server's clock is ahead of this device's.
    pub fn set_clock_offset(&mut self, offset: Duration) -> Result<(), JournalError> {
        self.conn.execute(
            "UPDATE device SET clock_offset_ms = ?1 WHERE id = 1",
            params![offset.num_milliseconds()],
        )?;
        self.clock_offset = offset;
        Ok(())
    }

    /// The pull cursor: where the next pull continues.
    pub fn pull_cursor(&self) -> Result<Option<String>, JournalError> {
        Ok(self
            .conn
            .query_row("SELECT pull_cursor FROM device WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// `PRAGMA integrity_check`: `Ok(())` or every problem SQLite reports.
    pub fn integrity_check(&self) -> Result<(), JournalError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let problems: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if problems == ["ok"] {
            Ok(())
        } else {
            Err(JournalError::Corrupt {
                path: self.path.clone(),
                detail: problems.join("; "),
            })
        }
    }
}

fn classify_open_error(path: &Path, e: rusqlite::Error) -> JournalError {
    use rusqlite::ffi::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => JournalError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => JournalError::Sqlite(e),
    }
}

#[cfg(test)]
mod tests;
