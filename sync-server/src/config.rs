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
    /// Run the stock stream's relay inside this process (see `relay`).
    #[arg(long, env = "DOCKHAND_RELAY", default_value_t = true, action = clap::ArgAction::Set)]
    pub relay: bool,
    #[command(flatten)]
    pub relay_config: RelayConfig,
    /// Seconds between report refreshes (summaries, then a replenishment and alert run per
    /// warehouse); 0 turns the schedule off.
    #[arg(long, env = "DOCKHAND_REPORT_REFRESH_SECS", default_value_t = 300)]
    pub report_refresh_secs: u64,
    /// Hours the stock stream's outbox keeps messages every relay has published (what SSE
    /// clients can resume from); older ones are deleted every minute. 0 keeps them forever.
    #[arg(long, env = "DOCKHAND_OUTBOX_RETENTION_HOURS", default_value_t = 168)]
    pub outbox_retention_hours: u64,
}

/// Where the stock stream goes: the NATS server, the JetStream stream and its subjects.
#[derive(Debug, Clone, clap::Args)]
pub struct StreamConfig {
    /// NATS server with JetStream.
    #[arg(long, env = "NATS_URL", default_value = DEFAULT_NATS_URL)]
    pub nats_url: String,
    /// JetStream stream the relay publishes to (created if missing).
    #[arg(long, env = "DOCKHAND_STREAM_NAME", default_value = "DOCKHAND")]
    pub stream_name: String,
    /// First subject token(s): subjects are `<prefix>.<warehouse>.stock.<item>` etc.
    #[arg(long, env = "DOCKHAND_STREAM_PREFIX", default_value = "dockhand")]
    pub subject_prefix: String,
    /// Retention of a stream created by the relay, in hours.
    #[arg(long, env = "DOCKHAND_STREAM_MAX_AGE_HOURS", default_value_t = 7 * 24)]
    pub max_age_hours: u64,
    /// Size cap of a stream created by the relay, in bytes (oldest messages go first).
    #[arg(long, env = "DOCKHAND_STREAM_MAX_BYTES", default_value_t = 8 * 1024 * 1024 * 1024)]
    pub max_bytes: i64,
    /// JetStream drops a message id it has seen within this window (seconds).
    #[arg(
        long,
        env = "DOCKHAND_STREAM_DUPLICATE_WINDOW_SECS",
        default_value_t = 300
    )]
    pub duplicate_window_secs: u64,
}

impl StreamConfig {
    /// The defaults with another NATS URL, stream and prefix (tests, tools).
    pub fn new(nats_url: &str, stream_name: &str, subject_prefix: &str) -> StreamConfig {
        StreamConfig {
            nats_url: nats_url.to_owned(),
            stream_name: stream_name.to_owned(),
            subject_prefix: subject_prefix.to_owned(),
            max_age_hours: 7 * 24,
            max_bytes: 8 * 1024 * 1024 * 1024,
            duplicate_window_secs: 300,
        }
    }
}

/// Settings of the outbox relay (`relay`, and `serve` unless `--relay false`).
#[derive(Debug, Clone, clap::Args)]
pub struct RelayConfig {
    #[command(flatten)]
    pub stream: StreamConfig,
    /// Pause between outbox polls when there is nothing to publish, in milliseconds.
    #[arg(long, env = "DOCKHAND_RELAY_POLL_MS", default_value_t = 5)]
    pub poll_ms: u64,
    /// Most messages read per partition per round.
    #[arg(long, env = "DOCKHAND_RELAY_BATCH", default_value_t = 500)]
    pub batch: i64,
    /// Stream freshness over push speed (`serve`): the lag, in milliseconds, that live
    /// relays are held to. Above it the process halves how many pushes run at once (down to
    /// `--gate-pushes`); well below it, with pushes waiting, it lets more run again (0 = the
    /// gate is off). See `docs/stream.md`.
    #[arg(long, env = "DOCKHAND_STREAM_MAX_LAG_MS", default_value_t = 15)]
    pub max_lag_ms: u64,
    /// The fewest pushes the gate lets run at once in this process while the relays lag.
    #[arg(long, env = "DOCKHAND_STREAM_GATE_PUSHES", default_value_t = 2)]
    pub gate_pushes: usize,
}

impl RelayConfig {
    pub fn new(stream: StreamConfig) -> RelayConfig {
        RelayConfig {
            stream,
            poll_ms: 5,
            batch: 500,
            max_lag_ms: 15,
            gate_pushes: 2,
        }
    }
}

/// Where the relay finds NATS unless `NATS_URL` says otherwise.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// 4 MiB: a full batch of [`dockhand_app::protocol::MAX_PUSH_EVENTS`] events of ~2 KiB each.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;
