//! The stream gate: stream freshness over push speed.
//!
//! Handhelds push events that are late already (minutes or hours after the scan); the web
//! shop reading the stock stream needs each commit within milliseconds. On a machine that
//! the pushes saturate, the relays — a thread and a PostgreSQL backend each, among dozens
//! of busy push transactions — get too little CPU, fall behind, and every message waits
//! behind the backlog. So each live relay stores, with its cursors, how long the messages
//! of its last round can have waited (`outbox_relay.live_lag_ms`); every `serve` process
//! polls the largest recent value, and while it is above `max_lag` at most `pushes` pushes
//! run at once in that process. The others wait their turn (in order, holding no database
//! connection) and the push load slows to what the relays keep up with.
//!
//! A relay that is not live (NATS away, catching up after an outage) reports no lag and
//! never holds a push back: the server keeps taking events and the outbox grows.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::outbox;
use crate::config::RelayConfig;
use crate::metrics::METRICS;
use crate::store::Store;

/// Most permits the gate can hand out (its semaphore's size); `pushes` of them are used.
const MAX_PUSHES: usize = 1024;
/// How often a `serve` process reads the relays' lag.
const POLL: Duration = Duration::from_millis(20);
/// A relay's report older than this is ignored (the relay stopped or is not live).
const RECENT: Duration = Duration::from_secs(2);

static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(MAX_PUSHES));
/// Turns while the relays lag; 0: the gate is off in this process.
static PUSHES: AtomicUsize = AtomicUsize::new(0);
static MAX_LAG_MICROS: AtomicU64 = AtomicU64::new(0);
/// The relays' largest recent live lag, and whether there was one.
static LAG_MICROS: AtomicU64 = AtomicU64::new(0);
static LAG_KNOWN: AtomicBool = AtomicBool::new(false);

/// Whether a push starting now must take a turn, given the relays' live lag (`None`: none
/// live) and the gate's lag bound (zero: the gate is off).
pub fn must_queue(lag: Option<Duration>, max_lag: Duration) -> bool {
    matches!(lag, Some(lag) if !max_lag.is_zero() && lag > max_lag)
}

/// Turns the gate on in this process (`serve`) with `config`'s settings and starts
/// watching the relays' lag. Once per process; `max_lag_ms = 0` leaves it off.
pub fn start(store: Store, config: &RelayConfig) {
    if config.max_lag_ms == 0 {
        return;
    }
    let pushes = config.gate_pushes.clamp(1, MAX_PUSHES);
    if PUSHES
        .compare_exchange(0, pushes, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return;
    }
    if let Ok(withheld) = PERMITS.try_acquire_many((MAX_PUSHES - pushes) as u32) {
        withheld.forget();
    }
    MAX_LAG_MICROS.store(config.max_lag_ms.saturating_mul(1000), Ordering::Relaxed);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let lag = outbox::cluster_lag(store.pool(), RECENT)
                .await
                .unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "stream gate: cannot read the relays' lag");
                    None
                });
            LAG_KNOWN.store(lag.is_some(), Ordering::Relaxed);
            LAG_MICROS.store(
                lag.map_or(0, |l| u64::try_from(l.as_micros()).unwrap_or(u64::MAX)),
                Ordering::Relaxed,
            );
        }
    });
}

fn relays_lag() -> Option<Duration> {
    LAG_KNOWN
        .load(Ordering::Relaxed)
        .then(|| Duration::from_micros(LAG_MICROS.load(Ordering::Relaxed)))
}

/// A push's turn while the relays lag. Dropped when the push is done, it keeps the turn a
/// little longer while they still lag — as long as their lag, at most [`MAX_HOLD`] — so the
/// machine has idle time for the relays rather than the next push.
#[derive(Debug)]
pub struct Turn {
    permit: Option<SemaphorePermit<'static>>,
}

/// The longest a finished push keeps its turn.
const MAX_HOLD: Duration = Duration::from_millis(250);

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let max_lag = Duration::from_micros(MAX_LAG_MICROS.load(Ordering::Relaxed));
        let lag = relays_lag();
        if must_queue(lag, max_lag)
            && let Some(lag) = lag
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                tokio::time::sleep(lag.min(MAX_HOLD)).await;
                drop(permit);
            });
        }
    }
}

/// Called before a push starts: returns at once while the relays keep up (or the gate is
/// off), else when one of the gate's turns is free. Hold the answer until the push is done.
pub async fn enter() -> Turn {
    let free = Turn { permit: None };
    if PUSHES.load(Ordering::Relaxed) == 0 {
        return free;
    }
    let max_lag = Duration::from_micros(MAX_LAG_MICROS.load(Ordering::Relaxed));
    if !must_queue(relays_lag(), max_lag) {
        return free;
    }
    let started = Instant::now();
    let Ok(permit) = PERMITS.acquire().await else {
        return free;
    };
    METRICS.push_gate_waits.inc();
    METRICS
        .push_gate_wait_micros
        .add(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
    Turn {
        permit: Some(permit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_push_queues_only_behind_live_relays_that_lag() {
        assert!(must_queue(Some(MS(80)), MS(25)));
        assert!(!must_queue(Some(MS(25)), MS(25)));
        // No live relay (NATS away, catching up, none running): never.
        assert!(!must_queue(None, MS(25)));
        // The gate turned off.
        assert!(!must_queue(Some(MS(900)), MS(0)));
    }
}
