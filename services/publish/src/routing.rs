//! Who gets a story version: the pure routing rules, no I/O.
//!
//! - A usable version goes to every subscriber that received an earlier version
//!   of the story (a correction, even if it no longer matches the filter) and to
//!   every subscriber whose filter it matches that has not had the story yet.
//! - A kill (`pubstatus: canceled`) goes to every subscriber that received any
//!   version of the story, once, whatever version number it carries: agencies
//!   often send the kill under the killed item's own (older) version number.
//!   A second kill of the same story is not sent again.
//! - A withheld version goes, once and like a kill, to every subscriber that
//!   received the story (it must stop using it); a withheld story nobody received
//!   goes nowhere. A kill after a withhold still goes out; a withhold after a kill does not.
//! - A version a subscriber already has (or an older one) is not sent again.
//!
//! **Usable after a kill or a withhold** (one rule for both notices): the notice
//! stands for every version number up to the highest one the story had reached
//! when it was routed (the notice's own number, or a higher one a subscriber had
//! received). A usable version numbered above that is a re-publication: it goes
//! to the former recipients (route `republish`) and to new matches as usual. A
//! usable version numbered at or below it is stale and goes to nobody, not even
//! to a subscriber that never had the story. Normalize's dedupe applies the same
//! rule (it passes only versions above the highest seen), so publish sees stale
//! copies only when they were replayed straight onto its input.

use std::collections::HashMap;

use newswire_shared::article::{Article, PubStatus};

use crate::story_view::StoryView;
use crate::subscription::Subscription;

/// What a subscriber holds of one story (or, for the story's last notice, what
/// the wire last said of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The highest version number received (a notice's own number included).
    pub version: u64,
    /// The status of the last thing received: usable, or the kill or withhold notice.
    pub status: PubStatus,
}

/// One byte for a status, as receipts and delivery keys store it: usable 0,
/// canceled 1 (the byte older receipts stored as `true`), withheld 2.
pub fn status_code(status: PubStatus) -> u8 {
    match status {
        PubStatus::Usable => 0,
        PubStatus::Canceled => 1,
        PubStatus::Withheld => 2,
    }
}

/// Reads [`status_code`]; `None` for another byte.
pub fn status_of_code(code: u8) -> Option<PubStatus> {
    match code {
        0 => Some(PubStatus::Usable),
        1 => Some(PubStatus::Canceled),
        2 => Some(PubStatus::Withheld),
        _ => None,
    }
}


impl Receipt {
    /// The receipt after `article` was delivered to a subscriber holding `prior`:
    /// the higher version number of the two and the article's status.
    pub fn after(prior: Option<Receipt>, article: &Article) -> Self {
        let version = prior.map_or(article.version, |p| p.version.max(article.version));
        Receipt { version, status: article.pubstatus }
    }

    /// Whether this is a kill or a withhold notice, not a usable copy.
    pub fn is_notice(self) -> bool {
        self.status != PubStatus::Usable
    }

    /// Eight bytes of version, big-endian, then the [`status_code`] byte.
    pub fn to_bytes(self) -> [u8; 9] {
        let mut out = [0u8; 9];
        out[..8].copy_from_slice(&self.version.to_be_bytes());
        out[8] = status_code(self.status);
        out
    }

    /// Reads [`Receipt::to_bytes`]; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let version: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
        Some(Receipt { version: u64::from_be_bytes(version), status: status_of_code(*bytes.get(8)?)? })
    }
}

/// Why a subscriber gets this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// It matches the subscriber's filter and the subscriber has not had the story.
    Match,
    /// The subscriber had an earlier version: it gets the new one, matching or not.
    Correction,
    /// The story was killed and the subscriber had it.
    Kill,
    /// The story was withheld and the subscriber had it.
    Withhold,
    /// The subscriber had a kill or withhold of the story, and this usable version
    /// is numbered above it: the story is published again.
    Republish,
}

impl Route {
    /// A low-cardinality label for metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Match => "match",
            Route::Correction => "correction",
            Route::Kill => "kill",
            Route::Withhold => "withhold",
            Route::Republish => "republish",
        }
    }
}

