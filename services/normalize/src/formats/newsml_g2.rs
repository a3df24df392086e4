//! IPTC NewsML-G2 news items into the canonical article.
//!
//! Ingest sends one `newsItem` per record (a package or news message is split),
//! so the item is read without its ancestors' namespace declarations. The
//! story's uri and version are its identity, decided once
//! ([`newswire_shared::story::identity`]: the item's `guid` and `version`); `itemMeta` gives
//! the times, the embargo (`embargoed`), `pubStatus` and provider; `contentMeta` the urgency, headlines,
//! creator, dateline place, language, subjects and descriptions; `contentSet`
//! the body (inline NITF, inline XHTML, or inline plain text).

use chrono_tz::Tz;
use newswire_shared::article::{AltId, Article, Association, Concept, InfoSource, Text};
use newswire_shared::stage::StageError;

use crate::formats::xml::{self, Element, Mode};
use crate::formats::{body, embargo, nitf, pubstatus, time, urgency};
use crate::problems::Field;

/// Known IPTC scheme aliases and the URIs they stand for.
const SCHEMES: &[(&str, &str)] = &[
    ("medtop", "http://cv.iptc.org/newscodes/mediatopic/"),
    ("subj", "http://cv.iptc.org/newscodes/subjectcode/"),
    ("genre", "http://cv.iptc.org/newscodes/genre/"),
];

/// Parses one `newsItem` (or the first one inside a package or news message).
pub fn parse(text: &str, zone: Tz) -> Result<Article, StageError> {
    let root = xml::parse(text, Mode::Xml)?;
    let item = if root.name == "newsItem" {
        &root
    } else {
        root.find("newsItem")
            .ok_or_else(|| StageError::new("malformed_newsml", format!("no <newsItem> in <{}>", root.name)))?
    };
    let mut article = Article {
        language: item.attr_nonblank("lang").map(str::to_owned),
        ..Default::default()
    };
    if let Some(meta) = item.child("itemMeta") {
        read_item_meta(meta, zone, &mut article);
    }
    if let Some(rights) = item.child("rightsInfo") {
        article.copyrightholder = rights.child("copyrightHolder").and_then(|h| h.child_text("name").or_else(|| h.text_nonblank()));
    }
    if let Some(meta) = item.child("contentMeta") {
        read_content_meta(meta, zone, &mut article);
    }
    if let Some(set) = item.child("contentSet") {
        read_content_set(set, &mut article)?;
    }
    Ok(article)
}

fn read_item_meta(meta: &Element, zone: Tz, article: &mut Article) {
    if let Some(t) = meta.child_text("versionCreated") {
        article.versioncreated = time(article, Field::VersionCreated, "itemMeta/versionCreated", &t, zone);
    }
    if let Some(t) = meta.child_text("firstCreated") {
        article.firstcreated = time(article, Field::FirstCreated, "itemMeta/firstCreated", &t, zone);
    }
    if let Some(embargoed) = meta.child("embargoed") {
        // An empty element: embargoed until further notice.
        match embargoed.text_nonblank() {
            Some(t) => embargo::read(article, "itemMeta/embargoed", &t, zone),
            None => embargo::without_time(article, "itemMeta/embargoed"),
        }
    }
    if let Some(status) = meta.child("pubStatus").and_then(|s| s.attr_nonblank("qcode").or_else(|| s.attr_nonblank("uri"))) {
        article.pubstatus = pubstatus(article, "itemMeta/pubStatus@qcode", status).unwrap_or(article.pubstatus);
    }
    if let Some(provider) = meta.child("provider") {
        article.infosources.push(InfoSource {
            name: provider.child_text("name").or_else(|| code_of(provider).map(|c| c.rsplit(':').next().unwrap_or(c).to_owned())),
            role: Some("provider".into()),
            uri: provider.attr_nonblank("uri").map(str::to_owned),
        });
    }
    // Pictures linked from the item (a link to an image item or file).
    for link in meta.children_named("link") {
        let is_picture = link.attr("contenttype").is_some_and(|t| t.starts_with("image/"))
            || link.child("itemClass").and_then(|c| c.attr("qcode")).is_some_and(|q| q.ends_with("picture"));
        if let (true, Some(href)) = (is_picture, link.attr_nonblank("href").or_else(|| link.attr_nonblank("residref"))) {
            article.associations.push(Association {
                name: format!("picture-{}", article.associations.len() + 1),
                uri: href.to_owned(),
                kind: Some("picture".into()),
                descriptions: link.child_text("title").map(|t| Text::plain("caption", t)).into_iter().collect(),
                copyrightholder: link.attr_nonblank("creditline").map(str::to_owned),
                by: None,
            });
        }
    }
}

