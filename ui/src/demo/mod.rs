//! `dockhand --demo`: one command that gives a newcomer a working handheld. A scratch
//! directory holds the device journal; [`database`] finds PostgreSQL (a throwaway `initdb`
//! cluster, or `DATABASE_URL`); [`bootstrap`] runs the sync server in this process, fills
//! the demo warehouse of [`data`] and enrols the handheld as a supervisor device. Without
//! PostgreSQL the handheld still starts, with the same warehouse offline, and says why.
//!
//! Everything but [`notice`] (the start-up band) runs without a window, so tests drive it
//! headless. [`sample_conflicts`] is the server-less conflict queue for screenshots and
//! unit tests.

pub mod bootstrap;
pub mod data;
pub mod database;
pub mod notice;
pub mod sample_conflicts;

use std::path::{Path, PathBuf};

use anyhow::Context;
use dockhand_app::domain::WarehouseCode;
use dockhand_app::journal::{Journal, OpenOptions};

use bootstrap::{DemoServer, Seeded};
use database::DemoDatabase;

/// How the demo came up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoStatus {
    /// The handheld syncs with the in-process server at `url`.
    Online {
        url: String,
        database: String,
        seeded: Seeded,
    },
    /// No server: the warehouse is on the device only. `reason` says what was missing.
    Offline { reason: String },
}

/// A running demo: its scratch directory, journal, server and database.
#[derive(Debug)]
pub struct DemoSession {
    pub journal_path: PathBuf,
    pub status: DemoStatus,
    server: Option<DemoServer>,
    database: Option<DemoDatabase>,
    dir: tempfile::TempDir,
}

pub(crate) fn open_journal(path: &Path) -> anyhow::Result<Journal> {
    Journal::open_with(
        path,
        OpenOptions {
            warehouse: Some(WarehouseCode::new(data::WAREHOUSE)?),
            ..OpenOptions::default()
        },
    )
    .with_context(|| format!("cannot create the demo journal {}", path.display()))
}

impl DemoSession {
    /// Sets the demo up on `runtime` (the server keeps running there). Fails only when even
    /// the offline demo cannot be made (no scratch directory, no journal).
    pub fn start(runtime: &tokio::runtime::Runtime) -> anyhow::Result<DemoSession> {
        let dir = tempfile::Builder::new()
            .prefix("dockhand-demo-")
            .tempdir()
            .context("cannot create the demo's scratch directory")?;
        let journal_path = dir.path().join("device.db");
        let mut journal = open_journal(&journal_path)?;
        let online = runtime.block_on(async {
            let database = DemoDatabase::provision().await?;
            match start_online(&database, &mut journal).await {
                Ok((server, seeded)) => Ok((database, server, seeded)),
                Err(error) => {
                    if let Err(cleanup) = database.remove().await {
                        tracing::warn!(%cleanup, "the demo database was not removed");
                    }
                    Err(error)
                }
            }
        });
        match online {
            Ok((database, server, seeded)) => Ok(DemoSession {
                journal_path,
                status: DemoStatus::Online {
                    url: server.url.clone(),
                    database: database.describe(),
                    seeded,
                },
                server: Some(server),
                database: Some(database),
                dir,
            }),
            Err(error) => {
                let reason = format!("{error:#}");
                tracing::warn!(%reason, "the demo runs offline");
                // Start again from an empty journal: a failed first sync may have left half.
                drop(journal);
                remove_journal(&journal_path)?;
                let mut journal = open_journal(&journal_path)?;
                bootstrap::seed_offline(&mut journal)?;
                Ok(DemoSession {
                    journal_path,
                    status: DemoStatus::Offline { reason },
                    server: None,
                    database: None,
                    dir,
                })
            }
        }
    }

    /// The scratch directory (journal, scanner profile), removed at shut-down.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server, removes the database (or cluster) and the scratch directory.
    pub fn shut_down(mut self, runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
        let server = self.server.take();
        let database = self.database.take();
        runtime.block_on(async {
            if let Some(server) = server {
                server.stop().await;
            }
            match database {
                Some(database) => database.remove().await,
                None => Ok(()),
            }
        })?;
        self.dir
            .close()
            .context("cannot remove the demo's scratch directory")
    }
}

async fn start_online(
    database: &DemoDatabase,
    journal: &mut Journal,
) -> anyhow::Result<(DemoServer, Seeded)> {
    let server = DemoServer::start(&database.url()).await?;
    match bootstrap::seed(&server, journal).await {
        Ok(seeded) => Ok((server, seeded)),
        Err(error) => {
            server.stop().await;
            Err(error)
        }
    }
}

fn remove_journal(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove {}", file.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
