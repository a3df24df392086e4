//! The strict ninjs 2.1 document publish sends: [`Article::to_ninjs`] with the
//! few things the official schema refuses repaired.
//!
//! - An association must have a `uri` (and a `name`); one without gets
//!   `<story uri>#<name>`, a URI that is stable for the story version.
//! - A concept or info source whose `uri` is empty or not an absolute URI drops
//!   the key (`format: uri`); the text moves to `literal` when that is free.
//!
//! These would be better fixed in the shared `Article` model (an `Option` uri on
//! associations, no empty uris at all); publish repairs them so its output is
//! valid whatever the stages before it produced.

use newswire_shared::article::Article;
use serde_json::{Map, Value};

/// The ninjs document for `article`.
pub fn strict_ninjs(article: &Article) -> Value {
    let mut doc = article.to_ninjs();
    let Some(object) = doc.as_object_mut() else { return doc };
    for key in ["subjects", "people", "organisations", "places", "infosources"] {
        if let Some(Value::Array(items)) = object.get_mut(key) {
            items.iter_mut().filter_map(Value::as_object_mut).for_each(drop_empty_uri);
        }
    }
    if let Some(Value::Array(items)) = object.get_mut("associations") {
        for (i, item) in items.iter_mut().enumerate() {
            if let Some(assoc) = item.as_object_mut() {
                repair_association(assoc, &article.uri, i);
            }
        }
    }
    doc
}

/// Whether `text` is an absolute URI (`scheme:rest`), as `format: uri` demands.
fn is_absolute_uri(text: &str) -> bool {
    !text.trim().is_empty() && reqwest::Url::parse(text).is_ok()
}

fn drop_empty_uri(object: &mut Map<String, Value>) {
    let Some(uri) = object.get("uri").and_then(Value::as_str).map(str::to_owned) else { return };
    if is_absolute_uri(&uri) {
        return;
    }
    object.remove("uri");
    if !uri.trim().is_empty() && !object.contains_key("literal") {
        object.insert("literal".into(), Value::String(uri.trim().to_owned()));
    }
}

fn repair_association(assoc: &mut Map<String, Value>, story_uri: &str, index: usize) {
    let name = match assoc.get("name").and_then(Value::as_str).map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => {
            let minted = format!("association-{}", index + 1);
            assoc.insert("name".into(), Value::String(minted.clone()));
            minted
        }
    };
    if assoc.get("uri").and_then(Value::as_str).is_none_or(|u| !is_absolute_uri(u)) {
        let fragment: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
        assoc.insert("uri".into(), Value::String(format!("{story_uri}#{fragment}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::{Association, Concept, Text};

    const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iptc/ninjs-schema/ninjs-schema_2.1.json");

    /// The 2.1 schema refers to GeoJSON by its web address for place geometry;
    /// there is no network here, and publish emits no geometry: an open schema stands in.
    struct OfflineGeoJson;

    impl jsonschema::Retrieve for OfflineGeoJson {
        fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            if uri.as_str().starts_with("https://geojson.org/") {
                return Ok(serde_json::json!({}));
            }
            Err(format!("no network: cannot fetch {}", uri.as_str()).into())
        }
    }

    fn validator() -> Option<jsonschema::Validator> {
        let Ok(text) = std::fs::read_to_string(SCHEMA) else {
            newswire_shared::dev_data::missing("../shared/iptc/ninjs-schema/ninjs-schema_2.1.json");
            return None;
        };
        let schema: Value = serde_json::from_str(&text).unwrap();
        Some(jsonschema::options().should_validate_formats(true).with_retriever(OfflineGeoJson).build(&schema).unwrap())
    }

    fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
        v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }

    fn rich() -> Article {
        let mut a = Article {
            uri: "urn:newswire:pa:story-1".into(),
            kind: "text".into(),
            version: 3,
            urgency: Some(2),
            language: Some("en-GB".into()),
            headlines: vec![Text::plain("main", "Harbour reopens")],
            bodies: vec![Text::plain("main", "Body."), Text::html("main", "<p>Body.</p>")],
            subjects: vec![
                Concept { name: Some("sport".into()), uri: Some(String::new()), ..Default::default() },
                Concept { name: Some("harbours".into()), uri: Some("not a uri".into()), ..Default::default() },
                Concept { name: Some("weather".into()), uri: Some("http://cv.iptc.org/newscodes/mediatopic/17000000".into()), ..Default::default() },
            ],
            places: vec![Concept { name: Some("Dover".into()), literal: Some("GB".into()), ..Default::default() }],
            associations: vec![
                Association { name: "picture-1".into(), uri: String::new(), kind: Some("picture".into()), ..Default::default() },
                Association { name: String::new(), uri: "https://img.example/2.jpg".into(), ..Default::default() },
            ],
            ..Default::default()
        };
        a.newswire.feed = "pa".into();
        a.newswire.enrichment = Some(newswire_shared::enrichment::Enrichment { keywords: vec!["harbour".into()], ..Default::default() });
        a
    }

    #[test]
    fn the_raw_article_serialization_is_refused_by_the_official_schema() {
        let Some(v) = validator() else { return };
        assert!(!errors(&v, &rich().to_ninjs()).is_empty(), "this test guards the repair below; if it fails, the model was fixed");
    }

    #[test]
    fn strict_ninjs_validates_against_the_official_2_1_schema() {
        let Some(v) = validator() else { return };
        let doc = strict_ninjs(&rich());
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{doc:#}");
        assert_eq!(doc["associations"][0]["uri"], "urn:newswire:pa:story-1#picture-1");
        assert_eq!(doc["associations"][1]["name"], "association-2");
        assert!(doc["subjects"][0].get("uri").is_none());
        assert_eq!(doc["subjects"][1]["literal"], "not a uri", "a non-URI identifier is kept as a literal");
        assert_eq!(doc["subjects"][2]["uri"], "http://cv.iptc.org/newscodes/mediatopic/17000000", "valid URIs stay");
        assert!(doc.get("newswire").is_none());
    }

    #[test]
    fn a_minimal_article_is_valid_ninjs() {
        let Some(v) = validator() else { return };
        let doc = strict_ninjs(&Article { uri: "urn:x:1".into(), kind: "text".into(), version: 1, ..Default::default() });
        assert_eq!(errors(&v, &doc), Vec::<String>::new(), "{doc:#}");
    }
}
