//! The publish stage's core with embargoes, its time driven by a manual clock:
//! what is held, when it is released, and what a kill, a new version or an
//! aborted batch does to it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use newswire_shared::article::{Article, Concept, PubStatus};
use newswire_shared::clock::ManualClock;
use newswire_shared::kafka::headers::HeaderMap;
use newswire_shared::stage::{self, InputMessage, Outcome, Stage};

use crate::embargo::state::Embargoes;
use crate::embargo::EmbargoChoice;
use crate::filter::Filter;
use crate::metrics::PublishMetrics;
use crate::publisher::tests::{as_other_story, webhook_depth};
use crate::subscription::{Subscription, WebhookTarget};
use crate::{Publisher, Subscriber};

const HELD: &str = "held.embargoed";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

fn subscriber(name: &str, embargo: EmbargoChoice, webhook: bool) -> Subscriber {
    let webhook = webhook.then(|| WebhookTarget { url: "http://127.0.0.1:9/hook".into(), secret: "s".into() });
    let subscription = Subscription { name: name.into(), filter: Filter::Subject("medtop:15000000".into()), topic: true, webhook, embargo, format: Default::default(), extended: false, api: None };
    Subscriber { subscription, topic: Some(format!("news.{name}")) }
}

/// A publisher with a subscriber that waits (`desk`, topic and webhook) and one
/// that takes embargoed stories at once (`partner`), on `clock`.
fn publisher(dir: &std::path::Path, clock: &ManualClock) -> (Publisher, Arc<PublishMetrics>) {
    let subs = vec![subscriber("desk", EmbargoChoice::Hold, true), subscriber("partner", EmbargoChoice::Deliver, false)];
    let metrics = Arc::new(PublishMetrics::default());
    let embargoes = Embargoes::new(HELD, Arc::new(clock.clone()));
    let p = Publisher::new("newswire.published", subs, crate::publisher::tests::state(dir), metrics.clone()).with_embargoes(embargoes);
    (p, metrics)
}

fn story(version: u64, status: PubStatus, embargoed: Option<DateTime<Utc>>) -> Vec<u8> {
    let article = Article {
        uri: "urn:test:rates".into(),
        version,
        pubstatus: status,
        embargoed: embargoed.map(|t| t.fixed_offset()),
        subjects: vec![Concept { uri: Some("http://cv.iptc.org/newscodes/mediatopic/15000000".into()), ..Default::default() }],
        ..Default::default()
    };
    serde_json::to_vec(&article).unwrap()
}

/// What an outcome produced: each record's topic, then `-<topic>` per tombstone.
fn topics(outcome: &Outcome) -> Vec<String> {
    outcome.records.iter().map(|r| r.topic.clone()).chain(outcome.tombstones.iter().map(|t| format!("-{}", t.topic))).collect()
}

/// Processes a consumed story in a batch of its own, committed or aborted. It
/// comes from input partition 2, unlike its held record (partition unknown):
/// its release must find the receipts where they are, in partition 2's slice.
fn consume(p: &mut Publisher, payload: &[u8], commit: bool) -> Vec<String> {
    let h = HeaderMap::new().with("newswire-trace-id", "trace");
    let outcome = p.process(&InputMessage { topic: "enriched", partition: 2, offset: 0, key: Some(b"story-key"), payload, headers: &h }).unwrap();
    finish(p, commit);
    topics(&outcome)
}

/// Releases what is due in a batch of its own; each release's topics.
fn release_due(p: &mut Publisher, commit: bool) -> Vec<Vec<String>> {
    let due = p.due(10);
    let released = due
        .iter()
        .map(|record| {
            assert_eq!(record.settles.as_ref().map(|t| t.topic.as_str()), Some(HELD), "a release removes its held record");
            assert_eq!(record.key, b"story-key", "released under the story's own key");
            topics(&p.process(&record.input()).unwrap())
        })
        .collect();
    finish(p, commit);
    released
}

fn finish(p: &mut Publisher, commit: bool) {
    p.before_commit().unwrap();
    if commit {
        stage::batch_committed(p).unwrap();
    } else {
        stage::batch_aborted(p);
    }
}

#[test]
fn an_embargoed_story_goes_only_to_the_partner_until_its_time_then_once_to_everyone_else() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    let until = t0() + Duration::seconds(60);
    assert_eq!(consume(&mut p, &story(1, PubStatus::Usable, Some(until)), true), ["news.partner", HELD]);
    assert_eq!(metrics.embargoed_held.get(), 1);
    assert_eq!(webhook_depth(&p, "desk"), 0, "no webhook job before the time");

    clock.set(until - Duration::milliseconds(1));
    assert!(release_due(&mut p, true).is_empty(), "never a moment early");
    clock.set(until);
    assert_eq!(release_due(&mut p, true), [["newswire.published", "news.desk"]], "the partner already has it");
    assert_eq!(webhook_depth(&p, "desk"), 1, "the webhook job is queued with the release");
    clock.advance(Duration::hours(1));
    assert!(release_due(&mut p, true).is_empty(), "released once");
    assert_eq!((metrics.embargoed_held.get(), metrics.embargo_releases.get(), metrics.embargo_holds.get()), (0, 1, 1));
    assert_eq!(metrics.embargo_release_delay.get_sample_count(), 1);
}

#[test]
fn a_story_whose_embargo_has_passed_is_published_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, _) = publisher(dir.path(), &clock);
    let outcome = consume(&mut p, &story(1, PubStatus::Usable, Some(t0() - Duration::seconds(1))), true);
    assert_eq!(outcome, ["newswire.published", "news.desk", "news.partner"]);
    assert!(p.due(10).is_empty());
}

