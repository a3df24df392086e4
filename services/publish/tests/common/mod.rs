//! What publish's integration tests share: IPTC's official ninjs schemas,
//! compiled for checking publish's outputs.

use newswire_publish::output::{render, Output, OutputFormat, EXTENSION_KEY};
use newswire_shared::article::Article;
use serde_json::Value;

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iptc/ninjs-schema/");

/// The schemas refer to GeoJSON by its web address for place geometry; there
/// is no network here, so an open schema stands in (the points are checked below).
struct OfflineGeoJson;

impl jsonschema::Retrieve for OfflineGeoJson {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            return Ok(serde_json::json!({}));
        }
        Err(format!("no network: cannot fetch {}", uri.as_str()).into())
    }
}

/// IPTC's schema of `format`, checking formats (`uri`, `date-time`) too; `None`
/// (after a loud SKIPPED, or a failure when `CI=true`) when `../shared` is absent.
pub fn validator(format: OutputFormat) -> Option<jsonschema::Validator> {
    let file = match format {
        OutputFormat::Ninjs21 => "ninjs-schema_2.1.json",
        OutputFormat::Ninjs31 => "ninjs-schema_3.1.json",
    };
    let Ok(text) = std::fs::read_to_string(format!("{SCHEMAS}{file}")) else {
        newswire_shared::dev_data::missing(format!("../shared/iptc/ninjs-schema/{file}"));
        return None;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::options().should_validate_formats(true).with_retriever(OfflineGeoJson).build(&schema).unwrap())
}

/// Every way `doc` breaks the schema of `v`, its extension removed first.
pub fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    let mut strict = doc.clone();
    if let Some(object) = strict.as_object_mut() {
        object.remove(EXTENSION_KEY);
    }
    v.iter_errors(&strict).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// The document `article` gives as `output`, and its schema errors.
#[allow(dead_code)] // not every test binary uses every helper
pub fn check(article: &Article, output: Output) -> Option<(Value, Vec<String>)> {
    let v = validator(output.format)?;
    let doc: Value = serde_json::from_slice(&render(article, output).unwrap()).unwrap();
    let errors = schema_errors(&v, &doc);
    Some((doc, errors))
}

