//! Two normalize "instances" (separate stores, no replication between them)
//! sharing one claims table: copies that reach both at once are told apart.

use std::time::Duration;

use newswire_shared::kafka::headers::{self, HeaderMap};
use newswire_shared::stage::{self, InputMessage, Outcome, Stage};

use super::Normalizer;
use crate::config::NormalizeConfig;
use crate::dedupe::claims::testing::Claims;
use crate::dedupe::store::DedupeStore;

fn instance(claims: Option<&Claims>) -> Normalizer {
    let stage = Normalizer::new(NormalizeConfig::default(), "out", DedupeStore::temporary(7).unwrap());
    match claims {
        Some(claims) => stage.with_claims(Box::new(claims.clone()), Duration::from_secs(1)),
        None => stage,
    }
}

fn ninjs(feed: &str) -> HeaderMap {
    HeaderMap::new().with(headers::FEED, feed).with(headers::FORMAT, "ninjs")
}

fn story(uri: &str, version: u32, body: &str, created: &str) -> Vec<u8> {
    format!(r#"{{"uri":"{uri}","version":"{version}","versioncreated":"{created}","headline":"Harbour reopens after storm","body_text":"{body}"}}"#).into_bytes()
}

const BODY: &str = "The port of Dover reopened on Monday after a week of storm repairs, and ferries sailed again by noon.";

/// The record's offset: distinct records, distinct offsets (the same record read again, the same one).
fn offset_of(key: &[u8], payload: &[u8]) -> i64 {
    key.iter().chain(payload).fold(0i64, |sum, byte| sum.wrapping_mul(31).wrapping_add(i64::from(*byte))).abs()
}

/// Prepares a batch of one record on `stage` (the claims are written then), as the runtime does.
fn prepare(stage: &mut Normalizer, headers: &HeaderMap, key: &[u8], payload: &[u8], partition: i32) {
    let input = InputMessage { topic: "raw", partition, offset: offset_of(key, payload), key: Some(key), payload, headers };
    stage.prepare_batch(&[input]);
}

/// Processes that record and commits its batch.
fn process(stage: &mut Normalizer, headers: &HeaderMap, key: &[u8], payload: &[u8], partition: i32) -> Outcome {
    let input = InputMessage { topic: "raw", partition, offset: offset_of(key, payload), key: Some(key), payload, headers };
    let outcome = stage.process(&input).unwrap();
    stage::batch_committed(stage).unwrap();
    outcome
}

#[test]
fn copies_of_one_content_from_two_feeds_reaching_two_instances_at_once_pass_once() {
    let (pa, ap) = (ninjs("pa"), ninjs("ap"));
    let (first, copy) = (story("urn:pa:1", 1, BODY, "2026-12-07T08:00:00Z"), story("urn:ap:7", 1, BODY, "2026-12-07T08:00:00Z"));
    // Without claims, each instance passes its copy: neither knows the other's yet.
    let (mut a, mut b) = (instance(None), instance(None));
    prepare(&mut a, &pa, b"kpa", &first, 0);
    prepare(&mut b, &ap, b"kap", &copy, 1);
    assert!(process(&mut a, &pa, b"kpa", &first, 0).dropped.is_none());
    assert!(process(&mut b, &ap, b"kap", &copy, 1).dropped.is_none(), "the race the claims close");
    // With claims, the copy claimed second is dropped, whichever instance processes first.
    let claims = Claims::default();
    let (mut a, mut b) = (instance(Some(&claims)), instance(Some(&claims)));
    prepare(&mut a, &pa, b"kpa", &first, 0);
    prepare(&mut b, &ap, b"kap", &copy, 1);
    let second = process(&mut b, &ap, b"kap", &copy, 1);
    assert_eq!((second.dropped, second.duplicate, second.records.len()), (Some("duplicate_exact"), Some("exact"), 0));
    let passed = process(&mut a, &pa, b"kpa", &first, 0);
    assert_eq!((passed.dropped, passed.records.len()), (None, 1));
}

#[test]
fn one_page_url_from_two_feeds_at_once_passes_once_and_a_later_edit_of_it_still_passes() {
    let (pa, ap) = (ninjs("pa"), ninjs("ap"));
    let page = story("https://example.com/news/harbour", 1, BODY, "2026-12-07T08:00:00Z");
    let claims = Claims::default();
    let (mut a, mut b) = (instance(Some(&claims)), instance(Some(&claims)));
    prepare(&mut a, &pa, b"kpa", &page, 0);
    prepare(&mut b, &ap, b"kap", &page, 1);
    assert_eq!(process(&mut a, &pa, b"kpa", &page, 0).records.len(), 1);
    let second = process(&mut b, &ap, b"kap", &page, 1);
    assert_eq!((second.dropped, second.records.len()), (Some("stale_version"), 0));
    // The same version edited later (new content, later time) from the other feed is an edit.
    let edited = story("https://example.com/news/harbour", 1, "The port of Dover reopened on Monday; ferries sailed by noon and queues eased.", "2026-12-07T09:00:00Z");
    let mut c = instance(Some(&claims));
    prepare(&mut c, &ap, b"kap2", &edited, 2);
    assert_eq!(process(&mut c, &ap, b"kap2", &edited, 2).records.len(), 1);
}

#[test]
fn a_story_read_again_after_its_batch_aborted_still_finds_its_own_claim_first() {
    let pa = ninjs("pa");
    let first = story("urn:pa:1", 1, BODY, "2026-12-07T08:00:00Z");
    let claims = Claims::default();
    let mut a = instance(Some(&claims));
    prepare(&mut a, &pa, b"kpa", &first, 0);
    let input = InputMessage { topic: "raw", partition: 0, offset: offset_of(b"kpa", &first), key: Some(b"kpa"), payload: &first, headers: &pa };
    assert_eq!(a.process(&input).unwrap().records.len(), 1);
    stage::batch_aborted(&mut a);
    // Another instance takes the partition over and reads the record again.
    let mut b = instance(Some(&claims));
    prepare(&mut b, &pa, b"kpa", &first, 0);
    assert_eq!(process(&mut b, &pa, b"kpa", &first, 0).records.len(), 1, "its own claim, not a rival's");
}

#[test]
fn a_story_its_instance_drops_claims_nothing_so_a_copy_elsewhere_still_passes() {
    let (pa, ap) = (ninjs("pa"), ninjs("ap"));
    let claims = Claims::default();
    let mut a = instance(Some(&claims));
    let v2 = story("urn:pa:1", 2, "A different second version of the harbour story, with new quotes from the port.", "2026-12-07T09:00:00Z");
    prepare(&mut a, &pa, b"kpa", &v2, 0);
    assert_eq!(process(&mut a, &pa, b"kpa", &v2, 0).records.len(), 1);
    // A late first version: stale here, so its content is not claimed...
    let v1 = story("urn:pa:1", 1, BODY, "2026-12-07T08:00:00Z");
    prepare(&mut a, &pa, b"kpa", &v1, 0);
    assert_eq!(process(&mut a, &pa, b"kpa", &v1, 0).dropped, Some("stale_version"));
    // ...and another feed's story with that content, on another instance, is not a duplicate of it.
    let mut b = instance(Some(&claims));
    let copy = story("urn:ap:7", 1, BODY, "2026-12-07T08:00:00Z");
    prepare(&mut b, &ap, b"kap", &copy, 1);
    assert_eq!(process(&mut b, &ap, b"kap", &copy, 1).records.len(), 1);
}

#[test]
fn an_unprepared_record_is_still_checked_against_the_claims_known() {
    let (pa, ap) = (ninjs("pa"), ninjs("ap"));
    let claims = Claims::default();
    let (mut a, mut b) = (instance(Some(&claims)), instance(Some(&claims)));
    let first = story("urn:pa:1", 1, BODY, "2026-12-07T08:00:00Z");
    prepare(&mut a, &pa, b"kpa", &first, 0);
    // b's preparation did not run (it panicked, say): the claim a made is still seen.
    let copy = story("urn:ap:7", 1, BODY, "2026-12-07T08:00:00Z");
    assert_eq!(process(&mut b, &ap, b"kap", &copy, 1).dropped, Some("duplicate_exact"));
    assert_eq!(process(&mut a, &pa, b"kpa", &first, 0).records.len(), 1);
}