fn read_content_meta(meta: &Element, zone: Tz, article: &mut Article) {
    if let Some(u) = meta.child_text("urgency") {
        article.urgency = urgency(article, "contentMeta/urgency", &u);
    }
    // contentCreated and contentModified stand in for itemMeta's times when those are missing or unreadable.
    if article.firstcreated.is_none() {
        if let Some(t) = meta.child_text("contentCreated") {
            article.firstcreated = time(article, Field::FirstCreated, "contentMeta/contentCreated", &t, zone);
        }
    }
    if article.versioncreated.is_none() {
        if let Some(t) = meta.child_text("contentModified") {
            article.versioncreated = time(article, Field::VersionCreated, "contentMeta/contentModified", &t, zone);
        }
    }
    for (i, headline) in meta.children_named("headline").enumerate() {
        if let Some(text) = headline.text_nonblank() {
            let role = headline.attr_nonblank("role").map(|r| r.rsplit(':').next().unwrap_or(r));
            let role = role.unwrap_or(if i == 0 { "main" } else { "sub" });
            article.headlines.push(Text::plain(role, text));
        }
    }
    for description in meta.children_named("description") {
        if let Some(text) = description.text_nonblank() {
            let role = description.attr_nonblank("role").map_or("summary", |r| r.rsplit(':').next().unwrap_or(r));
            article.descriptions.push(Text::plain(role, text));
        }
    }
    let creators: Vec<String> = meta.children_named("creator").filter_map(|c| c.child_text("name")).collect();
    article.by = meta.child_text("by").or_else(|| Some(creators.join(", ")).filter(|c| !c.is_empty()));
    if article.copyrightholder.is_none() {
        article.copyrightholder = meta.child_text("creditline");
    }
    article.located = meta.child("located").and_then(|l| l.child_text("name")).or_else(|| meta.child_text("dateline"));
    if let Some(tag) = meta.child("language").and_then(|l| l.attr_nonblank("tag")) {
        article.language = Some(tag.to_owned());
    }
    for source in meta.children_named("infoSource") {
        let name = source.child_text("name").or_else(|| code_of(source).map(str::to_owned));
        let uri = source.attr_nonblank("uri").map(str::to_owned);
        if name.is_some() || uri.is_some() {
            let role = source.attr_nonblank("role").map(|r| r.rsplit(':').next().unwrap_or(r).to_owned());
            article.infosources.push(InfoSource { name, role: role.or(Some("source".into())), uri });
        }
    }
    for alt in meta.children_named("altId") {
        if let Some(value) = alt.attr_nonblank("id").map(str::to_owned).or_else(|| alt.text_nonblank()) {
            article.altids.push(AltId { role: alt.attr("type").unwrap_or("altId").to_owned(), value });
        }
    }
    for subject in meta.children_named("subject") {
        read_subject(subject, article);
    }
}

/// A subject's kind decides where it goes: people, organisations, places or subjects.
fn read_subject(subject: &Element, article: &mut Article) {
    let name = subject.child_text("name");
    let code = code_of(subject);
    let concept = Concept {
        name: name.clone(),
        rel: subject.attr_nonblank("rel").map(str::to_owned),
        uri: subject.attr_nonblank("uri").map(str::to_owned).or_else(|| code.and_then(expand_qcode)),
        literal: code.filter(|c| expand_qcode(c).is_none()).map(str::to_owned),
    };
    if concept.name.is_none() && concept.uri.is_none() && concept.literal.is_none() {
        return;
    }
    let kind = subject.attr("type").unwrap_or_default().rsplit(':').next().unwrap_or_default().to_ascii_lowercase();
    match kind.as_str() {
        "person" => article.people.push(concept),
        "organisation" | "organization" => article.organisations.push(concept),
        "geoarea" | "poi" => article.places.push(concept),
        _ => article.subjects.push(concept),
    }
}

