//! The normalize stage's core: [`Normalizer`] runs as a [`Stage`] (parse the
//! record's format, clean, deduplicate, version) and [`normalize`] /
//! [`normalize_stories`] / [`normalize_record`] turn one record's bytes into
//! canonical articles without Kafka.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use newswire_shared::article::{Article, PubStatus};
use newswire_shared::changelog::ChangelogStore;
use newswire_shared::events::StoryEvent;
use newswire_shared::kafka::headers;
use newswire_shared::records::article_record;
use newswire_shared::stage::{InputMessage, Outcome, Stage, StageError};
use newswire_shared::story::identity::Identity;
use newswire_shared::story::SourceFormat;

use crate::config::NormalizeConfig;
use crate::{formats, problems};
use crate::dedupe::claims::{claims_for, ClaimCheck, ClaimStore};
use crate::dedupe::decision::{decide_fingerprinted, Claimed, Verdict};
use crate::dedupe::fingerprint::{fingerprint, Fingerprint};
use crate::dedupe::metrics::DedupeMetrics;
use crate::dedupe::store::{DedupeStore, Savepoint};
use crate::formats::Ingested;

/// A record's stories, each with its own Kafka key when the record holds several.
type Stories = Vec<(Option<String>, Article)>;

/// The normalize stage's core: parse, clean, then dedupe and version checks.
pub struct Normalizer {
    config: NormalizeConfig,
    output_topic: String,
    store: DedupeStore,
    clock: fn() -> i64,
    last_expiry_ms: i64,
    metrics: Option<DedupeMetrics>,
    /// The staged state before the input being processed, taken back if it is dead-lettered.
    savepoint: Savepoint,
    /// Where first copies are claimed across instances, and how long a batch waits for its claims.
    claims: Option<(Box<dyn ClaimStore>, Duration)>,
    /// The current batch's stories, parsed and fingerprinted ahead by
    /// [`Stage::prepare_batch`], by their input's `(topic, partition, offset)`.
    prepared: HashMap<(String, i32, i64), (Stories, Vec<Fingerprint>)>,
    /// Copies dropped on another story's claim in this batch: (content, version),
    /// counted once it commits.
    claimed: (u64, u64),
}

impl Normalizer {
    /// A normalizer writing to `output_topic`, keeping dedupe state in `store`.
    pub fn new(config: NormalizeConfig, output_topic: impl Into<String>, store: DedupeStore) -> Self {
        Normalizer {
            config,
            output_topic: output_topic.into(),
            store,
            clock: now_ms,
            last_expiry_ms: 0,
            metrics: None,
            savepoint: Savepoint::default(),
            claims: None,
            prepared: HashMap::new(),
            claimed: (0, 0),
        }
    }

    /// The same, claiming each batch's first copies in `claims` before it
    /// decides, waiting at most `wait` for them ([`crate::dedupe::claims`]).
    pub fn with_claims(mut self, claims: Box<dyn ClaimStore>, wait: Duration) -> Self {
        self.claims = Some((claims, wait));
        self
    }

    /// The same, with a clock (milliseconds since the epoch) for tests.
    pub fn with_clock(mut self, clock: fn() -> i64) -> Self {
        self.clock = clock;
        self
    }