/// The route of `article` to one subscriber with filter-match `matches` and
/// receipt `prior`, given the story's last notice `story` (see [`notice_after`]),
/// or `None` when it does not get this version.
pub fn route(article: &Article, matches: bool, prior: Option<Receipt>, story: Option<Receipt>) -> Option<Route> {
    match (article.pubstatus, prior) {
        (PubStatus::Usable, _) if story.is_some_and(|s| article.version <= s.version) => None,
        (PubStatus::Usable, None) => matches.then_some(Route::Match),
        (PubStatus::Usable, Some(p)) if article.version <= p.version => None,
        (PubStatus::Usable, Some(p)) if p.is_notice() => Some(Route::Republish),
        (PubStatus::Usable, Some(_)) => Some(Route::Correction),
        (_, None) => None,
        (PubStatus::Canceled, Some(p)) => (p.status != PubStatus::Canceled).then_some(Route::Kill),
        (PubStatus::Withheld, Some(p)) => (!p.is_notice()).then_some(Route::Withhold),
    }
}

/// The story's last notice once `article` has been routed, when `article` is a
/// kill or a withhold: numbered with the highest of its own version, the notice
/// before it (`story`) and every subscriber's receipt (`receipts`, before this
/// article). `None` for a usable version, which leaves the notice as it was.
pub fn notice_after(article: &Article, story: Option<Receipt>, receipts: impl IntoIterator<Item = Receipt>) -> Option<Receipt> {
    if article.pubstatus == PubStatus::Usable {
        return None;
    }
    let highest = receipts.into_iter().chain(story).map(|r| r.version).fold(article.version, u64::max);
    Some(Receipt { version: highest, status: article.pubstatus })
}

/// The routes of `article` to each of `subscriptions` (by index), given a lookup
/// of each subscriber's receipt of the story and the story's last notice.
pub fn route_all(
    article: &Article,
    subscriptions: &[Subscription],
    story: Option<Receipt>,
    mut prior: impl FnMut(&Subscription) -> Option<Receipt>,
) -> Vec<(usize, Route)> {
    let view = StoryView::new(article);
    subscriptions
        .iter()
        .enumerate()
        .filter_map(|(i, sub)| route(article, sub.filter.matches_view(&view), prior(sub), story).map(|r| (i, r)))
        .collect()
}

/// Publish's routing with its memory held in memory rather than in sled: each
/// subscriber's receipt of each story and each story's last notice. Fed the
/// stories in the order publish read them (one partition's order is enough: all
/// versions of a story share a partition), it decides what publish decided;
/// `newswire replay` re-derives a webhook-only subscriber's deliveries with it.
#[derive(Debug, Clone, Default)]
pub struct MemoryRouter {
    subscriptions: Vec<Subscription>,
    /// `(subscriber, uri)` → what the subscriber holds of the story.
    receipts: HashMap<(String, String), Receipt>,
    /// uri → the story's last kill or withhold notice.
    notices: HashMap<String, Receipt>,
}

impl MemoryRouter {
    /// A router over `subscriptions`, with nothing delivered yet.
    pub fn new(subscriptions: Vec<Subscription>) -> Self {
        MemoryRouter { subscriptions, ..Default::default() }
    }

