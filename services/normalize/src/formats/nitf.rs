//! IPTC NITF 3.x documents (alone, or inline in a NewsML-G2 item) into the canonical article.
//!
//! The story's uri and version are its identity, decided once
//! ([`newswire_shared::story::identity`]: `doc-id`, `du-key@version`).
//! head: `title`, `docdata` (`urgency@ed-urg`, `date.issue@norm`,
//! `@management-status` and kill `ed-msg`s ([`nitf_status`]),
//! `date.release@norm` (also the embargo, with `ed-msg`s: [`nitf_embargo`]),
//! `doc.copyright@holder`, `key-list`,
//! `identified-content`). body.head: `hedline/hl1` (and `hl2`), `byline`,
//! `dateline`, `abstract`. body.content: the paragraphs. `media` elements of
//! type image become picture associations, not body text.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Association, Concept, Text};
use newswire_shared::stage::StageError;

use crate::formats::xml::{self, Element, Mode};
use crate::formats::{body, first_time, nitf_embargo, nitf_status, time, urgency};
use crate::problems::Field;
use crate::text::clean;

/// Parses a NITF document.
pub fn parse(text: &str, zone: Tz) -> Result<Article, StageError> {
    let root = xml::parse(text, Mode::Xml)?;
    let nitf = if root.name == "nitf" { &root } else { root.find("nitf").unwrap_or(&root) };
    if nitf.name != "nitf" && nitf.find("body.content").is_none() {
        return Err(StageError::new("malformed_nitf", format!("the root element is <{}>, not <nitf>", root.name)));
    }
    let mut article = Article::default();
    read_head(nitf, zone, &mut article);
    read_body(nitf, &mut article)?;
    article.language = nitf.attr_nonblank("lang").map(str::to_owned);
    Ok(article)
}

/// Reads NITF's `head` metadata into `article`. `firstcreated` is
/// `date.issue`, else the dateline's `story.date`, else `pubdata@date.publication`;
/// `versioncreated` is `date.release`, else the same as `firstcreated`.
fn read_head(nitf: &Element, zone: Tz, article: &mut Article) {
    let Some(head) = nitf.child("head") else { return };
    let story_date = nitf.find("story.date").and_then(|d| d.attr_nonblank("norm"));
    let publication = head.child("pubdata").and_then(|p| p.attr_nonblank("date.publication"));
    if let Some(docdata) = head.child("docdata") {
        if let Some(u) = docdata.child("urgency").and_then(|u| u.attr_nonblank("ed-urg")) {
            article.urgency = urgency(article, "docdata/urgency@ed-urg", u);
        }
        nitf_status::read(docdata, article);
        let issue = docdata.child("date.issue").and_then(|d| d.attr_nonblank("norm"));
        let candidates = [("docdata/date.issue@norm", issue), ("dateline/story.date@norm", story_date), ("pubdata@date.publication", publication)];
        article.firstcreated = first_time(article, Field::FirstCreated, candidates.into_iter().filter_map(|(s, v)| Some((s, v?))), zone);
        if let Some(release) = docdata.child("date.release").and_then(|d| d.attr_nonblank("norm")) {
            article.versioncreated = time(article, Field::VersionCreated, "docdata/date.release@norm", release, zone);
        }
        nitf_embargo::read(docdata, article.versioncreated, zone, article);
        article.versioncreated = article.versioncreated.or(article.firstcreated);
        article.copyrightholder = docdata.child("doc.copyright").and_then(|c| c.attr_nonblank("holder")).map(str::to_owned);
        for keyword in docdata.find_all("keyword") {
            if let Some(key) = keyword.attr_nonblank("key") {
                article.subjects.push(Concept { name: Some(clean(key)), rel: Some("keyword".into()), ..Default::default() });
            }
        }
        if let Some(content) = docdata.child("identified-content") {
            read_identified_content(content, article);
        }
    }
    if let Some(title) = head.child_text("title") {
        article.headlines.push(Text::plain("title", title));
    }
}

/// `identified-content`: classifiers and people, organisations and places.
fn read_identified_content(content: &Element, article: &mut Article) {
    for element in content.elements() {
        let name = element.text_nonblank().or_else(|| element.attr_nonblank("value").map(str::to_owned));
        let code = element.attr_nonblank("id-string").or_else(|| element.attr_nonblank("value")).map(str::to_owned);
        let concept = Concept { name: name.clone(), rel: None, uri: None, literal: code.filter(|c| Some(c) != name.as_ref()) };
        if concept.name.is_none() && concept.literal.is_none() {
            continue;
        }
        match element.name.as_str() {
            "person" => article.people.push(concept),
            "org" => article.organisations.push(concept),
            "location" | "country" | "city" | "region" | "state" => article.places.push(concept),
            "classifier" | "event" | "function" | "object.title" | "virtloc" => article.subjects.push(concept),
            _ => {}
        }
    }
}

