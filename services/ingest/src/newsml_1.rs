//! IPTC NewsML 1.x at the door: whether one `NewsItem` is a story at all.
//!
//! NewsML 1.x is told from NewsML-G2 by the case of its element names (`NewsML`,
//! `NewsItem` against G2's `newsItem`); a `NewsML` envelope is split into one
//! story per `NewsItem` (see [`crate::stories`]). Its id and revision are
//! decided with every other format's: [`newswire_shared::story::identity`].

use quick_xml::events::Event;
use quick_xml::Reader;

/// Whether a `NewsItem` fragment has anything to make an article of: a
/// `HeadLine` with text, or a `ContentItem` with `DataContent` or an `Href`.
/// An item of neither (an index page, a bare reference) is no story.
pub fn has_content(fragment: &[u8]) -> bool {
    let mut reader = Reader::from_reader(fragment);
    let mut in_headline = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"DataContent" => return true,
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"ContentItem" => {
                if e.attributes().flatten().any(|a| a.key.local_name().as_ref() == b"Href" && !a.value.trim_ascii().is_empty()) {
                    return true;
                }
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"HeadLine" => in_headline = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == b"HeadLine" => in_headline = false,
            Ok(Event::Text(t)) if in_headline && !t.trim_ascii().is_empty() => return true,
            Ok(Event::GeneralRef(_) | Event::CData(_)) if in_headline => return true,
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_with_a_headline_or_content_is_a_story_and_an_empty_index_is_not() {
        assert!(has_content(b"<NewsItem><NewsComponent><NewsLines><HeadLine>Flash</HeadLine></NewsLines></NewsComponent></NewsItem>"));
        assert!(has_content(b"<NewsItem><NewsComponent><ContentItem><DataContent><p>x</p></DataContent></ContentItem></NewsComponent></NewsItem>"));
        assert!(has_content(b"<NewsItem><NewsComponent><ContentItem Href='photo.jpg'/></NewsComponent></NewsItem>"));
        assert!(!has_content(b"<NewsItem><Identification/><NewsComponent><NewsLines><HeadLine/></NewsLines></NewsComponent></NewsItem>"));
    }
}
