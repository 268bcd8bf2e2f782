//! The outbox relay as its own process, for tests that kill it: `dockhand-test-relay
//! DATABASE_URL NATS_URL STREAM PREFIX` relays until killed and prints
//! `published <n> duplicates <m>` whenever its counters change (every 20 ms at most).

use anyhow::Context;
use dockhand_sync_server::Store;
use dockhand_sync_server::config::{RelayConfig, StreamConfig};
use dockhand_sync_server::metrics::METRICS;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: dockhand-test-relay DATABASE_URL NATS_URL STREAM PREFIX";
    let url = args.next().context(usage)?;
    let nats = args.next().context(usage)?;
    let stream = args.next().context(usage)?;
    let prefix = args.next().context(usage)?;
    let store = Store::connect(&url, 4).await?;
    tokio::spawn(async {
        let mut last = (0, 0);
        loop {
            let now = (
                METRICS.relay_published.get(),
                METRICS.relay_duplicates.get(),
            );
            if now != last {
                println!("published {} duplicates {}", now.0, now.1);
                last = now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    // Small and short-lived, like the tests' own streams (JetStream reserves the size cap).
    let mut stream_config = StreamConfig::new(&nats, &stream, &prefix);
    stream_config.max_bytes = 64 * 1024 * 1024;
    stream_config.max_age_hours = 1;
    let config = RelayConfig::new(stream_config);
    dockhand_sync_server::stream::run_relay(store, config, std::future::pending()).await;
    Ok(())
}
