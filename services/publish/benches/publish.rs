//! Speed of publish's pure core, one core: one enriched story routed to 15
//! subscriptions (7 match it, 4 of those by webhook).
//!
//! The story is the PA seed as the pipeline makes it: normalized by
//! newswire-normalize, then given what newswire-enrich found in it
//! (`benches/pa-seed-enrichment.json`) and urgency 3. The subscriptions are
//! `tests/fixtures/publish/subscriptions.toml` plus twelve more below, read the
//! way publish reads a subscriptions file.
//!
//! - `publish_filter/…`: the filters alone ([`Filter::matches`]), the pure
//!   routing rules ([`route_all`]) that also apply prior receipts, and one
//!   keyword filter that does not match (it searches every text of the story).
//! - `publish_stage/process_first_delivery`: [`Stage::process`] of a story no
//!   subscriber has had (strict ninjs 2.1, and ninjs 3.1 with the extension for
//!   `pa-people`; story headers, delivery state lookups in a
//!   sled store in a temporary directory, topic records, webhook jobs staged),
//!   with the batch aborted after each story so it is new again each time.
//!   `publish_stage/abort_empty_batch` is that abort alone, to subtract.
//! - `publish_stage/batch_of_10_committed`: ten new stories processed, then
//!   the commit (receipts and webhook jobs written to sled, as the runtime
//!   does after Kafka committed; their changelog records are not produced
//!   here); per story = time / 10.
//!
//! `cargo bench -p newswire-publish --bench publish`

use newswire_shared::story::SourceFormat;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use figment::providers::{Format, Toml};
use figment::Figment;
use newswire_normalize::config::NormalizeConfig;
use newswire_publish::config::PublishConfig;
use newswire_publish::filter::Filter;
use newswire_publish::metrics::PublishMetrics;
use newswire_publish::outbox::Outbox;
use newswire_publish::routing::route_all;
use newswire_publish::receipts::Receipts;
use newswire_publish::store::DeliveryStore;
use newswire_publish::subscription::Subscription;
use newswire_publish::{Publisher, Subscriber};
use newswire_shared::article::{Article, Concept, Text};
use newswire_shared::kafka::headers::{self, HeaderMap};
use newswire_shared::stage::{self, InputMessage, Stage};
use serde::Deserialize;

/// More subscriptions, as an operator would write them: every filter kind, nested
/// `all`/`any`/`not`, keywords (which scan the whole text), some with webhooks.
const MORE_SUBSCRIPTIONS: &str = r#"
[[subscriptions]]
name = "politics"
topic = true
filter = { subject = "medtop:11000000" }

[[subscriptions]]
name = "russia-ukraine"
topic = true
webhook = { url = "https://desk.example/hooks/eastern-europe", secret = "a-long-random-secret-1" }
filter = { any = [ { country = "RU" }, { country = "UA" }, { place = "Kyiv" }, { keyword = "Kremlin" } ] }

[[subscriptions]]
name = "diplomacy-watch"
topic = true
filter = { all = [
  { language = "en" },
  { any = [ { keyword = "sanctions" }, { keyword = "foreign secretary" }, { keyword = "Nato" }, { subject = "medtop:20000639" } ] },
] }

[[subscriptions]]
name = "economy"
webhook = { url = "https://markets.example/in", secret = "a-long-random-secret-2" }
filter = { any = [ { subject = "medtop:04000000" }, { keyword = "interest rates" }, { organisation = "Bank of England" } ] }

[[subscriptions]]
name = "weather"
topic = true
filter = { any = [ { subject = "medtop:17000000" }, { keyword = "flood warning" }, { keyword = "Met Office" } ] }

# No filter: every story.
[[subscriptions]]
name = "archive"
topic = true

[[subscriptions]]
name = "german-desk"
topic = true
filter = { all = [ { language = "de" }, { not = { urgency_at_most = 2 } } ] }

[[subscriptions]]
name = "flash"
webhook = { url = "https://alerts.example/newswire", secret = "a-long-random-secret-3" }
filter = { all = [
  { urgency_at_most = 1 },
  { not = { any = [ { subject = "medtop:15000000" }, { subject = "medtop:17000000" } ] } },
] }

[[subscriptions]]
name = "people-watch"
topic = true
webhook = { url = "https://people.example/hook", secret = "a-long-random-secret-4" }
filter = { any = [ { person = "Boris Johnson" }, { person = "Sergei Lavrov" }, { person = "Vladimir Putin" } ] }

[[subscriptions]]
name = "europe"
topic = true
filter = { all = [
  { any = [ { country = "FR" }, { country = "DE" }, { country = "PL" }, { place = "Brussels" } ] },
  { not = { keyword = "football" } },
] }

[[subscriptions]]
name = "ap-only"
webhook = { url = "https://ap-desk.example/in", secret = "a-long-random-secret-5" }
filter = { provider = "Associated Press" }

[[subscriptions]]
name = "london-local"
topic = true
filter = { all = [ { place = "London" }, { not = { subject = "medtop:11000000" } } ] }
"#;

#[derive(Deserialize)]
struct SubscriptionsFile {
    subscriptions: Vec<Subscription>,
}

