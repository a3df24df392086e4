//! Scale-out end to end: three normalize, two (then three) enrich and three
//! publish instances on the real broker, fed through ingest by two feeds, while
//! instances are added, SIGKILLed and restarted, two of them with their data
//! directory deleted. Every accepted story must be published exactly once per
//! subscriber by uri and version, every cross-feed copy dropped, and every
//! correction and kill must reach the subscriber that had the story.
//!
//! The stream has two phases. Phase one: the originals (half of them match the
//! `desk` subscription by a keyword in their headline), and for one in ten an
//! exact copy from the other feed pushed right behind it, so that the two race
//! through different normalize instances (the claims decide which is first;
//! either may be). Phase two, once phase one is published: per ten originals,
//! one exact copy from the other feed, one near-duplicate, one correction that
//! no longer matches `desk`, one update, one kill.
//!
//! `NEWSWIRE_SCALE_STORIES` sets the number of originals (default 300, what CI
//! runs; the README reports a run with 10,000).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use newswire_e2e::{read_topic_on, Pipeline, Record, AP_TOKEN, PA_TOKEN};

const NINJS: &str = "application/ninjs+json";
const SETTLE: Duration = Duration::from_secs(5);
/// The word that makes a story match the `desk` subscription.
const DESK_WORD: &str = "Quarrywick";

const SUBSCRIPTIONS: &str = r#"
[[subscriptions]]
name = "desk"
filter = { keyword = "Quarrywick" }
topic = true

[[subscriptions]]
name = "everything"
filter = { all = [] }
topic = true
"#;

