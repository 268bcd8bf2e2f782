//! Brings the demo warehouse to life: an in-process sync server (the server crate's router,
//! migrations and imports) on 127.0.0.1, the demo data imported, opening stock received by a
//! "Receiving 1" device, pick tasks reserving it, three conflicts made by other devices the
//! way real ones happen (two pickers after the last unit, a receipt over an ASN's quantity,
//! a move out of an empty bin), and the handheld enrolled as a supervisor device and synced.
//! Without a server, [`seed_offline`] gives the handheld the same warehouse locally.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use dockhand_app::domain::{
    DeviceId, DeviceSeq, DocumentKind, DocumentRef, Event, EventBody, EventHeader, EventId,
    LocationCode, LotCode, Move, OperatorId, Pick, Qty, RawEvent, Receive, Sku, StockLine,
    StockStatus, WarehouseCode,
};
use dockhand_app::journal::Journal;
use dockhand_app::label::allocate;
use dockhand_app::label::settings::PrinterSettings;
use dockhand_app::label::sscc::{SsccBlock, SsccScheme};
use dockhand_app::protocol::{
    BalanceRecord, Change, InboundDocumentRecord, InboundLine, PullResponse, PushRequest,
};
use dockhand_app::sync::round::RoundOptions;
use dockhand_app::sync::{SyncClient, sync_round};
use dockhand_sync_server::store::Role;
use dockhand_sync_server::{AppState, Store};

use super::data;