/// Reads NITF's `body`: headlines, byline, dateline, abstract, paragraphs, pictures.
pub fn read_body(nitf: &Element, article: &mut Article) -> Result<(), StageError> {
    let Some(body_element) = nitf.child("body").or_else(|| if nitf.name == "body" { Some(nitf) } else { None }) else {
        return Ok(());
    };
    if let Some(head) = body_element.child("body.head") {
        if let Some(hedline) = head.child("hedline") {
            let mut found = Vec::new();
            if let Some(hl1) = hedline.child_text("hl1") {
                found.push(Text::plain("main", hl1));
            }
            found.extend(hedline.children_named("hl2").filter_map(Element::text_nonblank).map(|h| Text::plain("sub", h)));
            // The story's own headline goes before the document title.
            article.headlines.splice(0..0, found);
        }
        if let Some(byline) = head.child("byline") {
            article.by = byline_text(byline);
        }
        if let Some(dateline) = head.child("dateline") {
            article.located = dateline.child("location").and_then(Element::text_nonblank).or_else(|| {
                dateline.child("city").and_then(Element::text_nonblank).or_else(|| place_of_dateline(&dateline.text()))
            });
        }
        if let Some(summary) = head.child("abstract").and_then(Element::text_nonblank) {
            article.descriptions.push(Text::plain("summary", summary));
        }
    }
    if let Some(content) = body_element.child("body.content") {
        article.bodies = body::from_element(content, &["media"])?;
        article.associations.extend(pictures(content));
    }
    Ok(())
}

/// A byline's person (or its text without "By"), without the title in `byttl`.
fn byline_text(byline: &Element) -> Option<String> {
    if let Some(person) = byline.child("person").and_then(Element::text_nonblank) {
        return Some(person);
    }
    let mut own = Element { children: byline.children.clone(), ..Default::default() };
    own.children.retain(|c| !matches!(c, xml::Node::Element(e) if e.name == "byttl"));
    let text = own.text();
    let text = text.strip_prefix("By ").or_else(|| text.strip_prefix("BY ")).unwrap_or(&text).trim().to_owned();
    Some(text).filter(|t| !t.is_empty()).or_else(|| byline.child_text("byttl"))
}

/// The place in a written dateline such as "LONDON, Feb 14 (PA) -": the text before the first comma.
pub(crate) fn place_of_dateline(dateline: &str) -> Option<String> {
    let place = dateline.split([',', '(']).next()?.trim();
    Some(place.to_owned()).filter(|p| !p.is_empty())
}

