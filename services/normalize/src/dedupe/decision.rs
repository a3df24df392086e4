//! What happens to one normalized article: passed on (maybe linked to the
//! story it near-duplicates, maybe as an update or a kill), or dropped as an
//! exact duplicate or a stale version. Every write is staged in the store.

use newswire_shared::article::{Article, PubStatus, UriSource};

use crate::dedupe::claims::ClaimCheck;
use crate::dedupe::fingerprint::{distance, fingerprint, Fingerprint, NEAR_MAX_DISTANCE};
use crate::problems::{self, Field, Kind};
use crate::dedupe::store::{DedupeStore, ExactRecord, NearRecord, StateError, VersionRecord};

/// The decision for one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Pass it on; `near` when it was linked to a first copy as a near-duplicate.
    Pass {
        /// It near-duplicates an earlier story.
        near: bool,
    },
    /// Drop it: the same content was already passed on under `first_uri`.
    ExactDuplicate {
        /// The first copy's uri.
        first_uri: String,
    },
    /// Drop it: an equal or newer version of the uri was already seen. Formats
    /// without version numbers (RSS, Atom, scraped pages) are all version 1, so
    /// at an equal version a later `versioncreated` counts as newer when the
    /// content changed.
    StaleVersion {
        /// The newest version seen.
        seen: u64,
    },
    /// Drop it: another instance claimed it first, inside the replication
    /// window, where the stores cannot know yet ([`crate::dedupe::claims`]).
    ClaimedElsewhere(Claimed),
}

/// What another instance claimed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The same content, under `first_uri`: an exact duplicate of it.
    Content {
        /// The first copy's uri.
        first_uri: String,
    },
    /// The same version of the same uri, from another record (another feed):
    /// the same as a stale version.
    Version,
}

/// Decides for `article` and stages what must be remembered; on `Pass`, sets
/// the article's story id and `near_duplicate_of`. `now_ms` stamps the records.
pub fn decide(store: &mut DedupeStore, article: &mut Article, now_ms: i64) -> Result<Verdict, StateError> {
    decide_input(store, article, now_ms, None, None)
}

/// [`decide`] for the input record `origin` (`topic/partition/offset`).
///
/// State commits with the batch's output, so a record read again after an
/// aborted batch finds none of its own. Versions before the changelog wrote
/// state ahead of the Kafka commit; a record read again that finds its own
/// version recorded under its own `origin` is a replay, decided afresh, not
/// a stale re-send.
///
/// With `claims`, a first copy the stores do not know of is checked against
/// the first claims of its content and of its uri's version: one claimed
/// first by another story is dropped ([`Verdict::ClaimedElsewhere`]).
pub fn decide_input(
    store: &mut DedupeStore,
    article: &mut Article,
    now_ms: i64,
    origin: Option<&str>,
    claims: Option<ClaimCheck<'_>>,
) -> Result<Verdict, StateError> {
    let print = fingerprint(article);
    decide_fingerprinted(store, article, &print, now_ms, origin, claims)
}

