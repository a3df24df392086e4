//! The content of a NewsML 1.x `NewsComponent`: which `ContentItem`s are story
//! text and how their `DataContent` is read (inline NITF, XHTML, a bare
//! paragraph fragment, plain text), and which components are pictures.
//!
//! A `ContentItem` is a picture when its `MediaType` is `Photo`/`Graphic`/`Image`,
//! its `MimeType` is `image/*` or its `Format` is an image format; it is text
//! when it carries inline `DataContent` and is no picture, audio or video (a
//! text held only by `Href` cannot be read here).

use newswire_shared::article::{Article, Association, Text};
use newswire_shared::stage::StageError;

use crate::formats::xml::{Element, Node};
use crate::formats::{body, nitf};

/// `Format`s that are pictures whatever the `MediaType` says.
const PICTURE_FORMATS: &[&str] = &["jpg", "jpeg", "png", "gif", "tiff", "tif", "webp"];

/// Renditions of a picture, the one to link first.
const RENDITION_PREFERENCE: &[&str] = &["highres", "highdef", "main", "preview", "quicklook", "web", "thumbnail"];

/// The `FormalName` of `element`'s child `child`, lower-cased.
pub fn formal_name(element: &Element, child: &str) -> Option<String> {
    element.child(child).and_then(|c| c.attr_nonblank("FormalName")).map(str::to_ascii_lowercase)
}

/// The component's `Role FormalName`, lower-cased.
pub fn role(component: &Element) -> Option<String> {
    formal_name(component, "Role")
}

/// Whether a `ContentItem` is a picture.
pub fn is_picture(item: &Element) -> bool {
    let media = formal_name(item, "MediaType").unwrap_or_default();
    let mime = formal_name(item, "MimeType").unwrap_or_default();
    let format = formal_name(item, "Format").unwrap_or_default();
    matches!(media.as_str(), "photo" | "graphic" | "image" | "picture")
        || mime.starts_with("image/")
        || PICTURE_FORMATS.contains(&format.as_str())
}

/// Whether a `ContentItem` is story text held inline: inline `DataContent` that
/// is no picture, audio or video (TASS sends its NITF as `ComplexData`).
pub fn is_text(item: &Element) -> bool {
    let media = formal_name(item, "MediaType").unwrap_or_default();
    let mime = formal_name(item, "MimeType").unwrap_or_default();
    let av = matches!(media.as_str(), "audio" | "video") || mime.starts_with("audio/") || mime.starts_with("video/");
    !av && !is_picture(item) && item.child("DataContent").is_some()
}

/// Whether the component holds a picture: a picture `ContentItem` of its own, or
/// only renditions and captions below it.
pub fn is_picture_component(component: &Element) -> bool {
    if component.children_named("ContentItem").any(is_picture) {
        return true;
    }
    if component.children_named("ContentItem").any(is_text) {
        return false;
    }
    let parts: Vec<&Element> = component.children_named("NewsComponent").collect();
    parts.iter().any(|p| p.children_named("ContentItem").any(is_picture))
        && parts.iter().all(|p| p.children_named("ContentItem").any(is_picture) || role(p).as_deref() == Some("caption"))
}

/// A picture component as an association (without its name, which the story
/// assigns): the preferred rendition's `Href`, the caption (a `Caption` part,
/// else the component's `HeadLine`), the credit and the photographer.
pub fn picture(component: &Element) -> Association {
    let renditions: Vec<(Option<String>, &Element)> = std::iter::once(component)
        .chain(component.children_named("NewsComponent"))
        .flat_map(|c| c.children_named("ContentItem").filter(|i| is_picture(i)).map(move |i| (role(c), i)))
        .collect();
    let rank = |role: &Option<String>| {
        role.as_deref().and_then(|r| RENDITION_PREFERENCE.iter().position(|p| *p == r)).unwrap_or(RENDITION_PREFERENCE.len())
    };
    let best = renditions.iter().min_by_key(|(role, _)| rank(role)).map(|(_, item)| *item);
    let caption = component
        .children_named("NewsComponent")
        .find(|c| role(c).as_deref() == Some("caption"))
        .and_then(|c| c.find("DataContent"))
        .and_then(Element::text_nonblank)
        .or_else(|| component.child("NewsLines").and_then(|l| l.child_text("HeadLine")));
    let lines = component.child("NewsLines");
    let admin = component.child("AdministrativeMetadata");
    Association {
        name: String::new(),
        uri: best.and_then(|i| i.attr_nonblank("Href")).unwrap_or_default().to_owned(),
        kind: Some("picture".into()),
        descriptions: caption.map(|c| Text::plain("caption", c)).into_iter().collect(),
        copyrightholder: lines.and_then(|l| l.child_text("CreditLine")).or_else(|| admin.and_then(|a| party(a, "Source"))),
        by: lines.and_then(|l| l.child_text("ByLine")).or_else(|| admin.and_then(|a| party(a, "Creator"))),
    }
}

/// The `FormalName`s of the parties in `admin`'s `role` (`Provider`, `Creator`, `Source`), joined.
pub fn party(admin: &Element, role: &str) -> Option<String> {
    let names: Vec<&str> =
        admin.children_named(role).flat_map(|r| r.children_named("Party")).filter_map(|p| p.attr_nonblank("FormalName")).collect();
    Some(names.join(", ")).filter(|n| !n.is_empty())
}

