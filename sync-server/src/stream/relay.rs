//! The outbox relay: publishes the outbox to JetStream in commit order per partition, from
//! as many processes as run it, without two of them publishing one partition at once.
//! Caught up, it reads what became visible since its last snapshot (see
//! `Session::read_round`); otherwise by cursor below `pg_snapshot_xmin`.
//!
//! Ownership: each of the outbox's partitions (a hash of warehouse and item) is owned by at
//! most one relay through a session-level advisory lock on a dedicated connection; the
//! cursor is read when the lock is taken and written on that same connection after
//! JetStream acknowledged the messages. A relay that dies (kill -9, lost connection) loses
//! its locks with its connection; another relay takes the partition within a second and
//! resumes from the stored cursor, republishing at most one batch, which JetStream drops
//! as duplicates. Relays share partitions: each announces itself with a presence lock, and
//! one that owns more than its fair share gives the extra partitions back between rounds.
//!
//! Why not `SELECT … FOR UPDATE SKIP LOCKED` on the outbox rows: a row lock needs an open
//! transaction for as long as the claim lasts, and that transaction's id would hold back
//! `pg_snapshot_xmin` — the barrier every pull, SSE reader and relay waits behind — for the
//! whole publish. A `pg_try_advisory_lock` is the same "skip what someone else holds" claim
//! without a transaction. Rows are never updated or deleted by the relay: one cursor update
//! per partition per round.
//!
//! Without NATS the relay keeps retrying; the outbox grows, `/healthz` and `/metrics` show
//! the backlog, and it drains when NATS is back.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgConnection;

use super::jetstream::{BatchOutcome, Publisher};
use super::outbox::{self, OutboxMessage};
use crate::config::RelayConfig;
use crate::metrics::METRICS;
use crate::store::{PullCursor, Store, StoreResult};

/// How often a relay looks for partitions to take or give back.
const CLAIM_INTERVAL: Duration = Duration::from_millis(1000);
/// Pause after a failure (NATS or PostgreSQL unavailable) before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// What this process's relay is doing, for `/healthz`.
#[derive(Debug, Default)]
pub struct RelayStatus {
    running: AtomicBool,
    nats_connected: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl RelayStatus {
    pub fn running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }
    pub fn nats_connected(&self) -> bool {
        self.nats_connected.load(Ordering::Relaxed)
    }
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }
    fn set_error(&self, error: Option<String>) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = error;
        }
    }
    /// The longest a message published by the last live round can have waited since its
    /// commit (`None`: not live), for `/metrics`; the stream gate reads it from the database.
    fn set_live(&self, lag: Option<Duration>) {
        let micros = lag.map_or(0, |l| u64::try_from(l.as_micros()).unwrap_or(u64::MAX));
        METRICS
            .relay_lag_micros
            .set(i64::try_from(micros).unwrap_or(i64::MAX));
    }
    fn set_nats(&self, connected: bool) {
        self.nats_connected.store(connected, Ordering::Relaxed);
        METRICS.relay_nats_connected.set(i64::from(connected));
    }
}

/// The relay of this process.
pub static RELAY_STATUS: std::sync::LazyLock<RelayStatus> =
    std::sync::LazyLock::new(RelayStatus::default);

/// A dedicated connection and the partitions it owns, with their cursors.
struct Session {
    conn: PgConnection,
    owned: BTreeMap<i16, PullCursor>,
    /// `None`: catching up by cursor below the barrier. `Some`: live, reading what became
    /// visible since the last snapshot.
    live: Option<Live>,
    last_persist: Instant,
}

/// Where live reading goes on from: transactions from `from_txid` on, and `also`.
#[derive(Debug, Clone)]
struct Live {
    from_txid: u64,
    also: Vec<u64>,
    /// The last snapshot's xmin: everything below it has been read.
    done_below: Option<u64>,
}

