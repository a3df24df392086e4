//! Speed of ingest's pure core (format detection, charset check, XML scan and
//! feed splitting, keys and envelope) on every fixture format, one core.
//!
//! `cargo bench -p newswire-ingest --bench prepare`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;

const FIXTURES: &[(&str, &str)] = &[
    ("pa-truss-lavrov-2022-02-14.txt", "text/plain; charset=utf-8"),
    ("ingest/ninjs-2.1.json", "application/json"),
    ("ingest/newsml-g2-newsitem.xml", "application/xml"),
    ("ingest/newsml-g2-newsmessage-2items.xml", "application/xml"),
    ("ingest/nitf.xml", "application/xml"),
    ("ingest/rss-3-items-iso-8859-1.xml", "application/rss+xml"),
    ("ingest/atom-2-entries.xml", "application/atom+xml"),
    ("ingest/page-windows-1252.html", "text/html"),
    ("ingest/iptc7901.txt", "application/vnd.iptc.7901"),
];

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut group = c.benchmark_group("ingest_prepare");
    for (name, content_type) in FIXTURES {
        let Ok(body) = std::fs::read(root.join(name)) else {
            eprintln!("SKIPPED: fixture {name} not found");
            continue;
        };
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let submission =
                    Submission { feed: "pa", content_type: Some(content_type), body: &body, received_at_ms: 0, trace_id: "t" };
                black_box(prepare(black_box(&submission), ShapeLimits::default()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
