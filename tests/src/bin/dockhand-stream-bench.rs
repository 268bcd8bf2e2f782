//! `dockhand-stream-bench`: the stock stream's figures for BENCHMARKS.md.
//!
//! - `latency`: while other devices load the servers (`dockhand-load`), a probe device
//!   pushes one receipt every `--every-ms` and a NATS subscriber on the stream's subjects
//!   notes when each probe movement arrives. Reports, per probe, push answered → message
//!   received (the commit happened just before the answer: a lower bound of commit →
//!   consumer) and push sent → message received (an upper bound), and for every stock
//!   message of the run, its transaction's start (`committed_at`) → received.
//! - `drain`: with a backlog already in the outbox (servers run with `--relay false`), runs
//!   `--relays` relays in this process and times them until the outbox is empty: the
//!   relay's sustained rate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use dockhand_app::domain::{
    DeviceSeq, Event, EventBody, EventHeader, EventId, Item, Location, LocationCode, LocationKind,
    LocationPath, OperatorId, Qty, RawEvent, Receive, Sku, StockLine, StockStatus, Tracking,
    WarehouseCode,
};
use dockhand_app::protocol::PushRequest;
use dockhand_sync_server::Store;
use dockhand_sync_server::config::{RelayConfig, StreamConfig};
use dockhand_sync_server::store::Role;
use dockhand_sync_server::stream::{outbox, subject};
use futures_util::StreamExt;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[command(flatten)]
    stream: StreamConfig,
    #[arg(long, default_value = "LOAD")]
    warehouse: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Commit → consumer latency of probe pushes while the servers are loaded.
    Latency {
        /// Server base URL the probe pushes to.
        #[arg(long)]
        url: String,
        /// How long to probe.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Pause between probes.
        #[arg(long, default_value_t = 20)]
        every_ms: u64,
        /// Probe devices pushing side by side (more probes, a steadier p99).
        #[arg(long, default_value_t = 1)]
        probes: usize,
        /// Also write each probe as `seconds since start,answered → consumer ms,sent →
        /// consumer ms` (in send order) to this file, to see when the slow ones happened.
        #[arg(long)]
        timeline: Option<std::path::PathBuf>,
    },
    /// Time relays running in this process until the outbox is empty.
    Drain {
        #[arg(long, default_value_t = 1)]
        relays: usize,
    },
    /// Delete the bench's JetStream stream.
    DeleteStream,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