/// The qcode or literal of a concept element.
fn code_of(element: &Element) -> Option<&str> {
    element.attr_nonblank("qcode").or_else(|| element.attr_nonblank("literal"))
}

/// `medtop:04000000` → `http://cv.iptc.org/newscodes/mediatopic/04000000` for IPTC's own schemes.
fn expand_qcode(qcode: &str) -> Option<String> {
    let (alias, code) = qcode.split_once(':')?;
    SCHEMES.iter().find(|(a, _)| *a == alias).map(|(_, base)| format!("{base}{code}"))
}

/// The body: inline NITF, inline XHTML, or inline plain text.
fn read_content_set(set: &Element, article: &mut Article) -> Result<(), StageError> {
    if let Some(inline) = set.child("inlineXML") {
        let contenttype = inline.attr("contenttype").unwrap_or_default();
        if let Some(nitf_root) = inline.child("nitf") {
            let mut from_nitf = Article::default();
            nitf::read_body(nitf_root, &mut from_nitf)?;
            merge_body(article, from_nitf);
        } else if let Some(html_body) = inline.find("body").or_else(|| inline.child("html")) {
            article.bodies = body::from_element(html_body, &[])?;
        } else if contenttype.contains("html") || inline.elements().next().is_some() {
            article.bodies = body::from_element(inline, &[])?;
        }
    } else if let Some(data) = set.child("inlineData") {
        article.bodies = body::from_plain(&data.children.iter().filter_map(|n| match n {
            xml::Node::Text(t) => Some(t.as_str()),
            xml::Node::Element(_) => None,
        }).collect::<String>());
    }
    Ok(())
}

