//! The sync server as its own process, for tests that kill it: `dockhand-test-server
//! DATABASE_URL PORT` migrates, serves on 127.0.0.1:PORT and prints `listening` once ready.

use anyhow::Context;
use dockhand_sync_server::config::DEFAULT_BODY_LIMIT;
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
