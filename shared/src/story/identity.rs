//! A story's identity: which id and version the source gave it, decided once,
//! at ingest, from the story's own bytes ([`identity`]), carried in the
//! `newswire-source-id` / `newswire-source-version` headers
//! ([`Identity::write_headers`]) and trusted by normalize, which makes the
//! article's uri of it ([`Identity::uri`]) and re-derives nothing.
//!
//! The rule per format, strongest evidence first (what a wire editor calls the
//! story's id; a later version of it keeps the id and raises the version):
//!
//! | format | id | version |
//! |---|---|---|
//! | ninjs | `uri` | `version` |
//! | NewsML-G2 | the item's `guid` | the item's `version` |
//! | NewsML 1.x | the `NewsIdentifier` without its revision ([`crate::newsml_1_id`]) | `RevisionId` |
//! | NITF | `docdata/doc-id@id-string` | `docdata/du-key@version` |
//! | RSS | the item's `guid`, else its `link`, else (RSS 1.0) its `rdf:about` | none |
//! | Atom | the entry's `id`, else its `link` (`rel` absent or `alternate`) `href` | none (`updated` tells edits apart) |
//! | HTML | the page's canonical URL, when it names an article ([`crate::story::page_url`]) | none |
//! | IPTC 7901 | none for the uri; the message header keys the record | none |
//! | text | none | none |
//!
//! A story without an id of its own is named by a digest of its bytes: its
//! record key, which ingest makes from that digest.

use crate::article::UriSource;
use crate::kafka::headers::{self, HeaderMap};
use crate::newsml_1_id::{stable_id, NewsIdentifier};
use crate::story::charset::Charset;
use crate::story::page_url;
use crate::story::xml_fields::{attribute, attribute_value, find_element, root_name, text_of, Depth};
use crate::story::SourceFormat;

/// What the source says a story is: its id and version, and what ingest needs
/// to recognise the same version sent again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The source's own id for the story, when its format carries one.
    pub guid: Option<String>,
    /// The source's version of the story as stated (`"3"`), when its format carries one.
    pub version: Option<String>,
    /// What makes this version of the story this version, for recognising a
    /// re-push: the version qualified by the publication status the source
    /// states (`3 stat:canceled`, so a kill sent under the killed item's own
    /// version number is no re-push of it), or an Atom entry's `updated`.
    /// `None` where the format cannot say: a NITF kill may be stated only in
    /// free text (`ed-msg`), so NITF versions mark no re-push.
    pub repush_mark: Option<String>,
}

/// The identity of one story's bytes in `format`, read as `charset`. Bytes
/// that do not parse give what could be read (ingest refuses them before).
pub fn identity(format: SourceFormat, story: &[u8], charset: &Charset) -> Identity {
    match format {
        SourceFormat::Ninjs => ninjs(story, charset),
        SourceFormat::NewsmlG2 => newsml_g2(story, charset),
        SourceFormat::Newsml1 => newsml_1(story, charset),
        SourceFormat::Nitf => Identity {
            guid: attribute(story, charset, Depth::Anywhere, "doc-id", "id-string"),
            version: attribute(story, charset, Depth::Anywhere, "du-key", "version"),
            repush_mark: None,
        },
        SourceFormat::Rss => Identity {
            guid: text_of(story, charset, Depth::Child, "guid")
                .or_else(|| text_of(story, charset, Depth::Child, "link"))
                .or_else(|| attribute(story, charset, Depth::Root, "item", "about")),
            ..Identity::default()
        },
        SourceFormat::Atom => Identity {
            guid: text_of(story, charset, Depth::Child, "id").or_else(|| atom_link(story, charset)),
            version: None,
            repush_mark: text_of(story, charset, Depth::Child, "updated"),
        },
        SourceFormat::Html => Identity { guid: page_url::canonical_url(story, charset), ..Identity::default() },
        SourceFormat::Anpa => Identity { guid: anpa_header(story, charset), ..Identity::default() },
        SourceFormat::ScrapedText => Identity::default(),
    }
}

