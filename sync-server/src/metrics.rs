//! Process-wide Prometheus metrics, rendered in the text exposition format at `/metrics`.
//! A handful of counters and one latency histogram do not justify a metrics crate.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dockhand_app::protocol::EventOutcome;

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(std::sync::atomic::AtomicI64);

impl Gauge {
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A cumulative latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 12],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// Every metric the server exports.
#[derive(Debug, Default)]
pub struct Metrics {
    pub push_requests: Counter,
    pub pull_requests: Counter,
    pub events_applied: Counter,
    pub events_with_conflict: Counter,
    pub events_rejected: Counter,
    pub transaction_retries: Counter,
    pub auth_failures: Counter,
    pub push_latency: Histogram,
    /// Stock stream relay (issue 13).
    pub relay_published: Counter,
    pub relay_duplicates: Counter,
    pub relay_publish_failures: Counter,
    pub relay_partitions: Gauge,
    pub relay_nats_connected: Gauge,
    /// Pushes that waited for the relay (the stream gate), and for how long in total.
    pub push_gate_waits: Counter,
    pub push_gate_wait_micros: Counter,
    /// How many pushes the stream gate lets run at once in this process.
    pub push_gate_limit: Gauge,
    /// The relay's last commit → published lag estimate, in microseconds.
    pub relay_lag_micros: Gauge,
}

impl Metrics {
    pub fn record_outcome(&self, outcome: &EventOutcome) {
        match outcome {
            EventOutcome::Applied => self.events_applied.inc(),
            EventOutcome::AppliedWithConflict { .. } => self.events_with_conflict.inc(),
            EventOutcome::Rejected { .. } => self.events_rejected.inc(),
        }
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, help, counter) in [
            (
                "dockhand_push_requests_total",
                "Push requests answered.",
                &self.push_requests,
            ),
            (
                "dockhand_pull_requests_total",
                "Pull requests answered.",
                &self.pull_requests,
            ),
            (
                "dockhand_events_applied_total",
                "Events applied cleanly.",
                &self.events_applied,
            ),
            (
                "dockhand_events_conflict_total",
                "Events applied with a conflict.",
                &self.events_with_conflict,
            ),
            (
                "dockhand_events_rejected_total",
                "Events quarantined.",
                &self.events_rejected,
            ),
            (
                "dockhand_transaction_retries_total",
                "Event transactions retried after a deadlock or serialisation failure.",
                &self.transaction_retries,
            ),
            (
                "dockhand_auth_failures_total",
                "Requests refused with 401.",
                &self.auth_failures,
            ),
            (
                "dockhand_relay_published_total",
                "Outbox messages this process's relay published to JetStream.",
                &self.relay_published,
            ),
            (
                "dockhand_relay_duplicates_total",
                "Republished messages JetStream dropped as duplicates.",
                &self.relay_duplicates,
            ),
            (
                "dockhand_relay_publish_failures_total",
                "Relay batches cut short by a NATS error.",
                &self.relay_publish_failures,
            ),
            (
                "dockhand_push_gate_waits_total",
                "Pushes that waited for this process's relay to catch up.",
                &self.push_gate_waits,
            ),
            (
                "dockhand_push_gate_wait_microseconds_total",
                "Time pushes spent waiting for this process's relay, in microseconds.",
                &self.push_gate_wait_micros,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.get()
            );
        }
        for (name, help, gauge) in [
            (
                "dockhand_relay_partitions",
                "Outbox partitions this process's relay owns.",
                &self.relay_partitions,
            ),
            (
                "dockhand_push_gate_limit",
                "How many pushes the stream gate lets run at once in this process (1024: no limit).",
                &self.push_gate_limit,
            ),
            (
                "dockhand_relay_nats_connected",
                "1 while this process's relay is connected to NATS.",
                &self.relay_nats_connected,
            ),
            (
                "dockhand_relay_live_lag_microseconds",
                "This process's live relay: from the start of the round before last to the end of the last one (the longest a message it published can have waited).",
                &self.relay_lag_micros,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                gauge.get()
            );
        }
        self.push_latency.render(
            "dockhand_push_batch_seconds",
            "Time to answer a push batch.",
            &mut out,
        );
        out
    }
}

/// The process's metrics.
pub static METRICS: std::sync::LazyLock<Metrics> = std::sync::LazyLock::new(Metrics::default);
