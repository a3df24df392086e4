//! Trains the NER model on CoNLL-2003 and evaluates it (entity-level, conlleval's
//! definition), then times recognition on article text.
//!
//! ```text
//! cargo run --release -p newswire-enrich --features training --bin ner-train -- \
//!     --train services/enrich/data/conll2003/train.txt --dev services/enrich/data/conll2003/valid.txt \
//!     --test services/enrich/data/conll2003/test.txt --out services/enrich/data/ner-model.bin
//! cargo run --release -p newswire-enrich --features training --bin ner-train -- --eval-only \
//!     --model services/enrich/data/ner-model.bin --test services/enrich/data/conll2003/test.txt
//! ```
//!
//! CoNLL-2003 is for research use only: keep it out of the repository
//! (`services/enrich/data/conll2003/` ignores everything in it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use newswire_enrich::ner::conll::{self, Document};
use newswire_enrich::ner::decode::{viterbi, Scorer};
use newswire_enrich::ner::document::{DocContext, DocLabels};
use newswire_enrich::ner::eval::Counts;
use newswire_enrich::ner::features::Features;
use newswire_enrich::ner::model::Model;
use newswire_enrich::ner::tagger::Tagger;
use newswire_enrich::ner::tags::{self, Tag};
use newswire_enrich::ner::train::{Example, Perceptron, Shuffler, Weights};
use newswire_enrich::ner::Recognizer;

const USAGE: &str = "usage: ner-train --train FILE [--train FILE…] --dev FILE [--test FILE] --out FILE \
[--epochs N] [--seed N] [--min-weight W] [--refit-with-dev] [--single-pass] [--bench TEXT_FILE]\n\
  --single-pass: ship the sentence-level pass alone (a little less CPU, about 1 F1 point less)\n\
  --refit-with-dev: pick the epoch count on --dev, then retrain on --train and --dev together for that many epochs\n   or: ner-train --eval-only --model FILE --test FILE [--bench TEXT_FILE]";

#[derive(Debug)]
struct Args {
    train: Vec<PathBuf>,
    dev: Option<PathBuf>,
    test: Option<PathBuf>,
    out: Option<PathBuf>,
    model: Option<PathBuf>,
    bench: Option<PathBuf>,
    eval_only: bool,
    refit_with_dev: bool,
    single_pass: bool,
    epochs: usize,
    seed: u64,
    min_weight: f32,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        train: Vec::new(),
        dev: None,
        test: None,
        out: None,
        model: None,
        bench: None,
        eval_only: false,
        refit_with_dev: false,
        single_pass: false,
        epochs: 12,
        seed: 2003,
        min_weight: 0.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--train" => args.train.push(value()?.into()),
            "--dev" => args.dev = Some(value()?.into()),
            "--test" => args.test = Some(value()?.into()),
            "--out" => args.out = Some(value()?.into()),
            "--model" => args.model = Some(value()?.into()),
            "--bench" => args.bench = Some(value()?.into()),
            "--epochs" => args.epochs = value()?.parse().context("--epochs")?,
            "--seed" => args.seed = value()?.parse().context("--seed")?,
            "--min-weight" => args.min_weight = value()?.parse().context("--min-weight")?,
            "--eval-only" => args.eval_only = true,
            "--refit-with-dev" => args.refit_with_dev = true,
            "--single-pass" => args.single_pass = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(args)
}

fn read(path: &Path) -> Result<Vec<Document>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    conll::parse(&text).with_context(|| format!("parsing {}", path.display()))
}

fn evaluate<S: Scorer + ?Sized>(scorer: &S, examples: &[Example]) -> Counts {
    let mut counts = Counts::default();
    for ex in examples {
        counts.add(&ex.tags, &viterbi(scorer, &ex.features));
    }
    counts
}

/// Scores the tagger on whole documents, exactly as recognition runs it.
fn evaluate_tagger(tagger: &Tagger, docs: &[Document]) -> Counts {
    let mut counts = Counts::default();
    for (doc, predicted) in docs.iter().zip(predict(tagger, docs)) {
        for (sentence, tags) in doc.sentences.iter().zip(predicted) {
            counts.add(&sentence.tags, &tags);
        }
    }
    counts
}

fn predict(tagger: &Tagger, docs: &[Document]) -> Vec<Vec<Vec<Tag>>> {
    docs.iter()
        .map(|doc| {
            let words: Vec<&[String]> = doc.sentences.iter().map(|s| s.words.as_slice()).collect();
            tagger.tag_document(&words)
        })
        .collect()
}