/// What enrich found in the PA seed (`benches/pa-seed-enrichment.json`).
#[derive(Deserialize)]
struct Enrichment {
    language: String,
    subjects: Vec<Concept>,
    people: Vec<Concept>,
    organisations: Vec<Concept>,
    places: Vec<Concept>,
    descriptions: Vec<Text>,
    enrichment: newswire_shared::enrichment::Enrichment,
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn subscribers() -> Vec<Subscriber> {
    let config = PublishConfig { subscriptions_file: Some(fixtures().join("publish/subscriptions.toml")), ..Default::default() };
    let mut all = config.all_subscriptions().expect("the example subscriptions file reads");
    let more: SubscriptionsFile = Figment::new().merge(Toml::string(MORE_SUBSCRIPTIONS)).extract().expect("the bench subscriptions read");
    all.extend(more.subscriptions);
    let mut errors = Vec::new();
    for (i, s) in all.iter().enumerate() {
        s.validate(&format!("subscriptions[{i}]"), &mut errors);
    }
    assert!(errors.is_empty(), "{errors:?}");
    all.into_iter().map(|s| Subscriber { topic: s.topic.then(|| config.topic_for(&s.name)), subscription: s }).collect()
}

fn enriched_story() -> Article {
    let seed = std::fs::read(fixtures().join("pa-truss-lavrov-2022-02-14.txt")).expect("the PA seed");
    let mut article = newswire_normalize::normalize(SourceFormat::ScrapedText, &seed, Some("utf-8"), "pa", "bench-key", &NormalizeConfig::default())
        .expect("the PA seed normalizes");
    let found: Enrichment = serde_json::from_str(include_str!("pa-seed-enrichment.json")).expect("the enrichment reads");
    article.language = Some(found.language);
    article.subjects.extend(found.subjects);
    article.people.extend(found.people);
    article.organisations.extend(found.organisations);
    article.places.extend(found.places);
    article.descriptions.extend(found.descriptions);
    article.newswire.enrichment = Some(found.enrichment);
    // A wire story's urgency (scraped text has none; ninjs and NewsML-G2 do).
    article.urgency = Some(3);
    article
}

/// The input record for `article`, with the headers enrich passes on.
struct Enriched {
    key: Vec<u8>,
    payload: Vec<u8>,
    headers: HeaderMap,
}

impl Enriched {
    fn of(article: &Article) -> Self {
        let headers = HeaderMap::new()
            .with(headers::TRACE_ID, "0123456789abcdef0123456789abcdef")
            .with(headers::FEED, "pa")
            .with(headers::FORMAT, "scraped-text")
            .with(headers::STORY_URI, article.uri.as_str())
            .with(headers::STORY_VERSION, article.version.to_string());
        let payload = serde_json::to_vec(article).expect("the article serializes");
        Enriched { key: article.newswire.story_id.clone().into_bytes(), payload, headers }
    }

    fn input(&self) -> InputMessage<'_> {
        InputMessage { topic: "newswire.enriched", partition: 0, offset: 0, key: Some(&self.key), payload: &self.payload, headers: &self.headers }
    }
}

fn publisher(dir: &Path, subscribers: Vec<Subscriber>) -> Publisher {
    let store = DeliveryStore::open(dir).expect("the delivery store opens");
    let receipts = Receipts::open(store.db(), "newswire").expect("the receipts open");
    let outbox = Outbox::open(store.db(), "newswire").expect("the outbox opens");
    Publisher::new("newswire.published", subscribers, (store, receipts, outbox), Arc::new(PublishMetrics::default()))
}

fn bench_filters(c: &mut Criterion) {
    let subscribers = subscribers();
    let subscriptions: Vec<Subscription> = subscribers.iter().map(|s| s.subscription.clone()).collect();
    let article = enriched_story();
    let matching = subscriptions.iter().filter(|s| s.filter.matches(&article)).count();
    let webhooks = subscriptions.iter().filter(|s| s.webhook.is_some() && s.filter.matches(&article)).count();
    eprintln!("{} subscriptions, {matching} match the story ({webhooks} with a webhook)", subscriptions.len());

    let mut group = c.benchmark_group("publish_filter");
    group.bench_function(format!("filters_{}_subscriptions", subscriptions.len()), |b| {
        b.iter(|| subscriptions.iter().filter(|s| s.filter.matches(black_box(&article))).count())
    });
    group.bench_function(format!("route_all_{}_subscriptions", subscriptions.len()), |b| {
        b.iter(|| route_all(black_box(&article), &subscriptions, None, |_| None))
    });
    // The costliest kind: a keyword absent from the story is looked for in every text.
    let keyword = Filter::Keyword("sanctions".into());
    group.bench_function("one_keyword_not_in_story", |b| b.iter(|| keyword.matches(black_box(&article))));
    group.finish();
}

fn bench_stage(c: &mut Criterion) {
    let article = enriched_story();
    let story = Enriched::of(&article);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut group = c.benchmark_group("publish_stage");

    let mut p = publisher(&dir.path().join("first"), subscribers());
    let outcome = p.process(&story.input()).expect("the story publishes");
    eprintln!(
        "the story: {} bytes in, {} bytes of strict ninjs out, {} records",
        story.payload.len(),
        outcome.records[0].payload.len(),
        outcome.records.len()
    );
    stage::batch_aborted(&mut p);
    group.throughput(Throughput::Elements(1));
    group.bench_function("process_first_delivery", |b| {
        b.iter(|| {
            let outcome = p.process(black_box(&story.input()));
            stage::batch_aborted(&mut p);
            black_box(outcome)
        })
    });
    group.bench_function("abort_empty_batch", |b| b.iter(|| stage::batch_aborted(&mut p)));

    const BATCH: usize = 10;
    let mut p = publisher(&dir.path().join("batches"), subscribers());
    let mut next = 0u64;
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("batch_of_{BATCH}_committed"), |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| {
                        next += 1;
                        let mut a = article.clone();
                        a.uri = format!("{}-{next}", article.uri);
                        Enriched::of(&a)
                    })
                    .collect::<Vec<_>>()
            },
            |stories| {
                for s in &stories {
                    black_box(p.process(&s.input()).expect("the story publishes"));
                }
                stage::batch_committed(&mut p).expect("the receipts are written");
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_filters, bench_stage);
criterion_main!(benches);