/// `media` elements of type image: a picture with its caption and credit.
fn pictures(content: &Element) -> Vec<Association> {
    content
        .find_all("media")
        .into_iter()
        .filter(|m| m.attr("media-type").is_none_or(|t| t.eq_ignore_ascii_case("image") || t.eq_ignore_ascii_case("photo")))
        .enumerate()
        .map(|(i, media)| Association {
            name: format!("picture-{}", i + 1),
            uri: media.find("media-reference").and_then(|r| r.attr_nonblank("source")).unwrap_or_default().to_owned(),
            kind: Some("picture".into()),
            descriptions: media.child_text("media-caption").map(|c| Text::plain("caption", c)).into_iter().collect(),
            copyrightholder: media.child_text("media-producer"),
            by: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::PubStatus;

    const STORY: &str = include_str!("../../../../tests/fixtures/normalize/nitf-story.xml");

    /// The story as normalize reads a record: its identity (uri, version) included.
    fn via_record(story: &str, zone: Tz) -> Article {
        crate::formats::parse(newswire_shared::story::SourceFormat::Nitf, story.as_bytes(), None, zone, None).unwrap()
    }

    #[test]
    fn nitf_head_and_body_map_to_the_article() {
        let a = via_record(STORY, "Europe/London".parse().unwrap());
        assert_eq!(a.uri, "urn:example:nitf:harbour-2022-02-14");
        assert_eq!(a.version, 3);
        assert_eq!(a.urgency, Some(2));
        assert_eq!(a.headline(), Some("Harbour reopens after storm repairs"));
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.located.as_deref(), Some("Dover"));
        assert_eq!(a.language.as_deref(), Some("en-GB"));
        // date.issue carries an offset; date.release has none and takes the feed zone (GMT in February).
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-02-14T09:00:00+00:00");
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
        assert_eq!(a.embargoed.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00", "released hours after its issue: embargoed until then");
        assert!(a.subjects.iter().any(|s| s.name.as_deref() == Some("ports")));
        assert!(a.people.iter().any(|p| p.name.as_deref() == Some("Ann Smith")));
        let body = a.body_text().unwrap();
        assert!(body.starts_with("The port of Dover reopened"), "{body}");
        assert!(body.contains("Ferries & freight"), "{body}");
        assert!(!body.contains("Lorries queue"), "the caption is not body text: {body}");
        assert_eq!(a.associations.len(), 1);
        assert_eq!(a.associations[0].copyrightholder.as_deref(), Some("Gareth Fuller/PA"));
        assert_eq!(a.associations[0].descriptions[0].value, "Lorries queue on the A20 near Dover");
    }

    fn recorded(a: &Article) -> Vec<(&str, &str)> {
        a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect()
    }

    #[test]
    fn an_impossible_release_date_is_recorded_and_the_story_takes_the_issue_date() {
        let broken = STORY.replace("20220214T162300", "20220230T162300");
        assert_ne!(broken, STORY);
        let a = parse(&broken, Tz::UTC).unwrap();
        assert_eq!(a.headline(), Some("Harbour reopens after storm repairs"));
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2022-02-14T09:00:00+00:00", "date.issue stands in");
        assert_eq!(recorded(&a), [("versioncreated", "unreadable")]);
        assert!(a.newswire.problems[0].detail.contains("date.release"), "{}", a.newswire.problems[0].detail);
    }

    #[test]
    fn the_nitf_template_placeholder_is_recorded_and_the_dateline_date_stands_in() {
        let issue = regex::Regex::new(r#"date\.issue norm="[^"]*""#).unwrap();
        assert!(issue.is_match(STORY), "the fixture has a date.issue");
        let template = issue.replace(STORY, r#"date.issue norm="YYYYMMDD000000-HHMM""#);
        let a = parse(&template, Tz::UTC).unwrap();
        // The fixture's dateline has <story.date norm="20220214T162300">.
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2022-02-14T16:23:00+00:00");
        assert_eq!(recorded(&a), [("firstcreated", "placeholder")]);
        assert!(a.newswire.problems[0].detail.contains("YYYYMMDD000000-HHMM"), "{}", a.newswire.problems[0].detail);
        let story_date = regex::Regex::new(r#"<story\.date norm="[^"]*">"#).unwrap();
        let without_dateline_date = story_date.replace(&template, "<story.date>");
        assert_ne!(without_dateline_date, template);
        let a = parse(&without_dateline_date, Tz::UTC).unwrap();
        assert_eq!(a.firstcreated, None, "nothing else to stand in");
        assert_eq!(recorded(&a), [("firstcreated", "placeholder")]);
    }

    #[test]
    fn a_kill_under_the_original_version_is_read_from_docdata() {
        let killed = STORY.replacen("<docdata>", r#"<docdata management-status="canceled">"#, 1).replace(r#"version="3""#, r#"version="1""#);
        let a = via_record(&killed, Tz::UTC);
        assert_eq!((a.pubstatus, a.version, a.uri.as_str()), (PubStatus::Canceled, 1, "urn:example:nitf:harbour-2022-02-14"));
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
        let advised = STORY.replacen("<docdata>", r#"<docdata><ed-msg msg-type="advisory" info="Kill this story"/>"#, 1);
        let a = parse(&advised, Tz::UTC).unwrap();
        assert_eq!(a.pubstatus, PubStatus::Canceled);
        assert_eq!(recorded(&a), [("pubstatus", "nonstandard")]);
        assert_eq!(parse(STORY, Tz::UTC).unwrap().pubstatus, PubStatus::Usable, "the fixture itself is usable");
    }

    #[test]
    fn an_embargoed_story_is_usable_and_held_until_its_release_or_a_day_when_it_names_no_time() {
        let future = STORY.replacen("<docdata>", r#"<docdata management-status="embargoed">"#, 1).replace("20220214T162300", "20300101T000100Z");
        let a = via_record(&future, Tz::UTC);
        assert_eq!((a.pubstatus, a.embargoed.map(|t| t.to_rfc3339())), (PubStatus::Usable, Some("2030-01-01T00:01:00+00:00".into())));
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
        let release = regex::Regex::new(r#"<date\.release norm="[^"]*"/>"#).unwrap();
        let no_time = release.replace(&future, "");
        assert_ne!(no_time, future, "the fixture has a date.release");
        let a = via_record(&no_time, Tz::UTC);
        assert_eq!(a.pubstatus, PubStatus::Usable);
        assert_eq!(recorded(&a), [("embargoed", "unreadable")]);
        assert_eq!(a.embargoed.unwrap().to_rfc3339(), "2022-02-15T09:00:00+00:00", "a day after the story's time (no arrival in a bare parse)");
    }

    #[test]
    fn bad_urgency_and_version_are_recorded_and_left_out() {
        let broken = STORY.replace(r#"ed-urg="2""#, r#"ed-urg="urgent""#).replace(r#"version="3""#, r#"version="3a""#);
        assert_eq!(broken.matches("urgent").count() + broken.matches("3a").count(), 2, "the fixture has both attributes");
        let a = via_record(&broken, Tz::UTC);
        assert_eq!((a.urgency, a.version), (None, 0), "normalize turns version 0 into 1");
        assert_eq!(recorded(&a), [("urgency", "unreadable"), ("version", "unreadable")]);
    }
}
