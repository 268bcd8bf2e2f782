//! `dockhand-sync-server`: serve the API, migrate the database, import master data, enrol
//! devices, audit the ledger, relay and tail the stock stream, print reports and run
//! replenishment.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use dockhand_app::domain::{DeviceId, Item, Location, WarehouseCode};
use dockhand_sync_server::config::{DatabaseConfig, RelayConfig, ServeConfig, StreamConfig};
use dockhand_sync_server::csv_import;
use dockhand_sync_server::reports::supply::{self, ItemSupplyImport, SupplierImport};
use dockhand_sync_server::reports::{ReportName, ReportParams, ReportSettings, Reports};
use dockhand_sync_server::store::{InboundDocumentImport, OrderImport, Role};
use dockhand_sync_server::{AppState, Store};

#[derive(Debug, Parser)]
#[command(
    name = "dockhand-sync-server",
    version,
    about = "Dockhand's sync server"
)]
struct Cli {
    #[command(flatten)]
    db: DatabaseConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(ServeConfig),
    /// Apply pending database migrations and create ledger partitions.
    Migrate,
    /// Import a JSON file of items, locations, inbound documents or orders.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        what: ImportKind,
        #[arg(long)]
        warehouse: WarehouseCode,
        /// A JSON array, or CSV when the file name ends in `.csv` (see `csv_import`).
        file: PathBuf,
    },
    /// Enrol a device and print its token (shown only this once).
    EnrolDevice {
        #[arg(long)]
        warehouse: WarehouseCode,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        device_id: Option<DeviceId>,
    },
    /// Rebuild balances from the ledger and report every difference (exit 1 if any).
    Audit,
    /// Print a report (on-hand, valuation, turns, dead-stock, shrinkage, suppliers,
    /// constraint-health, replenishment, abc-xyz, alerts, purchase-suggestions); `run` stores
    /// zone changes, suggested POs and alerts; `refresh` updates the summaries from the ledger.
    Report {
        /// A report name, `run` or `refresh`.
        what: String,
        #[command(flatten)]
        params: ReportParams,
    },
    /// Publish the stock stream's outbox to NATS JetStream (what `serve` also does unless
    /// `--relay false`); several relays may run at once.
    Relay(RelayConfig),
    /// The stock stream for an operator.
    Stream {
        #[command(subcommand)]
        command: StreamCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StreamCommand {
    /// Print a warehouse's live stream, one `<subject> <json>` line per message.
    Tail {
        #[arg(long)]
        warehouse: WarehouseCode,
        /// Read from NATS (what consumers get) or from the outbox in PostgreSQL.
        #[arg(long, value_enum, default_value = "nats")]
        source: TailSource,
        /// With `--source database`: start at the oldest message kept, not at the end.
        #[arg(long)]
        from_start: bool,
        /// Stop after this many messages.
        #[arg(long)]
        count: Option<u64>,
        #[command(flatten)]
        stream: StreamConfig,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TailSource {
    Nats,
    Database,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ImportKind {
    Items,
    Locations,
    InboundDocuments,
    Orders,
    /// Suppliers with lead times (`code,name,lead_time_days`).
    Suppliers,
    /// Per item: supplier, standard cost, lead time (`item,supplier,standard_cost,lead_time_days`).
    ItemSupply,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
        .map_err(|e: dockhand_sync_server::StoreError| e.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout is for what a command prints (`stream tail`'s messages,
    // `report`'s tables), which operators pipe into other tools.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let store = Store::connect(&cli.db.database_url, cli.db.db_connections)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {}", cli.db.database_url))?;
    match cli.command {
        Command::Serve(config) => {
            if config.migrate {
                store.migrate().await.context("migration failed")?;
            }
            let partitions = store.clone();
            tokio::spawn(async move {
                let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
                loop {
                    daily.tick().await;
                    if let Err(e) = partitions.ensure_ledger_partitions().await {
                        tracing::warn!(error = %e, "could not create the ledger's monthly partitions");
                    }
                }
            });
            dockhand_sync_server::stream::gate::start(store.clone(), &config.relay_config);
            if config.relay {
                dockhand_sync_server::stream::spawn_relay_thread(
                    store.clone(),
                    config.relay_config.clone(),
                )
                .context("cannot start the relay's thread")?;
            }
            if config.outbox_retention_hours > 0 {
                let pool = store.pool().clone();
                let keep = std::time::Duration::from_secs(config.outbox_retention_hours * 3600);
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                    loop {
                        tick.tick().await;
                        match dockhand_sync_server::stream::outbox::prune(&pool, keep, 5000).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(rows = n, "pruned the outbox"),
                            Err(e) => tracing::warn!(error = %e, "could not prune the outbox"),
                        }
                    }
                });
            }
            if config.report_refresh_secs > 0 {
                let reports = Reports::new(&store);
                let every = std::time::Duration::from_secs(config.report_refresh_secs);
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    loop {
                        tick.tick().await;
                        refresh_and_run(&reports).await;
                    }
                });
            }
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            tracing::info!(listen = %config.listen, "serving");
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            dockhand_sync_server::serve(listener, AppState { store }, config.body_limit, shutdown)
                .await?;
        }
        Command::Relay(config) => {
            store.migrate().await.context("migration failed")?;
            tracing::info!(nats = %config.stream.nats_url, stream = %config.stream.stream_name, "relaying the outbox");
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            dockhand_sync_server::stream::run_relay(store, config, shutdown).await;
        }
        Command::Stream {
            command:
                StreamCommand::Tail {
                    warehouse,
                    source,
                    from_start,
                    count,
                    stream,
                },
        } => {
            let mut out = std::io::stdout().lock();
            match source {
                TailSource::Nats => {
                    dockhand_sync_server::stream::tail::tail_nats(
                        &stream,
                        warehouse.as_str(),
                        count,
                        &mut out,
                    )
                    .await?
                }
                TailSource::Database => {
                    dockhand_sync_server::stream::tail::tail_database(
                        &store,
                        &stream,
                        warehouse.as_str(),
                        from_start,
                        count,
                        &mut out,
                    )
                    .await?
                }
            }
        }
        Command::Migrate => {
            let applied = store.migrate().await?;
            println!("applied migrations: {applied:?}");
        }
        Command::Import {
            what,
            warehouse,
            file,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let csv = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let what_text = format!("{what:?}");
            let context = || format!("{} is not a valid {what_text} file", file.display());
            let summary = match what {
                ImportKind::Items => {
                    let rows: Vec<Item> = if csv {
                        csv_import::items(&text).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    store.import_items(&warehouse, &rows).await?
                }
                ImportKind::Locations => {
                    let rows: Vec<Location> = if csv {
                        csv_import::locations(&text, &warehouse).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    store.import_locations(&warehouse, &rows).await?
                }
                ImportKind::InboundDocuments => {
                    let rows: Vec<InboundDocumentImport> = if csv {
                        csv_import::inbound_documents(&text).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    store.import_inbound_documents(&warehouse, &rows).await?
                }
                ImportKind::Orders => {
                    let rows: Vec<OrderImport> = if csv {
                        csv_import::orders(&text).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    store.import_orders(&warehouse, &rows).await?
                }
                ImportKind::Suppliers => {
                    let rows: Vec<SupplierImport> = if csv {
                        supply::suppliers_csv(&text).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    let upserted = Reports::new(&store)
                        .import_suppliers(warehouse.as_str(), &rows)
                        .await?;
                    dockhand_sync_server::store::ImportSummary { upserted }
                }
                ImportKind::ItemSupply => {
                    let rows: Vec<ItemSupplyImport> = if csv {
                        supply::item_supply_csv(&text).with_context(context)?
                    } else {
                        serde_json::from_str(&text).with_context(context)?
                    };
                    let upserted = Reports::new(&store)
                        .import_item_supply(warehouse.as_str(), &rows)
                        .await?;
                    dockhand_sync_server::store::ImportSummary { upserted }
                }
            };
            println!("imported {} row(s) into {warehouse}", summary.upserted);
        }
        Command::EnrolDevice {
            warehouse,
            role,
            name,
            device_id,
        } => {
            let enrolled = store
                .enrol_device(device_id, &warehouse, role, &name)
                .await?;
            println!("device_id: {}", enrolled.device_id);
            println!("warehouse: {}", enrolled.warehouse);
            println!("role:      {}", enrolled.role);
            println!("token:     {}", enrolled.token);
            eprintln!("The token is shown only once; store it on the device now.");
        }
        Command::Report { what, params } => report_command(&store, &what, &params).await?,
        Command::Audit => {
            let differences = store.audit_balances().await?;
            if differences.is_empty() {
                println!("audit: balances match the ledger");
            } else {
                for d in &differences {
                    println!(
                        "{} {} {} lot={:?} {}: balance {} but ledger {}",
                        d.warehouse, d.item, d.location, d.lot, d.status, d.balance, d.ledger
                    );
                }
                bail!(
                    "audit: {} balance(s) differ from the ledger",
                    differences.len()
                );
            }
        }
    }
    Ok(())
}

/// The scheduled refresh: summaries, then one run per warehouse with the default settings.
async fn refresh_and_run(reports: &Reports) {
    match reports.refresh().await {
        Ok(summary) => tracing::info!(
            through = %summary.through, item_days = summary.item_days,
            receipt_layers = summary.receipt_layers, rolling_as_of = %summary.rolling_as_of,
            rolling_rebuilt = summary.rolling_rebuilt, rolling_items = summary.rolling_items,
            fifo_items = summary.fifo_items, "report summaries refreshed"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "report refresh failed");
            return;
        }
    }
    let warehouses = match reports.warehouses().await {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list warehouses for the replenishment run");
            return;
        }
    };
    let settings = ReportSettings::defaults(Reports::today());
    for warehouse in warehouses {
        match reports.run(&warehouse, &settings).await {
            Ok(run) => tracing::info!(
                warehouse,
                suggestions = run.replenishment.suggestions_created,
                alerts_opened = run.alerts.opened,
                alerts_closed = run.alerts.closed,
                "replenishment run"
            ),
            Err(e) => tracing::warn!(warehouse, error = %e, "replenishment run failed"),
        }
    }
}

/// `report <what>`: refresh, run, or print one report.
async fn report_command(store: &Store, what: &str, params: &ReportParams) -> anyhow::Result<()> {
    let reports = Reports::new(store);
    if what == "refresh" {
        let started = std::time::Instant::now();
        let summary = reports.refresh().await?;
        println!(
            "refreshed through {}: {} item-day(s), {} receipt layer(s); rolling sums for {} {} \
             ({} item(s)), FIFO values of {} item(s); in {:.2} s",
            summary.through,
            summary.item_days,
            summary.receipt_layers,
            summary.rolling_as_of,
            if summary.rolling_rebuilt {
                "rebuilt"
            } else {
                "updated"
            },
            summary.rolling_items,
            summary.fifo_items,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let Some(warehouse) = params.warehouse.as_deref() else {
        bail!("report {what} needs --warehouse WH");
    };
    let settings = ReportSettings::from_params(params, Reports::today())?;
    if what == "run" {
        let run = reports.run(warehouse, &settings).await?;
        println!(
            "{warehouse}: {} item(s), {} zone change(s), {} suggested PO(s) made, {} closed; alerts: {} found, {} opened, {} closed",
            run.items,
            run.replenishment.zone_changes,
            run.replenishment.suggestions_created,
            run.replenishment.suggestions_closed,
            run.alerts.found,
            run.alerts.opened,
            run.alerts.closed
        );
        return Ok(());
    }
    let name: ReportName = what.parse()?;
    let table = reports.report(name, warehouse, &settings).await?;
    match params.format.as_deref().unwrap_or("table") {
        "table" => print!("{}", table.to_text()),
        "csv" => print!("{}", table.to_csv()),
        "json" => println!("{}", serde_json::to_string_pretty(&table.to_json())?),
        other => bail!("format {other:?} is not offered; use table, csv or json"),
    }
    Ok(())
}
