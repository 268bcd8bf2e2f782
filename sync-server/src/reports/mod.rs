//! Replenishment, exception alerts and inventory reports on the central store
//! (docs/reports.md).
//!
//! - `refresh`: incremental summaries of the month-partitioned ledger (daily item and
//!   location movement, FIFO receipt layers, per-item totals, document receipt times);
//! - `policy`, `classify`: the pure decisions (zones, orders, ABC/XYZ, constraint health);
//! - `replenishment`, `inventory`, `suppliers`, `alerts`: the SQL behind each report;
//! - `table`: the output (JSON, CSV, terminal);
//! - `supply`, `cost`: the supplier/item terms and unit costs the imports carry.
//!
//! Reports only read. A *run* ([`Reports::run`]) is the one writer: in one transaction it
//! stores zone changes, suggested purchase orders and alerts. Push never calls in here.

pub mod alerts;
pub mod classify;
pub mod cost;
pub mod inventory;
pub mod policy;
pub mod refresh;
pub mod replenishment;
pub mod settings;
pub mod suppliers;
pub mod supply;
pub mod table;

use std::fmt;
use std::str::FromStr;

use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use crate::store::Store;

pub use alerts::{AlertCandidate, AlertWrites};
pub use cost::UnitCost;
pub use refresh::RefreshSummary;
pub use replenishment::{ReplenishmentWrites, WindowSource};
pub use settings::{Policy, ReportParams, ReportSettings, TurnsBy};
pub use table::ReportTable;

/// Settings of a report's transaction.
const REPORT_SESSION_SQL: &str = "SET LOCAL work_mem = '64MB'";

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    UnknownWarehouse(String),
    #[error("{0}")]
    UnknownReport(String),
    #[error("{0}")]
    Invalid(String),
}

/// The reports there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportName {
    OnHand,
    Valuation,
    Turns,
    DeadStock,
    Shrinkage,
    Suppliers,
    ConstraintHealth,
    Replenishment,
    AbcXyz,
    Alerts,
    PurchaseSuggestions,
}

impl ReportName {
    pub const ALL: [ReportName; 11] = [
        ReportName::OnHand,
        ReportName::Valuation,
        ReportName::Turns,
        ReportName::DeadStock,
        ReportName::Shrinkage,
        ReportName::Suppliers,
        ReportName::ConstraintHealth,
        ReportName::Replenishment,
        ReportName::AbcXyz,
        ReportName::Alerts,
        ReportName::PurchaseSuggestions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::OnHand => "on-hand",
            ReportName::Valuation => "valuation",
            ReportName::Turns => "turns",
            ReportName::DeadStock => "dead-stock",
            ReportName::Shrinkage => "shrinkage",
            ReportName::Suppliers => "suppliers",
            ReportName::ConstraintHealth => "constraint-health",
            ReportName::Replenishment => "replenishment",
            ReportName::AbcXyz => "abc-xyz",
            ReportName::Alerts => "alerts",
            ReportName::PurchaseSuggestions => "purchase-suggestions",
        }
    }

    pub fn names() -> String {
        ReportName::ALL.map(ReportName::as_str).join(", ")
    }
}

impl fmt::Display for ReportName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportName {
    type Err = ReportError;

    fn from_str(text: &str) -> Result<ReportName, ReportError> {
        ReportName::ALL
            .into_iter()
            .find(|n| n.as_str() == text)
            .ok_or_else(|| {
                ReportError::UnknownReport(format!(
                    "there is no report {text:?}; the reports are {}",
                    ReportName::names()
                ))
            })
    }
}

/// What a run wrote, per warehouse.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunSummary {
    pub warehouse: String,
    pub items: u64,
    pub replenishment: ReplenishmentWrites,
    pub alerts: AlertWrites,
}

pub(crate) async fn require_warehouse(pool: &PgPool, warehouse: &str) -> Result<(), ReportError> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM warehouses WHERE code = $1)")
            .bind(warehouse)
            .fetch_one(pool)
            .await?;
    if known {
        Ok(())
    } else {
        Err(ReportError::UnknownWarehouse(format!(
            "warehouse {warehouse:?} does not exist; import its items or enrol a device first"
        )))
    }
}

/// Reports over one store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Reports {
    pool: PgPool,
}

impl Reports {
    pub fn new(store: &Store) -> Reports {
        Reports {
            pool: store.pool().clone(),
        }
    }

    /// Today (UTC), the default `as_of`.
    pub fn today() -> chrono::NaiveDate {
        Utc::now().date_naive()
    }

    /// Takes the ledger rows committed since the last refresh into the summaries, with
    /// the rolling window sums for today (UTC).
    pub async fn refresh(&self) -> Result<RefreshSummary, ReportError> {
        refresh::refresh(&self.pool).await
    }

    /// [`Reports::refresh`] with the rolling window sums for `as_of` rather than today.
    pub async fn refresh_for(
        &self,
        as_of: chrono::NaiveDate,
    ) -> Result<RefreshSummary, ReportError> {
        refresh::refresh_for(&self.pool, as_of).await
    }

