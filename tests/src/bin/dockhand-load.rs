//! `dockhand-load`: simulated devices pushing batches at sync servers at once, for
//! BENCHMARKS.md. Sets up the database through the store (migrate, catalog, one bin and
//! one tote per device, enrolment), then each device pushes `--batches` batches of
//! `--batch` events (receipts of 10 into its bin and picks of 1 into its tote), round
//! robin over `--url`s, and reports events/s and batch latency percentiles.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Parser;
use dockhand_app::domain::{
    DeviceId, DeviceSeq, Event, EventBody, EventHeader, EventId, Item, Location, LocationCode,
    LocationKind, LocationPath, OperatorId, Pick, Qty, RawEvent, Receive, Sku, StockLine,
    StockStatus, Tracking, WarehouseCode,
};
use dockhand_app::protocol::{PushRequest, PushResponse};
use dockhand_sync_server::Store;
use dockhand_sync_server::store::Role;

#[derive(Debug, Parser)]
struct Args {
    /// Database the servers use (set up here before the run).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Server base URLs, comma separated; devices are spread round robin.
    #[arg(long, value_delimiter = ',')]
    url: Vec<String>,
    #[arg(long, default_value_t = 50)]
    devices: usize,
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Batches per device.
    #[arg(long, default_value_t = 20)]
    batches: usize,
    #[arg(long, default_value = "LOAD")]
    warehouse: String,
}

struct Device {
    id: DeviceId,
    token: String,
    warehouse: WarehouseCode,
    bin: LocationCode,
    tote: LocationCode,
    seq: u64,
}

impl Device {
    fn batch(&mut self, size: usize) -> anyhow::Result<Vec<RawEvent>> {
        let mut out = Vec::with_capacity(size);
        for _ in 0..size {
            self.seq += 1;
            let item = Sku::new(format!("LOAD-{}", self.seq % 5))?;
            let line = |qty: i64| -> anyhow::Result<StockLine> {
                Ok(StockLine {
                    item: item.clone(),
                    qty: Qty::new(qty)?,
                    lot: None,
                    expiry: None,
                    serials: vec![],
                })
            };
            // Half the events restock 10 units, half pick one unit of the same item: every
            // pick finds stock, so the run measures clean applies, not conflicts.
            let body = if (self.seq - 1) % 10 < 5 {
                EventBody::Receive(Receive {
                    document: None,
                    line: line(10)?,
                    to: self.bin.clone(),
                    status: StockStatus::Available,
                    gtin: None,
                    pack: None,
                    sscc: None,
                })
            } else {
                EventBody::Pick(Pick {
                    task: None,
                    order: None,
                    line: line(1)?,
                    from: self.bin.clone(),
                    to: self.tote.clone(),
                    short: None,
                    fefo_override: None,
                })
            };
            out.push(RawEvent::from(Event {
                header: EventHeader {
                    event_id: EventId::new_v7(),
                    device_id: self.id,
                    device_seq: DeviceSeq(self.seq),
                    occurred_at: Utc::now(),
                    operator: OperatorId::new("load")?,
                    warehouse: self.warehouse.clone(),
                    scan: None,
                },
                body,
            }));
        }
        Ok(out)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.url.is_empty() {
        bail!("give at least one --url");
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = Store::connect(&args.database_url, 4)
        .await
        .context("cannot connect to the database")?;
    store.migrate().await?;
    let warehouse = WarehouseCode::new(args.warehouse.clone())?;
    let items: Vec<Item> = (0..5)
        .map(|i| -> anyhow::Result<Item> {
            Ok(Item {
                sku: Sku::new(format!("LOAD-{i}"))?,
                name: format!("Load item {i}"),
                gtins: vec![],
                packs: vec![],
                tracking: Tracking::default(),
                category: None,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    store.import_items(&warehouse, &items).await?;
    let mut locations = Vec::new();
    let mut devices = Vec::new();
    let run = Utc::now().timestamp();
    for d in 0..args.devices {
        let bin = LocationCode::new(format!("BIN-{run}-{d}"))?;
        let tote = LocationCode::new(format!("TOTE-{run}-{d}"))?;
        for (code, kind) in [(&bin, LocationKind::Bin), (&tote, LocationKind::Tote)] {
            locations.push(Location {
                code: code.clone(),
                warehouse: warehouse.clone(),
                kind,
                path: LocationPath::default(),
                pick_sequence: 0,
                capacity: None,
            });
        }
        let enrolled = store
            .enrol_device(None, &warehouse, Role::Picker, &format!("load {d}"))
            .await?;
        devices.push(Device {
            id: enrolled.device_id,
            token: enrolled.token,
            warehouse: warehouse.clone(),
            bin,
            tote,
            seq: 0,
        });
    }
    store.import_locations(&warehouse, &locations).await?;
    store.close().await;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.devices)
        .build()?;
    // Build every batch before the clock starts.
    let mut work = Vec::new();
    for (d, mut device) in devices.into_iter().enumerate() {
        let batches = (0..args.batches)
            .map(|_| device.batch(args.batch))
            .collect::<anyhow::Result<Vec<_>>>()?;
        work.push((args.url[d % args.url.len()].clone(), device, batches));
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (url, device, batches) in work {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(batches.len());
            let mut conflicts = 0usize;
            for events in batches {
                let request = PushRequest {
                    device_id: device.id,
                    events,
                    queued: None,
                };
                let sent = Instant::now();
                let response = client
                    .post(format!("{url}/v1/push"))
                    .bearer_auth(&device.token)
                    .json(&request)
                    .send()
                    .await?;
                let status = response.status();
                if !status.is_success() {
                    bail!("push answered {status}: {}", response.text().await?);
                }
                let body: PushResponse = response.json().await?;
                latencies.push(sent.elapsed());
                if body.results.len() != request.events.len() {
                    bail!(
                        "{} results for {} events",
                        body.results.len(),
                        request.events.len()
                    );
                }
                conflicts += body
                    .results
                    .iter()
                    .filter(|r| !matches!(r.outcome, dockhand_app::protocol::EventOutcome::Applied))
                    .count();
            }
            Ok::<_, anyhow::Error>((latencies, conflicts))
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        let (l, c) = task.await??;
        latencies.extend(l);
        conflicts += c;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let events = args.devices * args.batch * args.batches;
    println!(
        "devices={} batch={} batches/device={} servers={} events={events} elapsed={:.2}s",
        args.devices,
        args.batch,
        args.batches,
        args.url.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "events/s={:.0} batch latency p50={:.0}ms p99={:.0}ms max={:.0}ms non-applied={conflicts}",
        events as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
    Ok(())
}