/// The sync server running inside this process.
#[derive(Debug)]
pub struct DemoServer {
    pub url: String,
    pub store: Store,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl DemoServer {
    /// Migrates `database_url` and serves the API on a free port of 127.0.0.1.
    pub async fn start(database_url: &str) -> anyhow::Result<DemoServer> {
        let store = Store::connect(database_url, 8)
            .await
            .context("the demo server cannot connect to its database")?;
        store
            .migrate()
            .await
            .context("the demo server cannot migrate its database")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("the demo server cannot listen on 127.0.0.1")?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState {
            store: store.clone(),
        };
        let task = tokio::spawn(dockhand_sync_server::serve(
            listener,
            state,
            dockhand_sync_server::config::DEFAULT_BODY_LIMIT,
            async {
                let _ = rx.await;
            },
        ));
        Ok(DemoServer {
            url,
            store,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Stops serving and closes the database pool.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(Duration::from_secs(5), task).await {
                Ok(Ok(Err(error))) => {
                    tracing::warn!(%error, "the demo server stopped with an error")
                }
                Err(_) => tracing::warn!("the demo server did not stop within 5 s"),
                _ => {}
            }
        }
        self.store.close().await;
    }

    /// Waits until devices can pull every change written so far: the pull barrier is
    /// cluster-wide, so a transaction elsewhere on a shared server holds it back a moment.
    async fn wait_for_pull_barrier(&self) -> anyhow::Result<()> {
        for _ in 0..3000 {
            let passed: bool = sqlx::query_scalar(
                "SELECT COALESCE(pg_snapshot_xmin(pg_current_snapshot())
                        > (SELECT max(txid) FROM changes), true)",
            )
            .fetch_one(self.store.pool())
            .await?;
            if passed {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bail!(
            "the demo server's change log stayed behind another transaction on its PostgreSQL \
             server for 30 s; a long transaction there holds every pull back"
        )
    }
}

/// What the seeding did, for the start-up message and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// The handheld's token (a supervisor device).
    pub token: String,
    /// The conflicts other devices left waiting, by id.
    pub conflicts: Vec<i64>,
    /// Changes the handheld pulled in its first sync.
    pub pulled: usize,
}

/// Another device of the demo warehouse, pushing events as a real one would.
struct OtherDevice {
    id: DeviceId,
    operator: OperatorId,
    next_seq: u64,
    client: SyncClient,
}

impl OtherDevice {
    async fn enrol(
        server: &DemoServer,
        role: Role,
        name: &str,
        operator: &str,
    ) -> anyhow::Result<OtherDevice> {
        let enrolled = server
            .store
            .enrol_device(None, &warehouse()?, role, name)
            .await
            .with_context(|| format!("cannot enrol {name}"))?;
        Ok(OtherDevice {
            id: enrolled.device_id,
            operator: OperatorId::new(operator)?,
            next_seq: 1,
            client: SyncClient::new(&server.url, &enrolled.token, Duration::from_secs(10))?,
        })
    }

    /// Pushes `bodies` as this device's next events; returns the conflict ids they opened.
    async fn record(&mut self, bodies: Vec<EventBody>) -> anyhow::Result<Vec<i64>> {
        let mut events = Vec::with_capacity(bodies.len());
        for body in bodies {
            events.push(RawEvent::from(Event {
                header: EventHeader {
                    event_id: EventId::new_v7(),
                    device_id: self.id,
                    device_seq: DeviceSeq(self.next_seq),
                    occurred_at: Utc::now(),
                    operator: self.operator.clone(),
                    warehouse: warehouse()?,
                    scan: None,
                },
                body,
            }));
            self.next_seq += 1;
        }
        let answer = self
            .client
            .push(&PushRequest {
                device_id: self.id,
                events,
                queued: Some(0),
            })
            .await
            .context("a demo device could not push")?;
        let mut conflicts = Vec::new();
        for result in answer.body.results {
            match result.outcome {
                dockhand_app::protocol::EventOutcome::Applied => {}
                dockhand_app::protocol::EventOutcome::AppliedWithConflict {
                    conflict_id, ..
                } => conflicts.push(conflict_id),
                dockhand_app::protocol::EventOutcome::Rejected { reason, .. } => {
                    bail!("the demo server refused a demo event: {reason}")
                }
            }
        }
        Ok(conflicts)
    }
}

fn warehouse() -> anyhow::Result<WarehouseCode> {
    Ok(WarehouseCode::new(data::WAREHOUSE)?)
}

fn stock_line(item: &str, units: i64, lot: Option<(&str, &str)>) -> anyhow::Result<StockLine> {
    let (lot, expiry) = match lot {
        Some((lot, yymmdd)) => (Some(LotCode::new(lot)?), Some(expiry_of(yymmdd)?)),
        None => (None, None),
    };
    Ok(StockLine {
        item: Sku::new(item)?,
        qty: Qty::new(units)?,
        lot,
        expiry,
        serials: vec![],
    })
}

fn expiry_of(yymmdd: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("20{yymmdd}"), "%Y%m%d")
        .with_context(|| format!("demo expiry {yymmdd}"))
}

fn receive(
    item: &str,
    units: i64,
    to: &str,
    lot: Option<(&str, &str)>,
    asn: Option<&str>,
) -> anyhow::Result<EventBody> {
    Ok(EventBody::Receive(Receive {
        document: asn.map(|number| DocumentRef {
            kind: DocumentKind::Asn,
            number: number.into(),
        }),
        line: stock_line(item, units, lot)?,
        to: LocationCode::new(to)?,
        status: StockStatus::Available,
        gtin: None,
        pack: None,
        sscc: None,
    }))
}

fn pick(item: &str, units: i64, from: &str, to: &str) -> anyhow::Result<EventBody> {
    Ok(EventBody::Pick(Pick {
        task: None,
        order: None,
        line: stock_line(item, units, None)?,
        from: LocationCode::new(from)?,
        to: LocationCode::new(to)?,
        short: None,
        fefo_override: None,
    }))
}

/// Imports the demo warehouse, lets the other devices work, enrols the handheld that owns
/// `journal` as a supervisor device and syncs it once.
pub async fn seed(server: &DemoServer, journal: &mut Journal) -> anyhow::Result<Seeded> {
    let wh = warehouse()?;
    let store = &server.store;
    store.ensure_warehouse(&wh).await?;
    store.import_items(&wh, &data::items()?).await?;
    store.import_locations(&wh, &data::locations()?).await?;
    store
        .import_inbound_documents(&wh, &data::inbound_documents()?)
        .await?;

    let mut receiving = OtherDevice::enrol(server, Role::Receiver, "Receiving 1", "rita").await?;
    let mut picker_1 = OtherDevice::enrol(server, Role::Picker, "Picker 1", "pete").await?;
    let mut picker_2 = OtherDevice::enrol(server, Role::Picker, "Picker 2", "paula").await?;

    let opening = data::OPENING_STOCK
        .iter()
        .map(|(item, bin, units, lot)| receive(item, *units, bin, *lot, None))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let surprises = receiving.record(opening).await?;
    anyhow::ensure!(
        surprises.is_empty(),
        "the demo's opening stock opened conflicts {surprises:?}"
    );
    let reserved = store.import_pick_tasks(&wh, &data::pick_tasks()?).await?;
    anyhow::ensure!(
        reserved.short.is_empty(),
        "the demo's pick tasks could not reserve their stock: {:?}",
        reserved.short
    );

    // The last red mug of B-02-1-A, picked by two devices that could not see each other.
    let mut conflicts = picker_1
        .record(vec![pick("1003", 1, "B-02-1-A", "TOTE-2")?])
        .await?;
    conflicts.extend(
        picker_2
            .record(vec![pick("1003", 1, "B-02-1-A", "TOTE-3")?])
            .await?,
    );
    // 60 boxes of bolts received against ASN-4712, which expects 48 (10 % tolerance).
    conflicts.extend(
        receiving
            .record(vec![receive("2001", 60, "DOCK-1", None, Some("ASN-4712"))?])
            .await?,
    );
    // Bolts moved out of B-02-1-A, where the server has none.
    conflicts.extend(
        picker_2
            .record(vec![EventBody::Move(Move {
                line: stock_line("2001", 5, None)?,
                from: LocationCode::new("B-02-1-A")?,
                to: LocationCode::new("B-01-1-A")?,
                status: StockStatus::Available,
            })])
            .await?,
    );

    let handheld = store
        .enrol_device(
            Some(journal.device_id()),
            &wh,
            Role::Supervisor,
            "Demo handheld",
        )
        .await
        .context("cannot enrol the demo handheld")?;
    journal.set_credentials(&server.url, &handheld.token)?;
    server.wait_for_pull_barrier().await?;
    let client = SyncClient::new(&server.url, &handheld.token, Duration::from_secs(10))?;
    let report = sync_round(journal, &client, RoundOptions::default())
        .await
        .context("the demo handheld's first sync failed")?;
    // SSCCs for cartons and pallets: the warehouse's range (GS1's example prefix), and a
    // block leased to the handheld as after any sync.
    store
        .set_sscc_scheme(&wh, &SsccScheme::new(0, data::GS1_PREFIX)?)
        .await
        .context("cannot set the demo's SSCC range")?;
    allocate::renew_if_needed(journal, &client, 1000)
        .await
        .context("cannot lease the demo handheld's SSCCs")?;
    demo_printer(journal)?;
    Ok(Seeded {
        token: handheld.token,
        conflicts,
        pulled: report.pulled,
    })
}

/// Without a server: the same warehouse written straight into the handheld's projections,
/// so every job works offline, and a server address that does not answer, so the sync badge
/// says offline and the work waits in the queue.
pub fn seed_offline(journal: &mut Journal) -> anyhow::Result<()> {
    let wh = warehouse()?;
    let mut changes: Vec<Change> = Vec::new();
    changes.extend(data::items()?.into_iter().map(Change::Item));
    changes.extend(data::locations()?.into_iter().map(Change::Location));
    for (item, bin, units, lot) in data::OPENING_STOCK {
        let line = stock_line(item, *units, *lot)?;
        changes.push(Change::Balance(BalanceRecord {
            item: line.item,
            location: LocationCode::new(*bin)?,
            lot: line.lot,
            expiry: line.expiry,
            status: StockStatus::Available,
            qty: *units,
            version: 0,
        }));
    }
    for document in data::inbound_documents()? {
        changes.push(Change::InboundDocument(InboundDocumentRecord {
            kind: document.kind,
            number: document.number,
            state: "open".into(),
            sscc: document.sscc,
            lines: document
                .lines
                .into_iter()
                .map(|l| InboundLine {
                    line_no: l.line_no,
                    item: l.item,
                    expected: l.expected,
                    lot: l.lot,
                })
                .collect(),
        }));
    }
    changes.extend(data::pick_tasks()?.into_iter().map(Change::PickTask));
    journal.apply_pull_page(&PullResponse {
        barrier: None,
        warehouse: wh,
        changes,
        next_cursor: String::new(),
        has_more: false,
        refetch: false,
        server_time: Utc::now(),
    })?;
    // Port 9 (discard) on loopback: refused at once, so the device is plainly offline.
    journal.set_credentials(OFFLINE_SERVER, "demo-offline")?;
    // As if leased at an earlier sync: carton and pallet labels work offline.
    journal.add_sscc_block(&SsccBlock {
        scheme: SsccScheme::new(0, data::GS1_PREFIX)?,
        first: 900_000,
        last: 900_999,
    })?;
    demo_printer(journal)?;
    Ok(())
}

/// A printer for the demo: a listener on loopback port 9100-like that takes each label
/// (reads the connection to its end, as a Zebra does) and logs it; set as the device's
/// label printer. It lives as long as the process.
fn demo_printer(journal: &mut Journal) -> anyhow::Result<()> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot open the demo label printer")?;
    let address = format!("tcp://{}", listener.local_addr()?);
    std::thread::Builder::new()
        .name("demo-printer".into())
        .spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                let Ok(mut conn) = conn else { continue };
                let mut zpl = Vec::new();
                if std::io::Read::read_to_end(&mut conn, &mut zpl).is_ok() {
                    tracing::info!(
                        label = n + 1,
                        bytes = zpl.len(),
                        "demo printer: label printed"
                    );
                }
            }
        })
        .context("cannot start the demo label printer")?;
    PrinterSettings::parse(&address, "203", "4x6")?.save(journal)?;
    Ok(())
}

/// The address an offline demo syncs with: nothing listens there.
pub const OFFLINE_SERVER: &str = "http://127.0.0.1:9";
