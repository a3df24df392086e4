//! Cost of assigning a story to an event cluster as the number of open
//! clusters grows (issue 18: flat within 20% from 10,000 to 100,000).
//!
//! `cargo bench -p newswire-enrich --bench events`
//!
//! The clusterer is filled with N open clusters (distinct headlines that share
//! a few common words, so the common words' postings are full and every story
//! scores the most candidates it can), then each iteration assigns a new
//! wording of one of those events, which joins its cluster: the number of open
//! clusters stays N while the bench runs.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use newswire_enrich::events::{ClusterSettings, EventClusterer, StoryText};

const COMMON: [&str; 6] = ["council", "vote", "talks", "storm", "market", "court"];

fn headline(i: usize, wording: usize) -> String {
    let common = COMMON[i % COMMON.len()];
    match wording % 2 {
        0 => format!("Zx{i} Qy{i} {common} over Wv{i} as Rt{i} and Pm{i}"),
        _ => format!("Pm{i} and Rt{i}: Qy{i} {common} with Zx{i}, Wv{i}"),
    }
}

/// A clusterer with `open` clusters of the filler headlines (after stories of
/// the common words alone, so that those words are common from the start).
fn filled(open: usize) -> EventClusterer {
    let mut clusterer = EventClusterer::new(ClusterSettings::default());
    for k in 0..1_000 {
        clusterer.assign(StoryText { key: &format!("common{k}"), headline: &COMMON.join(" "), url: None, at_ms: 0 });
    }
    let before = clusterer.open_clusters();
    for i in 0..open {
        clusterer.assign(StoryText { key: &format!("filler{i}"), headline: &headline(i, 0), url: None, at_ms: 0 });
    }
    assert_eq!(clusterer.open_clusters() - before, open, "every filler headline opens its own cluster");
    clusterer
}

fn assign(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_assign");
    for open in [10_000, 100_000] {
        let mut clusterer = filled(open);
        let clusters = clusterer.open_clusters();
        let stories: Vec<String> = (0..1_000).map(|k| headline(k * 7919 % open, 1)).collect();
        let mut next = 0;
        group.bench_function(format!("{open}_open_clusters"), |b| {
            b.iter(|| {
                let key = format!("measured{next}");
                let story = StoryText { key: &key, headline: &stories[next % stories.len()], url: None, at_ms: 1 };
                next += 1;
                black_box(clusterer.assign(story))
            })
        });
        assert_eq!(clusterer.open_clusters(), clusters, "the measured stories joined their clusters");
    }
    group.finish();
}

criterion_group!(benches, assign);
criterion_main!(benches);
