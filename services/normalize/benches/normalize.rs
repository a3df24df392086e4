//! Speed of normalize's pure core on every fixture format, one core, in MB/s of
//! the stories' original bytes.
//!
//! - `normalize/…`: the public [`normalize`] (decode, parse, clean, fill the
//!   article) on exactly the records ingest writes to `newswire.raw` for each
//!   `tests/fixtures/ingest` fixture and the PA seed (ingest's own `prepare`
//!   splits feeds into stories and sets the format and charset headers), and on
//!   the single-story fixtures of `tests/fixtures/normalize` in their format.
//!   One iteration normalizes every story of the fixture.
//! - `normalize_stage/…`: the whole [`Stage::process`] (headers, normalize,
//!   dedupe and version checks against a temporary sled store, the output
//!   record), with the batch aborted after each iteration so every story is new
//!   each time; with an empty dedupe window and with 10,000, 100,000 and
//!   1,000,000 stories in it (the cost must not grow with the window; filling
//!   the million takes about half a minute); and with 10,000 first copies all
//!   within a few bits of the story's SimHash, as a feed's template fills it
//!   (results, prices: each is a near-duplicate of thousands).
//!
//! `cargo bench -p newswire-normalize --bench normalize`

use newswire_shared::story::SourceFormat;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newswire_ingest::accept::{prepare, Submission};
use newswire_ingest::stories::ShapeLimits;
use newswire_normalize::config::NormalizeConfig;
use newswire_normalize::dedupe::fingerprint::fingerprint;
use newswire_normalize::dedupe::store::{DedupeStore, NearRecord};
use newswire_normalize::{normalize, Normalizer};
use newswire_shared::kafka::headers::{self, HeaderMap};
use newswire_shared::stage::{InputMessage, Stage};

/// Pushes as a feed sends them: (fixture, Content-Type).
const PUSHES: &[(&str, &str)] = &[
    ("pa-truss-lavrov-2022-02-14.txt", "text/plain; charset=utf-8"),
    ("ingest/scraped-text.txt", "text/plain"),
    ("ingest/ninjs-1.6.json", "application/json"),
    ("ingest/ninjs-2.1.json", "application/json"),
    ("ingest/newsml-g2-newsitem.xml", "application/xml"),
    ("ingest/newsml-g2-newsmessage-2items.xml", "application/xml"),
    ("ingest/nitf.xml", "application/xml"),
    ("ingest/rss-3-items-iso-8859-1.xml", "application/rss+xml"),
    ("ingest/atom-2-entries.xml", "application/atom+xml"),
    ("ingest/page-windows-1252.html", "text/html"),
    ("ingest/iptc7901.txt", "application/vnd.iptc.7901"),
];

/// Single stories, already in the shape ingest hands on: (fixture, format).
const STORIES: &[(&str, &str)] = &[
    ("normalize/ninjs-2-full.json", "ninjs"),
    ("normalize/newsml-g2-item.xml", "newsml-g2"),
    ("normalize/nitf-story.xml", "nitf"),
    ("normalize/rss-item.xml", "rss-item"),
    ("normalize/atom-entry.xml", "atom-entry"),
    ("normalize/anpa-story.txt", "anpa"),
];

const FEED: &str = "pa";

/// One record of `newswire.raw`.
struct Raw {
    key: String,
    payload: Vec<u8>,
    headers: HeaderMap,
}

impl Raw {
    fn format(&self) -> SourceFormat {
        self.headers.get_str(headers::FORMAT).unwrap_or_default().parse().expect("a known format")
    }

    fn charset(&self) -> Option<&str> {
        self.headers.get_str(headers::CHARSET)
    }

    fn input(&self) -> InputMessage<'_> {
        InputMessage { topic: "newswire.raw", partition: 0, offset: 0, key: Some(self.key.as_bytes()), payload: &self.payload, headers: &self.headers }
    }
}

/// (bench name, its records) for every fixture found.
fn corpus() -> Vec<(String, Vec<Raw>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut out = Vec::new();
    for (name, content_type) in PUSHES {
        let Ok(body) = std::fs::read(root.join(name)) else {
            eprintln!("SKIPPED: fixture {name} not found");
            continue;
        };
        let submission = Submission { feed: FEED, content_type: Some(content_type), body: &body, received_at_ms: 0, trace_id: "t" };
        match prepare(&submission, ShapeLimits::default()) {
            Ok(records) => out.push((
                name.to_string(),
                records.into_iter().map(|r| Raw { key: r.key, payload: r.payload, headers: r.headers }).collect(),
            )),
            Err(rejection) => eprintln!("SKIPPED: ingest refuses {name}: {}", rejection.error),
        }
    }
    for (name, format) in STORIES {
        let Ok(payload) = std::fs::read(root.join(name)) else {
            eprintln!("SKIPPED: fixture {name} not found");
            continue;
        };
        let headers = HeaderMap::new().with(headers::FEED, FEED).with(headers::FORMAT, *format).with(headers::TRACE_ID, "t");
        out.push((name.to_string(), vec![Raw { key: format!("key-{name}"), payload, headers }]));
    }
    out
}

