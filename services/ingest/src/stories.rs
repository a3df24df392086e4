//! Cutting a validated body into stories, and finding each story's own id.
//!
//! RSS and Atom documents become one story per `<item>`/`<entry>`; a NewsML-G2
//! `packageItem`/`newsMessage` one story per inline `newsItem`, a NewsML 1.x
//! `NewsML` envelope one story per `NewsItem`; everything else
//! is one story. Each story's payload is the exact byte range of its element in
//! the original document. Its identity (the source's own id and version) is
//! decided by the one rule in [`newswire_shared::story::identity`]; when the
//! story has no id, the key falls back to a digest.

use std::ops::Range;

use newswire_shared::story::charset::Charset;
use newswire_shared::story::identity::{identity, Identity};
use newswire_shared::story::xml_fields::{self, Depth};
use newswire_shared::story::SourceFormat;
use crate::rejection::Rejection;
use crate::xml_scan::{self, Scan};

/// Elements a story may be cut from, by local name.
/// (NewsML 1.x's `NewsItem` and NewsML-G2's `newsItem` differ only in case.)
const SPLIT_ELEMENTS: [&str; 4] = ["item", "entry", "newsItem", "NewsItem"];

/// One story found in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// The story's bytes within the body.
    pub range: Range<usize>,
    /// The format of this story's payload.
    pub format: SourceFormat,
    /// The source's id and version of the story, and its re-push mark.
    pub identity: Identity,
}

impl Story {
    /// The story at `range` of `body`, with its identity decided.
    fn new(range: Range<usize>, format: SourceFormat, body: &[u8], charset: &Charset) -> Story {
        let identity = identity(format, &body[range.clone()], charset);
        Story { range, format, identity }
    }
}

/// Limits on the shape of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeLimits {
    /// Deepest XML element nesting accepted.
    pub max_xml_depth: usize,
    /// Most stories one push may hold.
    pub max_stories: usize,
    /// Largest record (key, value and headers) Kafka's topics take, in bytes
    /// (`kafka.max_message_bytes`): a story whose record would be larger is
    /// refused with 413 naming the limit, since retrying could never help.
    pub max_record_bytes: usize,
}

impl Default for ShapeLimits {
    fn default() -> Self {
        ShapeLimits { max_xml_depth: 100, max_stories: 1000, max_record_bytes: newswire_shared::config::KafkaConfig::default().max_message_bytes }
    }
}

/// Finds the stories in a body of `format` (as detected from its Content-Type
/// or by sniffing) whose bytes are known to decode in `charset`.
/// `declared` says whether the format came from an explicit Content-Type.
pub fn split(
    format: SourceFormat,
    declared: bool,
    body: &[u8],
    charset: &Charset,
    limits: ShapeLimits,
) -> Result<Vec<Story>, Rejection> {
    let stories = match format {
        SourceFormat::Ninjs => vec![ninjs_story(body, charset)?],
        SourceFormat::NewsmlG2 | SourceFormat::Newsml1 | SourceFormat::Nitf | SourceFormat::Rss | SourceFormat::Atom => {
            xml_stories(format, declared, body, charset, limits)?
        }
        SourceFormat::Anpa | SourceFormat::Html | SourceFormat::ScrapedText => vec![Story::new(0..body.len(), format, body, charset)],
    };
    if stories.len() > limits.max_stories {
        return Err(Rejection::new(
            413,
            "too_many_stories",
            format!("the document holds {} stories; one push may hold at most {}", stories.len(), limits.max_stories),
        ));
    }
    Ok(stories)
}