/// How many originals to push.
fn originals() -> usize {
    std::env::var("NEWSWIRE_SCALE_STORIES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

/// A ninjs story with a body of its own (`n` and `tag` make it unique).
fn story(uri: &str, version: u64, pubstatus: &str, headline: &str, body: &str) -> String {
    serde_json::json!({
        "uri": uri,
        "version": version.to_string(),
        "pubstatus": pubstatus,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
    })
    .to_string()
}

fn headline(n: usize, tag: &str) -> String {
    if n.is_multiple_of(2) {
        format!("{DESK_WORD} council approves plan {n} for district {tag}")
    } else {
        format!("Council approves plan {n} for district {tag}")
    }
}

fn body(n: usize, tag: &str) -> String {
    let words = ["harbour", "railway", "library", "market", "bridge", "school", "clinic", "park", "tunnel", "museum"];
    let (a, b, c) = (words[n % 10], words[(n / 10) % 10], words[(n / 100) % 10]);
    format!(
        "Plan {n} of district {tag} covers the {a}, the {b} and the {c}. The council voted on item {n} after a debate of \
         {} minutes, and the works on the {a} start in week {}. Residents near the {b} were consulted on proposal {n}, and \
         the budget line for the {c} is {} thousand.",
        10 + n % 50,
        1 + n % 52,
        100 + n * 7
    )
}

fn pa_uri(n: usize, tag: &str) -> String {
    format!("urn:pa:scale:{tag}:{n}")
}

/// The other feed's copy pushed right behind original `n`.
fn ap_race_uri(n: usize, tag: &str) -> String {
    format!("urn:ap:race:{tag}:{n}")
}

/// `(uri, version, pubstatus)` → how many records.
fn counts(records: &[Record]) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for record in records {
        let json = record.json();
        let field = |name: &str| json[name].as_str().unwrap_or_default().to_owned();
        *out.entry((field("uri"), field("version"), field("pubstatus"))).or_insert(0) += 1;
    }
    out
}

fn entry(uri: &str, version: u64, pubstatus: &str) -> (String, String, String) {
    (uri.to_owned(), version.to_string(), pubstatus.to_owned())
}

/// SIGKILLs an instance, deletes its data directory when asked, and starts it again.
fn crash(pipeline: &mut Pipeline, name: &str, instance_id: &str, lose_disk: bool) {
    pipeline.kill(name);
    if lose_disk {
        let dir = pipeline.dir().join("data").join(instance_id);
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", dir.display()));
    }
    pipeline.spawn(name);
}

#[test]
fn three_instances_of_normalize_and_publish_under_kills_publish_every_story_once_per_subscriber() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let file: PathBuf = dir.path().join("subscriptions.toml");
    std::fs::write(&file, SUBSCRIPTIONS).expect("write subscriptions");
    let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let file = file.display().to_string();
    let mut pipeline =
        Pipeline::start_with(&[("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()), ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str())]);
    let normalize_2 = pipeline.add_instance("normalize");
    let normalize_3 = pipeline.add_instance("normalize");
    pipeline.add_instance("enrich");
    let publish_2 = pipeline.add_instance("publish");
    let publish_3 = pipeline.add_instance("publish");
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let n_originals = originals();
    let wait = Duration::from_secs(120 + (n_originals as u64) / 20);

    // Phase one: the originals, while instances die and one more enrich joins.
    for n in 0..n_originals {
        pipeline.push_ok(PA_TOKEN, NINJS, story(&pa_uri(n, &tag), 1, "usable", &headline(n, &tag), &body(n, &tag)));
        if n % 10 == 5 {
            pipeline.push_ok(AP_TOKEN, NINJS, story(&ap_race_uri(n, &tag), 1, "usable", &headline(n, &tag), &body(n, &tag)));
        }
        if n == n_originals / 4 {
            crash(&mut pipeline, &normalize_2, "normalize-2", false);
        }
        if n == n_originals / 2 {
            crash(&mut pipeline, &publish_2, "publish-2", true);
            pipeline.add_instance("enrich");
        }
        if n == 3 * n_originals / 4 {
            crash(&mut pipeline, "enrich", "enrich-1", false);
        }
    }
    let phase_one = pipeline.read("published", n_originals, wait, Duration::ZERO);
    assert!(phase_one.len() >= n_originals, "phase one: {} of {n_originals} published", phase_one.len());
    let phase_one_at = started.elapsed();

    // Phase two: copies, near-duplicates, corrections, updates and kills, while
    // normalize loses its disk and another publish dies.
    let mut expected_published = BTreeMap::new();
    let mut expected_desk = BTreeMap::new();
    for n in 0..n_originals {
        let uri = pa_uri(n, &tag);
        expected_published.insert(entry(&uri, 1, "usable"), 1);
        if n.is_multiple_of(2) {
            expected_desk.insert(entry(&uri, 1, "usable"), 1);
        }
    }
    for n in 0..n_originals {
        let uri = pa_uri(n, &tag);
        match n % 10 {
            0 => {
                // The same story from the other feed under its own uri: an exact copy, dropped.
                pipeline.push_ok(AP_TOKEN, NINJS, story(&format!("urn:ap:scale:{tag}:{n}"), 1, "usable", &headline(n, &tag), &body(n, &tag)));
            }
            1 => {
                // A near-duplicate (one sentence added) from the other feed: a story of its own.
                let near = format!("urn:ap:near:{tag}:{n}");
                let text = format!("{} The meeting ended at six.", body(n, &tag));
                pipeline.push_ok(AP_TOKEN, NINJS, story(&near, 1, "usable", &headline(n, &tag), &text));
                expected_published.insert(entry(&near, 1, "usable"), 1);
            }
            2 => {
                // A correction that no longer matches the desk: it still reaches the desk, which had it.
                let text = body(n, &tag).replace("The council voted", "The council narrowly voted");
                pipeline.push_ok(PA_TOKEN, NINJS, story(&uri, 2, "usable", &format!("Corrected: council plan {n} for {tag}"), &text));
                expected_published.insert(entry(&uri, 2, "usable"), 1);
                expected_desk.insert(entry(&uri, 2, "usable"), 1);
            }
            3 => {
                let text = format!("{} Updated with the final vote.", body(n, &tag));
                pipeline.push_ok(PA_TOKEN, NINJS, story(&uri, 2, "usable", &headline(n, &tag), &text));
                expected_published.insert(entry(&uri, 2, "usable"), 1);
            }
            4 => {
                pipeline.push_ok(PA_TOKEN, NINJS, story(&uri, 2, "canceled", &headline(n, &tag), &body(n, &tag)));
                expected_published.insert(entry(&uri, 2, "canceled"), 1);
                expected_desk.insert(entry(&uri, 2, "canceled"), 1);
            }
            _ => {}
        }
        if n == n_originals / 3 {
            crash(&mut pipeline, "normalize", "normalize-1", true);
        }
        if n == 2 * n_originals / 3 {
            crash(&mut pipeline, &publish_3, "publish-3", false);
            crash(&mut pipeline, &normalize_3, "normalize-3", false);
        }
    }

    let published = counts(&pipeline.read("published", expected_published.len(), wait, SETTLE));
    // A copy pushed right behind its original: whichever was claimed first is the story.
    for n in (0..n_originals).filter(|n| n % 10 == 5) {
        let (original, copy) = (entry(&pa_uri(n, &tag), 1, "usable"), entry(&ap_race_uri(n, &tag), 1, "usable"));
        if published.contains_key(&copy) && !published.contains_key(&original) {
            expected_published.remove(&original);
            expected_published.insert(copy, 1);
        }
    }
    let desk = counts(&read_topic_on(&pipeline.brokers, &format!("{prefix}desk"), expected_desk.len(), wait, SETTLE));
    let everything = counts(&read_topic_on(&pipeline.brokers, &format!("{prefix}everything"), expected_published.len(), wait, SETTLE));
    eprintln!(
        "scale-out: {n_originals} originals, {} expected on newswire.published, phase one {:.0} s, all {:.0} s",
        expected_published.len(),
        phase_one_at.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    for (name, got, want) in [("newswire.published", &published, &expected_published), ("everything", &everything, &expected_published), ("desk", &desk, &expected_desk)] {
        let wrong: Vec<_> = want.keys().filter(|k| got.get(*k) != Some(&1)).map(|k| (k, got.get(k).copied().unwrap_or(0))).collect();
        let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
        assert!(
            wrong.is_empty() && extra.is_empty(),
            "{name}: {} of {} not exactly once (first: {:?}), {} unexpected (first: {:?})",
            wrong.len(),
            want.len(),
            wrong.iter().take(5).collect::<Vec<_>>(),
            extra.len(),
            extra.iter().take(5).collect::<Vec<_>>()
        );
    }
}