/// [`decide_input`] for an article whose fingerprint `print` the caller
/// already has (normalize's preparation claims by it).
pub fn decide_fingerprinted(
    store: &mut DedupeStore,
    article: &mut Article,
    print: &Fingerprint,
    now_ms: i64,
    origin: Option<&str>,
    claims: Option<ClaimCheck<'_>>,
) -> Result<Verdict, StateError> {
    let uri = article.uri.clone();
    let prior = store.version(&uri)?;
    let kill = article.pubstatus == PubStatus::Canceled;
    let withhold = article.pubstatus == PubStatus::Withheld;
    let notice = kill || withhold;
    let replay = origin.is_some() && prior.as_ref().is_some_and(|p| p.origin.as_deref() == origin);
    if let Some(p) = prior.as_ref().filter(|_| !replay && article.newswire.uri_source == Some(UriSource::PageUrl)) {
        if let Some(held) = p.simhash.filter(|h| distance(*h, print.simhash) > NEAR_MAX_DISTANCE) {
            // A new uri, the same content: the fingerprint stands.
            identify_by_content(article, held, print);
            return decide_fingerprinted(store, article, print, now_ms, origin, claims);
        }
    }
    if let Some(p) = prior.as_ref().filter(|_| !replay) {
        // A kill, and a withhold of a story neither killed nor withheld, always
        // reaches recipients once, whatever version it carries.
        let first_notice = (kill && !p.killed) || (withhold && !p.killed && !p.withheld);
        // The same version stated later is an edit only if its content changed.
        let later_edit = article.version == p.version
            && p.content.as_deref() != Some(print.exact.as_str())
            && matches!((created_ms(article), p.versioncreated_ms), (Some(new), Some(old)) if new > old);
        if !first_notice && !later_edit && article.version <= p.version {
            return Ok(Verdict::StaleVersion { seen: p.version });
        }
    }
    if let Some(check) = claims.filter(|_| !notice && !replay) {
        // A version the stores would pass that another feed's record claimed first.
        let newer = prior.as_ref().is_none_or(|p| article.version > p.version);
        if let Some(first) = check.lookup.version(&uri, article.version).filter(|c| newer && c.source != check.source) {
            let later_edit = first.content != print.exact && matches!((created_ms(article), first.created_ms), (Some(new), Some(old)) if new > old);
            if !later_edit {
                return Ok(Verdict::ClaimedElsewhere(Claimed::Version));
            }
        }
    }
    if !notice {
        match store.exact(&print.exact)? {
            Some(first) if first.uri != uri => {
                stage_duplicate(store, article, print, &first.uri, &first.story_id, now_ms, origin);
                return Ok(Verdict::ExactDuplicate { first_uri: first.uri });
            }
            Some(_) => {}
            None => {
                if let Some(first) = claims.and_then(|check| check.lookup.content(&print.exact)).filter(|c| c.uri != uri) {
                    stage_duplicate(store, article, print, &first.uri, &first.story_id, now_ms, origin);
                    return Ok(Verdict::ClaimedElsewhere(Claimed::Content { first_uri: first.uri }));
                }
            }
        }
    }
    let (story_id, near_of) = match &prior {
        Some(p) => (p.story_id.clone(), p.near_duplicate_of.clone().or(p.duplicate_of.clone())),
        None => match store.nearest(print.simhash, &uri, NEAR_MAX_DISTANCE) {
            Some(near) => (near.story_id, Some(near.uri)),
            None => (article.newswire.story_id.clone(), None),
        },
    };
    // Counted as a near-duplicate the first time this uri passes on linked to another story.
    let first_pass = prior.as_ref().is_none_or(|p| p.duplicate_of.is_some());
    let newly_near = first_pass && near_of.is_some();
    article.newswire.story_id = story_id.clone();
    article.newswire.near_duplicate_of = near_of.clone();
    let version = prior.as_ref().map_or(article.version, |p| p.version.max(article.version));
    store.stage_version(
        &uri,
        VersionRecord {
            version,
            versioncreated_ms: created_ms(article),
            story_id: story_id.clone(),
            killed: kill || (withhold && prior.as_ref().is_some_and(|p| p.killed)),
            withheld: withhold,
            near_duplicate_of: near_of,
            duplicate_of: None,
            seen_ms: now_ms,
            origin: origin.map(str::to_owned),
            simhash: Some(print.simhash),
            content: Some(print.exact.clone()),
        },
    );
    if !notice {
        store.stage_exact(&print.exact, ExactRecord { uri: uri.clone(), story_id: story_id.clone(), seen_ms: now_ms })?;
        if prior.is_none() {
            store.stage_near(NearRecord { uri, simhash: print.simhash, story_id, seen_ms: now_ms });
        }
    }
    Ok(Verdict::Pass { near: newly_near })
}

/// Records `article` as an exact duplicate of `first_uri` (story `story_id`).
fn stage_duplicate(store: &mut DedupeStore, article: &Article, print: &Fingerprint, first_uri: &str, story_id: &str, now_ms: i64, origin: Option<&str>) {
    let record = VersionRecord {
        version: article.version,
        versioncreated_ms: created_ms(article),
        story_id: story_id.to_owned(),
        killed: false,
        withheld: false,
        near_duplicate_of: None,
        duplicate_of: Some(first_uri.to_owned()),
        seen_ms: now_ms,
        origin: origin.map(str::to_owned),
        simhash: Some(print.simhash),
        content: Some(print.exact.clone()),
    };
    store.stage_version(&article.uri, record);
}