impl Session {
    /// A connection of its own (not the pool's: it must live on the relay's runtime), whose
    /// commits — only the cursors — do not wait for the WAL flush: a cursor lost to a
    /// PostgreSQL crash means republishing what JetStream then drops as duplicates (within
    /// its duplicate window), and the relay's round does not queue behind the pushes' fsyncs.
    async fn open(store: &Store) -> StoreResult<Session> {
        use sqlx::Connection;
        let options = store.pool().connect_options();
        let mut conn = PgConnection::connect_with(&options).await?;
        // - `synchronous_commit = off`: see above.
        // - No parallel workers: a round reads a few hundred rows by index; workers (which
        //   the planner picks on its poor `xid8` estimates as the outbox grows) cost more to
        //   start than the whole read, and take CPU from the pushes on a busy server.
        // - No JIT: those estimates put a round's cost above `jit_above_cost`, and compiling
        //   took 20–50 ms of every round, longer than reading and publishing.
        // - Only plain index scans: a round's read must touch the new rows and nothing else.
        //   On a fast-growing outbox the statistics are always behind, and with them the
        //   planner read whole partitions through a bitmap scan on `part` alone and filtered
        //   `txid` in the heap (50–300 ms a round under load, growing with the history).
        //   Every relay statement has an index to use.
        for setting in [
            "SET synchronous_commit = off",
            "SET max_parallel_workers_per_gather = 0",
            "SET jit = off",
            "SET enable_bitmapscan = off",
            "SET enable_seqscan = off",
        ] {
            sqlx::query(setting).execute(&mut conn).await?;
        }
        outbox::announce_relay(&mut conn).await?;
        Ok(Session {
            conn,
            owned: BTreeMap::new(),
            live: None,
            last_persist: Instant::now(),
        })
    }

    /// Takes free partitions up to this relay's fair share, or gives back what is beyond it.
    async fn rebalance(&mut self) -> StoreResult<()> {
        let parts = outbox::partition_count(&mut self.conn).await?;
        let relays = outbox::relays_present(&mut self.conn).await?;
        let share = fair_share(parts, relays);
        while self.owned.len() > share {
            let Some((&part, _)) = self.owned.iter().next_back() else {
                break;
            };
            outbox::release_partition(&mut self.conn, part).await?;
            self.owned.remove(&part);
            self.live = None;
            tracing::info!(part, share, "relay gave a partition back to share the load");
        }
        let mut taken = Vec::new();
        if self.owned.len() < share {
            // Start at a different place in each process so starting relays spread out.
            let start = (std::process::id() as i16).rem_euclid(parts.max(1));
            for k in 0..parts {
                if self.owned.len() >= share {
                    break;
                }
                let part = (start + k) % parts;
                if self.owned.contains_key(&part) {
                    continue;
                }
                if let Some(cursor) = outbox::claim_partition(&mut self.conn, part).await? {
                    tracing::debug!(part, %cursor, "relay took partition");
                    self.owned.insert(part, cursor);
                    taken.push(part);
                    self.live = None;
                }
            }
        }
        if !taken.is_empty() {
            tracing::info!(
                ?taken,
                owned = self.owned.len(),
                share,
                "relay took partitions"
            );
        }
        METRICS
            .relay_partitions
            .set(i64::try_from(self.owned.len()).unwrap_or(i64::MAX));
        Ok(())
    }
}

impl Session {
    /// The next messages to publish, and the live state to go on with once they are out.
    ///
    /// Catching up (after taking partitions, a restart or a failed publish) reads by cursor
    /// below `pg_snapshot_xmin`, in commit order by txid, in pages. Once a page is not full
    /// the relay goes live: it reads what became visible since its last snapshot, so a
    /// commit goes out within a poll even while older transactions elsewhere on the
    /// PostgreSQL server are still running (they would hold the barrier back). The
    /// switch re-reads what committed between the barrier and the switch; JetStream drops
    /// those as duplicates.
    async fn read_round(&mut self, limit: i64) -> StoreResult<(Vec<OutboxMessage>, Option<Live>)> {
        match self.live.clone() {
            None => {
                let from_txid = outbox::current_xmin(&mut self.conn).await?;
                let owned: Vec<(i16, PullCursor)> =
                    self.owned.iter().map(|(p, c)| (*p, *c)).collect();
                let batch = outbox::pending_for_partitions(&mut self.conn, &owned, limit).await?;
                let mut per_part: BTreeMap<i16, i64> = BTreeMap::new();
                for m in &batch {
                    *per_part.entry(m.part).or_default() += 1;
                }
                let caught_up = per_part.values().all(|n| *n < limit);
                let live = caught_up.then_some(Live {
                    from_txid,
                    also: Vec::new(),
                    done_below: None,
                });
                Ok((batch, live))
            }
            Some(live) => {
                let parts: Vec<i16> = self.owned.keys().copied().collect();
                let (batch, snapshot) =
                    outbox::committed_since(&mut self.conn, &parts, live.from_txid, &live.also)
                        .await?;
                Ok((
                    batch,
                    Some(Live {
                        from_txid: snapshot.xmax,
                        also: snapshot.xip,
                        done_below: Some(snapshot.xmin),
                    }),
                ))
            }
        }
    }
}