impl Identity {
    /// Writes the identity to a record's headers: `newswire-source-id` always
    /// (empty when the story has no id of its own, so that a reader knows ingest
    /// decided), `newswire-source-version` when the source gave a version.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert(headers::SOURCE_ID, self.guid.as_deref().unwrap_or_default());
        if let Some(version) = &self.version {
            headers.insert(headers::SOURCE_VERSION, version.as_str());
        }
    }

    /// The identity ingest wrote to a record's headers, or `None` for a record
    /// without them (written by a producer older than the headers).
    pub fn from_headers(headers: &HeaderMap) -> Option<Identity> {
        let guid = headers.get(headers::SOURCE_ID)?;
        let text = |bytes: &[u8]| Some(String::from_utf8_lossy(bytes).trim().to_owned()).filter(|t| !t.is_empty());
        Some(Identity { guid: text(guid), version: headers.get(headers::SOURCE_VERSION).and_then(text), repush_mark: None })
    }

    /// The story's uri and the evidence it stands on, for a story of `format`
    /// from `feed` under the record key `key`: the source's id when it is a URI;
    /// a bare id (an RSS guid such as `12345`, unique only within its feed) as
    /// `urn:newswire:{feed}:id:{id}`; no id, or an IPTC 7901 header (it names
    /// one message, word count included, not a story), `urn:newswire:{feed}:{key}`.
    pub fn uri(&self, format: SourceFormat, feed: &str, key: &str) -> (String, UriSource) {
        match self.guid.as_deref().filter(|_| format != SourceFormat::Anpa) {
            None => (format!("urn:newswire:{feed}:{key}"), UriSource::Digest),
            Some(guid) if !guid.contains(':') => (format!("urn:newswire:{feed}:id:{guid}"), UriSource::SourceId),
            Some(guid) if format == SourceFormat::Html => (guid.to_owned(), UriSource::PageUrl),
            Some(guid) => (guid.to_owned(), UriSource::SourceId),
        }
    }
}

/// Where the version of a story of `format` is written in its source, for
/// people (a version that is no whole number is recorded naming it).
pub fn version_field(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::NewsmlG2 => "newsItem@version",
        SourceFormat::Newsml1 => "NewsIdentifier/RevisionId",
        SourceFormat::Nitf => "docdata/du-key@version",
        _ => "version",
    }
}

/// A version qualified by the publication status the source states.
fn with_status(version: Option<String>, status: Option<String>) -> Option<String> {
    let status = status.map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty());
    match (version, status) {
        (Some(v), Some(s)) => Some(format!("{v} {s}")),
        (version, _) => version,
    }
}

