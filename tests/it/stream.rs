//! The stock stream (issue 13) against real PostgreSQL and real NATS JetStream.
//!
//! The kill test runs its own `nats-server` (JetStream, its own store directory, a free
//! port) so it can restart it; the other tests use the machine's NATS at `NATS_URL`
//! (default 127.0.0.1:4222) with a stream and subject prefix of their own, deleted at the
//! end. Every test has its own database.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use chrono::Utc;
use dockhand_app::domain::RawEvent;
use dockhand_sync_server::config::{RelayConfig, StreamConfig};
use dockhand_sync_server::store::Role;
use dockhand_sync_server::stream::{outbox, subject};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::server_support::{Dev, TestServer, WH, WH2, move_stock, pick, receive};

/// The machine's NATS, for tests that do not restart it.
fn machine_nats_url() -> String {
    std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// A stream name and subject prefix no other test uses.
fn unique_stream(tag: &str) -> StreamConfig {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut config = StreamConfig::new(
        &machine_nats_url(),
        &format!("T_{tag}_{}", &id[..12]),
        &format!("t{}", &id[..12]),
    );
    // JetStream reserves a file stream's size cap from the server's storage: with the
    // production default (8 GiB) a handful of streams left behind by failed runs exhaust
    // it and every later test's stream is refused. Test streams are small and expire.
    config.max_bytes = 64 * 1024 * 1024;
    config.max_age_hours = 1;
    config
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `nats-server` owned by one test: JetStream on, its own store directory and port.
struct OwnedNats {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OwnedNats {
    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn new() -> OwnedNats {
        OwnedNats {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    async fn start(&mut self) {
        let binary = std::env::var("NATS_SERVER").unwrap_or_else(|_| "nats-server".to_owned());
        let child = Command::new(&binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("these tests need `nats-server` on PATH (or NATS_SERVER): {e}")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while async_nats::connect(self.url()).await.is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A clean shutdown (SIGTERM), as an operator's restart would do.
    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().unwrap();
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
            let _ = child.kill().await;
        }
    }
}

/// A relay process (`dockhand-test-relay`) and what it reported.
struct RelayProcess {
    child: Child,
    published: Arc<AtomicU64>,
    duplicates: Arc<AtomicU64>,
}

impl RelayProcess {
    fn spawn(db_url: &str, stream: &StreamConfig) -> RelayProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockhand-test-relay"))
            .args([
                db_url,
                &stream.nats_url,
                &stream.stream_name,
                &stream.subject_prefix,
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let published = Arc::new(AtomicU64::new(0));
        let duplicates = Arc::new(AtomicU64::new(0));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (p, d) = (published.clone(), duplicates.clone());
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["published", n, "duplicates", m] = words[..] {
                    p.store(n.parse().unwrap(), Ordering::Relaxed);
                    d.store(m.parse().unwrap(), Ordering::Relaxed);
                }
            }
        });
        RelayProcess {
            child,
            published,
            duplicates,
        }
    }

    fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    fn duplicates(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }

    async fn kill9(&mut self) {
        self.child.kill().await.unwrap(); // SIGKILL
    }
}

/// One message as a consumer received it.
#[derive(Debug, Clone)]
struct Received {
    subject: String,
    msg_id: String,
    body: Value,
}

/// Reads the whole stream through a new durable pull consumer, acknowledging each message.
async fn consume_all(nats_url: &str, stream_name: &str) -> Vec<Received> {
    let client = async_nats::connect(nats_url).await.unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream(stream_name).await.unwrap();
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("check".to_owned()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            deliver_policy: jetstream::consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(1000)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .unwrap();
        let mut n = 0;
        while let Some(message) = batch.next().await {
            let message = message.unwrap();
            let msg_id = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.as_str().to_owned())
                .expect("every message has a Nats-Msg-Id");
            out.push(Received {
                subject: message.subject.to_string(),
                msg_id,
                body: serde_json::from_slice(&message.payload).unwrap(),
            });
            message.ack().await.unwrap();
            n += 1;
        }
        if n == 0 {
            break;
        }
    }
    out
}

async fn delete_stream(nats_url: &str, stream_name: &str) {
    if let Ok(client) = async_nats::connect(nats_url).await {
        let _ = jetstream::new(client).delete_stream(stream_name).await;
    }
}

async fn wait_for_drain(server: &TestServer, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let backlog = outbox::backlog(server.store.pool(), i64::MAX)
            .await
            .unwrap();
        if backlog.pending == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not drain: {backlog:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the consumer got must be exactly the database's movements and conflicts: each
/// ledger id once, on its item's subject, each balance's movements in commit order (every
/// balance-after follows from the one before), the last one equal to the balance.
async fn assert_stream_matches_database(server: &TestServer, received: &[Received]) {
    let ledger_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM ledger ORDER BY id")
        .fetch_all(server.store.pool())
        .await
        .unwrap();
    let mut seen = HashSet::new();
    for r in received {
        assert!(
            seen.insert(r.msg_id.clone()),
            "{} delivered twice",
            r.msg_id
        );
    }
    let stock: Vec<&Received> = received
        .iter()
        .filter(|r| r.body["type"] == "stock")
        .collect();
    let stock_ids: HashSet<i64> = stock.iter().map(|r| r.msg_id.parse().unwrap()).collect();
    let expected: HashSet<i64> = ledger_ids.iter().copied().collect();
    assert_eq!(stock.len(), ledger_ids.len(), "one message per ledger row");
    assert_eq!(stock_ids, expected, "every movement delivered");
    let conflicts: i64 = server.scalar("SELECT count(*) FROM conflicts").await;
    let opened = received
        .iter()
        .filter(|r| r.msg_id.starts_with("conflict-"))
        .count();
    assert_eq!(opened as i64, conflicts, "every conflict delivered");

    // Per item: the order the outbox gives (commit order) is the order received.
    let commit_order: Vec<(String, i64)> = sqlx::query_as(
        "SELECT subject, msg_id::int8 FROM outbox WHERE kind = 'stock' ORDER BY txid, id",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap();
    let mut expected_per_subject: HashMap<String, Vec<i64>> = HashMap::new();
    for (subject, id) in commit_order {
        expected_per_subject.entry(subject).or_default().push(id);
    }
    let mut received_per_subject: HashMap<String, Vec<i64>> = HashMap::new();
    let mut running: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    for r in &stock {
        let below_prefix = r.subject.split_once('.').unwrap().1.to_owned();
        received_per_subject
            .entry(below_prefix)
            .or_default()
            .push(r.msg_id.parse().unwrap());
        let key = (
            r.body["item"].as_str().unwrap().to_owned(),
            r.body["location"].as_str().unwrap().to_owned(),
            r.body["lot"].as_str().unwrap_or("").to_owned(),
            r.body["status"].as_str().unwrap().to_owned(),
        );
        let before = running.get(&key).copied().unwrap_or(0);
        let after = r.body["balance_after"].as_i64().unwrap();
        assert_eq!(
            after,
            before + r.body["delta"].as_i64().unwrap(),
            "balance after ledger row {} does not follow from the one before: {}",
            r.msg_id,
            r.body
        );
        running.insert(key, after);
    }
    // Every item's movements arrive on its subject; their order is checked per balance
    // above (each balance after follows from the one before): transactions that move the
    // same balance commit one after the other, and that is the order they arrive in.
    // Movements of one item at different balances may come from concurrent transactions,
    // which the relay sends in the order they became visible.
    for ids in received_per_subject
        .values_mut()
        .chain(expected_per_subject.values_mut())
    {
        ids.sort_unstable();
    }
    assert_eq!(
        received_per_subject, expected_per_subject,
        "each item's movements on its subject"
    );
    for ((item, location, lot, status), qty) in running {
        let balance: i64 = sqlx::query_scalar(
            "SELECT qty FROM balances
             WHERE warehouse = $1 AND item = $2 AND location = $3 AND lot = $4 AND status = $5",
        )
        .bind(WH)
        .bind(&item)
        .bind(&location)
        .bind(&lot)
        .bind(&status)
        .fetch_one(server.store.pool())
        .await
        .unwrap();
        assert_eq!(
            qty, balance,
            "last balance after of {item}@{location} {status}"
        );
    }
}

/// A batch of `n` events for device `d`: receipts, picks (some beyond the balance, which
/// open conflicts) and moves over the test catalog.
fn load_batch(dev: &mut Dev, d: usize, round: usize, n: usize) -> Vec<RawEvent> {
    let items = ["SKU-1", "SKU-2", "SKU-3", "X", "Y"];
    let bins = ["A-1", "A-2", "B-1"];
    (0..n)
        .map(|i| {
            let item = items[(d + round + i) % items.len()];
            let bin = bins[(d + i) % bins.len()];
            let body = match i % 4 {
                0 | 1 => receive(item, 3, bin),
                2 => pick(item, 2, bin, &format!("TOTE-{}", d + 1)),
                _ => move_stock(item, 1, bin, bins[(d + i + 1) % bins.len()]),
            };
            dev.event(body, Utc::now())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relay_killed_mid_batch_and_nats_restarted_under_load_delivers_every_movement_once_in_order()
 {
    let server = Arc::new(TestServer::start("stream_kill").await);
    let mut nats = OwnedNats::new();
    nats.start().await;
    let mut stream = unique_stream("kill");
    stream.nats_url = nats.url();
    let db_url = server_db_url(&server).await;

    // Six devices push batches of 30 events, as fast as the server takes them, until the
    // restarts below are over.
    let stop_load = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for d in 0..6 {
        let server = server.clone();
        let stop_load = stop_load.clone();
        let mut dev = server.enrol(WH, Role::Receiver).await;
        load.push(tokio::spawn(async move {
            let mut round = 0;
            while round < 4 || !stop_load.load(Ordering::Relaxed) {
                let batch = load_batch(&mut dev, d, round, 30);
                server.push_ok(&dev, &batch).await;
                round += 1;
            }
        }));
    }

    // Let a backlog build up, so relay A's first batch is a big one.
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.scalar("SELECT count(*) FROM outbox").await < 400 {
        assert!(Instant::now() < deadline, "the load never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Relay A is killed (SIGKILL) while its first batch is going out: some of it is in
    // JetStream, none of it recorded in its cursors yet.
    let mut relay_a = RelayProcess::spawn(&db_url, &stream);
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = jetstream::new(client);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "relay A never published");
        let stored = match js.get_stream(&stream.stream_name).await {
            Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(0),
            Err(_) => 0,
        };
        if stored > 0 {
            relay_a.kill9().await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let recorded: i64 = server
        .scalar("SELECT count(*) FROM outbox_relay WHERE id > 0")
        .await;
    let stored_at_kill = js
        .get_stream(&stream.stream_name)
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .state
        .messages;
    assert_eq!(
        (relay_a.published(), recorded),
        (0, 0),
        "relay A was killed before it recorded any batch"
    );
    assert!(stored_at_kill > 0);

    // Relay B takes over; NATS is restarted while the load goes on; A comes back as a new
    // process and the two share the partitions.
    let relay_b = RelayProcess::spawn(&db_url, &stream);
    tokio::time::sleep(Duration::from_millis(400)).await;
    nats.stop().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    nats.start().await;
    let relay_a2 = RelayProcess::spawn(&db_url, &stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        load.iter().all(|t| !t.is_finished()),
        "the load was still running through the restarts"
    );
    stop_load.store(true, Ordering::Relaxed);

    for task in load {
        task.await.unwrap();
    }
    wait_for_drain(&server, Duration::from_secs(90)).await;
    let received = consume_all(&nats.url(), &stream.stream_name).await;
    assert_stream_matches_database(&server, &received).await;
    // What A had stored but not recorded went out again, and JetStream dropped it.
    let duplicates = relay_b.duplicates() + relay_a2.duplicates();
    assert!(
        duplicates >= stored_at_kill,
        "{stored_at_kill} messages were in JetStream when A died, unrecorded; the relays \
         after it republished them and JetStream must have dropped them all \
         (duplicates counted: {duplicates})"
    );
    assert!(
        received.iter().any(|r| r.body["type"] == "conflict"),
        "the load opens conflicts, and they are streamed too"
    );
    drop(relay_b);
    drop(relay_a2);
    nats.stop().await;
    Arc::try_unwrap(server).ok().unwrap().finish().await;
}

/// The test server's database URL (the relay process connects to it on its own).
async fn server_db_url(server: &TestServer) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(server.store.pool())
        .await
        .unwrap();
    let admin = dockhand_tests::pg::admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), Some(q.to_owned())),
        None => (admin.clone(), None),
    };
    let base = base
        .rsplit_once('/')
        .map_or(base.clone(), |(b, _)| b.to_owned());
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
struct SseEvent {
    id: String,
    event: String,
    data: Value,
}

/// An open `GET /v1/stream` response, parsed as it arrives.
struct SseClient {
    response: reqwest::Response,
    pending: String,
}

impl SseClient {
    async fn open(
        server: &TestServer,
        token: &str,
        last_event_id: Option<&str>,
        query: &str,
    ) -> SseClient {
        let mut request = server
            .client
            .get(format!("{}/v1/stream{query}", server.url))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        SseClient {
            response,
            pending: String::new(),
        }
    }

    /// The next `n` events (keep-alive comments skipped).
    async fn take(&mut self, n: usize) -> Vec<SseEvent> {
        let mut out = Vec::new();
        while out.len() < n {
            while let Some(end) = self.pending.find("\n\n") {
                let block: String = self.pending.drain(..end + 2).collect();
                let mut id = String::new();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if !data.is_empty() {
                    out.push(SseEvent {
                        id,
                        event,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                    if out.len() == n {
                        break;
                    }
                }
            }
            if out.len() == n {
                break;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.response.chunk())
                .await
                .expect("the stream went quiet before the expected events arrived")
                .unwrap()
                .expect("the server ended the stream");
            self.pending.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        out
    }
}

fn message_ids(events: &[SseEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e.event.as_str() {
            "stock" => e.data["ledger_id"].to_string(),
            "conflict" => format!(
                "{}-{}",
                e.data["conflict_id"],
                e.data["resolution_id"].as_i64().unwrap_or(0)
            ),
            other => panic!("unexpected event kind {other}"),
        })
        .collect()
}

#[tokio::test]
async fn sse_client_resumed_with_last_event_id_misses_nothing_and_sees_nothing_twice() {
    let server = TestServer::start("stream_sse").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut dev = server.enrol(WH, Role::Receiver).await;
    let mut other = server.enrol(WH2, Role::Receiver).await;

    // A live client connected before anything happened.
    let mut live = SseClient::open(&server, &supervisor.token, None, "?warehouse=WH1").await;

    let first: Vec<RawEvent> = (0..10)
        .map(|i| dev.event(receive("SKU-1", i + 1, "A-1"), Utc::now()))
        .collect();
    server.push_ok(&dev, &first).await;
    let other_events = vec![other.event(receive("SKU-1", 5, "A-1"), Utc::now())];
    server.push_ok(&other, &other_events).await;

    // Read 4 of the 10, then hang up.
    let mut client = SseClient::open(&server, &supervisor.token, None, "?from=start").await;
    let before = client.take(4).await;
    drop(client);

    // More happens while the client is away: receipts, a pick beyond the balance (a
    // movement, its shortfall and a conflict), moves.
    let mut second: Vec<RawEvent> = (0..5)
        .map(|_| dev.event(move_stock("SKU-1", 1, "A-1", "B-1"), Utc::now()))
        .collect();
    second.push(dev.event(pick("SKU-2", 4, "A-2", "TOTE-1"), Utc::now()));
    server.push_ok(&dev, &second).await;

    let total: i64 = server
        .scalar("SELECT count(*) FROM outbox WHERE warehouse = 'WH1'")
        .await;
    let mut resumed = SseClient::open(
        &server,
        &supervisor.token,
        Some(&before.last().unwrap().id),
        "?warehouse=WH1",
    )
    .await;
    let after = resumed.take(total as usize - 4).await;

    let all: Vec<SseEvent> = before.iter().chain(after.iter()).cloned().collect();
    let expected: Vec<(String, String)> = sqlx::query_as(
        "SELECT txid::text || ':' || id, msg_id FROM outbox WHERE warehouse = 'WH1' ORDER BY txid, id",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap();
    let got_ids: Vec<String> = all.iter().map(|e| e.id.clone()).collect();
    let expected_ids: Vec<String> = expected.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(got_ids, expected_ids, "every event once, in commit order");
    let distinct: HashSet<String> = message_ids(&all).into_iter().collect();
    assert_eq!(distinct.len(), all.len(), "no message twice");
    assert!(all.iter().all(|e| e.data["warehouse"] == WH), "only WH1");
    assert!(all.iter().any(|e| e.event == "conflict"));
    let movement = &all[0].data;
    assert_eq!(movement["type"], "stock");
    assert_eq!(movement["device_id"], dev.id.to_string());
    assert_eq!(movement["balance_after"], 1);
    assert_eq!(movement["location"], "A-1");

    // The live client saw the same events from its start, WH2's not among them.
    let live_events = live.take(total as usize).await;
    assert_eq!(live_events, all);

    // Nothing more is waiting: a reconnect after the last event gets only new ones.
    let mut tail = SseClient::open(
        &server,
        &supervisor.token,
        Some(&all.last().unwrap().id),
        "",
    )
    .await;
    let late = vec![dev.event(receive("SKU-3", 7, "A-1"), Utc::now())];
    server.push_ok(&dev, &late).await;
    let next = tail.take(1).await;
    assert_eq!(next[0].data["item"], "SKU-3");
    assert_eq!(next[0].data["delta"], 7);
    server.finish().await;
}

#[tokio::test]
async fn sse_is_for_supervisors_and_admins_of_the_warehouse_only() {
    let server = TestServer::start("stream_auth").await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let picker = server.enrol(WH, Role::Picker).await;
    let get = |token: Option<String>, path: &'static str, last: Option<&'static str>| {
        let mut request = server.client.get(format!("{}{path}", server.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, _) = get(None, "/v1/stream", None).await;
    assert_eq!(status, 401);
    let (status, body) = get(Some(picker.token.clone()), "/v1/stream", None).await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("supervisor or admin"),
        "{body}"
    );
    let (status, body) = get(
        Some(supervisor.token.clone()),
        "/v1/stream?warehouse=WH2",
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["message"].as_str().unwrap().contains("WH2"), "{body}");
    let (status, body) = get(
        Some(supervisor.token.clone()),
        "/v1/stream",
        Some("yesterday"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "bad_cursor");
    let (status, body) = get(
        Some(supervisor.token.clone()),
        "/v1/stream?from=tuesday",
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("from=start"),
        "{body}"
    );
    server.finish().await;
}

#[tokio::test]
async fn without_nats_the_server_keeps_working_shows_the_lag_and_catches_up() {
    let server = TestServer::start("stream_down").await;
    let mut nats = OwnedNats::new(); // not started yet: nothing listens on its port
    let mut stream = unique_stream("down");
    stream.nats_url = nats.url();
    let mut config = RelayConfig::new(stream.clone());
    config.poll_ms = 2;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(dockhand_sync_server::stream::run_relay(
        server.store.clone(),
        config,
        async {
            let _ = stopped.await;
        },
    ));

    let mut dev = server.enrol(WH, Role::Receiver).await;
    let events: Vec<RawEvent> = (0..20)
        .map(|i| dev.event(receive("SKU-1", i + 1, "A-1"), Utc::now()))
        .collect();
    let body = server.push_ok(&dev, &events).await;
    assert_eq!(body["last_applied_seq"], 20, "pushes go on without NATS");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, health) = server.get_json("", "/healthz").await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["stream"]["outbox_pending"], 20, "{health}");
    assert!(
        health["stream"]["lag_seconds"].as_f64().unwrap() > 0.1,
        "{health}"
    );
    let metrics = server
        .client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("dockhand_outbox_pending 20"), "{metrics}");
    assert!(metrics.contains("dockhand_relay_lag_seconds "), "{metrics}");

    nats.start().await;
    wait_for_drain(&server, Duration::from_secs(30)).await;
    let (_, health) = server.get_json("", "/healthz").await;
    assert_eq!(health["stream"]["outbox_pending"], 0, "{health}");
    let received = consume_all(&nats.url(), &stream.stream_name).await;
    assert_eq!(received.len(), 20);
    assert_eq!(
        received
            .iter()
            .map(|r| r.msg_id.clone())
            .collect::<Vec<_>>(),
        (1..=20).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    let _ = stop.send(());
    relay.await.unwrap();
    nats.stop().await;
    server.finish().await;
}

#[tokio::test]
async fn conflicts_resolutions_and_alerts_reach_the_stream_on_escaped_subjects() {
    let server = TestServer::start("stream_kinds").await;
    let stream = unique_stream("kinds");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(dockhand_sync_server::stream::run_relay(
        server.store.clone(),
        RelayConfig::new(stream.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    let mut dev = server.enrol(WH, Role::Picker).await;
    // A pick from an empty bin: the movement, its shortfall and a conflict.
    let events = vec![dev.event(pick("X", 2, "A-1", "TOTE-1"), Utc::now())];
    server.push_ok(&dev, &events).await;
    let conflict_id: i64 = server.scalar("SELECT max(id) FROM conflicts").await;
    let (status, body) = server
        .post_json(
            &supervisor.token,
            &format!("/v1/conflicts/{conflict_id}/resolve"),
            &serde_json::json!({"action": "accept", "note": "found them"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Alerts (the reports' table, with the trigger its migration attaches).
    sqlx::raw_sql(
        "INSERT INTO alerts (warehouse, kind, subject, message, payload)
         VALUES ('WH1', 'below min', 'X', 'X is below its minimum', '{\"item\": \"X\"}');",
    )
    .execute(server.store.pool())
    .await
    .unwrap();
    // A transaction that rolls back leaves no message.
    let mut tx = server.store.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO alerts (warehouse, kind, subject, message, payload)
         VALUES ('WH1', 'never', 'X', 'rolled back', '{}')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();

    wait_for_drain(&server, Duration::from_secs(30)).await;
    let received = consume_all(&stream.nats_url, &stream.stream_name).await;
    let subjects: Vec<String> = received.iter().map(|r| r.subject.clone()).collect();
    let p = &stream.subject_prefix;
    assert!(
        subjects.contains(&format!("{p}.WH1.stock.X")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("{p}.WH1.conflict.pick_beyond_balance")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("{p}.WH1.alert.below~20min")),
        "{subjects:?}"
    );
    assert!(!subjects.iter().any(|s| s.contains("never")));
    let conflict_messages: Vec<&Received> = received
        .iter()
        .filter(|r| r.body["type"] == "conflict")
        .collect();
    assert_eq!(conflict_messages.len(), 2, "opened, then resolved");
    assert_eq!(conflict_messages[0].body["state"], "open");
    assert_eq!(
        conflict_messages[0].msg_id,
        format!("conflict-{conflict_id}")
    );
    assert_eq!(conflict_messages[1].body["state"], "resolved");
    assert_eq!(conflict_messages[1].body["action"], "accept");
    assert_eq!(
        conflict_messages[1].body["device_id"],
        supervisor.id.to_string()
    );
    let alert = received.iter().find(|r| r.body["type"] == "alert").unwrap();
    assert_eq!(alert.body["subject"], "X");
    assert_eq!(alert.body["payload"]["item"], "X");
    assert_eq!(alert.msg_id, "alert-1");

    // The database and the Rust side escape subject tokens the same way.
    for value in ["SKU-1", "A.1", "a b*>", "~", "Crème brûlée"] {
        let sql: String = sqlx::query_scalar("SELECT dockhand_subject_token($1)")
            .bind(value)
            .fetch_one(server.store.pool())
            .await
            .unwrap();
        assert_eq!(sql, subject::token(value), "{value}");
    }
    let _ = stop.send(());
    relay.await.unwrap();
    delete_stream(&stream.nats_url, &stream.stream_name).await;
    server.finish().await;
}

#[tokio::test]
async fn stream_tail_prints_the_warehouse_messages_from_nats_and_from_the_database() {
    let server = TestServer::start("stream_tail").await;
    let stream = unique_stream("tail");
    // Tail NATS from now on, for three messages; traffic starts once NATS has the
    // subscription (what the binary announces on stderr).
    let nats_config = stream.clone();
    let (subscribed, listening) = tokio::sync::oneshot::channel::<String>();
    let nats_tail = tokio::spawn(async move {
        let mut out = Vec::new();
        dockhand_sync_server::stream::tail::tail_nats_notifying(
            &nats_config,
            WH,
            Some(3),
            &mut out,
            |subject| {
                let _ = subscribed.send(subject.to_owned());
            },
        )
        .await
        .unwrap();
        String::from_utf8(out).unwrap()
    });
    let subject = tokio::time::timeout(Duration::from_secs(30), listening)
        .await
        .expect("stream tail did not confirm its NATS subscription within 30 s")
        .expect("stream tail stopped before it confirmed its NATS subscription");
    assert_eq!(subject, format!("{}.WH1.>", stream.subject_prefix));
    assert_eq!(
        dockhand_sync_server::stream::tail::subscribed_line(&subject),
        format!("listening on {}.WH1.>", stream.subject_prefix)
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(dockhand_sync_server::stream::run_relay(
        server.store.clone(),
        RelayConfig::new(stream.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    let mut dev = server.enrol(WH, Role::Receiver).await;
    let mut other = server.enrol(WH2, Role::Receiver).await;
    let wh2_events = vec![other.event(receive("X", 1, "A-1"), Utc::now())];
    server.push_ok(&other, &wh2_events).await;
    let events: Vec<RawEvent> = (1..=3)
        .map(|i| dev.event(receive("SKU-2", i, "A-2"), Utc::now()))
        .collect();
    server.push_ok(&dev, &events).await;

    let printed = tokio::time::timeout(Duration::from_secs(30), nats_tail)
        .await
        .expect("stream tail printed three messages")
        .unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 3, "{printed}");
    for (i, line) in lines.iter().enumerate() {
        let (subject, json) = line.split_once(' ').unwrap();
        assert_eq!(
            subject,
            format!("{}.WH1.stock.SKU-2", stream.subject_prefix)
        );
        let body: Value = serde_json::from_str(json).unwrap();
        assert_eq!(body["delta"], i as i64 + 1);
    }

    // From the database, from the oldest message kept: the same three, WH2's left out.
    let mut out = Vec::new();
    dockhand_sync_server::stream::tail::tail_database(
        &server.store,
        &stream,
        WH,
        true,
        Some(3),
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), printed);

    let _ = stop.send(());
    relay.await.unwrap();
    delete_stream(&stream.nats_url, &stream.stream_name).await;
    server.finish().await;
}

#[tokio::test]
async fn a_long_transaction_elsewhere_does_not_hold_the_live_stream_back() {
    let server = TestServer::start("stream_live").await;
    let stream = unique_stream("live");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(dockhand_sync_server::stream::run_relay(
        server.store.clone(),
        RelayConfig::new(stream.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    let mut dev = server.enrol(WH, Role::Receiver).await;
    let first = vec![dev.event(receive("SKU-1", 1, "A-1"), Utc::now())];
    server.push_ok(&dev, &first).await;
    wait_for_drain(&server, Duration::from_secs(30)).await; // the relay is live now

    // A transaction that took an id and stays open: it holds pg_snapshot_xmin back.
    let mut long = server.store.pool().begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *long)
        .await
        .unwrap();
    let client = async_nats::connect(&stream.nats_url).await.unwrap();
    let mut live = client
        .subscribe(format!("{}.WH1.stock.SKU-2", stream.subject_prefix))
        .await
        .unwrap();
    let second = vec![dev.event(receive("SKU-2", 2, "A-1"), Utc::now())];
    server.push_ok(&dev, &second).await;
    let message = tokio::time::timeout(Duration::from_secs(10), live.next())
        .await
        .expect("the movement is published while the older transaction is still open")
        .unwrap();
    let body: Value = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(body["delta"], 2);
    // SSE and pull wait behind the barrier (they read by cursor); the relay did not.
    let barrier_passed: bool = sqlx::query_scalar(
        "SELECT pg_snapshot_xmin(pg_current_snapshot()) > (SELECT max(txid) FROM outbox)",
    )
    .fetch_one(server.store.pool())
    .await
    .unwrap();
    assert!(
        !barrier_passed,
        "the open transaction still holds the barrier"
    );
    long.rollback().await.unwrap();

    let _ = stop.send(());
    relay.await.unwrap();
    delete_stream(&stream.nats_url, &stream.stream_name).await;
    server.finish().await;
}

/// The counter `name` of a server's `/metrics`.
async fn metric(url: &str, name: &str) -> u64 {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
}

/// The stream gate in a `serve`-like process: a live relay reporting a lag above the bound
/// brings the process's limit down to its floor and pushes take turns (all still apply); a
/// report that is not recent (no live relay: NATS away or the relay stopped) lifts the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_limit_follows_the_live_relays_lag() {
    let server = TestServer::start("stream_gate").await;
    let db_url = server_db_url(&server).await;
    let port = free_port();
    let mut process = Command::new(env!("CARGO_BIN_EXE_dockhand-test-server"))
        .args([db_url.as_str(), &port.to_string(), "--gate", "25", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(process.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .await
        .unwrap();
    assert_eq!(first.trim(), "listening");
    let url = format!("http://127.0.0.1:{port}");
    let waits = "dockhand_push_gate_waits_total";
    let mut devs = Vec::new();
    for _ in 0..4 {
        devs.push(server.enrol(WH, Role::Receiver).await);
    }
    let client = reqwest::Client::new();
    // Four devices push at once; every push applies.
    let push_all = |devs: &mut Vec<Dev>| {
        let requests: Vec<_> = devs
            .iter_mut()
            .map(|dev| {
                let event = dev.event(receive("SKU-1", 1, "A-1"), Utc::now());
                let body = serde_json::json!({"device_id": dev.id, "events": [event]});
                client
                    .post(format!("{url}/v1/push"))
                    .bearer_auth(&dev.token)
                    .json(&body)
                    .send()
            })
            .collect();
        async move {
            for response in futures_util::future::join_all(requests).await {
                let response = response.unwrap();
                assert_eq!(response.status(), reqwest::StatusCode::OK);
            }
        }
    };
    let set_lag = |ms: i32, age_secs: i32| {
        let store = server.store.clone();
        async move {
            sqlx::query(
                "UPDATE outbox_relay SET live_lag_ms = $1,
                        lag_at = clock_timestamp() - make_interval(secs => $2)",
            )
            .bind(ms)
            .bind(f64::from(age_secs))
            .execute(store.pool())
            .await
            .unwrap();
            // The process reads the lag every 20 ms.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };

    let limit = "dockhand_push_gate_limit";

    // No relay has reported: no limit, nobody waits.
    push_all(&mut devs).await;
    assert_eq!(metric(&url, waits).await, 0);
    assert_eq!(metric(&url, limit).await, 1024);

    // A live relay 500 ms behind: the limit falls to the floor (1 here), the four pushes
    // take turns (each finished push holds its turn while the relay lags), all apply.
    set_lag(500, 0).await;
    assert_eq!(metric(&url, limit).await, 1);
    push_all(&mut devs).await;
    assert_eq!(metric(&url, waits).await, 3);

    // Within the bound: no more holding, the pushes still take turns under the limit (it
    // grows back only while pushes wait: `gate::tests`), all apply.
    set_lag(5, 0).await;
    assert_eq!(metric(&url, limit).await, 1);
    push_all(&mut devs).await;

    // A lag reported a minute ago (the relay stopped or lost NATS): no limit again.
    set_lag(500, 60).await;
    assert_eq!(metric(&url, limit).await, 1024);
    let before = metric(&url, waits).await;
    push_all(&mut devs).await;
    assert_eq!(metric(&url, waits).await, before);

    assert_eq!(server.balance("SKU-1", "A-1", "available").await, 16);
    process.kill().await.unwrap();
    server.finish().await;
}

/// Outbox retention: messages every relay published and older than the retention go,
/// unpublished and young ones stay, in short batches; an SSE resume from before what went
/// is refused with 410 (it would miss messages), `from=start` begins right after it, and a
/// resume from the horizon itself misses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_deletes_only_old_published_messages_and_a_too_old_resume_is_refused() {
    let server = TestServer::start("stream_prune").await;
    let mut dev = server.enrol(WH, Role::Receiver).await;
    let supervisor = server.enrol(WH, Role::Supervisor).await;
    for _ in 0..10 {
        let event = dev.event(receive("SKU-1", 1, "A-1"), Utc::now());
        server.push_ok(&dev, &[event]).await;
    }
    let pool = server.store.pool().clone();
    // Every relay published these ten; the first six are ten days old.
    sqlx::query(
        "UPDATE outbox_relay SET txid = m.txid, id = m.id
         FROM (SELECT txid, id FROM outbox ORDER BY txid DESC, id DESC LIMIT 1) m",
    )
    .execute(&pool)
    .await
    .unwrap();
    let cursors: Vec<(String, i64)> =
        sqlx::query_as("SELECT txid::text, id FROM outbox ORDER BY txid, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(cursors.len(), 10);
    let id_of = |i: usize| format!("{}:{}", cursors[i].0, cursors[i].1);
    sqlx::query(
        "UPDATE outbox SET created_at = now() - interval '10 days'
         WHERE id IN (SELECT id FROM outbox ORDER BY txid, id LIMIT 6)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Two more, old but not yet published: they stay.
    for _ in 0..2 {
        let event = dev.event(receive("SKU-2", 1, "A-1"), Utc::now());
        server.push_ok(&dev, &[event]).await;
    }
    sqlx::query("UPDATE outbox SET created_at = now() - interval '10 days' WHERE id > $1")
        .bind(cursors[9].1)
        .execute(&pool)
        .await
        .unwrap();

    let week = Duration::from_secs(7 * 24 * 3600);
    // Batches of 4: a full batch of old rows, then one that meets a young row and stops.
    assert_eq!(outbox::prune(&pool, week, 4).await.unwrap(), 6);
    assert_eq!(outbox::prune(&pool, week, 4).await.unwrap(), 0);
    assert_eq!(server.scalar("SELECT count(*) FROM outbox").await, 6);
    let horizon = outbox::horizon(&pool, WH).await.unwrap().unwrap();
    assert_eq!(horizon.to_string(), id_of(5));
    assert!(outbox::horizon(&pool, WH2).await.unwrap().is_none());

    // A resume from before the horizon would miss messages: 410, saying what to do.
    let response = server
        .client
        .get(format!("{}/v1/stream", server.url))
        .bearer_auth(&supervisor.token)
        .header("Last-Event-ID", id_of(2))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "pruned", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Last-Event-ID"),
        "{body}"
    );
    // From the start: the oldest message kept. From the horizon: the same, nothing missed.
    let mut from_start = SseClient::open(&server, &supervisor.token, None, "?from=start").await;
    let first = from_start.take(1).await;
    assert_eq!(first[0].id, id_of(6));
    let mut resumed = SseClient::open(&server, &supervisor.token, Some(&id_of(5)), "").await;
    let kept: Vec<String> = resumed.take(6).await.into_iter().map(|e| e.id).collect();
    assert_eq!(kept[..4], (6..10).map(id_of).collect::<Vec<_>>()[..]);
    drop((from_start, resumed));
    server.finish().await;
}
