//! Numbered schema migrations from `migrations/device/`, compiled in and tracked by
//! `PRAGMA user_version`. Append-only: a shipped migration is never edited.

use std::path::Path;

use rusqlite::Connection;

use super::{APPLICATION_ID, JournalError};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/device/0001_journal.sql"),
    include_str!("../../../migrations/device/0002_sync.sql"),
    include_str!("../../../migrations/device/0003_workflows.sql"),
    include_str!("../../../migrations/device/0004_push_commits.sql"),
    include_str!("../../../migrations/device/0005_labels.sql"),
    include_str!("../../../migrations/device/0006_label_settings.sql"),
    include_str!("../../../migrations/device/0007_balance_version.sql"),
    include_str!("../../../migrations/device/0008_label_failed.sql"),
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`LATEST`], one transaction per migration.
pub fn apply(conn: &mut Connection, path: &Path) -> Result<(), JournalError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| {
            JournalError::Inconsistent(format!(
                "migration {version} failed on {}: {e}",
                path.display()
            ))
        })?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