/// A page URL that a different story already holds (a section page or a
/// template's fixed canonical link) is no identity: the article is identified
/// by its content instead, within its feed, and the problem is recorded.
fn identify_by_content(article: &mut Article, held_simhash: u64, print: &Fingerprint) {
    let shared = std::mem::take(&mut article.uri);
    article.uri = format!("urn:newswire:{}:content:{}", article.newswire.feed, print.exact);
    article.newswire.story_id = article.uri.clone();
    article.newswire.uri_source = Some(UriSource::Digest);
    problems::note(
        article,
        Field::Uri,
        Kind::SharedPageUrl,
        format!("{shared} already names a different story ({} of 64 bits apart); identified by content", distance(held_simhash, print.simhash)),
    );
}

/// The article's `versioncreated` in milliseconds since the epoch.
fn created_ms(article: &Article) -> Option<i64> {
    article.versioncreated.map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::Text;

    const BODY: &str = "The port of Dover reopened on Monday after a week of storm repairs. Ferries and freight services resumed at noon and queues on the A20 eased by the evening. The harbour master said the port was open for business and thanked the crews who worked through the weekend. Shipping companies said timetables would return to normal by Wednesday.";

    fn story(uri: &str, version: u64, headline: &str, body: &str) -> Article {
        let mut a = Article {
            uri: uri.into(),
            version,
            headlines: vec![Text::plain("main", headline)],
            bodies: vec![Text::plain("main", body)],
            ..Default::default()
        };
        a.newswire.story_id = format!("key-of-{uri}");
        a
    }

    #[test]
    fn the_same_content_from_a_second_feed_is_an_exact_duplicate_of_the_first() {
        let mut store = DedupeStore::temporary(7).unwrap();
        let mut pa = story("urn:pa:1", 1, "Dover reopens", BODY);
        let mut ap = story("urn:ap:9", 1, "DOVER REOPENS", &BODY.replace("  ", " "));
        assert_eq!(decide(&mut store, &mut pa, 0).unwrap(), Verdict::Pass { near: false });
        assert_eq!(decide(&mut store, &mut ap, 1).unwrap(), Verdict::ExactDuplicate { first_uri: "urn:pa:1".into() });
        let recorded = store.version("urn:ap:9").unwrap().unwrap();
        assert_eq!(recorded.duplicate_of.as_deref(), Some("urn:pa:1"));
        assert_eq!(recorded.story_id, "key-of-urn:pa:1");
    }

    #[test]
    fn a_light_re_edit_passes_linked_to_the_first_story() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 1, "Dover reopens", BODY), 0).unwrap();
        let mut edited = story("urn:ap:9", 1, "Dover reopens", &BODY.replace("by Wednesday", "by Thursday"));
        assert_eq!(decide(&mut store, &mut edited, 1).unwrap(), Verdict::Pass { near: true });
        assert_eq!(edited.newswire.story_id, "key-of-urn:pa:1");
        assert_eq!(edited.newswire.near_duplicate_of.as_deref(), Some("urn:pa:1"));
        let mut unrelated = story("urn:ap:10", 1, "Council approves library", "The city council approved plans for a new central library on Tuesday after a long debate.");
        assert_eq!(decide(&mut store, &mut unrelated, 2).unwrap(), Verdict::Pass { near: false });
        assert_eq!(unrelated.newswire.story_id, "key-of-urn:ap:10");
    }

    const OTHER_BODY: &str = "The city council approved plans for a new central library on Tuesday after a long debate about its cost, its site near the station and the future of the three branch libraries it replaces.";

    fn page(uri: &str, headline: &str, body: &str) -> Article {
        let mut a = story(uri, 1, headline, body);
        a.newswire.feed = "site".into();
        a.newswire.uri_source = Some(UriSource::PageUrl);
        a
    }

    #[test]
    fn two_different_pages_sharing_one_page_url_are_two_stories_and_the_second_records_why() {
        let mut store = DedupeStore::temporary(7).unwrap();
        let shared = "https://example.com/politics/live";
        let mut first = page(shared, "Dover reopens", BODY);
        first.versioncreated = Some(chrono::DateTime::from_timestamp(1, 0).unwrap().fixed_offset());
        assert_eq!(decide(&mut store, &mut first, 0).unwrap(), Verdict::Pass { near: false });
        assert_eq!(first.uri, shared);
        let mut second = page(shared, "Council approves library", OTHER_BODY);
        assert_eq!(decide(&mut store, &mut second, 1).unwrap(), Verdict::Pass { near: false });
        assert!(second.uri.starts_with("urn:newswire:site:content:"), "{}", second.uri);
        assert_ne!(second.newswire.story_id, first.newswire.story_id);
        assert_eq!(second.newswire.problems.len(), 1);
        assert_eq!((second.newswire.problems[0].field.as_str(), second.newswire.problems[0].kind.as_str()), ("uri", "shared_page_url"));
        // The second page sent again is a re-send of itself, not a third story.
        let mut again = page(shared, "Council approves library", OTHER_BODY);
        assert_eq!(decide(&mut store, &mut again, 2).unwrap(), Verdict::StaleVersion { seen: 1 });
        // An edit of the first page keeps its page URL: it is the same story.
        let mut edit = page(shared, "Dover reopens", &BODY.replace("by Wednesday", "by Thursday"));
        edit.versioncreated = Some(chrono::DateTime::from_timestamp(10, 0).unwrap().fixed_offset());
        assert_eq!(decide(&mut store, &mut edit, 3).unwrap(), Verdict::Pass { near: false });
        assert_eq!(edit.uri, shared);
    }

    #[test]
    fn a_source_id_reused_for_rewritten_text_stays_the_same_story() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 1, "Dover reopens", BODY), 0).unwrap();
        let mut rewrite = story("urn:pa:1", 2, "Council approves library", OTHER_BODY);
        assert_eq!(decide(&mut store, &mut rewrite, 1).unwrap(), Verdict::Pass { near: false });
        assert_eq!(rewrite.uri, "urn:pa:1");
    }

    #[test]
    fn newer_versions_pass_and_older_or_equal_ones_are_stale() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 2, "Dover reopens", BODY), 0).unwrap();
        let stale = decide(&mut store, &mut story("urn:pa:1", 1, "Dover reopens", "Older text."), 1).unwrap();
        assert_eq!(stale, Verdict::StaleVersion { seen: 2 });
        let equal = decide(&mut store, &mut story("urn:pa:1", 2, "Dover reopens", "Other text."), 1).unwrap();
        assert_eq!(equal, Verdict::StaleVersion { seen: 2 });
        let mut update = story("urn:pa:1", 3, "Dover reopens fully", &format!("{BODY} Update."));
        assert_eq!(decide(&mut store, &mut update, 2).unwrap(), Verdict::Pass { near: false });
        assert_eq!(update.newswire.story_id, "key-of-urn:pa:1");
        assert_eq!(store.version("urn:pa:1").unwrap().unwrap().version, 3);
    }

    #[test]
    fn without_version_numbers_a_later_versioncreated_is_an_update_and_a_resend_is_stale() {
        use chrono::TimeZone;
        let mut store = DedupeStore::temporary(7).unwrap();
        let at = |h| Some(chrono::Utc.with_ymd_and_hms(2022, 7, 14, h, 0, 0).unwrap().fixed_offset());
        let mut first = story("https://example.com/a", 1, "Dover reopens", BODY);
        first.versioncreated = at(10);
        decide(&mut store, &mut first, 0).unwrap();
        let mut resend = first.clone();
        assert_eq!(decide(&mut store, &mut resend, 1).unwrap(), Verdict::StaleVersion { seen: 1 });
        let mut edited = story("https://example.com/a", 1, "Dover reopens", &format!("{BODY} Updated at noon."));
        edited.versioncreated = at(12);
        assert_eq!(decide(&mut store, &mut edited, 2).unwrap(), Verdict::Pass { near: false });
        let mut older = edited.clone();
        older.versioncreated = at(11);
        assert_eq!(decide(&mut store, &mut older, 3).unwrap(), Verdict::StaleVersion { seen: 1 });
    }

    #[test]
    fn the_same_page_from_two_feeds_that_read_its_time_in_different_zones_is_one_story() {
        use chrono::TimeZone;
        let mut store = DedupeStore::temporary(7).unwrap();
        // "2025-07-09T11:50:26" read as London time by one feed and as New York time by the other.
        let london = chrono::FixedOffset::east_opt(3600).unwrap().with_ymd_and_hms(2025, 7, 9, 11, 50, 26).single();
        let new_york = chrono::FixedOffset::west_opt(4 * 3600).unwrap().with_ymd_and_hms(2025, 7, 9, 11, 50, 26).single();
        let mut first = story("https://example.com/tax-software", 1, "Dover reopens", BODY);
        first.versioncreated = london;
        assert_eq!(decide(&mut store, &mut first, 0).unwrap(), Verdict::Pass { near: false });
        let mut copy = first.clone();
        copy.versioncreated = new_york;
        assert_eq!(decide(&mut store, &mut copy, 1).unwrap(), Verdict::StaleVersion { seen: 1 }, "same content, same version: not an edit");
        let mut edited = story("https://example.com/tax-software", 1, "Dover reopens", &format!("{BODY} Updated at noon."));
        edited.versioncreated = new_york;
        assert_eq!(decide(&mut store, &mut edited, 2).unwrap(), Verdict::Pass { near: false }, "changed content stated later is an edit");
    }

    #[test]
    fn a_kill_passes_once_even_with_an_old_version_and_even_if_its_text_repeats() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 2, "Dover reopens", BODY), 0).unwrap();
        let mut kill = story("urn:pa:1", 2, "Dover reopens", BODY);
        kill.pubstatus = PubStatus::Canceled;
        assert_eq!(decide(&mut store, &mut kill, 1).unwrap(), Verdict::Pass { near: false });
        assert!(store.version("urn:pa:1").unwrap().unwrap().killed);
        let mut again = kill.clone();
        assert_eq!(decide(&mut store, &mut again, 2).unwrap(), Verdict::StaleVersion { seen: 2 });
    }

    #[test]
    fn a_withhold_of_a_passed_version_passes_once_and_a_kill_still_passes_after_it() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 3, "Dover reopens", BODY), 0).unwrap();
        let mut withhold = story("urn:pa:1", 3, "Dover reopens", BODY);
        withhold.pubstatus = PubStatus::Withheld;
        assert_eq!(decide(&mut store, &mut withhold, 1).unwrap(), Verdict::Pass { near: false });
        let mut again = withhold.clone();
        assert_eq!(decide(&mut store, &mut again, 2).unwrap(), Verdict::StaleVersion { seen: 3 });
        let mut kill = story("urn:pa:1", 1, "Dover reopens", BODY);
        kill.pubstatus = PubStatus::Canceled;
        assert_eq!(decide(&mut store, &mut kill, 3).unwrap(), Verdict::Pass { near: false });
        let mut withhold_after_kill = withhold.clone();
        assert_eq!(decide(&mut store, &mut withhold_after_kill, 4).unwrap(), Verdict::StaleVersion { seen: 3 });
        let mut republished = story("urn:pa:1", 4, "Dover reopens again", BODY);
        assert_eq!(decide(&mut store, &mut republished, 5).unwrap(), Verdict::Pass { near: false }, "above every version seen");
    }

    #[test]
    fn a_later_version_of_a_dropped_duplicate_stays_linked_to_the_first_copy() {
        let mut store = DedupeStore::temporary(7).unwrap();
        decide(&mut store, &mut story("urn:pa:1", 1, "Dover reopens", BODY), 0).unwrap();
        decide(&mut store, &mut story("urn:ap:9", 1, "Dover reopens", BODY), 1).unwrap();
        let mut ap2 = story("urn:ap:9", 2, "Dover reopens", "A rewritten body with new facts about ferries.");
        assert_eq!(decide(&mut store, &mut ap2, 2).unwrap(), Verdict::Pass { near: true });
        assert_eq!(ap2.newswire.story_id, "key-of-urn:pa:1");
    }
}
