//! What the sync badge and the sync screen show.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Connection state as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Never enrolled: no server to talk to.
    NotSetUp,
    Syncing,
    Online,
    /// The last attempt failed; retrying with backoff.
    Offline,
    /// The server refused the device's token; it must be enrolled again.
    NeedsEnrolment,
}

/// A snapshot for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub state: SyncState,
    /// When the device last lost the server (kept until a round succeeds).
    pub offline_since: Option<DateTime<Utc>>,
    /// Events recorded but not yet answered by the server.
    pub queued: u64,
    pub last_sync: Option<DateTime<Utc>>,
    /// Conflicts the server opened for this device's events, still open.
    pub conflicts_waiting: u64,
    /// Events the server rejected (quarantined).
    pub rejected: u64,
    pub last_error: Option<String>,
}

impl SyncStatus {
    pub fn not_set_up(queued: u64) -> Self {
        Self {
            state: SyncState::NotSetUp,
            offline_since: None,
            queued,
            last_sync: None,
            conflicts_waiting: 0,
            rejected: 0,
            last_error: None,
        }
    }
}