fn report(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    println!(
        "{name}: n={} p50={:.1}ms p99={:.1}ms max={:.1}ms",
        values.len(),
        percentile(&values, 0.50),
        percentile(&values, 0.99),
        values.last().copied().unwrap_or(f64::NAN)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = Store::connect(&args.database_url, 8)
        .await
        .context("cannot connect to the database")?;
    store.migrate().await?;
    match args.mode {
        Mode::Latency {
            url,
            seconds,
            every_ms,
            probes,
            timeline,
        } => {
            latency(
                &store,
                &args.stream,
                &args.warehouse,
                &url,
                Probe {
                    seconds,
                    every_ms,
                    probes,
                    timeline,
                },
            )
            .await
        }
        Mode::Drain { relays } => drain(&store, &args.stream, relays).await,
        Mode::DeleteStream => {
            let client =
                dockhand_sync_server::stream::jetstream::connect(&args.stream.nats_url).await?;
            async_nats::jetstream::new(client)
                .delete_stream(&args.stream.stream_name)
                .await?;
            println!("deleted stream {}", args.stream.stream_name);
            Ok(())
        }
    }
}

struct Probe {
    seconds: u64,
    every_ms: u64,
    probes: usize,
    timeline: Option<std::path::PathBuf>,
}

async fn latency(
    store: &Store,
    stream: &StreamConfig,
    warehouse: &str,
    url: &str,
    probe: Probe,
) -> anyhow::Result<()> {
    let Probe {
        seconds,
        every_ms,
        probes,
        timeline,
    } = probe;
    let warehouse = WarehouseCode::new(warehouse)?;
    let item = Sku::new("PROBE")?;
    let bin = LocationCode::new("PROBE-BIN")?;
    store
        .import_items(
            &warehouse,
            &[Item {
                sku: item.clone(),
                name: "Latency probe".into(),
                gtins: vec![],
                packs: vec![],
                tracking: Tracking::default(),
                category: None,
            }],
        )
        .await?;
    store
        .import_locations(
            &warehouse,
            &[Location {
                code: bin.clone(),
                warehouse: warehouse.clone(),
                kind: LocationKind::Bin,
                path: LocationPath::default(),
                pick_sequence: 0,
                capacity: None,
            }],
        )
        .await?;
    let mut devices = Vec::new();
    for n in 0..probes.max(1) {
        devices.push(
            store
                .enrol_device(
                    None,
                    &warehouse,
                    Role::Receiver,
                    &format!("latency probe {n}"),
                )
                .await?,
        );
    }

    // event id → (sent, answered), and event id → received, filled by two tasks.
    let pushed: Arc<Mutex<HashMap<String, (Instant, Instant)>>> = Arc::default();
    let received: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let all_messages: Arc<Mutex<Vec<f64>>> = Arc::default();

    let client = dockhand_sync_server::stream::jetstream::connect(&stream.nats_url).await?;
    let filter = subject::warehouse_filter(&stream.subject_prefix, warehouse.as_str());
    let mut subscription = client.subscribe(filter).await?;
    let probe_subject = format!(
        "{}.{}.stock.{}",
        stream.subject_prefix,
        subject::token(warehouse.as_str()),
        subject::token(item.as_str())
    );
    let (rx_received, rx_all) = (received.clone(), all_messages.clone());
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let now = Instant::now();
            let wall = Utc::now();
            let Ok(body) = serde_json::from_slice::<serde_json::Value>(&message.payload) else {
                continue;
            };
            if let Some(committed) = body["committed_at"]
                .as_str()
                .and_then(|t| t.parse::<DateTime<Utc>>().ok())
                && let Ok(mut all) = rx_all.lock()
            {
                all.push((wall - committed).num_microseconds().unwrap_or(0) as f64 / 1e3);
            }
            if message.subject.as_str() == probe_subject
                && let Some(event) = body["event_id"].as_str()
                && let Ok(mut r) = rx_received.lock()
            {
                r.insert(event.to_owned(), now);
            }
        }
    });

    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for device in devices {
        let (http, url, pushed) = (http.clone(), url.to_owned(), pushed.clone());
        let (warehouse, item, bin) = (warehouse.clone(), item.clone(), bin.clone());
        tasks.spawn(async move {
            let mut seq = 0u64;
            while started.elapsed() < Duration::from_secs(seconds) {
                seq += 1;
                let event = RawEvent::from(Event {
                    header: EventHeader {
                        event_id: EventId::new_v7(),
                        device_id: device.device_id,
                        device_seq: DeviceSeq(seq),
                        occurred_at: Utc::now(),
                        operator: OperatorId::new("probe")?,
                        warehouse: warehouse.clone(),
                        scan: None,
                    },
                    body: EventBody::Receive(Receive {
                        document: None,
                        line: StockLine {
                            item: item.clone(),
                            qty: Qty::new(1)?,
                            lot: None,
                            expiry: None,
                            serials: vec![],
                        },
                        to: bin.clone(),
                        status: StockStatus::Available,
                        gtin: None,
                        pack: None,
                        sscc: None,
                    }),
                });
                let event_id = event.header.event_id.to_string();
                let request = PushRequest {
                    device_id: device.device_id,
                    events: vec![event],
                    queued: None,
                };
                let sent = Instant::now();
                let response = http
                    .post(format!("{url}/v1/push"))
                    .bearer_auth(&device.token)
                    .json(&request)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("probe push answered {}", response.status());
                }
                let answered = Instant::now();
                if let Ok(mut p) = pushed.lock() {
                    p.insert(event_id, (sent, answered));
                }
                tokio::time::sleep(Duration::from_millis(every_ms)).await;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    // Give the last probes time to arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pushed = pushed.lock().map(|p| p.clone()).unwrap_or_default();
    let received = received.lock().map(|r| r.clone()).unwrap_or_default();
    let mut from_answer = Vec::new();
    let mut from_send = Vec::new();
    let mut missing = 0;
    let mut lines = Vec::new();
    for (event, (sent, answered)) in &pushed {
        match received.get(event) {
            Some(at) => {
                let send_ms = at.duration_since(*sent).as_secs_f64() * 1e3;
                // A message may arrive before the HTTP answer: that counts as 0.
                let answer_ms = at.saturating_duration_since(*answered).as_secs_f64() * 1e3;
                from_send.push(send_ms);
                from_answer.push(answer_ms);
                let t = sent.duration_since(started).as_secs_f64();
                lines.push((t, format!("{t:.3},{answer_ms:.1},{send_ms:.1}")));
            }
            None => missing += 1,
        }
    }
    if let Some(path) = timeline {
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        let text: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write the timeline to {}", path.display()))?;
    }
    println!(
        "probes={} received={} missing={missing}",
        pushed.len(),
        pushed.len() - missing
    );
    report(
        "push answered -> consumer (commit -> consumer, lower bound)",
        from_answer,
    );
    report("push sent -> consumer (upper bound)", from_send);
    let all = all_messages.lock().map(|a| a.clone()).unwrap_or_default();
    report("all stock messages: transaction start -> consumer", all);
    Ok(())
}

async fn drain(store: &Store, stream: &StreamConfig, relays: usize) -> anyhow::Result<()> {
    let before = outbox::backlog(store.pool(), i64::MAX).await?;
    if before.pending == 0 {
        bail!("the outbox is empty: load the servers with --relay false first");
    }
    println!("backlog: {} messages", before.pending);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..relays {
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(dockhand_sync_server::stream::run_relay(
            store.clone(),
            RelayConfig::new(stream.clone()),
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        )));
    }
    loop {
        let backlog = outbox::backlog(store.pool(), i64::MAX).await?;
        if backlog.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    for task in tasks {
        task.await?;
    }
    println!(
        "relays={relays} drained {} messages in {:.2}s: {:.0} messages/s",
        before.pending,
        elapsed.as_secs_f64(),
        before.pending as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
