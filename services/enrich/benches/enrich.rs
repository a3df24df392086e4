//! Speed of everything enrich does except NER (rules, gazetteer, topics, quotes,
//! keywords, summary, language, writing the results), on a 5 KB story made
//! of the PA seed and the enrich fixture stories. Prints µs per 5 KB article.
//!
//! `cargo bench -p newswire-enrich --bench enrich`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use newswire_enrich::resources::NoModel;
use newswire_enrich::{enrich, Resources};
use newswire_shared::article::{Article, Text};

const TARGET_BYTES: usize = 5 * 1024;

fn five_kb_story() -> Article {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let seed = std::fs::read_to_string(root.join("tests/fixtures/pa-truss-lavrov-2022-02-14.txt")).unwrap_or_default();
    let mut paragraphs: Vec<String> = seed.lines().skip(5).map(str::to_owned).collect();
    if let Ok(dir) = std::fs::read_dir(root.join("tests/fixtures/enrich")) {
        for path in dir.filter_map(Result::ok).map(|e| e.path()) {
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

fn bench(c: &mut Criterion) {
    let resources = Resources::with_recognizer(Box::new(NoModel), false).expect("shipped resources load");
    let article = five_kb_story();
    let bytes = article.body_text().map_or(0, str::len) + article.headline().map_or(0, str::len);
    c.bench_function("enrich_5kb_without_ner", |b| b.iter(|| enrich(black_box(article.clone()), &resources)));

    let runs = 2000;
    let started = thread_cpu_seconds();
    for _ in 0..runs {
        black_box(enrich(black_box(article.clone()), &resources));
    }
    let per_article = (thread_cpu_seconds() - started) * 1e6 / runs as f64;
    let time = |name: &str, f: &dyn Fn()| {
        let started = thread_cpu_seconds();
        for _ in 0..runs {
            f();
        }
        println!("  {name}: {:.1} µs CPU", (thread_cpu_seconds() - started) * 1e6 / runs as f64);
    };
    let text = format!("{} {}", article.headline().unwrap_or(""), article.body_text().unwrap_or(""));
    time("language", &|| drop(black_box(newswire_enrich::language::detect(black_box(&text)))));
    time("analyse", &|| drop(black_box(newswire_enrich::analyse(black_box(&article), &resources))));
    let doc = newswire_enrich::text::Document::of(&article);
    time("document", &|| drop(black_box(newswire_enrich::text::Document::of(black_box(&article)))));
    time("rules", &|| drop(black_box(newswire_enrich::entities::rules::person_mentions(&doc.text, &doc.tokens))));
    time("places", &|| drop(black_box(newswire_enrich::places::fallback_places(&doc.text, &doc.tokens, &resources.gazetteer, &[]))));
    let lower = doc.lower_words();
    let words = lower.words();
    time("topics", &|| drop(black_box(newswire_enrich::topics::classify(&resources.taxonomy, &words, 10))));
    let entities = newswire_enrich::entities::merge(&doc.text, &doc.tokens, &newswire_enrich::entities::rules::person_mentions(&doc.text, &doc.tokens), &resources.gazetteer);
    time("merge", &|| drop(black_box(newswire_enrich::entities::merge(&doc.text, &doc.tokens, &newswire_enrich::entities::rules::person_mentions(&doc.text, &doc.tokens), &resources.gazetteer))));
    time("quotes", &|| drop(black_box(newswire_enrich::quotes::find_quotes(&doc, &entities))));
    time("summary", &|| drop(black_box(newswire_enrich::summary::summary(&doc))));
    time("lower", &|| drop(black_box(doc.lower_words())));
    let findings = newswire_enrich::analyse(&article, &resources);
    time("clone", &|| drop(black_box(article.clone())));
    time("clone+apply", &|| {
        let mut a = article.clone();
        newswire_enrich::enrichment::apply(&mut a, &findings, &resources.taxonomy);
        drop(black_box(a))
    });
    time("keywords", &|| drop(black_box(newswire_enrich::keywords::keywords(&doc, &words, &[]))));
    println!("CPU time of the calling thread, so other processes on the machine do not inflate it.");
    println!("enrich without NER: {per_article:.1} µs per article of {bytes} bytes = {:.1} µs per 5 KB (target ≤ 200 µs)", per_article * TARGET_BYTES as f64 / bytes as f64);
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