    /// The same, reporting its dedupe state in `metrics`.
    pub fn with_metrics(mut self, metrics: DedupeMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Removes expired dedupe state when the expiry interval has passed.
    fn expire_if_due(&mut self) {
        let now = (self.clock)();
        let interval_ms = i64::try_from(self.config.dedupe_expiry_interval_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        if now.saturating_sub(self.last_expiry_ms) < interval_ms {
            return;
        }
        self.last_expiry_ms = now;
        match self.store.expire(now) {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "expired dedupe state");
                if let Some(m) = &self.metrics {
                    m.expired.inc_by(removed as u64);
                }
            }
            Err(error) => tracing::error!(%error, "could not expire dedupe state"),
        }
        if let Some(m) = &self.metrics {
            m.set_sizes(self.store.sizes());
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Where a record is, as [`Stage::prepare_batch`] keys what it prepared.
fn position(input: &InputMessage<'_>) -> (String, i32, i64) {
    (input.topic.to_owned(), input.partition, input.offset)
}

/// A record's place as the version records remember it: `topic/partition/offset`.
fn origin_of(input: &InputMessage<'_>) -> String {
    format!("{}/{}/{}", input.topic, input.partition, input.offset)
}

/// Every story of a record, parsed and finished, each with its own Kafka key
/// when the record holds several, and the charset note ingest made recorded
/// on each.
fn stories_of(input: &InputMessage<'_>, config: &NormalizeConfig, clock: fn() -> i64) -> Result<Stories, StageError> {
    let feed = input.headers.get_str(headers::FEED).unwrap_or("unknown");
    let format = input
        .headers
        .get_str(headers::FORMAT)
        .ok_or_else(|| StageError::new("missing_format", "the record has no newswire-format header"))?
        .parse::<SourceFormat>()
        .map_err(|e| StageError::new("unsupported_format", e.to_string()))?;
    let key_text = String::from_utf8_lossy(input.key.unwrap_or_default());
    let charset = input.headers.get_str(headers::CHARSET);
    let identity = Identity::from_headers(input.headers);
    // When ingest accepted the story: embargo statements without a date are read against it.
    let arrived_ms = input.headers.get_str(headers::INGESTED_AT_MS).and_then(|ms| ms.parse().ok()).unwrap_or_else(clock);
    let ingested = Ingested { identity: identity.as_ref(), at: chrono::DateTime::from_timestamp_millis(arrived_ms) };
    let mut stories = normalize_record(format, input.payload, charset, ingested, feed, &key_text, config)?;
    if let Some(note) = input.headers.get_str(headers::CHARSET_NOTE) {
        // Ingest read the bytes as what they are, not as labelled: the story records the label.
        let (kind, detail) = note.split_once(": ").unwrap_or(("", note));
        for (_, article) in &mut stories {
            problems::note(article, problems::Field::Charset, problems::Kind::of_charset_note(kind), detail);
        }
    }
    Ok(stories)
}

impl Stage for Normalizer {
    fn name(&self) -> &'static str {
        "normalize"
    }

    /// Parses every story of the batch and works out, against the stores and
    /// the claims known so far, which ones it would pass on; claims those
    /// (content, and uri with version) and waits until they are read back, so
    /// that [`Stage::process`] knows every earlier claim of them. Nothing it
    /// decides is kept but the parsed stories: `process` decides again.
    fn prepare_batch(&mut self, inputs: &[InputMessage<'_>]) {
        self.prepared.clear();
        let Some((claims, wait)) = self.claims.as_ref() else { return };
        let batch_start = self.store.savepoint();
        let now = (self.clock)();
        let mut wanted = Vec::new();
        for input in inputs {
            let Ok(stories) = stories_of(input, &self.config, self.clock) else { continue };
            self.store.set_slice(input.partition);
            let origin = origin_of(input);
            let key = String::from_utf8_lossy(input.key.unwrap_or_default()).into_owned();
            let mut prints = Vec::with_capacity(stories.len());
            for (story_key, article) in &stories {
                let source = story_key.as_deref().unwrap_or(&key);
                let mut trial = article.clone();
                let check = ClaimCheck { lookup: claims.as_ref(), source };
                let print = fingerprint(&trial);
                let passes = matches!(decide_fingerprinted(&mut self.store, &mut trial, &print, now, Some(&origin), Some(check)), Ok(Verdict::Pass { .. }));
                if passes && trial.pubstatus == PubStatus::Usable {
                    wanted.extend(claims_for(&trial, &print.exact, source));
                }
                prints.push(print);
            }
            self.prepared.insert(position(input), (stories, prints));
        }
        self.store.roll_back_to(batch_start);
        let started = Instant::now();
        match claims.claim(&wanted, *wait) {
            Ok(()) => {
                if let Some(m) = &self.metrics {
                    m.claim_seconds.observe(started.elapsed().as_secs_f64());
                }
            }
            Err(error) => {
                tracing::warn!(%error, claims = wanted.len(), "could not settle the batch's claims; it goes on with this instance's own dedupe state");
                if let Some(m) = &self.metrics {
                    m.claim_failures.inc();
                }
            }
        }
    }

    fn process(&mut self, input: &InputMessage<'_>) -> Result<Outcome, StageError> {
        self.savepoint = self.store.savepoint();
        self.store.set_slice(input.partition);
        let key = input.key.unwrap_or_default();
        let key_text = String::from_utf8_lossy(key);
        // A story's fingerprint depends on its headline and body only, which
        // the preparation's trial decision never changes on the story kept.
        let (stories, prints) = match self.prepared.remove(&position(input)) {
            Some(prepared) => prepared,
            None => (stories_of(input, &self.config, self.clock)?, Vec::new()),
        };
        let mut prints = prints.into_iter();
        let origin = origin_of(input);
        let mut records = Vec::with_capacity(stories.len());
        let (mut dropped, mut duplicate) = (None, None);
        let mut events = Vec::new();
        for (story_key, mut article) in stories {
            tracing::Span::current().record("uri", article.uri.as_str()).record("version", article.version);
            let check = self.claims.as_ref().map(|(claims, _)| ClaimCheck { lookup: claims.as_ref(), source: story_key.as_deref().unwrap_or(&key_text) });
            // A store failure is not the story's fault: the batch is retried, never dead-lettered.
            let print = prints.next().unwrap_or_else(|| fingerprint(&article));
            let verdict = decide_fingerprinted(&mut self.store, &mut article, &print, (self.clock)(), Some(&origin), check)
                .map_err(|error| StageError::retry_batch("store_unavailable", error.to_string()))?;
            match verdict {
                Verdict::StaleVersion { seen } => {
                    tracing::debug!(uri = article.uri, version = article.version, seen, "dropped a stale version");
                    dropped = dropped.or(Some("stale_version"));
                }
                Verdict::ExactDuplicate { first_uri } => {
                    tracing::debug!(uri = article.uri, first_uri, "dropped an exact duplicate");
                    dropped = dropped.or(Some("duplicate_exact"));
                    duplicate = duplicate.or(Some("exact"));
                }
                Verdict::ClaimedElsewhere(Claimed::Content { first_uri }) => {
                    tracing::info!(uri = article.uri, first_uri, "dropped an exact duplicate another instance claimed first");
                    dropped = dropped.or(Some("duplicate_exact"));
                    duplicate = duplicate.or(Some("exact"));
                    self.claimed.0 += 1;
                }
                Verdict::ClaimedElsewhere(Claimed::Version) => {
                    tracing::info!(uri = article.uri, version = article.version, "dropped a version another feed's record claimed first");
                    dropped = dropped.or(Some("stale_version"));
                    self.claimed.1 += 1;
                }
                Verdict::Pass { near } => {
                    let key = story_key.as_deref().map_or(key, str::as_bytes);
                    events.extend(article.newswire.problems.iter().map(|p| StoryEvent::FieldProblem {
                        field: p.field.clone(),
                        kind: p.kind.clone(),
                        detail: p.detail.clone(),
                        uri: article.uri.clone(),
                    }));
                    let mut record = article_record(&self.output_topic, key, &article, input.headers)?;
                    if let Some(pairs) = problems::header_value(&article.newswire.problems) {
                        record.headers.insert(headers::FIELD_PROBLEMS, pairs);
                    }
                    records.push(record);
                    if near {
                        duplicate = Some("near");
                    }
                }
            }
        }
        // Several stories of one record (NewsML 1.x components): what was passed on is the outcome.
        let mut outcome = match (records.is_empty(), dropped) {
            (true, Some(reason)) => Outcome::drop(reason),
            _ => Outcome::forward(records),
        };
        outcome.events = events;
        Ok(match duplicate {
            Some(kind) => outcome.duplicate_of_kind(kind),
            None => outcome,
        })
    }

    /// Takes in what other normalize instances decided (their first copies),
    /// and reports copies both passed on, as soon as the runtime read them.
    fn on_remote_state(&mut self) {
        match self.store.absorb_remote() {
            Ok(races) => {
                for race in &races {
                    if let Some(m) = &self.metrics {
                        m.races.with_label_values(&[race.kind]).inc();
                    }
                    // `content`/`version`: a copy published twice; `near`: a near-duplicate published unlinked.
                    tracing::warn!(
                        kind = race.kind,
                        first_uri = race.first_uri,
                        second_uri = race.second_uri,
                        "two normalize instances both passed on a story as first (within the replication window)"
                    );
                }
            }
            Err(error) => tracing::error!(%error, "could not take in other instances' dedupe state; trying again next batch"),
        }
    }

    /// The runtime wrote the batch's changes to disk after Kafka committed them.
    fn on_commit(&mut self) {
        self.store.after_commit();
        self.prepared.clear();
        let (content, version) = std::mem::take(&mut self.claimed);
        if let Some(m) = &self.metrics {
            m.claimed.with_label_values(&["content"]).inc_by(content);
            m.claimed.with_label_values(&["version"]).inc_by(version);
        }
        self.expire_if_due();
    }

    fn on_abort(&mut self) {
        self.store.discard();
        self.prepared.clear();
        self.claimed = (0, 0);
    }

    fn stores(&mut self) -> Vec<&mut ChangelogStore> {
        self.store.stores_mut()
    }

    /// A dead-lettered input leaves no dedupe state behind, so its redrive is
    /// new again (one story of a multi-story record may have staged before the
    /// record failed; the runtime may refuse an output too large for Kafka).
    fn on_dead_lettered(&mut self) {
        self.store.roll_back_to(self.savepoint);
    }
}

/// Normalizes one story: parse its format, then fill what every article must
/// have. For a record that holds several stories, the first (see [`normalize_stories`]).
/// Metadata that cannot be used is recorded on the article ([`problems`]); only
/// a story with neither a headline nor a body is an error (`no_content`).
pub fn normalize(format: SourceFormat, payload: &[u8], charset: Option<&str>, feed: &str, key: &str, config: &NormalizeConfig) -> Result<Article, StageError> {
    let article = formats::parse(format, payload, charset, config.zone_for(feed), config.kind_for(feed))?;
    finish(article, None, format, feed, key)
}

/// Normalizes every story of a record, each with its own Kafka key when it is
/// not the record's first story (`None`: the record's key). The whole record
/// fails when one of its stories does, so it is dead-lettered whole.
pub fn normalize_stories(
    format: SourceFormat,
    payload: &[u8],
    charset: Option<&str>,
    feed: &str,
    key: &str,
    config: &NormalizeConfig,
) -> Result<Vec<(Option<String>, Article)>, StageError> {
    normalize_record(format, payload, charset, Ingested::default(), feed, key, config)
}

/// [`normalize_stories`] for a record with what ingest decided about it: its
/// identity (its `newswire-source-id` / `newswire-source-version` headers:
/// trusted as they are; without them it is decided from its bytes by the same
/// rule) and when it arrived (see [`formats::parse_record`]).
pub fn normalize_record(
    format: SourceFormat,
    payload: &[u8],
    charset: Option<&str>,
    ingested: Ingested<'_>,
    feed: &str,
    key: &str,
    config: &NormalizeConfig,
) -> Result<Vec<(Option<String>, Article)>, StageError> {
    let stories = formats::parse_record(format, payload, charset, ingested, config.zone_for(feed), config.kind_for(feed))?;
    stories
        .into_iter()
        .map(|story| {
            let story_key = story.part.as_ref().map(|part| format!("{key}#{part}"));
            finish(story.article, story.part.as_deref(), format, feed, key).map(|article| (story_key, article))
        })
        .collect()
}

/// Fills what every article must have; `part` names a record's second or later story.
fn finish(mut article: Article, part: Option<&str>, format: SourceFormat, feed: &str, key: &str) -> Result<Article, StageError> {
    if article.headline().is_none() && article.body_text().is_none() {
        return Err(StageError::new("no_content", "found neither a headline nor a body"));
    }
    // The parsers left the source's id in the uri; the one rule makes it the story's uri.
    let source_id = Identity { guid: Some(std::mem::take(&mut article.uri)).filter(|id| !id.is_empty()), ..Identity::default() };
    let (uri, uri_source) = source_id.uri(format, feed, key);
    article.uri = uri;
    article.newswire.uri_source = Some(uri_source);
    if let Some(part) = part {
        article.uri = format!("{}#{part}", article.uri);
    }
    for (index, association) in article.associations.iter_mut().enumerate() {
        // Pictures found in the text have no id of their own: name them within the story.
        association.settle_identity(&article.uri, index);
    }
    if article.version == 0 {
        article.version = 1;
    }
    article.kind = "text".into();
    article.newswire.feed = feed.to_owned();
    article.newswire.source_format = Some(format);
    if article.newswire.story_id.is_empty() {
        article.newswire.story_id = match part {
            Some(part) => format!("{key}#{part}"),
            None => key.to_owned(),
        };
    }
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::stage;
    use newswire_shared::kafka::headers::HeaderMap;

    #[test]
    fn the_pa_seed_normalizes_to_the_reference_article() {
        let seed = include_bytes!("../../../tests/fixtures/pa-truss-lavrov-2022-02-14.txt");
        let mut config = NormalizeConfig::default();
        config.feed_zones.insert("pa".into(), "Europe/London".into());
        let a = normalize(SourceFormat::ScrapedText, seed, None, "pa", "k", &config).unwrap();
        assert_eq!(a.headline(), Some("Truss: ‘Russians didn’t like what I had to say’ in Lavrov meeting"));
        assert_eq!(a.by.as_deref(), Some("Press Association"));
        assert_eq!(a.versioncreated.map(|t| t.to_rfc3339()), Some("2022-02-14T16:23:00+00:00".into()));
        let body = a.body_text().unwrap();
        assert!(body.starts_with("Liz Truss defended her decision"), "{body}");
        assert!(body.ends_with("position of our Nato allies.”"), "{body}");
        assert!(!serde_json::to_string(&a).unwrap().contains("An icon of"));
        assert_eq!(a.associations.len(), 2, "two picture captions");
        for picture in &a.associations {
            assert!(picture.copyrightholder.as_deref().is_some_and(|c| c.ends_with("via AP")), "{picture:?}");
            assert!(!body.contains(&picture.descriptions[0].value), "a caption is not in the body");
            assert!(picture.uri.starts_with(&format!("{}#", a.uri)), "pictures get a uri within the story: {}", picture.uri);
        }
        assert_ne!(a.associations[0].uri, a.associations[1].uri);
    }

    #[test]
    fn a_feed_declared_kind_in_config_decides_how_its_plain_text_is_read() {
        let story = include_bytes!("../../../tests/fixtures/normalize/wire-copy-results.txt");
        let mut config = NormalizeConfig::default();
        config.feed_kinds.insert("scrapes".into(), "scraper".into());
        let rows = |feed: &str| {
            let a = normalize(SourceFormat::ScrapedText, story, None, feed, "k", &config).unwrap();
            a.body_text().unwrap_or_default().lines().filter(|l| !l.is_empty()).count()
        };
        assert_eq!(rows("wire-feed"), 16, "an undeclared feed's clean copy is kept whole");
        assert!(rows("scrapes") < 16, "a feed declared scraper is read as a page");
    }

    #[test]
    fn the_stage_forwards_a_keyed_article_with_story_headers() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "newswire.normalized", DedupeStore::temporary(7).unwrap());
        let h = HeaderMap::new().with(headers::FEED, "pa").with(headers::FORMAT, "scraped-text").with(headers::TRACE_ID, "t");
        let payload = "A headline of some words\n\nBy Someone\n\nThe body.";
        let input = InputMessage { topic: "raw", partition: 0, offset: 5, key: Some(b"k1"), payload: payload.as_bytes(), headers: &h };
        let outcome = stage.process(&input).unwrap();
        let record = &outcome.records[0];
        assert_eq!(record.topic, "newswire.normalized");
        assert_eq!(record.key, b"k1");
        assert_eq!(record.headers.get_str(headers::STORY_URI), Some("urn:newswire:pa:k1"));
        let article: Article = serde_json::from_slice(&record.payload).unwrap();
        assert_eq!(article.by.as_deref(), Some("Someone"));
        assert_eq!(article.newswire.source_format, Some(SourceFormat::ScrapedText));
    }

    fn ninjs_input<'a>(headers: &'a HeaderMap, key: &'a [u8], payload: &'a [u8], offset: i64) -> InputMessage<'a> {
        InputMessage { topic: "raw", partition: 0, offset, key: Some(key), payload, headers }
    }

    const V1: &[u8] = br#"{"uri":"urn:1","version":"1","headline":"Harbour reopens","body_text":"The port reopened."}"#;

    fn ninjs_headers() -> HeaderMap {
        HeaderMap::new().with(headers::FEED, "pa").with(headers::FORMAT, "ninjs")
    }

    #[test]
    fn a_dead_lettered_input_leaves_no_state_so_its_redrive_is_new_while_its_batch_mates_keep_theirs() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
        let h = ninjs_headers();
        let other = br#"{"uri":"urn:9","version":"1","headline":"Storm closes roads","body_text":"Roads closed."}"#;
        assert!(stage.process(&ninjs_input(&h, b"k9", other, 0)).unwrap().dropped.is_none());
        // The runtime refused the next outcome (say, a record too large for the topics).
        assert!(stage.process(&ninjs_input(&h, b"k1", V1, 1)).unwrap().dropped.is_none());
        stage.on_dead_lettered();
        stage::batch_committed(&mut stage).unwrap();
        // The redriven dead letter is a first copy again; the committed batch mate is remembered.
        let redriven = stage.process(&ninjs_input(&h, b"k1", V1, 2)).unwrap();
        assert_eq!((redriven.dropped, redriven.records.len()), (None, 1));
        assert_eq!(stage.process(&ninjs_input(&h, b"k9", other, 3)).unwrap().dropped, Some("stale_version"));
    }

    #[test]
    fn dedupe_state_is_seen_within_a_batch_kept_on_commit_and_forgotten_on_abort() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
        let h = ninjs_headers();
        let copy = br#"{"uri":"urn:2","version":"1","headline":"Harbour reopens","body_text":"The port reopened."}"#;
        // Within one batch the staged first copy already counts.
        assert!(stage.process(&ninjs_input(&h, b"k1", V1, 0)).unwrap().dropped.is_none());
        let dup = stage.process(&ninjs_input(&h, b"k2", copy, 1)).unwrap();
        assert_eq!((dup.dropped, dup.duplicate), (Some("duplicate_exact"), Some("exact")));
        // An aborted batch is processed again from scratch: the first copy is not a duplicate of itself.
        stage::batch_aborted(&mut stage);
        assert!(stage.process(&ninjs_input(&h, b"k1", V1, 0)).unwrap().dropped.is_none());
        stage::batch_committed(&mut stage).unwrap();
        // The same story sent again (a new record) is stale.
        assert_eq!(stage.process(&ninjs_input(&h, b"k1", V1, 2)).unwrap().dropped, Some("stale_version"));
        stage::batch_aborted(&mut stage);
        assert_eq!(stage.process(&ninjs_input(&h, b"k1", V1, 2)).unwrap().dropped, Some("stale_version"), "committed state stays");
    }

    #[test]
    fn state_is_written_only_once_kafka_committed_so_a_crash_before_the_commit_replays_the_record_as_new() {
        let dir = tempfile::tempdir().unwrap();
        let h = ninjs_headers();
        let open = || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            let mut store = loop {
                match DedupeStore::open(dir.path(), "newswire", 7) {
                    Ok(store) => break store,
                    // sled's background flusher may hold the file lock a moment after the drop.
                    Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(50)),
                    Err(e) => panic!("reopen failed: {e}"),
                }
            };
            store.assume_current(&[0]);
            Normalizer::new(NormalizeConfig::default(), "out", store)
        };
        let mut first = open();
        assert!(first.process(&ninjs_input(&h, b"k1", V1, 7)).unwrap().dropped.is_none());
        // The process dies here, before the Kafka transaction committed: nothing is on disk.
        drop(first);
        let mut restarted = open();
        let replay = restarted.process(&ninjs_input(&h, b"k1", V1, 7)).unwrap();
        assert_eq!((replay.dropped, replay.records.len()), (None, 1), "the record read again is passed on again");
        stage::batch_committed(&mut restarted).unwrap();
        drop(restarted);
        // Once committed, a later copy of the story (another record) is stale, after a restart too.
        let mut again = open();
        assert_eq!(again.process(&ninjs_input(&h, b"k1", V1, 8)).unwrap().dropped, Some("stale_version"));
    }

    #[test]
    fn a_bare_source_id_is_qualified_by_its_feed_and_a_real_uri_is_kept() {
        let item = |guid: &str| format!("<item><guid isPermaLink=\"false\">{guid}</guid><title>Harbour news today</title></item>");
        let bare = normalize(SourceFormat::Rss, item("12345").as_bytes(), None, "pa", "k", &NormalizeConfig::default()).unwrap();
        assert_eq!(bare.uri, "urn:newswire:pa:id:12345");
        let full = normalize(SourceFormat::Rss, item("tag:example.com,2022:1").as_bytes(), None, "pa", "k", &NormalizeConfig::default()).unwrap();
        assert_eq!(full.uri, "tag:example.com,2022:1");
    }

    static TEST_NOW_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

    #[test]
    fn state_older_than_the_window_is_expired_after_a_commit_so_the_story_is_new_again() {
        let clock: fn() -> i64 = || TEST_NOW_MS.load(std::sync::atomic::Ordering::SeqCst);
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap()).with_clock(clock);
        let h = ninjs_headers();
        TEST_NOW_MS.store(1_000, std::sync::atomic::Ordering::SeqCst);
        assert!(stage.process(&ninjs_input(&h, b"k1", V1, 0)).unwrap().dropped.is_none());
        stage::batch_committed(&mut stage).unwrap();
        TEST_NOW_MS.store(6 * 24 * 3600 * 1000, std::sync::atomic::Ordering::SeqCst);
        stage.on_commit();
        assert_eq!(stage.process(&ninjs_input(&h, b"k1", V1, 1)).unwrap().dropped, Some("stale_version"), "inside the window");
        stage::batch_aborted(&mut stage);
        TEST_NOW_MS.store(8 * 24 * 3600 * 1000, std::sync::atomic::Ordering::SeqCst);
        stage.on_commit();
        assert!(stage.process(&ninjs_input(&h, b"k1", V1, 2)).unwrap().dropped.is_none(), "expired after 7 days");
    }

    #[test]
    fn a_story_with_unusable_metadata_is_forwarded_with_the_problems_in_a_header_and_counted() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
        let h = ninjs_headers();
        let story = br#"{"uri":"urn:bad","versioncreated":"YYYY-MM-DDTHH:MM:SSZ","firstcreated":"2019-11-19T19:47:00Z","urgency":12,"pubstatus":"kill","headline":"Harbour closes","body_text":"The port closed."}"#;
        let outcome = stage.process(&ninjs_input(&h, b"k1", story, 0)).unwrap();
        let [record] = &outcome.records[..] else { panic!("the story is forwarded, not lost: {outcome:?}") };
        assert_eq!(record.headers.get_str(headers::FIELD_PROBLEMS), Some("versioncreated:placeholder,pubstatus:nonstandard,urgency:out_of_range"));
        let article: Article = serde_json::from_slice(&record.payload).unwrap();
        assert_eq!(article.versioncreated.map(|t| t.to_rfc3339()).as_deref(), Some("2019-11-19T19:47:00+00:00"));
        assert_eq!(article.pubstatus, newswire_shared::article::PubStatus::Canceled);
        assert_eq!(article.newswire.problems.len(), 3, "the details travel with the story");
        // Counted by the runtime when the batch commits, from the outcome's events.
        let counted: Vec<(&str, &str)> = outcome
            .events
            .iter()
            .map(|StoryEvent::FieldProblem { field, kind, uri, .. }| {
                assert_eq!(uri, "urn:bad");
                (field.as_str(), kind.as_str())
            })
            .collect();
        assert_eq!(counted, [("versioncreated", "placeholder"), ("pubstatus", "nonstandard"), ("urgency", "out_of_range")]);
        let clean = stage.process(&ninjs_input(&h, b"k2", br#"{"uri":"urn:ok","headline":"All well","body_text":"Fine."}"#, 1)).unwrap();
        assert_eq!(clean.records[0].headers.get(headers::FIELD_PROBLEMS), None, "no header without a problem");
    }

    #[test]
    fn an_unreadable_embargo_is_held_a_day_from_ingest_s_acceptance_or_from_the_stage_s_clock() {
        fn clock() -> i64 {
            1_700_100_000_000
        }
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap()).with_clock(clock);
        let story = |uri: &str| format!(r#"{{"uri":"{uri}","versioncreated":"2019-11-19T19:47:00Z","embargoed":"after the vote","headline":"{uri}","body_text":"Story {uri}."}}"#);
        let embargo_of = |outcome: &Outcome| {
            let article: Article = serde_json::from_slice(&outcome.records[0].payload).unwrap();
            (article.embargoed.map(|t| t.timestamp_millis()), outcome.records[0].headers.get_str(headers::FIELD_PROBLEMS).map(str::to_owned))
        };
        let h = ninjs_headers().with(headers::INGESTED_AT_MS, "1700000000000");
        let outcome = stage.process(&ninjs_input(&h, b"k1", story("urn:e1").as_bytes(), 0)).unwrap();
        assert_eq!(embargo_of(&outcome), (Some(1_700_000_000_000 + 86_400_000), Some("embargoed:unreadable".into())));
        let outcome = stage.process(&ninjs_input(&ninjs_headers(), b"k2", story("urn:e2").as_bytes(), 1)).unwrap();
        assert_eq!(embargo_of(&outcome).0, Some(1_700_100_000_000 + 86_400_000), "no header: the stage's clock");
    }

    #[test]
    fn an_unreadable_version_falls_back_to_1_so_a_later_real_version_still_passes() {
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
        let h = ninjs_headers();
        let garbled = br#"{"uri":"urn:v","version":"2b","headline":"Harbour reopens","body_text":"The port reopened."}"#;
        let first = stage.process(&ninjs_input(&h, b"k1", garbled, 0)).unwrap();
        assert_eq!(first.records[0].headers.get_str(headers::STORY_VERSION), Some("1"));
        assert_eq!(first.records[0].headers.get_str(headers::FIELD_PROBLEMS), Some("version:unreadable"));
        let v2 = br#"{"uri":"urn:v","version":"2","headline":"Harbour reopens","body_text":"The port reopened on Monday."}"#;
        let second = stage.process(&ninjs_input(&h, b"k1", v2, 1)).unwrap();
        assert_eq!((second.dropped, second.records.len()), (None, 1), "version 2 is newer than the fallback");
    }

    #[test]
    fn a_record_holding_several_stories_forwards_each_under_its_own_key_and_uri_and_a_replay_is_stale() {
        let item = include_bytes!("../../../tests/fixtures/normalize/newsml-1-multi-component.xml");
        let mut stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
        let h = HeaderMap::new().with(headers::FEED, "afp").with(headers::FORMAT, "newsml-1");
        let outcome = stage.process(&ninjs_input(&h, b"k1", item, 0)).unwrap();
        let keys: Vec<&[u8]> = outcome.records.iter().map(|r| r.key.as_slice()).collect();
        assert_eq!(keys, vec![&b"k1"[..], b"k1#sidebar"]);
        let uris: Vec<_> = outcome.records.iter().map(|r| r.headers.get_str(headers::STORY_URI).unwrap_or_default()).collect();
        assert_eq!(uris, vec!["urn:newsml:newswire.test:20240510:PKG-ELECTION-9", "urn:newsml:newswire.test:20240510:PKG-ELECTION-9#sidebar"]);
        let sidebar: Article = serde_json::from_slice(&outcome.records[1].payload).unwrap();
        assert_eq!(sidebar.newswire.story_id, "k1#sidebar");
        stage::batch_committed(&mut stage).unwrap();
        let again = stage.process(&ninjs_input(&h, b"k1", item, 1)).unwrap();
        assert_eq!((again.records.len(), again.dropped), (0, Some("stale_version")), "a re-send of the item is stale for every story");
    }

    #[test]
    fn a_story_with_no_content_is_an_error_with_a_reason() {
        let err = normalize(SourceFormat::ScrapedText, b"Menu\nShare", None, "pa", "k", &NormalizeConfig::default()).unwrap_err();
        assert_eq!(err.reason, "no_content");
        let err = normalize(SourceFormat::ScrapedText, b"ok\xff", None, "pa", "k", &NormalizeConfig::default()).unwrap_err();
        assert_eq!(err.reason, "bad_encoding");
    }
}

#[cfg(test)]
#[path = "normalizer/claims_tests.rs"]
mod claims_tests;
