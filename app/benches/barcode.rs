//! Barcode engine throughput: a typical GS1-128 carton label from raw scanner data to a
//! typed meaning. Figures and how to reproduce them are in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dockhand_app::barcode::{
    ClassifyConfig, ElementString, Scan, SymbologyId, classify, digital_link,
};

/// `]C1` + (01) GTIN + (17) expiry + (10) lot, FNC1 as GS.
const CARTON: &str = "]C1010950600013435217271231\u{1d}10ABC123";

fn carton_label(c: &mut Criterion) {
    let config = ClassifyConfig::default();
    let mut group = c.benchmark_group("gs1-128 carton label");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        "classify (identifier split, parse, validate, meaning)",
        |b| {
            b.iter(|| {
                let (id, data) = SymbologyId::strip_prefix(black_box(CARTON));
                let scan = Scan {
                    symbology: id,
                    ..Scan::manual(data)
                };
                classify(&scan, &config)
            })
        },
    );
    let (_, data) = SymbologyId::strip_prefix(CARTON);
    group.bench_function("element string parse only", |b| {
        b.iter(|| ElementString::parse(black_box(data), None))
    });
    group.finish();

    let uri = "https://id.example.com/01/09506000134352/10/ABC123?17=271231";
    c.bench_function("digital link parse", |b| {
        b.iter(|| digital_link::parse(black_box(uri)))
    });
}

criterion_group!(benches, carton_label);
criterion_main!(benches);