fn ninjs(story: &[u8], charset: &Charset) -> Identity {
    let text = charset.decode_lossy(story);
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}')) else {
        return Identity::default();
    };
    let guid = map.get("uri").and_then(serde_json::Value::as_str).map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned);
    let version = match map.get("version") {
        Some(serde_json::Value::String(v)) => Some(v.trim().to_owned()).filter(|v| !v.is_empty()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let status = map.get("pubstatus").and_then(serde_json::Value::as_str).map(str::to_owned);
    Identity { guid, repush_mark: with_status(version.clone(), status), version }
}

fn newsml_g2(story: &[u8], charset: &Charset) -> Identity {
    let root = root_name(story).unwrap_or_default();
    let version = attribute(story, charset, Depth::Root, &root, "version");
    let status = attribute(story, charset, Depth::Anywhere, "pubStatus", "qcode");
    Identity { guid: attribute(story, charset, Depth::Root, &root, "guid"), repush_mark: with_status(version.clone(), status), version }
}

fn newsml_1(story: &[u8], charset: &Charset) -> Identity {
    let text = |name: &str| text_of(story, charset, Depth::Anywhere, name);
    let (provider, date, item, revision, public) =
        (text("ProviderId"), text("DateId"), text("NewsItemId"), text("RevisionId"), text("PublicIdentifier"));
    let update = attribute(story, charset, Depth::Anywhere, "RevisionId", "Update");
    let guid = stable_id(&NewsIdentifier {
        provider_id: provider.as_deref(),
        date_id: date.as_deref(),
        news_item_id: item.as_deref(),
        revision_id: revision.as_deref(),
        update: update.as_deref(),
        public_identifier: public.as_deref(),
    });
    let status = attribute(story, charset, Depth::Anywhere, "Status", "FormalName");
    Identity { guid, repush_mark: with_status(revision.clone(), status), version: revision }
}

/// An Atom entry's link to its article: the first `link` whose `rel` is absent or `alternate`.
fn atom_link(entry: &[u8], charset: &Charset) -> Option<String> {
    find_element(entry, Depth::Child, "link", |link| {
        let rel = attribute_value(link, charset, "rel");
        rel.is_none_or(|r| r == "alternate").then(|| attribute_value(link, charset, "href")).flatten()
    })
}

/// The IPTC 7901 / ANPA-1312 message header: the text between SOH and STX (or
/// the end of the first line), with runs of white space collapsed. It carries
/// the service, message number, priority, category and keyword.
fn anpa_header(body: &[u8], charset: &Charset) -> Option<String> {
    let start = body.iter().position(|b| *b == 0x01)? + 1;
    let rest = &body[start..];
    let end = rest.iter().position(|b| matches!(b, 0x02 | b'\n' | b'\r')).unwrap_or(rest.len());
    let header = charset.decode_lossy(&rest[..end]);
    let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
    (!header.is_empty()).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::charset;

    fn of(format: SourceFormat, story: &str) -> Identity {
        identity(format, story.as_bytes(), &charset::decide(None, story.as_bytes()).unwrap())
    }

    fn guid(format: SourceFormat, story: &str) -> Option<String> {
        of(format, story).guid
    }

    #[test]
    fn rss_takes_the_guid_then_the_link_then_rdf_about() {
        assert_eq!(guid(SourceFormat::Rss, "<item><link>http://x/1</link><guid>g-1</guid></item>").as_deref(), Some("g-1"));
        assert_eq!(guid(SourceFormat::Rss, "<item><link>http://x/2</link></item>").as_deref(), Some("http://x/2"));
        assert_eq!(guid(SourceFormat::Rss, "<rss:item rdf:about='http://x/3'><title>t</title></rss:item>").as_deref(), Some("http://x/3"));
        assert_eq!(guid(SourceFormat::Rss, "<item><title>no id</title></item>"), None);
    }

    #[test]
    fn atom_takes_the_entry_id_then_its_alternate_link_never_a_source_feed_id() {
        let entry = "<entry><source><id>urn:feed</id></source><id>urn:e1</id><updated>2024-01-01T00:00:00Z</updated></entry>";
        let id = of(SourceFormat::Atom, entry);
        assert_eq!((id.guid.as_deref(), id.version, id.repush_mark.as_deref()), (Some("urn:e1"), None, Some("2024-01-01T00:00:00Z")));
        let linked = "<entry><link rel='self' href='http://x/self'/><link href='http://x/article'/></entry>";
        assert_eq!(guid(SourceFormat::Atom, linked).as_deref(), Some("http://x/article"));
    }

    #[test]
    fn versioned_formats_qualify_the_repush_mark_by_the_stated_status() {
        let g2 = of(SourceFormat::NewsmlG2, "<newsItem guid='urn:a' version='2'><itemMeta><pubStatus qcode='stat:canceled'/></itemMeta></newsItem>");
        assert_eq!((g2.guid.as_deref(), g2.version.as_deref(), g2.repush_mark.as_deref()), (Some("urn:a"), Some("2"), Some("2 stat:canceled")));
        let ninjs = of(SourceFormat::Ninjs, r#"{"uri":" urn:n ","version":3,"pubstatus":"usable"}"#);
        assert_eq!((ninjs.guid.as_deref(), ninjs.version.as_deref(), ninjs.repush_mark.as_deref()), (Some("urn:n"), Some("3"), Some("3 usable")));
        let nitf = of(SourceFormat::Nitf, "<nitf><head><docdata management-status='canceled'><doc-id id-string='NW-1'/><du-key version='4'/></docdata></head></nitf>");
        assert_eq!((nitf.guid.as_deref(), nitf.version.as_deref(), nitf.repush_mark), (Some("NW-1"), Some("4"), None));
    }

    #[test]
    fn the_uri_is_the_id_a_bare_id_within_its_feed_or_the_key() {
        let id = |guid: Option<&str>| Identity { guid: guid.map(str::to_owned), ..Identity::default() };
        assert_eq!(id(Some("urn:x:1")).uri(SourceFormat::Ninjs, "pa", "k"), ("urn:x:1".into(), UriSource::SourceId));
        assert_eq!(id(Some("12345")).uri(SourceFormat::Rss, "pa", "k"), ("urn:newswire:pa:id:12345".into(), UriSource::SourceId));
        assert_eq!(id(Some("https://ex.org/a")).uri(SourceFormat::Html, "pa", "k"), ("https://ex.org/a".into(), UriSource::PageUrl));
        assert_eq!(id(None).uri(SourceFormat::ScrapedText, "pa", "k"), ("urn:newswire:pa:k".into(), UriSource::Digest));
        assert_eq!(id(Some("a0123 r i BC-Lavrov")).uri(SourceFormat::Anpa, "pa", "k"), ("urn:newswire:pa:k".into(), UriSource::Digest));
    }

    #[test]
    fn the_headers_carry_the_decision_and_a_record_without_them_has_none() {
        let mut h = HeaderMap::new();
        Identity { guid: Some("urn:a".into()), version: Some("2".into()), repush_mark: Some("2 usable".into()) }.write_headers(&mut h);
        assert_eq!(Identity::from_headers(&h), Some(Identity { guid: Some("urn:a".into()), version: Some("2".into()), repush_mark: None }));
        let mut none = HeaderMap::new();
        Identity::default().write_headers(&mut none);
        assert_eq!(none.get_str(headers::SOURCE_ID), Some(""), "decided: no id of its own");
        assert_eq!(Identity::from_headers(&none), Some(Identity::default()));
        assert_eq!(Identity::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn an_anpa_message_is_keyed_by_its_header() {
        assert_eq!(guid(SourceFormat::Anpa, "\u{16}\u{16}\u{1}a0123  r  i  BC-Lavrov  0452\u{2}\nLavrov talks\u{3}").as_deref(), Some("a0123 r i BC-Lavrov 0452"));
    }
}