fn ninjs_story(body: &[u8], charset: &Charset) -> Result<Story, Rejection> {
    let text = charset.decode_lossy(body);
    let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| Rejection::new(400, "malformed_json", format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let serde_json::Value::Object(map) = value else {
        return Err(Rejection::new(400, "malformed_json", "a ninjs story must be a JSON object at the top level"));
    };
    match map.get("uri") {
        Some(serde_json::Value::String(uri)) if !uri.trim().is_empty() => {}
        None => {}
        Some(other) => {
            return Err(Rejection::new(
                400,
                "invalid_ninjs",
                format!("field `uri` must be a non-empty string, not {other}"),
            ));
        }
    }
    Ok(Story::new(0..body.len(), SourceFormat::Ninjs, body, charset))
}

fn xml_stories(
    declared_format: SourceFormat,
    declared: bool,
    body: &[u8],
    charset: &Charset,
    limits: ShapeLimits,
) -> Result<Vec<Story>, Rejection> {
    if charset.is_utf16() {
        return Err(Rejection::new(
            400,
            "bad_encoding",
            "UTF-16 XML is not accepted: its entries cannot be cut out byte for byte; send it as UTF-8",
        ));
    }
    let scan = xml_scan::scan(body, &SPLIT_ELEMENTS, limits.max_xml_depth)?;
    let (format, split_on) = match scan.root.as_str() {
        "rss" | "RDF" => (SourceFormat::Rss, Some("item")),
        "feed" => (SourceFormat::Atom, Some("entry")),
        "entry" => (SourceFormat::Atom, None),
        "newsItem" => (SourceFormat::NewsmlG2, None),
        "packageItem" | "newsMessage" => (SourceFormat::NewsmlG2, Some("newsItem")),
        "nitf" => (SourceFormat::Nitf, None),
        "NewsML" => (SourceFormat::Newsml1, Some("NewsItem")),
        "NewsItem" => (SourceFormat::Newsml1, None),
        other => {
            return Err(Rejection::new(
                415,
                "unsupported_media_type",
                format!("XML with root element <{other}> is not a supported story format (NewsML-G2, NewsML 1.2, NITF, RSS, Atom)"),
            ))
        }
    };
    if declared && format != declared_format {
        return Err(Rejection::new(
            400,
            "format_mismatch",
            format!("the Content-Type says {} but the root element is <{}>", declared_format.name(), scan.root),
        ));
    }
    let ranges: Vec<Range<usize>> = match split_on {
        Some(element) => entry_ranges(&scan, element, format)?,
        None => std::iter::once(0..body.len()).collect(),
    };
    let stories: Vec<Story> = ranges.into_iter().map(|range| Story::new(range, format, body, charset)).collect();
    if format == SourceFormat::Newsml1 {
        return newsml_1_stories(stories, body);
    }
    if format == SourceFormat::NewsmlG2 && split_on.is_some() {
        return g2_text_items(stories, body, charset, &scan.root);
    }
    Ok(stories)
}

/// The G2 item classes that are no text story (IPTC NatureCodes).
const G2_MEDIA_CLASSES: [&str; 5] = ["picture", "graphic", "video", "audio", "animated"];

/// The inline `newsItem`s of a package or news message that are text: a
/// picture, graphic, video or audio item carried alongside is no story of its
/// own (newswire publishes text articles). A message whose inline items are
/// all media is refused with the reason.
fn g2_text_items(stories: Vec<Story>, body: &[u8], charset: &Charset, root: &str) -> Result<Vec<Story>, Rejection> {
    let is_media = |story: &Story| {
        xml_fields::attribute(&body[story.range.clone()], charset, Depth::Anywhere, "itemClass", "qcode")
            .is_some_and(|q| G2_MEDIA_CLASSES.contains(&q.rsplit([':', '/']).next().unwrap_or_default()))
    };
    let kept: Vec<Story> = stories.into_iter().filter(|s| !is_media(s)).collect();
    if kept.is_empty() {
        return Err(Rejection::new(
            400,
            "no_stories",
            format!("the <{root}> holds no inline text <newsItem>, only pictures, video or audio; newswire takes text stories"),
        ));
    }
    Ok(kept)
}

/// The NewsML 1.x items that have something to make an article of; an envelope
/// of none (an index, bare references) is refused like a G2 package of references.
fn newsml_1_stories(stories: Vec<Story>, body: &[u8]) -> Result<Vec<Story>, Rejection> {
    let kept: Vec<Story> = stories.into_iter().filter(|s| crate::newsml_1::has_content(&body[s.range.clone()])).collect();
    if kept.is_empty() {
        return Err(Rejection::new(
            400,
            "no_stories",
            "no <NewsItem> holds a headline or any content (an index or references to other items); push the items themselves",
        ));
    }
    Ok(kept)
}

fn entry_ranges(scan: &Scan, element: &str, format: SourceFormat) -> Result<Vec<Range<usize>>, Rejection> {
    let ranges: Vec<Range<usize>> = scan.ranges(element).collect();
    if !ranges.is_empty() {
        return Ok(ranges);
    }
    if format == SourceFormat::NewsmlG2 {
        // A package that only references its items (itemRef) has no story text of
        // its own: nothing downstream could make an article of it.
        return Err(Rejection::new(
            400,
            "no_stories",
            format!("the <{}> holds no inline <newsItem>, only references to items; push the newsItems themselves", scan.root),
        ));
    }
    Err(Rejection::new(400, "no_stories", format!("the {} document holds no <{element}>", format.name())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::story::charset;

    fn stories(format: SourceFormat, body: &[u8]) -> Result<Vec<Story>, Rejection> {
        let cs = charset::decide(None, body).unwrap();
        split(format, false, body, &cs, ShapeLimits::default())
    }

    #[test]
    fn an_rss_document_yields_one_story_per_item_keyed_by_guid_then_link() {
        let doc = b"<rss version='2.0'><channel><title>t</title>\
            <item><guid>g-1</guid><link>http://x/1</link></item>\
            <item><link>http://x/2</link></item>\
            <item><title>no id</title></item></channel></rss>";
        let found = stories(SourceFormat::Rss, doc).unwrap();
        let guids: Vec<_> = found.iter().map(|s| s.identity.guid.as_deref()).collect();
        assert_eq!(guids, vec![Some("g-1"), Some("http://x/2"), None]);
        assert!(found.iter().all(|s| s.format == SourceFormat::Rss && doc[s.range.clone()].starts_with(b"<item>")));
    }

    #[test]
    fn a_kill_under_the_same_version_is_told_apart_from_that_version() {
        let g2 = |status: &str| format!("<newsItem guid='urn:a' version='2'><itemMeta><pubStatus qcode='{status}'/></itemMeta></newsItem>");
        let (usable, kill) = (g2("stat:usable"), g2("stat:canceled"));
        let version_of = |format, doc: &str| stories(format, doc.as_bytes()).unwrap()[0].identity.repush_mark.clone();
        assert_eq!(version_of(SourceFormat::NewsmlG2, &usable).as_deref(), Some("2 stat:usable"));
        assert_eq!(version_of(SourceFormat::NewsmlG2, &kill).as_deref(), Some("2 stat:canceled"));
        let ninjs = version_of(SourceFormat::Ninjs, r#"{"uri":"urn:n","version":"2","pubstatus":"canceled"}"#);
        assert_eq!(ninjs.as_deref(), Some("2 canceled"));
        assert_eq!(version_of(SourceFormat::Ninjs, r#"{"uri":"urn:n","version":"2"}"#).as_deref(), Some("2"), "no status stated");
    }

    #[test]
    fn an_atom_feed_yields_entries_with_id_and_updated_as_version() {
        let doc = b"<feed xmlns='http://www.w3.org/2005/Atom'><id>feed</id>\
            <entry><id>urn:e1</id><updated>2024-01-01T00:00:00Z</updated></entry><entry><id>urn:e2</id></entry></feed>";
        let found = stories(SourceFormat::Atom, doc).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].identity.guid.as_deref(), found[0].identity.repush_mark.as_deref()),
            (Some("urn:e1"), Some("2024-01-01T00:00:00Z"))
        );
        assert_eq!(found[1].identity.guid.as_deref(), Some("urn:e2"));
    }

    #[test]
    fn a_newsml_package_yields_its_inline_news_items_and_a_package_of_references_only_is_refused() {
        let doc = b"<newsMessage xmlns='http://iptc.org/std/nar/2006-10-01/'><itemSet>\
            <newsItem guid='urn:a' version='2'/><newsItem guid='urn:b' version='1'><contentSet/></newsItem></itemSet></newsMessage>";
        let found = stories(SourceFormat::NewsmlG2, doc).unwrap();
        let ids: Vec<_> = found.iter().map(|s| (s.identity.guid.as_deref(), s.identity.repush_mark.as_deref())).collect();
        assert_eq!(ids, vec![(Some("urn:a"), Some("2")), (Some("urn:b"), Some("1"))]);
        let bare = b"<packageItem guid='urn:p' version='3'><groupSet/></packageItem>";
        let err = stories(SourceFormat::NewsmlG2, bare).unwrap_err();
        assert_eq!((err.status, err.error), (400, "no_stories"));
        assert!(err.detail.contains("only references"), "{}", err.detail);
    }

    #[test]
    fn a_newsml_1_envelope_yields_one_story_per_news_item_keyed_without_the_revision() {
        let item = |id: &str, rev: &str| {
            format!(
                "<NewsItem><Identification><NewsIdentifier><ProviderId>afp.com</ProviderId><DateId>20240315</DateId>\
                 <NewsItemId>{id}</NewsItemId><RevisionId Update='N'>{rev}</RevisionId>\
                 <PublicIdentifier>urn:newsml:afp.com:20240315:{id}:{rev}</PublicIdentifier></NewsIdentifier></Identification>\
                 <NewsComponent><NewsLines><HeadLine>Story {id}</HeadLine></NewsLines></NewsComponent></NewsItem>"
            )
        };
        let doc = format!("<NewsML Version='1.2'><NewsEnvelope/>{}{}</NewsML>", item("TX-1", "1"), item("TX-2", "3"));
        let found = stories(SourceFormat::Newsml1, doc.as_bytes()).unwrap();
        let ids: Vec<_> = found.iter().map(|s| (s.identity.guid.as_deref(), s.identity.repush_mark.as_deref(), s.format)).collect();
        assert_eq!(
            ids,
            vec![
                (Some("urn:newsml:afp.com:20240315:TX-1"), Some("1"), SourceFormat::Newsml1),
                (Some("urn:newsml:afp.com:20240315:TX-2"), Some("3"), SourceFormat::Newsml1)
            ]
        );
        assert!(doc.as_bytes()[found[1].range.clone()].starts_with(b"<NewsItem><Identification>"));
        // A bare NewsItem is one story; G2's lower-case newsItem is still G2.
        let bare = item("TX-9", "2");
        let found = stories(SourceFormat::NewsmlG2, bare.as_bytes()).unwrap();
        assert_eq!((found.len(), found[0].format, found[0].identity.guid.as_deref()), (1, SourceFormat::Newsml1, Some("urn:newsml:afp.com:20240315:TX-9")));
        // Items with nothing to make an article of are left out; an envelope of only those is refused.
        let empty = bare.replace("Story TX-9", "");
        let found = stories(SourceFormat::Newsml1, format!("<NewsML>{empty}{}</NewsML>", item("TX-3", "1")).as_bytes()).unwrap();
        assert_eq!(found.iter().map(|s| s.identity.guid.as_deref()).collect::<Vec<_>>(), vec![Some("urn:newsml:afp.com:20240315:TX-3")]);
        let err = stories(SourceFormat::Newsml1, format!("<NewsML>{empty}</NewsML>").as_bytes()).unwrap_err();
        assert_eq!((err.status, err.error), (400, "no_stories"));
    }

    #[test]
    fn feeds_without_entries_are_refused() {
        let err = stories(SourceFormat::Rss, b"<rss><channel><title>t</title></channel></rss>").unwrap_err();
        assert_eq!((err.status, err.error), (400, "no_stories"));
    }

    #[test]
    fn the_root_element_must_agree_with_a_declared_type() {
        let cs = charset::decide(None, b"").unwrap();
        let err = split(SourceFormat::Rss, true, b"<nitf/>", &cs, ShapeLimits::default()).unwrap_err();
        assert_eq!(err.error, "format_mismatch");
        let err = stories(SourceFormat::NewsmlG2, b"<catalog/>").unwrap_err();
        assert_eq!(err.status, 415);
    }

    #[test]
    fn ninjs_must_be_an_object_with_a_string_uri_and_errors_name_the_line() {
        let found = stories(SourceFormat::Ninjs, br#"{"uri":"urn:n","version":3}"#).unwrap();
        assert_eq!((found[0].identity.guid.as_deref(), found[0].identity.repush_mark.as_deref()), (Some("urn:n"), Some("3")));
        let err = stories(SourceFormat::Ninjs, b"{\n  \"uri\": \"x\",\n  oops\n}").unwrap_err();
        assert_eq!(err.error, "malformed_json");
        assert!(err.detail.starts_with("line 3"), "{}", err.detail);
        assert_eq!(stories(SourceFormat::Ninjs, b"[1]").unwrap_err().error, "malformed_json");
        assert_eq!(stories(SourceFormat::Ninjs, br#"{"uri":7}"#).unwrap_err().error, "invalid_ninjs");
    }

    #[test]
    fn an_anpa_message_is_keyed_by_its_header() {
        let msg = b"\x16\x16\x01a0123  r  i  BC-Lavrov  0452\x02\nLavrov talks\x03";
        let found = stories(SourceFormat::Anpa, msg).unwrap();
        assert_eq!(found[0].identity.guid.as_deref(), Some("a0123 r i BC-Lavrov 0452"));
    }

    #[test]
    fn more_stories_than_the_limit_are_refused() {
        let doc = format!("<rss><channel>{}</channel></rss>", "<item><guid>x</guid></item>".repeat(3));
        let cs = charset::decide(None, b"").unwrap();
        let err = split(SourceFormat::Rss, false, doc.as_bytes(), &cs, ShapeLimits { max_xml_depth: 10, max_stories: 2, ..ShapeLimits::default() })
            .unwrap_err();
        assert_eq!((err.status, err.error), (413, "too_many_stories"));
    }

    #[test]
    fn an_xml_document_starting_with_a_utf8_bom_is_split_like_any_other() {
        let doc = b"\xEF\xBB\xBF<?xml version='1.0'?><rss><channel><item><guid>b</guid></item></channel></rss>";
        let cs = charset::decide(None, doc).unwrap();
        let found = split(SourceFormat::Rss, false, doc, &cs, ShapeLimits::default()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].identity.guid.as_deref(), Some("b"));
        assert_eq!(&doc[found[0].range.clone()], b"<item><guid>b</guid></item>");
    }
}
