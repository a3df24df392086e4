//! IPTC ninjs JSON (1.x and 2.x) into the canonical article.

use newswire_shared::article::Article;
use newswire_shared::stage::StageError;

/// Parses a ninjs document. 1.x's single `headline`/`body_text` become 2.x's arrays.
pub fn parse(payload: &str) -> Result<Article, StageError> {
    let mut value: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| StageError::new("malformed_json", format!("line {} column {}: {e}", e.line(), e.column())))?;
    let object = value.as_object_mut().ok_or_else(|| StageError::new("malformed_ninjs", "the document is not a JSON object"))?;
    if !object.contains_key("headlines") {
        if let Some(h) = object.remove("headline") {
            object.insert("headlines".into(), serde_json::json!([{ "role": "main", "value": h }]));
        }
    }
    if !object.contains_key("bodies") {
        let text = object.remove("body_text");
        let html = object.remove("body_html");
        let mut bodies = Vec::new();
        if let Some(t) = text {
            bodies.push(serde_json::json!({ "role": "main", "contenttype": "text/plain", "value": t }));
        }
        if let Some(h) = html {
            bodies.push(serde_json::json!({ "role": "main", "contenttype": "text/html", "value": h }));
        }
        object.insert("bodies".into(), serde_json::Value::Array(bodies));
    }
    object.entry("version").or_insert(serde_json::json!("1"));
    object.remove("newswire");
    let known: Article = serde_json::from_value(serde_json::Value::Object(keep_known(object)))
        .map_err(|e| StageError::new("malformed_ninjs", e.to_string()))?;
    Ok(known)
}

/// Keeps the fields the canonical model reads; the rest of ninjs is not carried yet.
fn keep_known(object: &serde_json::Map<String, serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    const KNOWN: &[&str] = &[
        "uri", "version", "versioncreated", "firstcreated", "pubstatus", "urgency", "language", "headlines", "bodies", "by",
        "located", "copyrightholder",
    ];
    object.iter().filter(|(k, _)| KNOWN.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninjs_1x_single_fields_become_arrays() {
        let a = parse(r#"{"uri":"urn:x","headline":"H","body_text":"B","version":"2"}"#).unwrap();
        assert_eq!(a.headline(), Some("H"));
        assert_eq!(a.body_text(), Some("B"));
        assert_eq!(a.version, 2);
    }

    #[test]
    fn malformed_json_says_where() {
        let err = parse("{\n\"uri\": }").unwrap_err();
        assert_eq!(err.reason, "malformed_json");
        assert!(err.detail.contains("line 2"), "{}", err.detail);
    }
}
