//! Finding a feed's WebSub hub: `<link rel="hub" href="…">` and
//! `<link rel="self" href="…">` (Atom's own links, or `atom:link` in RSS).

use newswire_shared::story::xml_guard;
use quick_xml::events::Event;

/// A hub a feed advertises, and the topic (its `self` URL) to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertised {
    /// The hub's URL.
    pub hub: String,
    /// The feed's `self` URL: the topic.
    pub topic: String,
}

/// The hub and topic a feed document advertises, when it names both.
/// Only the links before the first item or entry count (the feed's own, not an entry's).
pub fn discover(document: &[u8]) -> Option<Advertised> {
    let mut reader = quick_xml::Reader::from_reader(document);
    let (mut hub, mut topic) = (None, None);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                match e.local_name().as_ref() {
                    b"item" | b"entry" => break,
                    b"link" => {}
                    _ => continue,
                }
                let (mut rel, mut href) = (None, None);
                for attribute in e.attributes().flatten() {
                    let value = std::str::from_utf8(&attribute.value).ok().and_then(|v| xml_guard::unescape(v).ok());
                    match attribute.key.local_name().as_ref() {
                        b"rel" => rel = value.map(|v| v.into_owned()),
                        b"href" => href = value.map(|v| v.trim().to_owned()),
                        _ => {}
                    }
                }
                let (Some(rel), Some(href)) = (rel, href) else { continue };
                for word in rel.split_ascii_whitespace() {
                    if word.eq_ignore_ascii_case("hub") && hub.is_none() {
                        hub = Some(href.clone());
                    } else if word.eq_ignore_ascii_case("self") && topic.is_none() {
                        topic = Some(href.clone());
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Some(Advertised { hub: hub?, topic: topic? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rss_feed_with_atom_links_advertises_its_hub_and_topic() {
        let rss = br#"<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>
            <atom:link rel="self" href="https://feeds.example/rss?a=1&amp;b=2"/>
            <atom:link rel="hub" href="https://hub.example/"/>
            <item><link>https://feeds.example/story</link></item></channel></rss>"#;
        assert_eq!(
            discover(rss),
            Some(Advertised { hub: "https://hub.example/".into(), topic: "https://feeds.example/rss?a=1&b=2".into() })
        );
    }

    #[test]
    fn an_atom_feed_advertises_through_its_own_links_only() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub self" href="https://x.example/f"/>
            <entry><link rel="hub" href="https://entry.example/"/></entry></feed>"#;
        assert_eq!(discover(atom), Some(Advertised { hub: "https://x.example/f".into(), topic: "https://x.example/f".into() }));
        let entry_only = br#"<feed><link rel="self" href="https://x.example/f"/><entry><link rel="hub" href="https://h/"/></entry></feed>"#;
        assert_eq!(discover(entry_only), None, "an entry's link is not the feed's hub");
        assert_eq!(discover(b"<rss><channel><link>https://x.example/</link></channel></rss>"), None);
        assert_eq!(discover(b"not xml <<<"), None);
    }
}
