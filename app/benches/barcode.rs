//! Barcode engine throughput: a typical GS1-128 carton label from scanner data to a typed
//! meaning. Figures and how to reproduce them are in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use dockhand_app::barcode::{
    ClassifyConfig, ElementString, Scan, SymbologyId, classify, digital_link,
};

/// `]C1` + (01) GTIN + (17) expiry + (10) lot, FNC1 as GS.
const CARTON: &str = "]C1010950600013435217271231\u{1d}10ABC123";

fn carton_label(c: &mut Criterion) {
    let config = ClassifyConfig::default();
    let mut group = c.benchmark_group("gs1-128 carton label");
    group.throughput(Throughput::Elements(1));
    let (id, data) = SymbologyId::strip_prefix(CARTON);
    let scan = Scan {
        symbology: id,
        ..Scan::manual(data)
    };
    // What a workflow calls: a Scan as the scanner layer built it, to a typed meaning.
    group.bench_function("classify", |b| {
        b.iter(|| classify(black_box(&scan), &config))
    });
    // The same from raw scanner text: split the AIM identifier and build the Scan first.
    group.bench_function("raw text to classify", |b| {
        b.iter(|| {
            let (id, data) = SymbologyId::strip_prefix(black_box(CARTON));
            let scan = Scan {
                symbology: id,
                ..Scan::manual(data)
            };
            classify(&scan, &config)
        })
    });
    group.bench_function("element string parse", |b| {
        b.iter(|| ElementString::parse(black_box(data), None))
    });
    group.finish();

    let uri = "https://id.example.com/01/09506000134352/10/ABC123?17=271231";
    c.bench_function("digital link parse", |b| {
        b.iter(|| digital_link::parse(black_box(uri)))
    });
}

criterion_group!(benches, carton_label);

/// With `DOCKHAND_BENCH_CPU_LOOP=N`, classify the carton label N times and print the CPU
/// time per call from `/proc/self/stat`. On a shared machine criterion's wall-clock means
/// include time spent waiting for a core; CPU time does not.
fn cpu_loop(n: u64) {
    let config = ClassifyConfig::default();
    let (id, data) = SymbologyId::strip_prefix(CARTON);
    let scan = Scan {
        symbology: id,
        ..Scan::manual(data)
    };
    let cpu_before = process_cpu_seconds();
    let wall = std::time::Instant::now();
    for _ in 0..n {
        let _ = black_box(classify(black_box(&scan), &config));
    }
    let wall = wall.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    println!(
        "classify x{n}: cpu {cpu:.2} s = {:.0} ns/parse = {:.2} M parses/s per core; wall {wall:.2} s",
        cpu / n as f64 * 1e9,
        n as f64 / cpu / 1e6,
    );
}

/// User + system CPU time of this process (Linux; clock ticks of 10 ms).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    if let Some(n) = std::env::var("DOCKHAND_BENCH_CPU_LOOP")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        cpu_loop(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