    /// The subscriptions, indexed as [`MemoryRouter::route`] names them.
    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subscriptions
    }

    /// Routes `article` as publish does ([`route_all`], [`notice_after`]) and
    /// remembers what each subscriber it went to now holds.
    pub fn route(&mut self, article: &Article) -> Vec<(usize, Route)> {
        let priors: Vec<Option<Receipt>> =
            self.subscriptions.iter().map(|s| self.receipts.get(&(s.name.clone(), article.uri.clone())).copied()).collect();
        let story = self.notices.get(&article.uri).copied();
        let routes = route_all(article, &self.subscriptions, story, |s| {
            self.receipts.get(&(s.name.clone(), article.uri.clone())).copied()
        });
        if let Some(notice) = notice_after(article, story, priors.iter().flatten().copied()) {
            self.notices.insert(article.uri.clone(), notice);
        }
        for (i, _) in &routes {
            self.receipts.insert((self.subscriptions[*i].name.clone(), article.uri.clone()), Receipt::after(priors[*i], article));
        }
        routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;

    fn version(v: u64, status: PubStatus, feed: &str) -> Article {
        let mut a = Article { uri: "urn:s".into(), version: v, pubstatus: status, ..Default::default() };
        a.newswire.feed = feed.into();
        a
    }

    fn usable(v: u64, feed: &str) -> Article {
        version(v, PubStatus::Usable, feed)
    }

    fn sub(name: &str, feed: &str) -> Subscription {
        Subscription { name: name.into(), filter: Filter::Feed(feed.into()), topic: true, webhook: None, embargo: Default::default(), format: Default::default(), extended: false, api: None }
    }

    /// Routes a sequence of versions, remembering receipts and the story's last
    /// notice like the stage does.
    fn deliver(versions: &[Article], subs: &[Subscription]) -> Vec<Vec<(String, Route)>> {
        let mut router = MemoryRouter::new(subs.to_vec());
        versions.iter().map(|a| router.route(a).into_iter().map(|(i, r)| (subs[i].name.clone(), r)).collect()).collect()
    }

    #[test]
    fn the_memory_router_keeps_each_story_apart() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let mut router = MemoryRouter::new(subs.to_vec());
        let mut other = usable(1, "ap");
        other.uri = "urn:other".into();
        assert_eq!(router.route(&usable(1, "pa")), [(0, Route::Match)]);
        assert_eq!(router.route(&other), [(1, Route::Match)]);
        let mut kill = version(1, PubStatus::Canceled, "pa");
        kill.uri = "urn:other".into();
        assert_eq!(router.route(&kill), [(1, Route::Kill)], "pa-desk never had urn:other");
        assert_eq!(router.route(&usable(2, "ap")), [(0, Route::Correction), (1, Route::Match)]);
    }

    fn routes(pairs: &[(&str, Route)]) -> Vec<(String, Route)> {
        pairs.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()
    }

    #[test]
    fn a_correction_reaches_a_former_recipient_that_no_longer_matches_and_new_matches() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let got = deliver(&[usable(1, "pa"), usable(2, "ap")], &subs);
        assert_eq!(got[0], routes(&[("pa-desk", Route::Match)]));
        assert_eq!(got[1], routes(&[("pa-desk", Route::Correction), ("ap-desk", Route::Match)]));
    }

    #[test]
    fn a_kill_goes_only_to_those_that_received_the_story() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let got = deliver(&[usable(1, "pa"), version(2, PubStatus::Canceled, "ap")], &subs);
        assert_eq!(got[1], routes(&[("pa-desk", Route::Kill)]), "ap-desk matches the kill but never had the story");
        let never = deliver(&[version(1, PubStatus::Canceled, "pa")], &subs);
        assert!(never[0].is_empty(), "a kill of a story nobody received goes nowhere");
    }

    #[test]
    fn a_kill_with_a_lower_version_than_a_receipt_still_reaches_that_subscriber() {
        // pa-desk had versions 1 to 3; ap-desk joined at version 2. The kill reuses version 1.
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let got = deliver(&[usable(1, "pa"), usable(2, "ap"), usable(3, "ap"), version(1, PubStatus::Canceled, "pa")], &subs);
        assert_eq!(got[3], routes(&[("pa-desk", Route::Kill), ("ap-desk", Route::Kill)]));
    }

    #[test]
    fn a_second_kill_of_the_same_story_is_not_sent_whatever_its_version() {
        let subs = [sub("pa-desk", "pa")];
        let kill = |v| version(v, PubStatus::Canceled, "pa");
        let got = deliver(&[usable(4, "pa"), kill(4), kill(4), kill(2), kill(9)], &subs);
        assert_eq!(got[1], routes(&[("pa-desk", Route::Kill)]), "a kill under the same version number goes out");
        assert!(got[2..].iter().all(Vec::is_empty), "{got:?}");
    }

    #[test]
    fn a_withheld_version_of_a_received_story_notifies_its_recipients_once() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let withheld = |v| version(v, PubStatus::Withheld, "ap");
        let got = deliver(&[usable(3, "pa"), withheld(3), withheld(1), withheld(5)], &subs);
        assert_eq!(got[1], routes(&[("pa-desk", Route::Withhold)]), "ap-desk matches but never had the story");
        assert!(got[2].is_empty() && got[3].is_empty(), "{got:?}");
    }

    #[test]
    fn withheld_versions_of_a_story_nobody_received_go_to_nobody() {
        let subs = [sub("pa-desk", "pa")];
        assert!(deliver(&[version(1, PubStatus::Withheld, "pa")], &subs)[0].is_empty());
    }

    #[test]
    fn a_kill_after_a_withhold_goes_out_and_a_withhold_after_a_kill_does_not() {
        let subs = [sub("pa-desk", "pa")];
        let got = deliver(&[usable(1, "pa"), version(1, PubStatus::Withheld, "pa"), version(1, PubStatus::Canceled, "pa")], &subs);
        assert_eq!(got[1..], [routes(&[("pa-desk", Route::Withhold)]), routes(&[("pa-desk", Route::Kill)])]);
        let got = deliver(&[usable(1, "pa"), version(1, PubStatus::Canceled, "pa"), version(2, PubStatus::Withheld, "pa")], &subs);
        assert!(got[2].is_empty(), "{got:?}");
    }

    #[test]
    fn a_usable_version_above_the_killed_one_is_republished_and_one_at_or_below_is_stale() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        // pa-desk had 1 and 3; the kill says 2; the story was at 3 when killed.
        let got = deliver(
            &[usable(1, "pa"), usable(3, "pa"), version(2, PubStatus::Canceled, "pa"), usable(3, "ap"), usable(2, "pa"), usable(4, "ap"), usable(5, "ap")],
            &subs,
        );
        assert_eq!(got[2], routes(&[("pa-desk", Route::Kill)]));
        assert!(got[3].is_empty(), "version 3 was killed: stale for the former recipient and for a new match: {got:?}");
        assert!(got[4].is_empty(), "an older version after the kill is stale");
        assert_eq!(got[5], routes(&[("pa-desk", Route::Republish), ("ap-desk", Route::Match)]));
        assert_eq!(got[6], routes(&[("pa-desk", Route::Correction), ("ap-desk", Route::Correction)]));
    }

    #[test]
    fn a_republished_story_can_be_killed_again() {
        let subs = [sub("pa-desk", "pa")];
        let got = deliver(&[usable(1, "pa"), version(1, PubStatus::Canceled, "pa"), usable(2, "pa"), version(1, PubStatus::Canceled, "pa")], &subs);
        assert_eq!(got[2], routes(&[("pa-desk", Route::Republish)]));
        assert_eq!(got[3], routes(&[("pa-desk", Route::Kill)]));
    }

    #[test]
    fn a_usable_version_after_a_withhold_follows_the_same_rule() {
        let subs = [sub("pa-desk", "pa")];
        let got = deliver(&[usable(2, "pa"), version(2, PubStatus::Withheld, "pa"), usable(2, "pa"), usable(3, "pa")], &subs);
        assert!(got[2].is_empty(), "the withheld version itself is not released by a usable copy of it");
        assert_eq!(got[3], routes(&[("pa-desk", Route::Republish)]));
    }

    #[test]
    fn a_version_already_received_or_older_is_not_sent_again() {
        let subs = [sub("pa-desk", "pa")];
        let got = deliver(&[usable(2, "pa"), usable(2, "pa"), usable(1, "pa")], &subs);
        assert_eq!(got[0].len(), 1);
        assert!(got[1].is_empty(), "same version again");
        assert!(got[2].is_empty(), "an older version after a newer one");
    }

    #[test]
    fn receipts_round_trip_through_bytes_and_read_the_old_kill_byte() {
        for status in [PubStatus::Usable, PubStatus::Canceled, PubStatus::Withheld] {
            let r = Receipt { version: 42, status };
            assert_eq!(Receipt::from_bytes(&r.to_bytes()), Some(r));
        }
        let mut old_kill = 7u64.to_be_bytes().to_vec();
        old_kill.push(1);
        assert_eq!(Receipt::from_bytes(&old_kill), Some(Receipt { version: 7, status: PubStatus::Canceled }));
        assert_eq!(Receipt::from_bytes(b"short"), None);
        assert_eq!(Receipt::from_bytes(&[0, 0, 0, 0, 0, 0, 0, 1, 9]), None);
    }
}
