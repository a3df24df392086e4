//! Who gets a story version: the pure routing rules, no I/O.
//!
//! - A usable version goes to every subscriber that received an earlier version
//!   of the story (a correction, even if it no longer matches the filter) and to
//!   every subscriber whose filter it matches that has not had the story yet.
//! - A kill (`pubstatus: canceled`) goes only to subscribers that received the story.
//! - A withheld version goes to no subscriber.
//! - A version a subscriber already has (or an older one) is not sent again.

use newswire_shared::article::{Article, PubStatus};

use crate::story_view::StoryView;
use crate::subscription::Subscription;

/// What a subscriber last received of one story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The version it received last.
    pub version: u64,
    /// Whether that was a kill.
    pub canceled: bool,
}

impl Receipt {
    /// The receipt for having received `article`.
    pub fn of(article: &Article) -> Self {
        Receipt { version: article.version, canceled: article.pubstatus == PubStatus::Canceled }
    }

    /// Eight bytes of version, big-endian, then one byte: 1 when canceled.
    pub fn to_bytes(self) -> [u8; 9] {
        let mut out = [0u8; 9];
        out[..8].copy_from_slice(&self.version.to_be_bytes());
        out[8] = u8::from(self.canceled);
        out
    }

    /// Reads [`Receipt::to_bytes`]; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let version: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
        Some(Receipt { version: u64::from_be_bytes(version), canceled: *bytes.get(8)? == 1 })
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
}

impl Route {
    /// A low-cardinality label for metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Match => "match",
            Route::Correction => "correction",
            Route::Kill => "kill",
        }
    }
}

/// The route of `article` to one subscriber with filter-match `matches` and
/// last receipt `prior`, or `None` when it does not get this version.
pub fn route(article: &Article, matches: bool, prior: Option<Receipt>) -> Option<Route> {
    let canceled = article.pubstatus == PubStatus::Canceled;
    if article.pubstatus == PubStatus::Withheld {
        return None;
    }
    match prior {
        Some(p) if p.version > article.version => None,
        Some(p) if p.version == article.version => (canceled && !p.canceled).then_some(Route::Kill),
        Some(_) if canceled => Some(Route::Kill),
        Some(_) => Some(Route::Correction),
        None if canceled => None,
        None => matches.then_some(Route::Match),
    }
}

/// The routes of `article` to each of `subscriptions` (by index), given a lookup
/// of each subscriber's last receipt of the story.
pub fn route_all(
    article: &Article,
    subscriptions: &[Subscription],
    mut prior: impl FnMut(&Subscription) -> Option<Receipt>,
) -> Vec<(usize, Route)> {
    let view = StoryView::new(article);
    subscriptions
        .iter()
        .enumerate()
        .filter_map(|(i, sub)| route(article, sub.filter.matches_view(&view), prior(sub)).map(|r| (i, r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;
    use std::collections::HashMap;

    fn version(v: u64, status: PubStatus, feed: &str) -> Article {
        let mut a = Article { uri: "urn:s".into(), version: v, pubstatus: status, ..Default::default() };
        a.newswire.feed = feed.into();
        a
    }

    fn sub(name: &str, feed: &str) -> Subscription {
        Subscription { name: name.into(), filter: Filter::Feed(feed.into()), topic: true, webhook: None }
    }

    /// Routes a sequence of versions, remembering receipts like the stage does.
    fn deliver(versions: &[Article], subs: &[Subscription]) -> Vec<Vec<(String, Route)>> {
        let mut receipts: HashMap<String, Receipt> = HashMap::new();
        versions
            .iter()
            .map(|a| {
                let routes = route_all(a, subs, |s| receipts.get(&s.name).copied());
                routes
                    .into_iter()
                    .map(|(i, r)| {
                        receipts.insert(subs[i].name.clone(), Receipt::of(a));
                        (subs[i].name.clone(), r)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_correction_reaches_a_former_recipient_that_no_longer_matches_and_new_matches() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let got = deliver(&[version(1, PubStatus::Usable, "pa"), version(2, PubStatus::Usable, "ap")], &subs);
        assert_eq!(got[0], [("pa-desk".to_owned(), Route::Match)]);
        assert_eq!(got[1], [("pa-desk".to_owned(), Route::Correction), ("ap-desk".to_owned(), Route::Match)]);
    }

    #[test]
    fn a_kill_goes_only_to_those_that_received_the_story() {
        let subs = [sub("pa-desk", "pa"), sub("ap-desk", "ap")];
        let got = deliver(&[version(1, PubStatus::Usable, "pa"), version(2, PubStatus::Canceled, "ap")], &subs);
        assert_eq!(got[1], [("pa-desk".to_owned(), Route::Kill)], "ap-desk matches the kill but never had the story");
        let never = deliver(&[version(1, PubStatus::Canceled, "pa")], &subs);
        assert!(never[0].is_empty(), "a kill of a story nobody received goes nowhere");
    }

    #[test]
    fn a_kill_with_the_same_version_number_still_goes_out_once() {
        let subs = [sub("pa-desk", "pa")];
        let got =
            deliver(&[version(4, PubStatus::Usable, "pa"), version(4, PubStatus::Canceled, "pa"), version(4, PubStatus::Canceled, "pa")], &subs);
        assert_eq!(got[1], [("pa-desk".to_owned(), Route::Kill)]);
        assert!(got[2].is_empty());
    }

    #[test]
    fn a_version_already_received_or_older_is_not_sent_again() {
        let subs = [sub("pa-desk", "pa")];
        let got = deliver(&[version(2, PubStatus::Usable, "pa"), version(2, PubStatus::Usable, "pa"), version(1, PubStatus::Usable, "pa")], &subs);
        assert_eq!(got[0].len(), 1);
        assert!(got[1].is_empty(), "same version again");
        assert!(got[2].is_empty(), "an older version after a newer one");
    }

    #[test]
    fn withheld_versions_go_to_nobody() {
        let subs = [sub("pa-desk", "pa")];
        assert!(deliver(&[version(1, PubStatus::Withheld, "pa")], &subs)[0].is_empty());
    }

    #[test]
    fn receipts_round_trip_through_bytes() {
        let r = Receipt { version: 42, canceled: true };
        assert_eq!(Receipt::from_bytes(&r.to_bytes()), Some(r));
        assert_eq!(Receipt::from_bytes(b"short"), None);
    }
}
