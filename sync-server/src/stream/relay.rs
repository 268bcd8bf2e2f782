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
    async fn open(store: &Store) -> StoreResult<Session> {
        let mut conn = store.pool().acquire().await?.detach();
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
    METRICS.relay_partitions.set(0);
}

async fn relay_loop(store: &Store, config: &RelayConfig) {
    let poll = Duration::from_millis(config.poll_ms.max(1));
    let mut publisher: Option<Publisher> = None;
    let mut session: Option<Session> = None;
    let mut next_claim = Instant::now();
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
                METRICS.relay_partitions.set(0);
                continue;
            }
            next_claim = Instant::now() + CLAIM_INTERVAL;
        }
        let (batch, next_live) = match s.read_round(config.batch).await {
            Ok(round) => round,
            Err(e) => {
                note_error(format!("relay lost its PostgreSQL session: {e}"));
                session = None;
                METRICS.relay_partitions.set(0);
                continue;
            }
        };
        let outcome = if batch.is_empty() {
            BatchOutcome::default()
        } else {
            nats.publish_batch(&batch).await
        };
        let mut advanced = stored_prefix_cursors(&batch, &outcome.stored);
        if outcome.first_error.is_none() {
            s.live = next_live;
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
        }
        let published = outcome.stored.iter().filter(|ok| **ok).count() as u64;
        // Cursors are stored after every batch, and at least every second when idle.
        if !batch.is_empty() || s.last_persist.elapsed() >= CLAIM_INTERVAL {
            let updates: Vec<(i16, PullCursor)> = advanced.iter().map(|(p, c)| (*p, *c)).collect();
            if let Err(e) = outbox::advance_cursors(&mut s.conn, &updates).await {
                // The messages are in JetStream; whoever takes the partition republishes
                // them and JetStream drops them as duplicates.
                note_error(format!("relay could not store its cursors: {e}"));
                session = None;
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