    /// Every warehouse code, for the scheduled run.
    pub async fn warehouses(&self) -> Result<Vec<String>, ReportError> {
        Ok(
            sqlx::query_scalar("SELECT code FROM warehouses ORDER BY code")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// One report of `warehouse`.
    pub async fn report(
        &self,
        name: ReportName,
        warehouse: &str,
        settings: &ReportSettings,
    ) -> Result<ReportTable, ReportError> {
        require_warehouse(&self.pool, warehouse).await?;
        // One read-only transaction: a consistent picture, and memory enough to aggregate
        // the windows in hash tables rather than on disk.
        let mut conn = self.pool.begin().await?;
        sqlx::query(REPORT_SESSION_SQL).execute(&mut *conn).await?;
        let refreshed_through = refresh::refreshed_through(&mut conn).await?;
        let (columns, rows, notes) = match name {
            ReportName::OnHand => inventory::on_hand(&mut conn, warehouse).await?,
            ReportName::Valuation => inventory::valuation(&mut conn, warehouse, settings).await?,
            ReportName::Turns => inventory::turns(&mut conn, warehouse, settings).await?,
            ReportName::DeadStock => inventory::dead_stock(&mut conn, warehouse, settings).await?,
            ReportName::Shrinkage => inventory::shrinkage(&mut conn, warehouse, settings).await?,
            ReportName::Suppliers => suppliers::scorecards(&mut conn, warehouse, settings).await?,
            ReportName::Alerts => alerts::open_alerts(&mut conn, warehouse).await?,
            ReportName::PurchaseSuggestions => {
                alerts::open_suggestions(&mut conn, warehouse).await?
            }
            ReportName::AbcXyz => {
                let (rows, source) = replenishment::abc_xyz(&mut conn, warehouse, settings).await?;
                (
                    replenishment::ABC_XYZ_COLUMNS.to_vec(),
                    rows,
                    vec![
                        format!(
                            "ABC by shipped value over {} weeks (A < {} %, B < {} % of \
                             cumulative value before the item); XYZ by the weekly demand's \
                             coefficient of variation (X ≤ {}, Y ≤ {}, else Z)",
                            settings.class_weeks(),
                            settings.abc_a_pct,
                            settings.abc_b_pct,
                            settings.xyz_x_cv,
                            settings.xyz_y_cv
                        ),
                        source.note(settings.as_of),
                    ],
                )
            }
            ReportName::Replenishment => {
                let (plan, source) =
                    replenishment::plan_items(&mut conn, warehouse, settings).await?;
                let rows = plan
                    .iter()
                    .filter(|r| r.decision.velocity > 0.0 || r.available > 0 || r.on_order > 0)
                    .map(replenishment::replenishment_row)
                    .collect();
                (
                    replenishment::REPLENISHMENT_COLUMNS.to_vec(),
                    rows,
                    vec![
                        format!(
                            "policy {}; velocity over {} days, orders cover {} days of sales",
                            settings.policy.as_str(),
                            settings.velocity_days,
                            settings.order_days
                        ),
                        source.note(settings.as_of),
                    ],
                )
            }
            ReportName::ConstraintHealth => {
                let (plan, source) =
                    replenishment::plan_items(&mut conn, warehouse, settings).await?;
                let health = policy::constraint_health(plan.iter().map(|r| &r.decision));
                let count = |zone: policy::Zone| {
                    plan.iter()
                        .filter(|r| r.decision.velocity > 0.0 && r.decision.zone == zone)
                        .count()
                };
                let open_alerts: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM alerts WHERE warehouse = $1 AND closed_at IS NULL",
                )
                .bind(warehouse)
                .fetch_one(&mut *conn)
                .await?;
                (
                    vec![
                        "warehouse",
                        "constraint_health",
                        "selling_items",
                        "green",
                        "yellow",
                        "red",
                        "open_alerts",
                    ],
                    vec![vec![
                        json!(warehouse),
                        table::round(health, 1),
                        json!(plan.iter().filter(|r| r.decision.velocity > 0.0).count()),
                        json!(count(policy::Zone::Green)),
                        json!(count(policy::Zone::Yellow)),
                        json!(count(policy::Zone::Red)),
                        json!(open_alerts),
                    ]],
                    vec![
                        "constraint health = 100 × Σ velocity × zone score / Σ velocity \
                         (green 1, yellow 0.5, red 0): the share of demand that stock can serve \
                         without a constraint; 100 when nothing sells"
                            .to_owned(),
                        source.note(settings.as_of),
                    ],
                )
            }
        };
        conn.commit().await?;
        Ok(ReportTable {
            report: name.as_str(),
            warehouse: warehouse.to_owned(),
            as_of: settings.as_of,
            refreshed_through,
            columns,
            rows,
            notes,
        })
    }

    /// The replenishment run of `warehouse`: zone changes, suggested purchase orders for
    /// items entering yellow or red, and alerts — one transaction.
    pub async fn run(
        &self,
        warehouse: &str,
        settings: &ReportSettings,
    ) -> Result<RunSummary, ReportError> {
        require_warehouse(&self.pool, warehouse).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL work_mem = '64MB'")
            .execute(&mut *tx)
            .await?;
        // One run per warehouse at a time: concurrent runs would both see "entering".
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtextextended('dockhand-report-run:' || $1, 0))",
        )
        .bind(warehouse)
        .execute(&mut *tx)
        .await?;
        let (plan, _) = replenishment::plan_items(&mut tx, warehouse, settings).await?;
        let replenishment = replenishment::write_run(&mut tx, warehouse, settings, &plan).await?;
        let found = alerts::find_alerts(&mut tx, warehouse, settings, &plan).await?;
        let alerts = alerts::write_alerts(&mut tx, warehouse, &found).await?;
        tx.commit().await?;
        Ok(RunSummary {
            warehouse: warehouse.to_owned(),
            items: plan.len() as u64,
            replenishment,
            alerts,
        })
    }

    pub async fn import_suppliers(
        &self,
        warehouse: &str,
        rows: &[supply::SupplierImport],
    ) -> Result<u64, ReportError> {
        supply::import_suppliers(&self.pool, warehouse, rows).await
    }

    pub async fn import_item_supply(
        &self,
        warehouse: &str,
        rows: &[supply::ItemSupplyImport],
    ) -> Result<u64, ReportError> {
        supply::import_item_supply(&self.pool, warehouse, rows).await
    }
}