fn bytes(records: &[Raw]) -> u64 {
    records.iter().map(|r| r.payload.len() as u64).sum()
}

fn bench_normalize(c: &mut Criterion) {
    let config = NormalizeConfig::default();
    let corpus = corpus();
    let mut group = c.benchmark_group("normalize");
    for (name, records) in &corpus {
        // Every fixture is a good story: an error here would time the error path instead.
        for r in records {
            if let Err(e) = normalize(r.format(), &r.payload, r.charset(), FEED, &r.key, &config) {
                eprintln!("NOTE: {name} ({}) does not normalize: {e}", r.format());
            }
        }
        group.throughput(Throughput::Bytes(bytes(records)));
        group.bench_function(name.as_str(), |b| {
            b.iter(|| {
                for r in records {
                    let _ = black_box(normalize(black_box(r.format()), black_box(&r.payload), r.charset(), FEED, &r.key, &config));
                }
            })
        });
    }
    group.finish();
}

/// `count` first copies with pseudo-random SimHashes, committed, as a busy
/// week leaves them; with `near_to`, each is that SimHash with up to four of
/// its bits flipped instead (a template's copies).
fn fill_window(store: &mut DedupeStore, count: usize, near_to: Option<u64>) {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..count {
        // xorshift64*: spread bits, so no stored SimHash is near a fixture's.
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let random = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let simhash = match near_to {
            Some(hash) => (0..4).fold(hash, |h, k| h ^ (1 << ((random >> (k * 6)) & 63))),
            None => random,
        };
        store.stage_near(NearRecord { uri: format!("urn:bench:window:{i}"), simhash, story_id: format!("s{i}"), seen_ms: i64::MAX / 2 });
        // Committed in batches, as the stage does (one commit of a million
        // staged records held gigabytes).
        if i % 10_000 == 9_999 {
            store.commit().expect("commit the dedupe window");
        }
    }
    store.commit().expect("commit the dedupe window");
    // sled frees the pages the fill replaced a few at each later read; a
    // window filled over days has long done so, so they are let go before
    // the clock starts (otherwise the first reads of a million-story fill
    // pay for it).
    for _ in 0..count / 4 {
        black_box(store.exact("settle").expect("read the dedupe window"));
    }
}

fn bench_stage(c: &mut Criterion) {
    let corpus = corpus();
    let Some((_, seed)) = corpus.iter().find(|(name, _)| name.starts_with("pa-truss")) else {
        eprintln!("SKIPPED: normalize_stage needs the PA seed");
        return;
    };
    let all: Vec<&Raw> = corpus.iter().flat_map(|(_, records)| records).collect();
    let stage = |window: usize, near_to: Option<u64>| {
        let mut store = DedupeStore::temporary(7).expect("a temporary sled store");
        if window > 0 {
            fill_window(&mut store, window, near_to);
        }
        Normalizer::new(NormalizeConfig::default(), "newswire.normalized", store)
    };
    let mut group = c.benchmark_group("normalize_stage");

    // The cost per story must stay flat as the dedupe window fills (a busy
    // week holds hundreds of thousands of first copies).
    let windows = [("pa-seed/empty-window", 0), ("pa-seed/10k-window", 10_000), ("pa-seed/100k-window", 100_000), ("pa-seed/1m-window", 1_000_000)];
    let seed_simhash = normalize(seed[0].format(), &seed[0].payload, seed[0].charset(), FEED, &seed[0].key, &NormalizeConfig::default())
        .map(|article| fingerprint(&article).simhash)
        .expect("the PA seed normalizes");
    let near_copies = [("pa-seed/10k-near-copies-window", 10_000, Some(seed_simhash))];
    for (label, window, near_to) in windows.into_iter().map(|(label, window)| (label, window, None)).chain(near_copies) {
        let mut normalizer = stage(window, near_to);
        let outcome = normalizer.process(&seed[0].input()).expect("the PA seed normalizes");
        assert_eq!(outcome.records.len(), 1, "the PA seed is passed on: {:?}", outcome.dropped);
        normalizer.on_abort();
        group.throughput(Throughput::Bytes(bytes(seed)));
        group.bench_function(label, |b| {
            b.iter(|| {
                let outcome = normalizer.process(black_box(&seed[0].input()));
                normalizer.on_abort();
                black_box(outcome)
            })
        });
    }

    let mut normalizer = stage(0, None);
    group.throughput(Throughput::Bytes(all.iter().map(|r| r.payload.len() as u64).sum()));
    group.bench_function(format!("all-{}-fixture-stories/empty-window", all.len()), |b| {
        b.iter(|| {
            for r in &all {
                let _ = black_box(normalizer.process(black_box(&r.input())));
            }
            normalizer.on_abort();
        })
    });
    group.finish();
}

criterion_group!(benches, bench_normalize, bench_stage);
criterion_main!(benches);