fn overall_f1(counts: &Counts) -> f64 {
    counts.score(&tags::kinds()).f1
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let tagger = if args.eval_only {
        let path = args.model.as_deref().context(USAGE)?;
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let tagger = Tagger::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()))?;
        let (left_out, different) = tagger.left_out();
        println!(
            "{}: {} features, {}; its lookup table leaves out {left_out} of the {different} different features (the least weighty of full lines)",
            path.display(),
            tagger.features(),
            if tagger.has_second_pass() { "two passes" } else { "one pass" },
        );
        tagger
    } else {
        train(&args)?
    };
    if let Some(dev) = &args.dev {
        let docs = read(dev)?;
        println!("\n== dev ({}), shipped model ==\n{}", dev.display(), evaluate_tagger(&tagger, &docs).report());
    }
    if let Some(test) = &args.test {
        let docs = read(test)?;
        let tokens: usize = docs.iter().flat_map(|d| &d.sentences).map(|s| s.words.len()).sum();
        let start = Instant::now();
        let counts = evaluate_tagger(&tagger, &docs);
        let secs = start.elapsed().as_secs_f64();
        println!("\n== test ({}), shipped model ==\n{}", test.display(), counts.report());
        println!(
            "tagging speed on test: {:.0} tokens/s (features + both passes, one core, wall clock)",
            tokens as f64 / secs
        );
    }
    if let Some(bench) = &args.bench {
        bench_article(tagger, bench)?;
    }
    Ok(())
}

/// Trains for up to `epochs` epochs, keeping the epoch that scores best on `dev`
/// (the last one when there is no dev set).
fn fit(examples: &mut [Example], dev: &[Example], epochs: usize, seed: u64, name: &str) -> Result<(Weights, usize)> {
    let mut shuffler = Shuffler::new(seed);
    let mut perceptron = Perceptron::default();
    let mut best: Option<(f64, usize, Weights)> = None;
    for epoch in 1..=epochs {
        let start = Instant::now();
        shuffler.shuffle(examples);
        let right = examples.iter().filter(|ex| perceptron.learn(ex)).count();
        let averaged = perceptron.averaged();
        let dev_f1 = if dev.is_empty() { 0.0 } else { overall_f1(&evaluate(&averaged, dev)) };
        if !name.is_empty() {
            println!(
                "{name} epoch {epoch:2}: {:5.1}% train sentences right, dev F1 {:6.2}, {} features, {:.1}s",
                100.0 * right as f64 / examples.len().max(1) as f64,
                100.0 * dev_f1,
                averaged.keys.len(),
                start.elapsed().as_secs_f64()
            );
        }
        if best.as_ref().is_none_or(|(f1, _, _)| dev_f1 >= *f1) {
            best = Some((dev_f1, epoch, averaged));
        }
    }
    let (dev_f1, epoch, weights) = best.context("--epochs must be at least 1")?;
    if !name.is_empty() {
        println!("{name}: keeping epoch {epoch} (dev F1 {:.2})", 100.0 * dev_f1);
    }
    Ok((weights, epoch))
}

/// First-pass tags for documents, from a first-pass scorer.
fn first_pass<S: Scorer>(scorer: &S, docs: &[Document]) -> Vec<Vec<Vec<Tag>>> {
    docs.iter()
        .map(|doc| {
            let context = DocContext::build(doc.sentences.iter().map(|s| s.words.as_slice()));
            doc.sentences.iter().map(|s| viterbi(scorer, &Features::extract(&s.words, &context))).collect()
        })
        .collect()
}

/// Second-pass examples: gold tags, features that see the given first-pass tags;
/// only the sentences the second pass looks at.
fn second_pass_examples(docs: &[Document], first: &[Vec<Vec<Tag>>]) -> Vec<Example> {
    let mut out = Vec::new();
    for (doc, tags) in docs.iter().zip(first) {
        let context = DocContext::build(doc.sentences.iter().map(|s| s.words.as_slice()));
        let first: Vec<Features> = doc.sentences.iter().map(|s| Features::extract(&s.words, &context)).collect();
        let labels = DocLabels::build(first.iter().zip(tags.iter().map(Vec::as_slice)));
        for (s, features) in doc.sentences.iter().zip(&first) {
            if features.needs_second_pass(&labels) {
                out.push(Example { features: features.with_labels(&labels), tags: tags::to_bio2(&s.tags) });
            }
        }
    }
    out
}

fn quantise(weights: &Weights, min_weight: f32) -> Model {
    Model::quantise(&weights.keys, &weights.weights, &weights.transitions, min_weight)
}