#[test]
fn a_kill_during_the_embargo_cancels_it_and_reaches_only_the_partner_that_had_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    consume(&mut p, &story(2, PubStatus::Usable, Some(t0() + Duration::seconds(60))), true);
    let kill = consume(&mut p, &story(1, PubStatus::Canceled, None), true);
    assert_eq!(kill, ["newswire.published", "news.partner", &format!("-{HELD}")], "a kill at an older version still cancels");
    clock.advance(Duration::minutes(5));
    assert!(release_due(&mut p, true).is_empty(), "nothing left to release");
    assert_eq!(metrics.embargo_cancellations.with_label_values(&["kill"]).get(), 1);
    assert_eq!(metrics.embargoed_held.get(), 0);
}

#[test]
fn a_new_version_replaces_the_held_one_and_a_version_without_embargo_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    consume(&mut p, &story(1, PubStatus::Usable, Some(t0() + Duration::seconds(60))), true);
    let later = t0() + Duration::seconds(120);
    assert_eq!(consume(&mut p, &story(2, PubStatus::Usable, Some(later)), true), ["news.partner", HELD], "the partner gets the correction");
    clock.set(t0() + Duration::seconds(90));
    assert!(release_due(&mut p, true).is_empty(), "the new version's time counts");
    assert_eq!(consume(&mut p, &story(1, PubStatus::Usable, None), true), Vec::<String>::new(), "an older version changes nothing");
    assert_eq!(consume(&mut p, &story(3, PubStatus::Usable, None), true), ["newswire.published", "news.desk", "news.partner", &format!("-{HELD}")]);
    assert_eq!(metrics.embargo_cancellations.with_label_values(&["lifted"]).get(), 1);
    clock.set(later);
    assert!(release_due(&mut p, true).is_empty());
}

#[test]
fn an_aborted_hold_leaves_nothing_and_an_aborted_release_is_due_again_and_goes_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    let until = t0() + Duration::seconds(10);
    consume(&mut p, &story(1, PubStatus::Usable, Some(until)), false);
    clock.set(until);
    assert!(release_due(&mut p, true).is_empty(), "an aborted hold holds nothing");
    assert_eq!(metrics.embargo_holds.get(), 0, "events count only at commit");
    clock.set(t0());
    consume(&mut p, &story(1, PubStatus::Usable, Some(until)), true);
    clock.set(until);
    assert_eq!(release_due(&mut p, false).len(), 1);
    assert_eq!(metrics.embargo_releases.get(), 0);
    assert_eq!(release_due(&mut p, true), [["newswire.published", "news.desk"]], "due again after the abort");
    assert!(release_due(&mut p, true).is_empty());
    assert_eq!(webhook_depth(&p, "desk"), 1, "one webhook job");
}


#[test]
fn a_dead_lettered_hold_leaves_nothing_held_and_its_batch_mate_stays_held() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    let until = t0() + Duration::seconds(10);
    let h = HeaderMap::new();
    let input = |payload| InputMessage { topic: "enriched", partition: 0, offset: 0, key: Some(b"story-key"), payload, headers: &h };
    let mate = story(1, PubStatus::Usable, Some(until));
    p.process(&input(&mate)).unwrap();
    let refused = as_other_story(&story(1, PubStatus::Usable, Some(until)));
    let savepoints = stage::store_savepoints(&mut p);
    p.process(&input(&refused)).unwrap();
    stage::take_back_record(&mut p, savepoints);
    finish(&mut p, true);
    assert_eq!((metrics.embargoed_held.get(), metrics.embargo_holds.get()), (1, 1), "only the mate is held and counted");
    clock.set(until);
    let due = p.due(10);
    assert_eq!(due.iter().map(|d| d.settles.as_ref().map(|t| t.key.clone())).collect::<Vec<_>>(), [Some(b"urn:test:rates".to_vec())]);
    finish(&mut p, false);
    clock.set(t0());
    assert_eq!(consume(&mut p, &refused, true), ["news.partner", HELD], "the redrive is held as new, and the partner gets it");
}

#[test]
fn a_dead_lettered_release_is_not_due_again_and_is_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    let until = t0() + Duration::seconds(10);
    consume(&mut p, &story(1, PubStatus::Usable, Some(until)), true);
    clock.set(until);
    let due = p.due(10);
    assert_eq!(due.len(), 1);
    let savepoints = stage::store_savepoints(&mut p);
    p.process(&due[0].input()).unwrap();
    stage::take_back_record(&mut p, savepoints);
    finish(&mut p, true);
    assert_eq!(metrics.embargo_releases.get(), 0, "a dead-lettered release is not counted as released");
    assert_eq!(metrics.embargoed_held.get(), 0, "its held record is removed with its dead letter");
    assert!(p.due(10).is_empty(), "and it is not due again");
    assert_eq!(webhook_depth(&p, "desk"), 0, "its webhook job is not queued");
}

#[test]
fn a_held_story_is_released_only_by_the_instance_that_owns_its_input_partition() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(t0());
    let (mut p, metrics) = publisher(dir.path(), &clock);
    let until = t0() + Duration::seconds(60);
    p.on_assigned(&[0, 2]).unwrap();
    assert_eq!(consume(&mut p, &story(1, PubStatus::Usable, Some(until)), true), ["news.partner", HELD], "held from partition 2");

    p.on_assigned(&[2]).unwrap();
    assert_eq!(metrics.embargoed_held.get(), 1, "losing another partition keeps it");
    p.on_assigned(&[0, 1]).unwrap();
    assert_eq!(metrics.embargoed_held.get(), 0, "partition 2 moved away: so did its held story");
    clock.set(until);
    assert!(release_due(&mut p, true).is_empty(), "another instance releases it now");
}
