//! The stream gate: stream freshness over push speed.
//!
//! Handhelds push events that are late already (minutes or hours after the scan); the web
//! shop reading the stock stream needs each commit within milliseconds. On a machine that
//! the pushes saturate, the relays — a thread and a PostgreSQL backend each, among dozens
//! of busy push transactions — get too little CPU, fall behind, and every message waits
//! behind the backlog. So each live relay stores, with its cursors, how long the messages
//! of its last round can have waited (`outbox_relay.live_lag_ms`); every `serve` process
//! polls the largest recent value and adapts how many pushes it runs at once (its *limit*)
//! the way TCP adapts its window:
//!
//! - a relay lags (above `max_lag`): the limit drops at once to half of the pushes running,
//!   never below `pushes`, and a push that ends keeps its turn a little longer (as long as
//!   the lag, at most [`MAX_HOLD`]) so the machine gets idle time for the relays;
//! - the relays are well within the bound (at most half of it) and pushes are waiting: the
//!   limit grows by a tenth (at least one) per poll;
//! - in between: it stays.
//!
//! Every push takes a turn, so a limit counts all of them: the pushes that were already
//! running when a relay started to lag are inside the limit too, and the load comes back
//! gradually after a lag instead of all at once. Waiting pushes queue in order and hold no
//! database connection.
//!
//! A relay that is not live (NATS away, catching up after an outage) reports no lag, and
//! with no live relay the limit is lifted: an outage never slows the pushes, the outbox
//! grows instead.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::outbox;
use crate::config::RelayConfig;
use crate::metrics::METRICS;
use crate::store::Store;

/// The most pushes the gate lets run at once in a process: its limit with no live relay.
pub const MAX_PUSHES: usize = 1024;
/// How often a `serve` process reads the relays' lag and adapts its limit.
const POLL: Duration = Duration::from_millis(20);
/// A relay's report older than this is ignored (the relay stopped or is not live).
const RECENT: Duration = Duration::from_secs(2);
/// The longest a finished push keeps its turn.
const MAX_HOLD: Duration = Duration::from_millis(250);

static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(MAX_PUSHES));
static ENABLED: AtomicBool = AtomicBool::new(false);
/// The current limit: permits in circulation, counting those owed to [`DEBT`].
static LIMIT: AtomicUsize = AtomicUsize::new(MAX_PUSHES);
/// Turns in use when the limit was lowered below them: each is forgotten when it ends
/// instead of going back to the queue.
static DEBT: AtomicUsize = AtomicUsize::new(0);
/// Pushes waiting for a turn.
static WAITING: AtomicUsize = AtomicUsize::new(0);
static MAX_LAG_MICROS: AtomicU64 = AtomicU64::new(0);
/// The relays' largest recent live lag, and whether there was one.
static LAG_MICROS: AtomicU64 = AtomicU64::new(0);
static LAG_KNOWN: AtomicBool = AtomicBool::new(false);

/// The next limit, from the current one, the pushes holding turns, whether any wait, the
/// relays' live lag (`None`: none live) and the gate's settings.
pub fn next_limit(
    current: usize,
    running: usize,
    waiting: bool,
    lag: Option<Duration>,
    max_lag: Duration,
    min_pushes: usize,
) -> usize {
    let min_pushes = min_pushes.clamp(1, MAX_PUSHES);
    match lag {
        None => MAX_PUSHES,
        Some(lag) if lag > max_lag => (current.min(running) / 2).max(min_pushes),
        Some(lag) if lag <= max_lag / 2 && waiting => {
            (current + (current / 10).max(1)).min(MAX_PUSHES)
        }
        Some(_) => current.max(min_pushes),
    }
}

/// Turns the gate on in this process (`serve`) with `config`'s settings and starts
/// watching the relays' lag. Once per process; `max_lag_ms = 0` leaves it off.
pub fn start(store: Store, config: &RelayConfig) {
    if config.max_lag_ms == 0
        || ENABLED
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
    {
        return;
    }
    let min_pushes = config.gate_pushes;
    let max_lag = Duration::from_millis(config.max_lag_ms);
    MAX_LAG_MICROS.store(config.max_lag_ms.saturating_mul(1000), Ordering::Relaxed);
    METRICS.push_gate_limit.set(MAX_PUSHES as i64);
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
            let current = LIMIT.load(Ordering::Relaxed);
            let running = (current + DEBT.load(Ordering::Relaxed))
                .saturating_sub(PERMITS.available_permits());
            let waiting = WAITING.load(Ordering::Relaxed) > 0;
            set_limit(next_limit(
                current, running, waiting, lag, max_lag, min_pushes,
            ));
        }
    });
}

