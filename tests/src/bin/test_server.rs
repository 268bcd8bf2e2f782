//! The sync server as its own process, for tests that kill it: `dockhand-test-server
//! DATABASE_URL PORT [--gate MAX_LAG_MS PUSHES]` migrates, serves on 127.0.0.1:PORT and
//! prints `listening` once ready; `--gate` turns the stream gate on as `serve` does.

use anyhow::Context;
use dockhand_sync_server::config::{
    DEFAULT_BODY_LIMIT, DEFAULT_NATS_URL, RelayConfig, StreamConfig,
};
use dockhand_sync_server::{AppState, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: dockhand-test-server DATABASE_URL PORT")?;
    let port: u16 = args
        .next()
        .context("missing PORT")?
        .parse()
        .context("PORT is not a number")?;
    let store = Store::connect(&url, 16).await?;
    store.migrate().await?;
    if args.next().as_deref() == Some("--gate") {
        let mut number = |what: &str| -> anyhow::Result<u64> {
            args.next()
                .with_context(|| format!("--gate needs {what}"))?
                .parse()
                .with_context(|| format!("{what} is not a number"))
        };
        let mut config = RelayConfig::new(StreamConfig::new(DEFAULT_NATS_URL, "UNUSED", "unused"));
        config.max_lag_ms = number("MAX_LAG_MS")?;
        config.gate_pushes = usize::try_from(number("PUSHES")?)?;
        dockhand_sync_server::stream::gate::start(store.clone(), &config);
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening");
    dockhand_sync_server::serve(
        listener,
        AppState { store },
        DEFAULT_BODY_LIMIT,
        std::future::pending(),
    )
    .await?;
    Ok(())
}
