//! Speed of the enrich core on a 5 KB story made of the PA seed and the enrich
//! fixture stories: everything [`enrich`] does (language, text layout, NER with
//! the shipped model, rules, gazetteer, merging, topics, quotes, keywords,
//! summary, writing the results), in total and per component.
//!
//! `cargo bench -p newswire-enrich --bench enrich`
//!
//! Criterion's lines (`enrich_5kb`, `enrich_5kb_without_ner`) are wall-clock
//! time (the input article's copy made outside the timing, the result dropped
//! outside it); `enrich_stage_5kb` is the whole stage as the runtime calls it
//! (the article's JSON read, enriched, the output record written). The table after them is CPU time of the calling thread
//! (`CLOCK_THREAD_CPUTIME_ID`), so that other processes on a shared machine do
//! not count: each figure is the best and the median of several rounds of many
//! calls of one component alone (its data then stays in the processor's
//! caches, so the components add up to less than the whole). The last lines
//! time all of `enrich`: each round enriches copies of the article made before
//! the round starts (the stage gets its article by value, it never copies it)
//! and drops each result inside the round. The budget's figure is the last
//! line: CPU time per 5 KB article on one core (target ≤ 200 µs).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use newswire_enrich::ner::tagger::Tagger;
use newswire_enrich::ner::{tokenize, Recognizer};
use newswire_enrich::resources::NoModel;
use newswire_enrich::text::Document;
use newswire_enrich::{enrich, entities, keywords, language, places, quotes, stats, summary, topics, Enricher, Resources};
use newswire_shared::article::{Article, Text};
use newswire_shared::kafka::headers::HeaderMap;
use newswire_shared::stage::{InputMessage, Stage};

/// The allocator the enrich binary uses (see its `main.rs`), so the figures are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGET_BYTES: usize = 5 * 1024;
const ROUNDS: usize = 9;
const RUNS: usize = 500;

/// One component's work, timed alone.
type Component<'a> = Box<dyn Fn() + 'a>;

fn five_kb_story() -> Article {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let seed = std::fs::read_to_string(root.join("tests/fixtures/pa-truss-lavrov-2022-02-14.txt")).unwrap_or_default();
    let mut paragraphs: Vec<String> = seed.lines().skip(5).map(str::to_owned).collect();
    if let Ok(dir) = std::fs::read_dir(root.join("tests/fixtures/enrich")) {
        let mut paths: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let story: serde_json::Value = std::fs::read_to_string(&path).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
            paragraphs.extend(story["body"].as_str().unwrap_or("").lines().map(str::to_owned));
        }
    }
    let mut body = String::new();
    for p in paragraphs.iter().cycle().take(paragraphs.len() * 4) {
        if body.len() + p.len() > TARGET_BYTES {
            break;
        }
        body.push_str(p);
        body.push('\n');
    }
    Article {
        uri: "urn:bench".into(),
        headlines: vec![Text::plain("main", "Truss: ‘Russians didn’t like what I had to say’ in Lavrov meeting")],
        bodies: vec![Text::plain("main", body)],
        ..Default::default()
    }
}

/// CPU µs per call of `f`: (best, median) over [`ROUNDS`] rounds of [`RUNS`] calls.
fn cpu_micros(f: &dyn Fn()) -> (f64, f64) {
    for _ in 0..RUNS / 10 {
        f();
    }
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let started = thread_cpu_seconds();
            for _ in 0..RUNS {
                f();
            }
            (thread_cpu_seconds() - started) * 1e6 / RUNS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    (rounds[0], rounds[ROUNDS / 2])
}

/// CPU µs per call of [`enrich`] on `article` (its copies made before each
/// round, each result dropped in it): (best, median) over [`ROUNDS`] rounds of [`RUNS`] calls.
fn enrich_cpu_micros(article: &Article, resources: &Resources) -> (f64, f64) {
    for _ in 0..RUNS / 10 {
        drop(black_box(enrich(article.clone(), resources)));
    }
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let copies: Vec<Article> = (0..RUNS).map(|_| article.clone()).collect();
            let started = thread_cpu_seconds();
            for copy in copies {
                drop(black_box(enrich(black_box(copy), resources)));
            }
            (thread_cpu_seconds() - started) * 1e6 / RUNS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    (rounds[0], rounds[ROUNDS / 2])
}

