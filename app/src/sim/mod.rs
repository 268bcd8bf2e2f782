//! The device simulator behind `dockhand-cli sim`: N simulated handhelds, each with its own
//! journal file and the real sync client, work receiving, putaway, picking, shipping and
//! counting shifts against a real server, offline for part of the shift, then come back and
//! drain. Used by the end-to-end tests and for load and convergence runs.
//!
//! Devices choose what to do from what *they* know (their own projections), as a person with
//! a handheld would, so offline devices really do pick the same last unit and count stale
//! bins — the conflicts the server must catch.

mod admin;
mod shift;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use admin::{AdminClient, SimCatalog};
pub use shift::{ShiftPlan, run_shift};

use crate::domain::WarehouseCode;
use crate::journal::{Journal, JournalError, OpenOptions, OutboxState};
use crate::sync::round::RoundOptions;
use crate::sync::{SyncClient, SyncError, sync_round};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("admin call {what} failed: {message}")]
    Admin { what: &'static str, message: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("devices did not converge within {0:?}")]
    NoConvergence(Duration),
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub warehouse: WarehouseCode,
    pub devices: usize,
    pub events_per_device: usize,
    pub items: usize,
    pub bins: usize,
    /// Share of each shift spent offline, in one stretch in the middle of the shift.
    pub offline_fraction: f64,
    /// While online, a device syncs after this many events.
    pub sync_every: usize,
    /// Simulated length of a shift; event times are spread over it.
    pub shift: chrono::Duration,
    pub shift_start: DateTime<Utc>,
    pub seed: u64,
    pub batch_size: usize,
    /// Stop waiting for convergence after this long.
    pub converge_timeout: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            warehouse: WarehouseCode::new("SIM").expect("SIM is a valid warehouse code"),
            devices: 4,
            events_per_device: 500,
            items: 50,
            bins: 40,
            offline_fraction: 0.5,
            sync_every: 25,
            shift: chrono::Duration::hours(8),
            shift_start: Utc::now() - chrono::Duration::hours(8),
            seed: 1,
            batch_size: 500,
            converge_timeout: Duration::from_secs(120),
        }
    }
}

/// What a simulation did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimSummary {
    pub devices: usize,
    pub events_recorded: u64,
    pub applied: u64,
    pub conflicts: u64,
    pub rejected: u64,
    pub conflicts_by_kind: BTreeMap<String, u64>,
    pub sync_errors_during_shift: u64,
    /// From "network back" to every device drained and pulled.
    pub converge_ms: u128,
    pub total_ms: u128,
}

/// Sets up the catalog and devices, runs every shift concurrently, then drains every device
/// and reports. Journals are created in `workdir`.
pub async fn run_simulation(
    server: &str,
    admin_token: &str,
    workdir: &Path,
    config: &SimConfig,
    progress: &(dyn Fn(String) + Sync),
) -> Result<SimSummary, SimError> {
    let started = Instant::now();
    let admin = AdminClient::new(server, admin_token)?;
    let catalog =
        SimCatalog::generate(&config.warehouse, config.items, config.bins, config.devices);
    admin.import_catalog(&catalog).await?;
    progress(format!(
        "imported {} items and {} locations into {}",
        catalog.items.len(),
        catalog.locations.len(),
        config.warehouse
    ));

    let mut devices = Vec::new();
    for index in 0..config.devices {
        let path = workdir.join(format!("device-{index}.db"));
        let mut journal = Journal::open_with(
            &path,
            OpenOptions {
                warehouse: Some(config.warehouse.clone()),
                ..OpenOptions::default()
            },
        )?;
        let token = admin
            .enrol(journal.device_id(), &format!("sim-{index}"))
            .await?;
        journal.set_credentials(server, &token)?;
        devices.push(journal);
    }
    progress(format!("enrolled {} devices", devices.len()));

    // Shifts run concurrently; each device owns its journal.
    let mut tasks = Vec::new();
    for (index, journal) in devices.into_iter().enumerate() {
        let plan = ShiftPlan::for_device(config, index, &catalog);
        tasks.push(tokio::spawn(run_shift(journal, plan)));
    }
    let mut journals = Vec::new();
    let mut summary = SimSummary {
        devices: config.devices,
        ..SimSummary::default()
    };
    for task in tasks {
        let (journal, errors) = task.await.map_err(|e| SimError::Admin {
            what: "shift task",
            message: e.to_string(),
        })??;
        summary.sync_errors_during_shift += errors;
        journals.push(journal);
    }
    progress(format!(
        "shifts done after {:?}; network back, draining",
        started.elapsed()
    ));

    let converge_started = Instant::now();
    let drains = journals.into_iter().map(|journal| {
        let config = config.clone();
        async move { drain(journal, &config).await }
    });
    let mut drained = Vec::new();
    for result in futures_join_all(drains).await {
        drained.push(result?);
    }
    summary.converge_ms = converge_started.elapsed().as_millis();

    for journal in &drained {
        let stats = journal.stats()?;
        summary.events_recorded += stats.events;
        summary.applied += stats.applied;
        summary.conflicts += stats.conflicts;
        summary.rejected += stats.rejected;
        for entry in journal.outbox(false, usize::MAX >> 1)? {
            if entry.state == OutboxState::Conflict {
                let kind = entry.detail.unwrap_or_default();
                *summary
                    .conflicts_by_kind
                    .entry(conflict_kind_of(&kind))
                    .or_default() += 1;
            }
        }
    }
    summary.total_ms = started.elapsed().as_millis();
    Ok(summary)
}

/// Conflict messages start with a sentence naming what happened; keep the kind short.
fn conflict_kind_of(detail: &str) -> String {
    detail
        .split(':')
        .next()
        .unwrap_or(detail)
        .trim()
        .chars()
        .take(60)
        .collect()
}

/// Syncs a device until nothing is pending, retrying transient failures.
pub async fn drain(mut journal: Journal, config: &SimConfig) -> Result<Journal, SimError> {
    let deadline = Instant::now() + config.converge_timeout;
    let (url, token) = journal.credentials()?.ok_or(SimError::Admin {
        what: "drain",
        message: "device not enrolled".into(),
    })?;
    let client = SyncClient::new(&url, &token, Duration::from_secs(30))?;
    let options = RoundOptions {
        batch_size: config.batch_size,
        ..RoundOptions::default()
    };
    let mut failures = 0u32;
    loop {
        match sync_round(&mut journal, &client, options).await {
            Ok(_) if journal.first_pending_seq()?.is_none() => return Ok(journal),
            Ok(_) => failures = 0,
            Err(e) if e.is_transient() || matches!(e, SyncError::SeqGap { .. }) => {
                failures += 1;
                if Instant::now() > deadline {
                    return Err(SimError::NoConvergence(config.converge_timeout));
                }
                let pause = crate::sync::backoff::Backoff {
                    base: Duration::from_millis(20),
                    max: Duration::from_millis(500),
                }
                .delay(failures, rand::random::<f64>());
                tokio::time::sleep(pause).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Awaits futures concurrently on the current task (no extra crate for `join_all`).
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.await {
            Ok(value) => out.push(value),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}
