//! Dockhand's sync server: takes every device's journal exactly once into PostgreSQL, keeps
//! the movement ledger and balances, detects the conflicts offline work makes possible and
//! serves supervisors. Stateless: several processes may serve one database.
//!
//! Modules: `config` (one typed configuration), `store` (all SQL), `api` (axum routes),
//! `metrics` (Prometheus counters), `openapi` (the API description), `stream` (the stock
//! stream: outbox relay to NATS JetStream, SSE), `reports` (replenishment, alerts and
//! inventory reports over summaries of the ledger).

pub mod api;
pub mod config;
pub mod csv_import;
pub mod metrics;
pub mod openapi;
pub mod reports;
pub mod store;
pub mod stream;

pub use api::AppState;
pub use store::{Store, StoreError};

/// Serves the API on `listener` until the process ends (or `shutdown` resolves). Tests
/// bind `127.0.0.1:0` and pass the listener in.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    body_limit: usize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = api::router(state, body_limit);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
