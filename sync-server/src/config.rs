//! The server's one typed configuration, from flags and environment, with defaults that run
//! out of the box against a local PostgreSQL.

use std::net::SocketAddr;

/// Where to find PostgreSQL unless `DATABASE_URL` says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/dockhand";

/// Settings shared by every subcommand that talks to the database.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Most connections this process opens.
    #[arg(long, env = "DOCKHAND_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
}

/// Settings of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "DOCKHAND_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "DOCKHAND_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// Apply pending migrations before serving.
    #[arg(long, env = "DOCKHAND_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,
    /// Seconds between report refreshes (summaries, then a replenishment and alert run per
    /// warehouse); 0 turns the schedule off.
    #[arg(long, env = "DOCKHAND_REPORT_REFRESH_SECS", default_value_t = 300)]
    pub report_refresh_secs: u64,
}

/// 4 MiB: a full batch of [`dockhand_app::protocol::MAX_PUSH_EVENTS`] events of ~2 KiB each.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;
