//! The background sync loop: rounds on a timer, at once on "sync now", and as soon as the
//! network returns (while offline it probes the server with jittered backoff and runs a
//! round on the first answer). Publishes a [`SyncStatus`] after every change.
//!
//! The loop opens its own connection to the journal file: SQLite's WAL lets the UI record
//! scans while a round is in flight (a writer waits at most a few milliseconds for the other).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, watch};

use super::backoff::Backoff;
use super::client::{SyncClient, SyncError};
use super::round::{DEFAULT_TIMEOUT, RoundOptions, sync_round};
use super::status::{SyncState, SyncStatus};
use crate::journal::{Journal, JournalError};

/// How the loop behaves.
#[derive(Debug, Clone)]
pub struct SyncServiceConfig {
    pub db_path: PathBuf,
    /// Time between rounds while online.
    pub interval: Duration,
    pub backoff: Backoff,
    pub round: RoundOptions,
    pub timeout: Duration,
}

impl SyncServiceConfig {
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            interval: Duration::from_secs(15),
            backoff: Backoff::default(),
            round: RoundOptions::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Controls a running loop.
#[derive(Debug, Clone)]
pub struct SyncHandle {
    status: watch::Receiver<SyncStatus>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
}

impl SyncHandle {
    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// A receiver that wakes on every status change (for a UI binding).
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// "Sync now": start a round without waiting for the timer or the backoff.
    pub fn sync_now(&self) {
        self.wake.notify_one();
    }

    /// Ends the loop after the current round.
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

/// Starts the loop on the current tokio runtime.
#[derive(Debug)]
pub struct SyncService;

impl SyncService {
    pub fn spawn(config: SyncServiceConfig) -> Result<SyncHandle, JournalError> {
        let journal = Journal::open(&config.db_path)?;
        let queued = journal.stats()?.pending;
        let (tx, rx) = watch::channel(SyncStatus::not_set_up(queued));
        let wake = Arc::new(Notify::new());
        let stop = Arc::new(Notify::new());
        let handle = SyncHandle {
            status: rx,
            wake: wake.clone(),
            stop: stop.clone(),
        };
        tokio::spawn(run_loop(journal, config, tx, wake, stop));
        Ok(handle)
    }
}

fn snapshot(journal: &Journal, state: SyncState, base: &SyncStatus) -> SyncStatus {
    let stats = journal.stats().unwrap_or_default();
    let marks = journal.sync_marks().ok();
    let open_conflicts = journal
        .open_device_conflicts()
        .map(|c| c.len() as u64)
        .unwrap_or(0);
    SyncStatus {
        state,
        offline_since: base.offline_since,
        queued: stats.pending,
        last_sync: marks.as_ref().and_then(|m| m.last_sync_at),
        conflicts_waiting: open_conflicts.max(stats.conflicts),
        rejected: stats.rejected,
        last_error: base.last_error.clone(),
    }
}

async fn run_loop(
    mut journal: Journal,
    config: SyncServiceConfig,
    status: watch::Sender<SyncStatus>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
) {
    let mut failures: u32 = 0;
    let mut current = status.borrow().clone();
    loop {
        let credentials = journal.credentials().ok().flatten();
        let wait = match credentials {
            None => {
                current = snapshot(&journal, SyncState::NotSetUp, &current);
                let _ = status.send(current.clone());
                config.interval
            }
            Some((url, token)) => {
                let client = match SyncClient::new(&url, &token, config.timeout) {
                    Ok(c) => c,
                    Err(e) => {
                        current.last_error = Some(e.to_string());
                        let _ = status.send(current.clone());
                        return;
                    }
                };
                // While offline, a cheap probe decides whether the network is back.
                let reachable = failures == 0 || client.probe().await.is_ok();
                if reachable {
                    current = snapshot(&journal, SyncState::Syncing, &current);
                    let _ = status.send(current.clone());
                    match sync_round(&mut journal, &client, config.round).await {
                        Ok(report) => {
                            tracing::debug!(?report, "sync round done");
                            failures = 0;
                            current.offline_since = None;
                            current.last_error = None;
                            current = snapshot(&journal, SyncState::Online, &current);
                        }
                        Err(SyncError::Unauthorized(message)) => {
                            failures = 0;
                            current.last_error = Some(message);
                            current = snapshot(&journal, SyncState::NeedsEnrolment, &current);
                        }
                        Err(e) => {
                            failures = failures.saturating_add(1);
                            current.offline_since.get_or_insert_with(Utc::now);
                            current.last_error = Some(e.to_string());
                            current = snapshot(&journal, SyncState::Offline, &current);
                        }
                    }
                } else {
                    failures = failures.saturating_add(1);
                    current.offline_since.get_or_insert_with(Utc::now);
                    current = snapshot(&journal, SyncState::Offline, &current);
                }
                let _ = status.send(current.clone());
                if failures == 0 {
                    config.interval
                } else {
                    config
                        .backoff
                        .delay(failures, rand::random::<f64>())
                        .max(Duration::from_millis(50))
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = stop.notified() => return,
        }
    }
}
