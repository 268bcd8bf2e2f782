//! Scanner input benchmarks: latency from the last byte of a scan (its terminator) written
//! into a pseudo-terminal to the `Scan` received from the serial source's channel, plus
//! criterion throughput of the pure framer and wedge assembler.
//!
//! `cargo bench -p dockhand-app --bench scanner`. The latency part prints p50/p90/p99/max
//! over 5,000 scans, which is what `BENCHMARKS.md` reports.

#![allow(clippy::unwrap_used, missing_debug_implementations)]

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, Throughput};
use dockhand_app::scanner::{
    FramingConfig, Key, KeyEvent, ScanFramer, SerialScanner, Terminator, WedgeAssembler,
    WedgeConfig,
};
use serialport::{SerialPort, TTYPort};

const WARM_UP: usize = 200;
const SAMPLES: usize = 5_000;

fn scan_body(n: usize) -> String {
    format!("]C10109506000134352~10LOT{n:06}~17271231")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Writes each scan's body, lets the reader take it, then times the terminator byte from
/// `write` to the `Scan` coming out of the channel.
fn report_pty_latency() {
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_secs(5)).unwrap();
    let (tx, rx) = mpsc::channel();
    let framing = FramingConfig {
        terminator: Terminator::Cr,
        fnc1_substitute: Some('~'),
        ..FramingConfig::default()
    };
    let scanner = SerialScanner::on_port(Box::new(slave), framing, tx).unwrap();

    // Two end points: the Scan stamped and sent by the reader thread (`received_at`, the
    // stream itself), and the Scan received by this thread (adds one thread wake-up).
    let mut on_stream = Vec::with_capacity(SAMPLES);
    let mut received = Vec::with_capacity(SAMPLES);
    for n in 0..WARM_UP + SAMPLES {
        master.write_all(scan_body(n).as_bytes()).unwrap();
        std::thread::sleep(Duration::from_micros(200));
        let wall = Utc::now();
        let start = Instant::now();
        master.write_all(b"\r").unwrap();
        let scan = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let elapsed = start.elapsed();
        assert!(scan.data.ends_with("17271231"), "{scan:?}");
        if n >= WARM_UP {
            received.push(elapsed);
            on_stream.push((scan.received_at - wall).to_std().unwrap_or(Duration::ZERO));
        }
    }
    scanner.stop();

    for (what, mut latencies) in [
        ("terminator written -> Scan on the stream", on_stream),
        (
            "terminator written -> Scan received by the consumer",
            received,
        ),
    ] {
        latencies.sort_unstable();
        println!(
            "scanner/pty {what}, {SAMPLES} scans: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.90),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1],
        );
    }
}

fn bench_framer(c: &mut Criterion) {
    let mut stream = Vec::new();
    for n in 0..1000 {
        stream.extend(scan_body(n).as_bytes());
        stream.extend(b"\r\n");
    }
    let mut group = c.benchmark_group("scanner/framer");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000 GS1-128 scans in 64-byte reads", |b| {
        b.iter(|| {
            let mut framer = ScanFramer::new(FramingConfig {
                fnc1_substitute: Some('~'),
                ..FramingConfig::default()
            });
            let now = Instant::now();
            let mut count = 0;
            for chunk in stream.chunks(64) {
                count += framer.push(chunk, now).len();
            }
            assert_eq!(count, 1000);
        });
    });
    group.finish();
}

fn bench_wedge(c: &mut Criterion) {
    let start = Instant::now();
    let mut events = Vec::new();
    let mut at = start;
    for n in 0..1000 {
        for ch in scan_body(n).chars() {
            events.push(KeyEvent::new(Key::Char(ch), at));
            at += Duration::from_millis(5);
        }
        events.push(KeyEvent::new(Key::Enter, at));
        at += Duration::from_millis(5);
    }
    let mut group = c.benchmark_group("scanner/wedge");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000 scans typed 5 ms per key", |b| {
        b.iter(|| {
            let mut wedge = WedgeAssembler::new(WedgeConfig::default());
            assert_eq!(wedge.push_all(events.iter().copied()).len(), 1000);
        });
    });
    group.finish();
}

fn main() {
    report_pty_latency();
    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    bench_framer(&mut criterion);
    bench_wedge(&mut criterion);
    criterion.final_summary();
}