fn bench(c: &mut Criterion) {
    let recognizer = Recognizer::load().expect("the shipped NER model loads");
    let (first, second) = recognizer.tagger().passes();
    let first_only = Recognizer::from_tagger(Tagger::new(first.clone(), None));
    let has_second_pass = second.is_some();
    let with_model = Resources::with_recognizer(Box::new(Recognizer::load().expect("model")), true).expect("shipped resources load");
    let without_model = Resources::with_recognizer(Box::new(NoModel), false).expect("shipped resources load");
    let article = five_kb_story();
    let bytes = article.body_text().map_or(0, str::len) + article.headline().map_or(0, str::len);
    let per_5kb = TARGET_BYTES as f64 / bytes as f64;

    c.bench_function("enrich_5kb", |b| b.iter_batched(|| article.clone(), |a| enrich(black_box(a), &with_model), BatchSize::SmallInput));
    c.bench_function("enrich_5kb_without_ner", |b| {
        b.iter_batched(|| article.clone(), |a| enrich(black_box(a), &without_model), BatchSize::SmallInput)
    });
    // The whole stage as the runtime calls it: the article's JSON in, the output record (JSON) out.
    let payload = serde_json::to_vec(&article).expect("the article serialises");
    let headers = HeaderMap::new();
    let input = InputMessage { topic: "newswire.normalized", partition: 0, offset: 0, key: Some(b"bench"), payload: &payload, headers: &headers };
    let mut stage = Enricher::new("newswire.enriched", Resources::with_recognizer(Box::new(Recognizer::load().expect("model")), true).expect("resources"));
    stage.process(&input).expect("the 5 KB story enriches");
    c.bench_function("enrich_stage_5kb", |b| b.iter(|| black_box(stage.process(black_box(&input)))));

    let doc = Document::of(&article);
    let text = doc.text.as_str();
    let ner_mentions = recognizer.recognize(text);
    let mut mentions = ner_mentions.clone();
    for rule in entities::rules::person_mentions(text, &doc.tokens) {
        if !mentions.iter().any(|o| o.start < rule.end && rule.start < o.end) {
            mentions.push(rule);
        }
    }
    let taken: Vec<(usize, usize)> = mentions.iter().map(|m| (m.start, m.end)).collect();
    mentions.extend(places::fallback_places(text, &doc.tokens, &with_model.gazetteer, &taken));
    let merged = entities::merge(text, &doc.tokens, &mentions, &with_model.gazetteer);
    let spans: Vec<(usize, usize)> = merged.mentions.iter().map(|m| (m.start, m.end)).collect();
    let lower = doc.lower_words();
    let words = lower.words();
    let headline_words = doc.tokens.partition_point(|t| t.end <= doc.headline.end);
    let findings = newswire_enrich::analyse(&article, &with_model);
    let (headline, body) = (article.headline().unwrap_or(""), article.body_text().unwrap_or(""));
    let (mut ner_tokens, mut ner_bounds) = (Vec::new(), Vec::new());
    tokenize::split(text, &mut ner_tokens, &mut ner_bounds);

    let components: Vec<(&str, Component<'_>)> = vec![
        ("language", Box::new(|| drop(black_box(language::detect_parts(black_box(headline), black_box(body)))))),
        ("document (layout, sentences, words)", Box::new(|| drop(black_box(Document::of(black_box(&article)))))),
        ("NER (all of recognize)", Box::new(|| drop(black_box(recognizer.recognize(black_box(text)))))),
        ("  NER tokenising", Box::new(|| {
            let (mut tokens, mut bounds) = (Vec::new(), Vec::new());
            tokenize::split(black_box(text), &mut tokens, &mut bounds);
            drop(black_box((tokens, bounds)))
        })),
        ("  NER without its second pass", Box::new(|| drop(black_box(first_only.recognize(black_box(text)))))),
        ("rules (honorifics, titles)", Box::new(|| drop(black_box(entities::rules::person_mentions(text, &doc.tokens))))),
        ("places (gazetteer fallback)", Box::new(|| drop(black_box(places::fallback_places(text, &doc.tokens, &with_model.gazetteer, &taken))))),
        ("entity merging", Box::new(|| drop(black_box(entities::merge(text, &doc.tokens, &mentions, &with_model.gazetteer))))),
        ("lower-case words", Box::new(|| drop(black_box(doc.lower_words())))),
        ("topics", Box::new(|| drop(black_box(topics::classify(&with_model.taxonomy, &words, headline_words))))),
        ("quotes", Box::new(|| drop(black_box(quotes::find_quotes(&doc, &merged))))),
        ("keywords", Box::new(|| drop(black_box(keywords::keywords(&doc, &words, &spans))))),
        ("summary", Box::new(|| drop(black_box(summary::summary(&doc))))),
        ("word count", Box::new(|| {
            black_box(stats::word_count(&doc));
        })),
        ("writing results (copies, apply, drop)", Box::new(|| {
            let mut a = article.clone();
            newswire_enrich::enrichment::apply_owned(&mut a, findings.clone(), &with_model.taxonomy);
            drop(black_box(a))
        })),
    ];

    println!(
        "\n5 KB story: {bytes} bytes; NER: {} sentences, {} tokens, {} mentions, {}",
        ner_bounds.len().saturating_sub(1),
        ner_tokens.len(),
        ner_mentions.len(),
        if has_second_pass { "two passes" } else { "one pass" }
    );
    println!("CPU time of the calling thread, µs per call (best / median of {ROUNDS} rounds of {RUNS}), and per 5 KB:");
    let row = |name: &str, (best, median): (f64, f64)| {
        println!("  {name:42} {best:7.1} / {median:7.1}   ({:.1} / {:.1} per 5 KB)", best * per_5kb, median * per_5kb);
    };
    for (name, f) in &components {
        row(name, cpu_micros(f.as_ref()));
    }
    row("enrich without NER", enrich_cpu_micros(&article, &without_model));
    let (best, median) = enrich_cpu_micros(&article, &with_model);
    row("enrich (everything, with NER)", (best, median));
    println!(
        "enrich with NER: {:.1} µs CPU per 5 KB article (median of {ROUNDS} rounds; best {:.1}); target ≤ 200 µs",
        median * per_5kb,
        best * per_5kb
    );
}

/// CPU seconds used by this thread so far.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec we pass it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

criterion_group!(benches, bench);
criterion_main!(benches);
