//! What publish does with a story version given the story's held version and
//! the time: the pure rules of [`super`], no I/O.

use chrono::{DateTime, Utc};
use newswire_shared::article::{Article, PubStatus};

/// What is held of a story: its version and when it is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldVersion {
    /// The held version's number.
    pub version: u64,
    /// When it is released.
    pub until: DateTime<Utc>,
}

/// Why a held story is no longer held before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// The story was killed.
    Kill,
    /// The story was withheld.
    Withhold,
    /// A newer version came without an embargo in force.
    Lifted,
}

impl Cancel {
    /// A low-cardinality label.
    pub fn as_str(self) -> &'static str {
        match self {
            Cancel::Kill => "kill",
            Cancel::Withhold => "withhold",
            Cancel::Lifted => "lifted",
        }
    }
}

/// What to do with one story version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing of the story is held and no embargo is in force: route it to
    /// every subscriber and to `newswire.published` now.
    Publish,
    /// Embargoed until `until`: held (replacing a held version, if any); routed
    /// now only to the subscribers that take embargoed stories at once.
    Hold {
        /// When it is released.
        until: DateTime<Utc>,
    },
    /// The held version is cancelled, and this one is routed to everyone now
    /// (a kill or withhold as usual, a lifting version as a usable story).
    Cancel(Cancel),
    /// A usable version numbered below the held one: the held one stands, and
    /// this one goes only to those who take embargoed stories at once (their
    /// own receipts make it stale for them).
    BelowHeld,
}

/// The decision for `article` at `now`, given what is `held` of its story.
pub fn decide(article: &Article, held: Option<HeldVersion>, now: DateTime<Utc>) -> Decision {
    match (article.pubstatus, held) {
        (PubStatus::Canceled, Some(_)) => Decision::Cancel(Cancel::Kill),
        (PubStatus::Withheld, Some(_)) => Decision::Cancel(Cancel::Withhold),
        (PubStatus::Canceled | PubStatus::Withheld, None) => Decision::Publish,
        (PubStatus::Usable, Some(h)) if article.version < h.version => Decision::BelowHeld,
        (PubStatus::Usable, held) => match article.embargoed.map(|t| t.to_utc()) {
            Some(until) if until > now => Decision::Hold { until },
            _ if held.is_some() => Decision::Cancel(Cancel::Lifted),
            _ => Decision::Publish,
        },
    }
}

/// Whether a held story is due at `now`: never a moment before its time.
pub fn is_due(until: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= until
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    fn story(version: u64, status: PubStatus, embargoed: Option<i64>) -> Article {
        Article { uri: "urn:s".into(), version, pubstatus: status, embargoed: embargoed.map(|s| t(s).fixed_offset()), ..Default::default() }
    }

    fn held(version: u64, until: i64) -> Option<HeldVersion> {
        Some(HeldVersion { version, until: t(until) })
    }

    #[test]
    fn an_embargo_in_the_future_is_held_and_one_in_the_past_or_none_is_published() {
        assert_eq!(decide(&story(1, PubStatus::Usable, Some(60)), None, t(0)), Decision::Hold { until: t(60) });
        assert_eq!(decide(&story(1, PubStatus::Usable, Some(60)), None, t(60)), Decision::Publish, "at its time it goes");
        assert_eq!(decide(&story(1, PubStatus::Usable, Some(-5)), None, t(0)), Decision::Publish);
        assert_eq!(decide(&story(1, PubStatus::Usable, None), None, t(0)), Decision::Publish);
    }

    #[test]
    fn a_kill_or_withhold_at_any_version_cancels_the_held_story() {
        assert_eq!(decide(&story(1, PubStatus::Canceled, None), held(3, 60), t(0)), Decision::Cancel(Cancel::Kill));
        assert_eq!(decide(&story(5, PubStatus::Withheld, None), held(3, 60), t(0)), Decision::Cancel(Cancel::Withhold));
        assert_eq!(decide(&story(1, PubStatus::Canceled, Some(60)), None, t(0)), Decision::Publish, "nothing held: the kill is routed as usual");
    }

    #[test]
    fn a_newer_version_replaces_the_held_one_or_lifts_the_embargo_and_an_older_one_changes_nothing() {
        assert_eq!(decide(&story(2, PubStatus::Usable, Some(120)), held(1, 60), t(0)), Decision::Hold { until: t(120) });
        assert_eq!(decide(&story(2, PubStatus::Usable, Some(30)), held(1, 60), t(0)), Decision::Hold { until: t(30) }, "an earlier time is the new time");
        assert_eq!(decide(&story(2, PubStatus::Usable, None), held(1, 60), t(0)), Decision::Cancel(Cancel::Lifted));
        assert_eq!(decide(&story(2, PubStatus::Usable, Some(-1)), held(1, 60), t(0)), Decision::Cancel(Cancel::Lifted));
        assert_eq!(decide(&story(1, PubStatus::Usable, Some(60)), held(1, 60), t(0)), Decision::Hold { until: t(60) }, "a replay holds the same");
        assert_eq!(decide(&story(1, PubStatus::Usable, None), held(2, 60), t(0)), Decision::BelowHeld);
    }

    #[test]
    fn a_held_story_is_due_at_its_time_and_not_a_moment_before() {
        let until = t(60);
        assert!(!is_due(until, until - Duration::milliseconds(1)));
        assert!(is_due(until, until));
        assert!(is_due(until, until + Duration::milliseconds(900)));
    }
}