/// Takes the body, pictures and what contentMeta lacked from an inline NITF document.
fn merge_body(article: &mut Article, from_nitf: Article) {
    article.bodies = from_nitf.bodies;
    article.associations.extend(from_nitf.associations);
    if article.headlines.is_empty() {
        article.headlines = from_nitf.headlines;
    }
    article.by = article.by.take().or(from_nitf.by);
    article.located = article.located.take().or(from_nitf.located);
    if article.descriptions.is_empty() {
        article.descriptions = from_nitf.descriptions;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::PubStatus;

    const ITEM: &str = include_str!("../../../../tests/fixtures/normalize/newsml-g2-item.xml");

    /// The item as normalize reads a record: its identity (uri, version) included.
    fn via_record(item: &str, zone: Tz) -> Article {
        crate::formats::parse(newswire_shared::story::SourceFormat::NewsmlG2, item.as_bytes(), None, zone, None).unwrap()
    }

    #[test]
    fn a_prefixed_news_item_without_its_xmlns_maps_status_urgency_concepts_picture_and_xhtml_body() {
        let a = via_record(ITEM, "Europe/London".parse().unwrap());
        assert_eq!(a.uri, "urn:newsml:example.com:20220714:harbour");
        assert_eq!(a.version, 5);
        assert_eq!(a.pubstatus, PubStatus::Canceled);
        assert_eq!(a.urgency, Some(2));
        assert_eq!(a.headline(), Some("KILL: Harbour reopens after storm repairs"));
        assert_eq!(a.headlines[1].role.as_deref(), Some("sub"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.located.as_deref(), Some("Dover"));
        assert_eq!(a.language.as_deref(), Some("en-GB"));
        // versionCreated has no offset: BST wall-clock time in July in the feed's zone.
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-07-14T16:23:00+01:00");
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-07-14T09:00:00+01:00");
        assert_eq!(a.subjects[0].uri.as_deref(), Some("http://cv.iptc.org/newscodes/mediatopic/20000446"));
        assert_eq!(a.people[0].name.as_deref(), Some("Ann Smith"));
        assert_eq!(a.organisations[0].literal.as_deref(), Some("ex:port-of-dover"));
        assert_eq!(a.infosources[0].name.as_deref(), Some("Example Wire"));
        assert_eq!(a.associations[0].uri, "https://example.com/pictures/harbour.jpg");
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Jane Roe/Example"));
        assert_eq!(a.body_text(), Some("This story has been withdrawn.\n\nDo not use."));
        assert!(!a.bodies[1].value.contains("onclick"));
    }

    /// A small usable item embargoed by `embargoed` (the element as written).
    fn embargoed_item(embargoed: &str) -> String {
        format!(
            r#"<newsItem guid="urn:x:e" version="1"><itemMeta><versionCreated>2022-03-14T09:00:00Z</versionCreated>{embargoed}<pubStatus qcode="stat:usable"/></itemMeta><contentMeta><headline>Rates rise</headline></contentMeta></newsItem>"#
        )
    }

    #[test]
    fn the_embargo_is_read_from_item_meta_in_the_feed_zone_when_it_has_no_offset() {
        let a = via_record(&embargoed_item("<embargoed>2022-07-15T00:01:00</embargoed>"), "Europe/London".parse().unwrap());
        assert_eq!(a.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-07-15T00:01:00+01:00"));
        assert_eq!(a.pubstatus, PubStatus::Usable, "an embargo is a time, not a status");
        assert!(a.newswire.problems.is_empty());
        assert_eq!(via_record(&embargoed_item(""), Tz::UTC).embargoed, None);
    }

    #[test]
    fn an_empty_or_unreadable_embargo_is_recorded_and_held_a_day() {
        for element in ["<embargoed/>", "<embargoed>when the minister speaks</embargoed>"] {
            let a = via_record(&embargoed_item(element), Tz::UTC);
            let kinds: Vec<(&str, &str)> = a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect();
            assert_eq!(kinds, [("embargoed", "unreadable")], "{element}");
            assert_eq!(a.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2022-03-15T09:00:00+00:00"), "{element}");
        }
    }

    #[test]
    fn a_missing_guid_is_an_error_with_a_reason() {
        let item = ITEM.replace("guid=", "noguid=");
        let err = crate::formats::parse(newswire_shared::story::SourceFormat::NewsmlG2, item.as_bytes(), None, Tz::UTC, None).unwrap_err();
        assert_eq!(err.reason, "malformed_newsml");
    }

    fn recorded(a: &Article) -> Vec<(&str, &str)> {
        a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect()
    }

    #[test]
    fn an_unreadable_version_created_is_recorded_and_the_story_takes_first_created() {
        let broken = ITEM.replace("2022-07-14T16:23:00", "2022-07-14T25:23:00");
        assert_ne!(broken, ITEM, "the fixture has the time this test breaks");
        let a = parse(&broken, "Europe/London".parse().unwrap()).unwrap();
        assert_eq!(a.headline(), Some("KILL: Harbour reopens after storm repairs"));
        // The general fallback (formats::parse) gives versioncreated the firstcreated.
        let a = crate::formats::parse(newswire_shared::story::SourceFormat::NewsmlG2, broken.as_bytes(), None, "Europe/London".parse().unwrap(), None).unwrap();
        assert_eq!(a.versioncreated.map(|t| t.to_rfc3339()).as_deref(), Some("2022-07-14T09:00:00+01:00"));
        assert_eq!(recorded(&a), [("versioncreated", "unreadable")]);
        assert!(a.newswire.problems[0].detail.starts_with("itemMeta/versionCreated:"), "{}", a.newswire.problems[0].detail);
    }

    #[test]
    fn an_unknown_pubstatus_a_bad_urgency_and_a_bad_version_are_recorded_not_fatal() {
        let broken = ITEM.replace("stat:canceled", "stat:maybe").replace("urgency>2<", "urgency>0<").replace("version=\"5\"", "version=\"five\"");
        assert_eq!(broken.matches("maybe").count() + broken.matches("urgency>0<").count() + broken.matches("five").count(), 3);
        let a = via_record(&broken, Tz::UTC);
        assert_eq!((a.pubstatus, a.urgency, a.version), (PubStatus::Usable, None, 0), "normalize then gives it 1");
        assert_eq!(recorded(&a), [("pubstatus", "unknown"), ("urgency", "out_of_range"), ("version", "unreadable")]);
        let misspelt_kill = parse(&ITEM.replace("stat:canceled", "stat:cancled"), Tz::UTC).unwrap();
        assert_eq!(misspelt_kill.pubstatus, PubStatus::Canceled);
        assert_eq!(recorded(&misspelt_kill), [("pubstatus", "nonstandard")]);
    }
}