/// Trains both passes. The second pass learns from first-pass tags that the
/// first pass did not see in training (jackknifed over `FOLDS` folds of the
/// training documents), so it learns how far to trust them on new text.
fn train(args: &Args) -> Result<Tagger> {
    const FOLDS: usize = 5;
    if args.train.is_empty() {
        bail!("--train is required\n{USAGE}");
    }
    let out = args.out.as_deref().context(format!("--out is required\n{USAGE}"))?;
    let mut train_docs = Vec::new();
    for path in &args.train {
        train_docs.extend(read(path)?);
    }
    let dev_docs = match &args.dev {
        Some(path) => read(path)?,
        None => Vec::new(),
    };
    let mut examples = conll::examples(&train_docs);
    let mut dev = conll::examples(&dev_docs);
    println!(
        "training on {} documents, {} sentences ({} tokens), up to {} epochs, seed {}",
        train_docs.len(),
        examples.len(),
        examples.iter().map(|e| e.tags.len()).sum::<usize>(),
        args.epochs,
        args.seed
    );
    let (mut entities, mut unreachable) = (0usize, 0usize);
    for ex in &examples {
        for span in tags::spans(&ex.tags) {
            entities += 1;
            if !(span.start..span.end).all(|i| ex.features.is_candidate(i)) {
                unreachable += 1;
            }
        }
    }
    println!("{unreachable} of {entities} training entities have a token that is not a candidate (no capital or digit in or beside it)");

    let (first_weights, first_epochs) = fit(&mut examples, &dev, args.epochs, args.seed, "pass 1")?;
    if args.single_pass {
        let first_weights = if args.refit_with_dev {
            println!("refitting on train + dev for {first_epochs} epochs; dev scores below are no longer held out");
            examples.append(&mut dev);
            fit(&mut examples, &[], first_epochs, args.seed, "")?.0
        } else {
            first_weights
        };
        return write_tagger(Tagger::new(quantise(&first_weights, args.min_weight), None), out);
    }
    let mut jackknifed = vec![Vec::new(); train_docs.len()];
    for fold in 0..FOLDS {
        let (held, kept): (Vec<usize>, Vec<usize>) = (0..train_docs.len()).partition(|d| d % FOLDS == fold);
        let kept_docs: Vec<Document> = kept.iter().map(|&d| train_docs[d].clone()).collect();
        let held_docs: Vec<Document> = held.iter().map(|&d| train_docs[d].clone()).collect();
        let (weights, _) = fit(&mut conll::examples(&kept_docs), &[], first_epochs, args.seed, "")?;
        for (d, tags) in held.into_iter().zip(first_pass(&weights, &held_docs)) {
            jackknifed[d] = tags;
        }
    }
    println!("pass 1 tagged the training documents in {FOLDS} held-out folds");
    let mut second_examples = second_pass_examples(&train_docs, &jackknifed);
    let mut second_dev = second_pass_examples(&dev_docs, &first_pass(&first_weights, &dev_docs));
    let (mut second_weights, second_epochs) =
        fit(&mut second_examples, &second_dev, args.epochs, args.seed, "pass 2 (on the sentences it looks at)")?;
    let mut first_weights = first_weights;

    if args.refit_with_dev {
        println!("refitting both passes on train + dev for {first_epochs} and {second_epochs} epochs; dev scores below are no longer held out");
        examples.append(&mut dev);
        first_weights = fit(&mut examples, &[], first_epochs, args.seed, "")?.0;
        second_examples.append(&mut second_dev);
        second_weights = fit(&mut second_examples, &[], second_epochs, args.seed, "")?.0;
    }
    let tagger =
        Tagger::new(quantise(&first_weights, args.min_weight), Some(quantise(&second_weights, args.min_weight)));
    write_tagger(tagger, out)
}

/// Writes the model file, then reads it back (what gets evaluated is what ships).
fn write_tagger(tagger: Tagger, out: &Path) -> Result<Tagger> {
    let bytes = tagger.to_bytes();
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {} ({:.1} MB, {} features)", out.display(), bytes.len() as f64 / 1e6, tagger.features());
    let (left_out, different) = tagger.left_out();
    println!("the lookup table recognition reads leaves out {left_out} of the {different} different features (the least weighty of full lines)");
    let start = Instant::now();
    let reloaded = Recognizer::from_path(out).map_err(anyhow::Error::msg)?;
    println!("reloading it takes {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    drop(reloaded);
    Tagger::from_bytes(&bytes).context("reading back the written model")
}

/// CPU time this process has used (user + system), from `/proc/self/stat`;
/// `None` where that is not available.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Times [`Recognizer::recognize`] on the article text in `path`, scaled to 5 KB:
/// CPU time (what the budget counts; the machine may be shared) and wall time.
fn bench_article(tagger: Tagger, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let recognizer = Recognizer::from_tagger(tagger);
    for m in recognizer.recognize(&text) {
        println!("  {:?} {:?} @{}..{}", m.kind, m.text, m.start, m.end);
    }
    let runs = 3000;
    let mut found = 0;
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    for _ in 0..runs {
        found = recognizer.recognize(std::hint::black_box(&text)).len();
    }
    let wall = wall.elapsed().as_secs_f64() / runs as f64;
    let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| (b - a) / runs as f64);
    let per_5kb = 5120.0 / text.len().max(1) as f64;
    println!("\nrecognize() on {} ({} bytes, {found} mentions), {runs} runs:", path.display(), text.len());
    if let Some(cpu) = cpu {
        println!("  CPU  {:.0} µs per call, {:.0} µs per 5 KB of text", cpu * 1e6, cpu * per_5kb * 1e6);
    }
    println!("  wall {:.0} µs per call, {:.0} µs per 5 KB of text", wall * 1e6, wall * per_5kb * 1e6);
    Ok(())
}
