//! All of the server's SQL: the connection pool, the migration runner and one file per area
//! (push, ledger, conflicts, pull, devices, imports, audit). Nothing outside `store` builds
//! a query; nothing in `store` knows about HTTP.

mod audit;
mod conflicts;
mod devices;
mod imports;
mod ledger;
mod pull;
mod push;
pub(crate) mod sscc;
mod tasks;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dockhand_app::domain::WarehouseCode;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use audit::BalanceDifference;
pub use conflicts::{ConflictDetail, ConflictSummary, Resolution, ResolutionAction};
pub use devices::{AuthedDevice, DeviceHealth, EnrolledDevice, Role};
pub use imports::{
    ImportSummary, InboundDocumentImport, InboundLineImport, OrderImport, OrderLineImport,
};
pub use pull::{ChangePage, PullCursor};
pub use push::PushBatch;
pub use sscc::SsccSchemeState;
pub use tasks::{PickTaskImportSummary, ShortReservation};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i32,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    /// The request is valid but the current state does not allow it (e.g. resolving a
    /// resolved conflict).
    #[error("{0}")]
    StateConflict(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A deadlock or serialisation failure: the transaction may simply be run again.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                // Deadlock, serialisation failure, or a unique violation from a concurrent
                // writer of the same key (the retry sees its row).
                matches!(db.code().as_deref(), Some("40P01" | "40001" | "23505"))
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Numbered migrations, compiled in, applied in order and recorded in `schema_migrations`.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../../../migrations/server/0001_schema.sql"),
    ),
    (
        2,
        "outbox",
        include_str!("../../../migrations/server/0002_outbox.sql"),
    ),
    (
        3,
        "reports",
        include_str!("../../../migrations/server/0003_reports.sql"),
    ),
    (
        4,
        "sscc",
        include_str!("../../../migrations/server/0004_sscc.sql"),
    ),
    (
        5,
        "push",
        include_str!("../../../migrations/server/0005_push.sql"),
    ),
    (
        6,
        "report_rolling",
        include_str!("../../../migrations/server/0006_report_rolling.sql"),
    ),
    (
        7,
        "relay_lag",
        include_str!("../../../migrations/server/0007_relay_lag.sql"),
    ),
    (
        8,
        "outbox_retention",
        include_str!("../../../migrations/server/0008_outbox_retention.sql"),
    ),
    (
        9,
        "balance_version",
        include_str!("../../../migrations/server/0009_balance_version.sql"),
    ),
];

/// Serialises concurrent `migrate` runs of several server processes.
const MIGRATION_LOCK_KEY: i64 = 0x646f_636b_6861_6e64; // "dockhand"

/// The server's handle on PostgreSQL. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    catalog: Arc<KnownCatalog>,
}

/// Which catalog a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CatalogKind {
    Item,
    Location,
}

/// Items and locations this process has seen in the database. Only presence is cached:
/// catalog rows are never deleted, so a code once known stays known, while an unknown code
/// is asked again each time (it may have been imported since, by any process).
#[derive(Debug, Default)]
pub(crate) struct KnownCatalog {
    known: Mutex<HashSet<(String, CatalogKind, String)>>,
}

impl KnownCatalog {
    pub(crate) fn knows(&self, warehouse: &WarehouseCode, kind: CatalogKind, code: &str) -> bool {
        self.known.lock().is_ok_and(|known| {
            known.contains(&(warehouse.as_str().to_owned(), kind, code.to_owned()))
        })
    }

    pub(crate) fn learn(&self, warehouse: &WarehouseCode, kind: CatalogKind, code: &str) {
        if let Ok(mut known) = self.known.lock() {
            known.insert((warehouse.as_str().to_owned(), kind, code.to_owned()));
        }
    }
}

impl Store {
    /// Connects a pool of at most `max_connections`.
    pub async fn connect(database_url: &str, max_connections: u32) -> StoreResult<Store> {
        let options: PgConnectOptions = database_url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            catalog: Arc::default(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (tests do this before dropping their database).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies the migrations not yet applied and makes sure the ledger has partitions for
    /// last month to a year ahead. Safe to run from several processes at once.
    pub async fn migrate(&self) -> StoreResult<Vec<i32>> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
        let result = apply_migrations(&mut conn).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
        let applied = result?;
        if let Err(e) = self.ensure_ledger_partitions().await {
            // Never fatal: rows land in the default partition meanwhile.
            tracing::warn!(error = %e, "could not create the ledger's monthly partitions");
        }
        Ok(applied)
    }

    /// Creates the ledger's monthly partitions from last month to a year ahead. Run at
    /// every migrate and daily by `serve`, so the default partition normally stays empty
    /// (a month whose rows already sit in the default partition cannot be split out, and is
    /// then reported by this error).
    pub async fn ensure_ledger_partitions(&self) -> StoreResult<()> {
        sqlx::query(
            "SELECT dockhand_ensure_ledger_partitions((now() - INTERVAL '1 month')::date, 14)",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

async fn apply_migrations(conn: &mut sqlx::PgConnection) -> StoreResult<Vec<i32>> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .execute(&mut *conn)
    .await?;
    let done: Vec<i32> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    let mut applied = Vec::new();
    for &(version, name, sql) in MIGRATIONS {
        if done.contains(&version) {
            continue;
        }
        let run = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                .bind(version)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        run.await.map_err(|source| StoreError::Migration {
            version,
            name,
            source,
        })?;
        tracing::info!(version, name, "applied migration");
        applied.push(version);
    }
    Ok(applied)
}

/// Lot as stored: `''` for none.
pub(crate) fn lot_key(lot: Option<&dockhand_app::domain::LotCode>) -> String {
    lot.map(|l| l.as_str().to_owned()).unwrap_or_default()
}