/// Partitions one relay should own when `relays` relays are present.
fn fair_share(parts: i16, relays: i64) -> usize {
    let parts = usize::try_from(parts).unwrap_or(0);
    let relays = usize::try_from(relays.max(1)).unwrap_or(1);
    parts.div_ceil(relays)
}

/// For each partition of `batch`, the cursor of the last message before its first
/// unstored one (messages of a partition are in commit order in `batch`).
fn stored_prefix_cursors(
    batch: &[outbox::OutboxMessage],
    stored: &[bool],
) -> BTreeMap<i16, PullCursor> {
    let mut cursors = BTreeMap::new();
    let mut blocked = std::collections::BTreeSet::new();
    for (m, ok) in batch.iter().zip(stored) {
        if blocked.contains(&m.part) {
            continue;
        }
        if *ok {
            cursors.insert(m.part, m.cursor);
        } else {
            blocked.insert(m.part);
        }
    }
    cursors
}

/// Starts the relay on a thread of its own with its own single-threaded runtime, for
/// `serve`: the relay's polls, PostgreSQL connection and NATS client then never wait in the
/// queue of a runtime busy with pushes, which is what kept commit → consumer latency high
/// under the push load. Runs for the life of the process.
pub fn spawn_relay_thread(store: Store, config: RelayConfig) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("dockhand-relay".into())
        .spawn(move || runtime.block_on(run_relay(store, config, std::future::pending())))?;
    Ok(())
}

/// Runs the relay until `shutdown` resolves. Never fails: NATS or PostgreSQL being away is
/// logged, shown in `/healthz` and retried.
pub async fn run_relay(store: Store, config: RelayConfig, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    RELAY_STATUS.running.store(true, Ordering::Relaxed);
    tokio::select! {
        () = relay_loop(&store, &config) => {}
        () = &mut shutdown => {}
    }
    RELAY_STATUS.running.store(false, Ordering::Relaxed);
    RELAY_STATUS.set_live(None);
    METRICS.relay_partitions.set(0);
}

