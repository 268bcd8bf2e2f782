//! A real sync server per test: its own PostgreSQL database, migrated and seeded, served on
//! 127.0.0.1:0, plus devices that build events with the domain types and push them over
//! HTTP. `finish` runs the audit (ledger vs balances) and drops the database.

use std::sync::Once;

use chrono::{DateTime, Duration, TimeZone, Utc};
use dockhand_app::domain::{
    DeviceId, DeviceSeq, Event, EventBody, EventHeader, EventId, Item, Location, LocationCode,
    LocationKind, LocationPath, Move, OperatorId, Pick, Qty, RawEvent, Receive, Sku, StockLine,
    StockStatus, Tracking, WarehouseCode,
};
use dockhand_app::protocol::PushRequest;
use dockhand_sync_server::store::Role;
use dockhand_sync_server::{AppState, Store};
use dockhand_tests::pg::TestDb;
use reqwest::StatusCode;
use serde_json::Value;

pub const WH: &str = "WH1";
pub const WH2: &str = "WH2";

pub fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

pub fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

pub fn loc(s: &str) -> LocationCode {
    LocationCode::new(s).unwrap()
}

/// A fixed base time, so tests read as a timeline: `at(10)` is ten minutes after it.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub struct TestServer {
    pub store: Store,
    pub url: String,
    pub client: reqwest::Client,
    db: Option<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A device enrolled on the test server.
#[derive(Debug, Clone)]
pub struct Dev {
    pub id: DeviceId,
    pub token: String,
    pub warehouse: WarehouseCode,
    next_seq: u64,
}

impl Dev {
    /// The next event of this device's journal.
    pub fn event(&mut self, body: EventBody, occurred_at: DateTime<Utc>) -> RawEvent {
        let seq = self.next_seq;
        self.next_seq += 1;
        RawEvent::from(Event {
            header: EventHeader {
                event_id: EventId::new_v7(),
                device_id: self.id,
                device_seq: DeviceSeq(seq),
                occurred_at,
                operator: OperatorId::new("tester").unwrap(),
                warehouse: self.warehouse.clone(),
                scan: None,
            },
            body,
        })
    }
}

pub fn line(item: &str, qty: i64) -> StockLine {
    StockLine {
        item: sku(item),
        qty: Qty::new(qty).unwrap(),
        lot: None,
        expiry: None,
        serials: vec![],
    }
}

pub fn receive(item: &str, qty: i64, to: &str) -> EventBody {
    EventBody::Receive(Receive {
        document: None,
        line: line(item, qty),
        to: loc(to),
        status: StockStatus::Available,
        gtin: None,
        pack: None,
        sscc: None,
    })
}

pub fn pick(item: &str, qty: i64, from: &str, to: &str) -> EventBody {
    EventBody::Pick(Pick {
        task: None,
        order: None,
        line: line(item, qty),
        from: loc(from),
        to: loc(to),
        short: None,
        fefo_override: None,
    })
}

pub fn move_stock(item: &str, qty: i64, from: &str, to: &str) -> EventBody {
    EventBody::Move(Move {
        line: line(item, qty),
        from: loc(from),
        to: loc(to),
        status: StockStatus::Available,
    })
}

pub const ITEMS: [&str; 5] = ["SKU-1", "SKU-2", "SKU-3", "X", "Y"];

pub fn seed_locations(warehouse: &str) -> Vec<Location> {
    let mut codes: Vec<String> = ["DOCK-1", "A-1", "A-2", "B-1", "ST-1", "ST-2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    codes.extend((1..=30).map(|i| format!("TOTE-{i}")));
    codes
        .into_iter()
        .map(|code| Location {
            code: loc(&code),
            warehouse: wh(warehouse),
            kind: if code.starts_with("TOTE") {
                LocationKind::Tote
            } else {
                LocationKind::Bin
            },
            path: LocationPath::default(),
            pick_sequence: 0,
            capacity: None,
        })
        .collect()
}

pub fn seed_items() -> Vec<Item> {
    ITEMS
        .iter()
        .map(|s| Item {
            sku: sku(s),
            name: format!("Item {s}"),
            gtins: vec![],
            packs: vec![],
            tracking: Tracking::default(),
            category: None,
        })
        .collect()
}

static RUSTLS: Once = Once::new();

impl TestServer {
    pub async fn start(prefix: &str) -> TestServer {
        TestServer::start_with(prefix, dockhand_sync_server::config::DEFAULT_BODY_LIMIT).await
    }

    /// A migrated database with items and locations in WH1 and WH2, and a server on port 0.
    pub async fn start_with(prefix: &str, body_limit: usize) -> TestServer {
        RUSTLS.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let db = TestDb::create(prefix)
            .await
            .expect("PostgreSQL must be running for these tests");
        let store = Store::connect(&db.url, 24).await.unwrap();
        store.migrate().await.unwrap();
        for warehouse in [WH, WH2] {
            store
                .import_items(&wh(warehouse), &seed_items())
                .await
                .unwrap();
            store
                .import_locations(&wh(warehouse), &seed_locations(warehouse))
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState {
            store: store.clone(),
        };
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            dockhand_sync_server::serve(listener, state, body_limit, shutdown)
                .await
                .unwrap();
        });
        TestServer {
            store,
            url,
            client: reqwest::Client::new(),
            db: Some(db),
            shutdown: Some(tx),
        }
    }

    pub async fn enrol(&self, warehouse: &str, role: Role) -> Dev {
        let enrolled = self
            .store
            .enrol_device(None, &wh(warehouse), role, "test device")
            .await
            .unwrap();
        Dev {
            id: enrolled.device_id,
            token: enrolled.token,
            warehouse: enrolled.warehouse,
            next_seq: 1,
        }
    }

    /// `POST /v1/push` as `dev` with `events`.
    pub async fn push(&self, dev: &Dev, events: &[RawEvent]) -> (StatusCode, Value) {
        let request = PushRequest {
            device_id: dev.id,
            events: events.to_vec(),
            queued: None,
        };
        self.post_json(
            &dev.token,
            "/v1/push",
            &serde_json::to_value(request).unwrap(),
        )
        .await
    }

    /// Pushes and insists on 200.
    pub async fn push_ok(&self, dev: &Dev, events: &[RawEvent]) -> Value {
        let (status, body) = self.push(dev, events).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn balance(&self, item: &str, location: &str, status: &str) -> i64 {
        self.store
            .balance_qty(WH, item, location, "", status)
            .await
            .unwrap()
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    /// The pull barrier is cluster-wide: waits until it has passed every change written so
    /// far (a transaction elsewhere on the PostgreSQL server, e.g. another test's, only
    /// delays it).
    pub async fn wait_for_pull_barrier(&self) {
        loop {
            let passed: bool = sqlx::query_scalar(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())
                        > (SELECT txid FROM changes ORDER BY txid DESC LIMIT 1)",
            )
            .fetch_one(self.store.pool())
            .await
            .unwrap();
            if passed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Audits the ledger against the balances (must be clean), stops the server and drops
    /// the database.
    pub async fn finish(mut self) {
        let differences = self.store.audit_balances().await.unwrap();
        assert!(
            differences.is_empty(),
            "audit found differences: {differences:#?}"
        );
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.drop_database().await.unwrap();
        }
    }
}

/// The outcomes of a push response, in order.
pub fn outcomes(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}
