//! NITF's publication status, read from `head/docdata`:
//!
//! - `docdata@management-status` (NITF 3.x; values such as `usable`, `embargoed`,
//!   `withheld`, `canceled`) is the structural signal, read by the one pubstatus
//!   rule ([`crate::problems`]); `embargoed` is usable: an embargo is a time
//!   ([`crate::formats::nitf_embargo`]), not a status.
//! - An editorial message `ed-msg` whose `msg-type` names a kill or a withhold
//!   (`kill`, `canceled`, `withheld`) says the same; other message types
//!   (`advisory`, `correction`, …) are no status and are left alone.
//! - An `ed-msg` whose `info` text opens with a kill or withhold word ("KILL",
//!   "Kill this story", "MANDATORY KILL":
//!   [`pubstatus_code::advisory`]) is read as that status and recorded
//!   `nonstandard`, since it comes from free text.
//!
//! When these disagree the strongest wins (a kill over a withhold over usable), so
//! a kill is never lost to another signal; each reading that is not standard is recorded.

use newswire_shared::article::{Article, PubStatus};

use crate::formats::xml::Element;
use crate::formats::{pubstatus, pubstatus_code, pubstatus_with_embargo};
use crate::problems::{self, Field, Kind};

/// Sets `article.pubstatus` from `docdata`'s status signals, when any says one.
pub fn read(docdata: &Element, article: &mut Article) {
    let mut found: Vec<PubStatus> = Vec::new();
    if let Some(code) = docdata.attr_nonblank("management-status") {
        found.extend(pubstatus_with_embargo(article, "docdata@management-status", code));
    }
    for message in docdata.children_named("ed-msg") {
        if let Some(kind) = message.attr_nonblank("msg-type") {
            let names_a_notice = matches!(
                pubstatus_code::read(kind),
                pubstatus_code::Reading::Standard(s) | pubstatus_code::Reading::Nonstandard(s) if s != PubStatus::Usable
            );
            if names_a_notice {
                found.extend(pubstatus(article, "docdata/ed-msg@msg-type", kind));
            }
        }
        let info = message.attr_nonblank("info").map(str::to_owned).or_else(|| message.text_nonblank());
        if let Some((status, _)) = info.as_deref().and_then(pubstatus_code::advisory) {
            let detail = format!("docdata/ed-msg@info: {:?} is an editorial message, not a status; read as {}", info.unwrap_or_default(), status.as_str());
            problems::note(article, Field::PubStatus, Kind::Nonstandard, detail);
            found.push(status);
        }
    }
    if let Some(strongest) = found.into_iter().max_by_key(|s| strength(*s)) {
        article.pubstatus = strongest;
    }
}

/// How strongly a status binds recipients: usable, then withheld, then canceled.
fn strength(status: PubStatus) -> u8 {
    match status {
        PubStatus::Usable => 0,
        PubStatus::Withheld => 1,
        PubStatus::Canceled => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::xml::{self, Mode};

    fn status_of(docdata: &str) -> (PubStatus, Vec<(String, String)>) {
        let element = xml::parse(docdata, Mode::Xml).unwrap();
        let mut article = Article::default();
        read(&element, &mut article);
        (article.pubstatus, article.newswire.problems.iter().map(|p| (p.field.clone(), p.kind.clone())).collect())
    }

    fn nonstandard() -> Vec<(String, String)> {
        vec![("pubstatus".into(), "nonstandard".into())]
    }

    #[test]
    fn management_status_is_read_as_the_standard_codes_and_embargoed_is_an_embargo_not_a_withhold() {
        assert_eq!(status_of(r#"<docdata management-status="canceled"/>"#), (PubStatus::Canceled, vec![]));
        assert_eq!(status_of(r#"<docdata management-status="withheld"/>"#), (PubStatus::Withheld, vec![]));
        assert_eq!(status_of(r#"<docdata management-status="embargoed"/>"#), (PubStatus::Usable, vec![]));
        assert_eq!(status_of(r#"<docdata management-status="usable"/>"#), (PubStatus::Usable, vec![]));
        assert_eq!(status_of(r#"<docdata management-status="killed"/>"#), (PubStatus::Canceled, nonstandard()));
    }

    #[test]
    fn a_kill_editorial_message_is_a_kill_by_type_or_by_its_text() {
        assert_eq!(status_of(r#"<docdata><ed-msg msg-type="kill"/></docdata>"#), (PubStatus::Canceled, nonstandard()));
        assert_eq!(status_of(r#"<docdata><ed-msg info="KILL"/></docdata>"#), (PubStatus::Canceled, nonstandard()));
        assert_eq!(status_of(r#"<docdata><ed-msg msg-type="advisory" info="Kill this story"/></docdata>"#), (PubStatus::Canceled, nonstandard()));
        assert_eq!(status_of(r#"<docdata><ed-msg msg-type="withheld"/></docdata>"#), (PubStatus::Withheld, vec![]));
    }

    #[test]
    fn other_editorial_messages_are_no_status() {
        for docdata in [
            r#"<docdata><ed-msg msg-type="advisory" info="Killings rise in the capital; a fuller story follows"/></docdata>"#,
            r#"<docdata><ed-msg msg-type="correction" info="Corrects spelling of name"/></docdata>"#,
            r#"<docdata/>"#,
        ] {
            assert_eq!(status_of(docdata), (PubStatus::Usable, vec![]), "{docdata}");
        }
    }

    #[test]
    fn a_kill_message_wins_over_a_usable_management_status() {
        let (status, problems) = status_of(r#"<docdata management-status="usable"><ed-msg info="MANDATORY KILL: legal advice"/></docdata>"#);
        assert_eq!((status, problems), (PubStatus::Canceled, nonstandard()));
    }
}