/// Moves the limit to `next`: adds permits (paying back debt first) or takes free ones away
/// (what is in use becomes debt). Only the watching task calls it.
fn set_limit(next: usize) {
    let current = LIMIT.swap(next, Ordering::Relaxed);
    if next > current {
        let mut add = next - current;
        let paid = DEBT
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| {
                Some(d.saturating_sub(add))
            })
            .map_or(0, |before| before.min(add));
        add -= paid;
        PERMITS.add_permits(add);
    } else if next < current {
        let mut remove = current - next;
        while remove > 0 {
            let Ok(permit) = PERMITS.try_acquire() else {
                break;
            };
            permit.forget();
            remove -= 1;
        }
        DEBT.fetch_add(remove, Ordering::Relaxed);
    }
    METRICS.push_gate_limit.set(next as i64);
}

/// Gives a turn back, or forgets it while the limit is below the turns handed out.
fn release(permit: SemaphorePermit<'static>) {
    if DEBT
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| d.checked_sub(1))
        .is_ok()
    {
        permit.forget();
    } else {
        drop(permit);
    }
}

fn relays_lag() -> Option<Duration> {
    LAG_KNOWN
        .load(Ordering::Relaxed)
        .then(|| Duration::from_micros(LAG_MICROS.load(Ordering::Relaxed)))
}

/// A push's turn. Dropped when the push is done, it keeps the turn a little longer while
/// the relays lag — as long as their lag, at most [`MAX_HOLD`] — so the machine has idle
/// time for the relays rather than the next push.
#[derive(Debug)]
pub struct Turn {
    permit: Option<SemaphorePermit<'static>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let max_lag = Duration::from_micros(MAX_LAG_MICROS.load(Ordering::Relaxed));
        if let Some(lag) = relays_lag().filter(|lag| *lag > max_lag)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                tokio::time::sleep(lag.min(MAX_HOLD)).await;
                release(permit);
            });
        } else {
            release(permit);
        }
    }
}

/// Counts a push as waiting for as long as it exists (also when the request is dropped).
struct Waiting;

impl Waiting {
    fn new() -> Waiting {
        WAITING.fetch_add(1, Ordering::Relaxed);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Called before a push starts: returns a turn at once while one is free (or the gate is
/// off), else when one is. Hold the answer until the push is done.
pub async fn enter() -> Turn {
    if !ENABLED.load(Ordering::Relaxed) {
        return Turn { permit: None };
    }
    if let Ok(permit) = PERMITS.try_acquire() {
        return Turn {
            permit: Some(permit),
        };
    }
    let started = Instant::now();
    let waiting = Waiting::new();
    let Ok(permit) = PERMITS.acquire().await else {
        return Turn { permit: None };
    };
    drop(waiting);
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
    fn no_live_relay_lifts_the_limit() {
        assert_eq!(next_limit(3, 3, true, None, MS(25), 2), MAX_PUSHES);
    }

    #[test]
    fn a_lagging_relay_halves_what_runs_at_once() {
        // From the pushes running, not from a limit that was never used.
        assert_eq!(
            next_limit(MAX_PUSHES, 40, true, Some(MS(80)), MS(25), 2),
            20
        );
        assert_eq!(next_limit(20, 20, false, Some(MS(80)), MS(25), 2), 10);
        // Never below the configured floor.
        assert_eq!(next_limit(3, 3, true, Some(MS(80)), MS(25), 2), 2);
        assert_eq!(next_limit(3, 0, true, Some(MS(80)), MS(25), 1), 1);
    }

    #[test]
    fn it_grows_back_only_well_within_the_bound_and_only_when_pushes_wait() {
        assert_eq!(next_limit(2, 2, true, Some(MS(10)), MS(25), 2), 3);
        assert_eq!(next_limit(40, 40, true, Some(MS(10)), MS(25), 2), 44);
        assert_eq!(next_limit(2, 1, false, Some(MS(10)), MS(25), 2), 2);
        // Between half the bound and the bound: it holds.
        assert_eq!(next_limit(5, 5, true, Some(MS(20)), MS(25), 2), 5);
        assert_eq!(
            next_limit(MAX_PUSHES, 5, true, Some(MS(1)), MS(25), 2),
            MAX_PUSHES
        );
    }
}