/// The plain text of a text `ContentItem` (for a title or lead component).
pub fn plain_text(item: &Element) -> Option<String> {
    item.child("DataContent").and_then(Element::text_nonblank)
}

/// Reads a text `ContentItem`'s `DataContent`: appends its body as sanitized
/// HTML to `html`, and takes what inline NITF says of the story (headline,
/// byline, dateline, abstract, pictures) where `article` lacks it.
pub fn read_text(item: &Element, article: &mut Article, html: &mut String) -> Result<(), StageError> {
    let Some(data) = item.child("DataContent") else { return Ok(()) };
    let nitf_root = data.find("nitf").or_else(|| data.child("body").filter(|b| b.child("body.content").is_some()));
    let bodies = if let Some(nitf_root) = nitf_root {
        let mut from_nitf = Article::default();
        nitf::read_body(nitf_root, &mut from_nitf)?;
        take_nitf_metadata(article, &mut from_nitf);
        from_nitf.bodies
    } else if let Some(xhtml) = data.find("body") {
        body::from_element(xhtml, &[])?
    } else if data.elements().next().is_some() {
        // A bare fragment of paragraphs (AFP's bcNITF2.5): `media` are pictures, not text.
        body::from_element(data, &["media"])?
    } else {
        let text: String = data.children.iter().filter_map(|n| if let Node::Text(t) = n { Some(t.as_str()) } else { None }).collect();
        let declared_html = formal_name(item, "MimeType").is_some_and(|m| m.contains("html"))
            || formal_name(item, "Format").is_some_and(|f| f.contains("html"));
        if declared_html {
            body::from_html(&text)?
        } else {
            body::from_plain(&text)
        }
    };
    if let Some(part) = bodies.iter().find(|b| b.contenttype.as_deref() == Some("text/html")) {
        html.push_str(&part.value);
    }
    Ok(())
}

fn take_nitf_metadata(article: &mut Article, from_nitf: &mut Article) {
    if article.headlines.is_empty() {
        article.headlines = std::mem::take(&mut from_nitf.headlines);
    }
    article.by = article.by.take().or(from_nitf.by.take());
    article.located = article.located.take().or(from_nitf.located.take());
    if article.descriptions.is_empty() {
        article.descriptions = std::mem::take(&mut from_nitf.descriptions);
    }
    article.associations.append(&mut from_nitf.associations);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::xml::{self, Mode};

    fn element(text: &str) -> Element {
        xml::parse(text, Mode::Xml).unwrap()
    }

    #[test]
    fn pictures_and_text_are_told_apart_by_media_type_mime_type_and_format() {
        assert!(is_picture(&element(r#"<ContentItem Href="a.jpg"><MediaType FormalName="Photo"/></ContentItem>"#)));
        assert!(is_picture(&element(r#"<ContentItem><Format FormalName="JPG"/></ContentItem>"#)));
        assert!(is_text(&element(r#"<ContentItem><DataContent>x</DataContent></ContentItem>"#)));
        let audio = element(r#"<ContentItem><MediaType FormalName="Audio"/><DataContent>x</DataContent></ContentItem>"#);
        assert!(!is_text(&audio) && !is_picture(&audio));
        assert!(!is_text(&element(r#"<ContentItem Href="remote.xml"><MediaType FormalName="Text"/></ContentItem>"#)));
        let complex = r#"<ContentItem><MediaType FormalName="ComplexData"/><MimeType FormalName="text/vnd.IPTC.NITF"/><DataContent><nitf/></DataContent></ContentItem>"#;
        assert!(is_text(&element(complex)));
    }

    #[test]
    fn the_largest_rendition_its_caption_and_credit_make_the_association() {
        let photo = element(
            r#"<NewsComponent Duid="p"><NewsLines><HeadLine>Headline caption</HeadLine><CreditLine>AFP</CreditLine></NewsLines>
            <NewsComponent><Role FormalName="Caption"/><ContentItem><DataContent><p>The caption</p></DataContent></ContentItem></NewsComponent>
            <NewsComponent><Role FormalName="Thumbnail"/><ContentItem Href="t.jpg"><MediaType FormalName="Photo"/></ContentItem></NewsComponent>
            <NewsComponent><Role FormalName="HighDef"/><ContentItem Href="h.jpg"><MediaType FormalName="Photo"/></ContentItem></NewsComponent>
            </NewsComponent>"#,
        );
        assert!(is_picture_component(&photo));
        let picture = picture(&photo);
        assert_eq!(picture.uri, "h.jpg");
        assert_eq!(picture.descriptions[0].value, "The caption");
        assert_eq!(picture.copyrightholder.as_deref(), Some("AFP"));
    }

    #[test]
    fn a_bare_paragraph_fragment_is_read_without_its_media() {
        let item = element(
            r##"<ContentItem><DataContent><media media-type="image"><media-reference data-location="#photo0"/></media><p>One.</p><p>Two.</p></DataContent></ContentItem>"##,
        );
        let (mut article, mut html) = (Article::default(), String::new());
        read_text(&item, &mut article, &mut html).unwrap();
        assert_eq!(html, "<p>One.</p><p>Two.</p>");
    }
}