async fn relay_loop(store: &Store, config: &RelayConfig) {
    let poll = Duration::from_millis(config.poll_ms.max(1));
    let mut publisher: Option<Publisher> = None;
    let mut session: Option<Session> = None;
    let mut next_claim = Instant::now();
    // When the previous live round read its snapshot: what it missed waits until the end
    // of the current round at most.
    let mut previous_round: Option<Instant> = None;
    loop {
        let Some(nats) = publisher.as_ref() else {
            match Publisher::connect(&config.stream).await {
                Ok(p) => {
                    tracing::info!(url = %config.stream.nats_url, stream = %config.stream.stream_name, "relay connected to NATS");
                    RELAY_STATUS.set_nats(true);
                    RELAY_STATUS.set_error(None);
                    publisher = Some(p);
                }
                Err(e) => {
                    RELAY_STATUS.set_nats(false);
                    note_error(format!("{e}; the outbox keeps growing until NATS is back"));
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
            }
            continue;
        };
        if !nats.connected() {
            RELAY_STATUS.set_nats(false);
            publisher = None;
            continue;
        }
        let s = match session.as_mut() {
            Some(s) => s,
            None => match Session::open(store).await {
                Ok(s) => {
                    next_claim = Instant::now();
                    session.insert(s)
                }
                Err(e) => {
                    note_error(format!("relay cannot reach PostgreSQL: {e}"));
                    tokio::time::sleep(RETRY_PAUSE).await;
                    continue;
                }
            },
        };
        if Instant::now() >= next_claim {
            if let Err(e) = s.rebalance().await {
                note_error(format!("relay lost its PostgreSQL session: {e}"));
                session = None;
                previous_round = None;
                RELAY_STATUS.set_live(None);
                METRICS.relay_partitions.set(0);
                continue;
            }
            next_claim = Instant::now() + CLAIM_INTERVAL;
        }
        let round_started = Instant::now();
        let (batch, next_live) = match s.read_round(config.batch).await {
            Ok(round) => round,
            Err(e) => {
                note_error(format!("relay lost its PostgreSQL session: {e}"));
                session = None;
                previous_round = None;
                RELAY_STATUS.set_live(None);
                METRICS.relay_partitions.set(0);
                continue;
            }
        };
        let read_took = round_started.elapsed();
        let outcome = if batch.is_empty() {
            BatchOutcome::default()
        } else {
            nats.publish_batch(&batch).await
        };
        let mut advanced = stored_prefix_cursors(&batch, &outcome.stored);
        // The lag of this round if live, stored with the cursors for the stream gate.
        let live_lag;
        if outcome.first_error.is_none() {
            let was_live = s.live.is_some();
            s.live = next_live;
            live_lag = match (was_live, previous_round, s.owned.is_empty()) {
                (true, Some(previous), false) => Some(previous.elapsed()),
                _ => None,
            };
            RELAY_STATUS.set_live(live_lag);
            previous_round = s.live.as_ref().map(|_| round_started);
            // Live: everything below the snapshot's xmin has been read and published.
            if let Some(xmin) = s.live.as_ref().and_then(|l| l.done_below) {
                let floor = PullCursor {
                    txid: xmin.saturating_sub(1),
                    id: i64::MAX,
                };
                for (part, cursor) in &s.owned {
                    let best = advanced.get(part).copied().unwrap_or(*cursor).max(floor);
                    if best > *cursor {
                        advanced.insert(*part, best);
                    }
                }
            }
        } else {
            s.live = None;
            previous_round = None;
            live_lag = None;
            RELAY_STATUS.set_live(None);
        }
        let published = outcome.stored.iter().filter(|ok| **ok).count() as u64;
        // Cursors are stored after every batch, and at least every second when idle.
        if !batch.is_empty() || s.last_persist.elapsed() >= CLAIM_INTERVAL {
            let updates: Vec<(i16, PullCursor)> = advanced.iter().map(|(p, c)| (*p, *c)).collect();
            if let Err(e) = outbox::advance_cursors(&mut s.conn, &updates, live_lag).await {
                // The messages are in JetStream; whoever takes the partition republishes
                // them and JetStream drops them as duplicates.
                note_error(format!("relay could not store its cursors: {e}"));
                session = None;
                previous_round = None;
                RELAY_STATUS.set_live(None);
                METRICS.relay_partitions.set(0);
                continue;
            }
            s.last_persist = Instant::now();
            for (part, cursor) in advanced {
                s.owned.insert(part, cursor);
            }
        }
        if batch.is_empty() {
            tokio::time::sleep(poll).await;
            continue;
        }
        METRICS.relay_published.add(published);
        METRICS.relay_duplicates.add(outcome.duplicates);
        if let Some(error) = outcome.first_error {
            METRICS.relay_publish_failures.inc();
            note_error(format!(
                "{error}; {published} of {} messages published, reconnecting and retrying",
                batch.len()
            ));
            // A fresh connection: nothing the old client still buffers may be sent after
            // the message that failed (see `jetstream`).
            publisher = None;
            RELAY_STATUS.set_nats(false);
            tokio::time::sleep(RETRY_PAUSE).await;
        } else {
            RELAY_STATUS.set_error(None);
            tracing::debug!(
                messages = batch.len(),
                duplicates = outcome.duplicates,
                read_ms = read_took.as_secs_f64() * 1e3,
                round_ms = round_started.elapsed().as_secs_f64() * 1e3,
                "relay published a batch"
            );
        }
    }
}

fn note_error(message: String) {
    tracing::warn!("{message}");
    RELAY_STATUS.set_error(Some(message));
}

#[cfg(test)]
mod tests {
    use super::*;
    use outbox::OutboxMessage;

    fn m(part: i16, id: i64) -> OutboxMessage {
        OutboxMessage {
            part,
            cursor: PullCursor { txid: 7, id },
            kind: "stock".into(),
            subject: format!("WH1.stock.S{id}"),
            msg_id: id.to_string(),
            payload: "{}".into(),
        }
    }

    #[test]
    fn a_partition_advances_only_to_its_first_unpublished_message() {
        let batch = [m(1, 1), m(1, 2), m(1, 3), m(2, 4), m(2, 5), m(3, 6)];
        let stored = [true, false, true, true, true, false];
        let cursors = stored_prefix_cursors(&batch, &stored);
        assert_eq!(cursors.get(&1), Some(&PullCursor { txid: 7, id: 1 }));
        assert_eq!(cursors.get(&2), Some(&PullCursor { txid: 7, id: 5 }));
        assert_eq!(cursors.get(&3), None);
    }

    #[test]
    fn partitions_are_shared_out_rounding_up() {
        assert_eq!(fair_share(16, 1), 16);
        assert_eq!(fair_share(16, 0), 16);
        assert_eq!(fair_share(16, 3), 6);
        assert_eq!(fair_share(16, 20), 1);
    }
}
