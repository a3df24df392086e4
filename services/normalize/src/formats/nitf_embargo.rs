//! NITF's embargo, read from `head/docdata` ([`crate::formats::embargo`] has the rules for every format):
//!
//! - `date.release@norm` ("date and time the document is available to be
//!   released") is an embargo when it is later than `date.issue` (the issue time
//!   as read, or what stands in for it), when the document has no issue time, or
//!   when `management-status` is `embargoed`;
//! - an `ed-msg` of type `embargo` gives the time in its `info` (or text), with
//!   or without an opening ("EMBARGOED UNTIL …" or just "00:01 GMT 15 March 2022");
//!   an `ed-msg` of another type whose text is an embargo statement is read too;
//! - `management-status="embargoed"` is an embargo, not a withhold: the story is
//!   usable at the time the above give, or, with none, an embargo without a
//!   time (held like an unreadable one).
//!
//! Statements that leave out their date are read against the issue time.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Timestamp};

use crate::formats::xml::Element;
use crate::formats::{embargo, says_embargoed};

/// Reads the embargo of `docdata`; `released` is `date.release` as read.
pub fn read(docdata: &Element, released: Option<Timestamp>, zone: Tz, article: &mut Article) {
    let status_embargoed = docdata.attr_nonblank("management-status").is_some_and(says_embargoed);
    if let Some(release) = released {
        if status_embargoed || article.firstcreated.is_none_or(|issue| release > issue) {
            embargo::hold_until(article, release);
        }
    }
    let anchor = article.firstcreated.map(|t| t.to_utc());
    for message in docdata.children_named("ed-msg") {
        let typed = message.attr_nonblank("msg-type").is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("embargo"));
        let info = message.attr_nonblank("info").map(str::to_owned).or_else(|| message.text_nonblank());
        match (typed, info) {
            (true, None) => embargo::without_time(article, "docdata/ed-msg"),
            (true, Some(info)) => {
                if !embargo::read_statement(article, "docdata/ed-msg@info", &info, zone, anchor) {
                    embargo::read_time_text(article, "docdata/ed-msg@info", &info, zone, anchor);
                }
            }
            (false, Some(info)) => {
                embargo::read_statement(article, "docdata/ed-msg@info", &info, zone, anchor);
            }
            (false, None) => {}
        }
    }
    if status_embargoed && article.embargoed.is_none() && !embargo::is_unsettled(article) {
        embargo::without_time(article, "docdata@management-status");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::xml::{self, Mode};

    fn at(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn embargo_of(docdata: &str, issue: Option<&str>, released: Option<&str>) -> (Option<String>, Vec<(String, String)>) {
        let element = xml::parse(docdata, Mode::Xml).unwrap();
        let mut article = Article { firstcreated: issue.map(at), ..Default::default() };
        read(&element, released.map(at), Tz::UTC, &mut article);
        (article.embargoed.map(|t| t.to_rfc3339()), article.newswire.problems.iter().map(|p| (p.field.clone(), p.kind.clone())).collect())
    }

    #[test]
    fn a_release_after_the_issue_is_an_embargo_and_one_at_the_issue_is_not() {
        let later = embargo_of("<docdata/>", Some("2022-03-14T09:00:00Z"), Some("2022-03-15T00:01:00Z"));
        assert_eq!(later, (Some("2022-03-15T00:01:00+00:00".into()), vec![]));
        let same = embargo_of("<docdata/>", Some("2022-03-14T09:00:00Z"), Some("2022-03-14T09:00:00Z"));
        assert_eq!(same, (None, vec![]));
        let alone = embargo_of("<docdata/>", None, Some("2022-03-15T00:01:00Z"));
        assert_eq!(alone.0.as_deref(), Some("2022-03-15T00:01:00+00:00"), "no issue time: the release time is the only word on it");
        let status = embargo_of(r#"<docdata management-status="embargoed"/>"#, Some("2022-03-14T09:00:00Z"), Some("2022-03-14T09:00:00Z"));
        assert_eq!(status.0.as_deref(), Some("2022-03-14T09:00:00+00:00"), "the status says the release time is an embargo");
    }

    #[test]
    fn embargo_messages_by_type_or_by_their_text_are_read_against_the_issue_time() {
        let issue = Some("2022-03-14T18:30:00Z");
        let typed = embargo_of(r#"<docdata><ed-msg msg-type="embargo" info="0001 GMT Tuesday"/></docdata>"#, issue, None);
        assert_eq!(typed, (Some("2022-03-15T00:01:00+00:00".into()), vec![]));
        let typed_machine = embargo_of(r#"<docdata><ed-msg msg-type="Embargo">2022-03-16T12:00:00Z</ed-msg></docdata>"#, issue, None);
        assert_eq!(typed_machine.0.as_deref(), Some("2022-03-16T12:00:00+00:00"));
        let advisory = embargo_of(r#"<docdata><ed-msg msg-type="advisory" info="EMBARGOED UNTIL 00:01 GMT TUESDAY MARCH 15"/></docdata>"#, issue, None);
        assert_eq!(advisory.0.as_deref(), Some("2022-03-15T00:01:00+00:00"));
        let other = embargo_of(r#"<docdata><ed-msg msg-type="advisory" info="Corrects the spelling of Dover"/></docdata>"#, issue, None);
        assert_eq!(other, (None, vec![]));
    }

    #[test]
    fn an_embargoed_status_or_message_without_a_time_is_an_unreadable_embargo() {
        let unreadable = vec![("embargoed".to_owned(), "unreadable".to_owned())];
        assert_eq!(embargo_of(r#"<docdata management-status="embargoed"/>"#, Some("2022-03-14T09:00:00Z"), None), (None, unreadable.clone()));
        assert_eq!(embargo_of(r#"<docdata><ed-msg msg-type="embargo"/></docdata>"#, None, None), (None, unreadable.clone()));
        let vague = embargo_of(r#"<docdata><ed-msg msg-type="embargo" info="until the minister speaks"/></docdata>"#, None, None);
        assert_eq!(vague, (None, unreadable));
    }
}
