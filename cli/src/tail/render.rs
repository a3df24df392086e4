//! The pure part of `newswire tail`: filter terms from the command line, and the
//! readable rendering of a published ninjs story.

use newswire_shared::article::Article;
use serde_json::Value;

use newswire_publish::filter::Filter;

/// Why a `--filter` term was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--filter {term:?}: {problem}")]
pub struct FilterTermError {
    /// The term as given.
    pub term: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Parses one `--filter` term: `kind=value`, or `!kind=value` to negate, where kind
/// is `subject`, `person`, `organisation`, `place`, `country`, `language`,
/// `urgency` (at most), `feed`, `provider`, `keyword` or `event`. A term starting with `{`
/// is a whole filter in JSON, as in the subscription file (`{"any":[…]}`).
pub fn parse_term(term: &str) -> Result<Filter, FilterTermError> {
    let fail = |problem: String| FilterTermError { term: term.to_owned(), problem };
    let trimmed = term.trim();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| fail(format!("not a JSON filter: {e}")));
    }
    let (negated, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (kind, value) = body.split_once('=').ok_or_else(|| fail("expected kind=value".into()))?;
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(fail("the value is empty".into()));
    }
    let filter = match kind.trim() {
        "subject" => Filter::Subject(value),
        "person" => Filter::Person(value),
        "organisation" | "organization" => Filter::Organisation(value),
        "place" => Filter::Place(value),
        "country" => Filter::Country(value),
        "language" => Filter::Language(value),
        "urgency" => Filter::UrgencyAtMost(value.parse().map_err(|_| fail(format!("urgency {value:?} is not 1 to 9")))?),
        "feed" => Filter::Feed(value),
        "provider" => Filter::Provider(value),
        "keyword" => Filter::Keyword(value),
        "event" => Filter::Event(value),
        other => return Err(fail(format!("unknown kind {other:?}"))),
    };
    Ok(if negated { Filter::Not(Box::new(filter)) } else { filter })
}

/// All the terms together (every one must match).
pub fn parse_terms(terms: &[String]) -> Result<Filter, FilterTermError> {
    terms.iter().map(|t| parse_term(t)).collect::<Result<Vec<_>, _>>().map(Filter::All)
}

/// Reads a published ninjs document as an [`Article`] (for filtering), if it is one.
pub fn read_story(payload: &[u8]) -> Option<Article> {
    serde_json::from_slice(payload).ok()
}

/// A readable rendering: headline, time and version, status, topics, entities.
pub fn render(article: &Article) -> String {
    let mut out = String::new();
    let headline = article.headline().unwrap_or("(no headline)");
    out.push_str(&format!("━━ {headline}\n"));
    let when = article.versioncreated.or(article.firstcreated).map(|t| t.to_rfc3339()).unwrap_or_else(|| "(no time)".into());
    let mut facts = vec![when, format!("v{}", article.version), article.pubstatus.as_str().to_owned()];
    if let Some(u) = article.urgency {
        facts.push(format!("urgency {u}"));
    }
    if let Some(l) = &article.language {
        facts.push(l.clone());
    }
    out.push_str(&format!("   {}  {}\n", facts.join(" · "), article.uri));
    let names = |concepts: &[newswire_shared::article::Concept]| -> Vec<String> {
        concepts.iter().filter_map(|c| c.name.clone().or_else(|| c.literal.clone()).or_else(|| c.uri.clone())).collect()
    };
    for (label, list) in [
        ("topics", names(&article.subjects)),
        ("people", names(&article.people)),
        ("organisations", names(&article.organisations)),
        ("places", names(&article.places)),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("   {label}: {}\n", list.join(", ")));
        }
    }
    out
}

/// The JSON line for `--json`: the document as received, on one line.
pub fn render_json(payload: &[u8]) -> String {
    match serde_json::from_slice::<Value>(payload) {
        Ok(value) => value.to_string(),
        Err(_) => String::from_utf8_lossy(payload).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::{Concept, Text};

    #[test]
    fn filter_terms_parse_into_filters_and_bad_ones_say_why() {
        assert_eq!(parse_term("subject=medtop:15000000").unwrap(), Filter::Subject("medtop:15000000".into()));
        assert_eq!(parse_term("urgency=3").unwrap(), Filter::UrgencyAtMost(3));
        assert_eq!(parse_term("event=3fa9c0e1d2b4a6f7").unwrap(), Filter::Event("3fa9c0e1d2b4a6f7".into()));
        assert_eq!(parse_term("!country=GB").unwrap(), Filter::Not(Box::new(Filter::Country("GB".into()))));
        assert_eq!(parse_term(r#"{"any":[{"feed":"pa"}]}"#).unwrap(), Filter::Any(vec![Filter::Feed("pa".into())]));
        assert!(parse_term("colour=red").unwrap_err().problem.contains("unknown kind"));
        assert!(parse_term("urgency=high").unwrap_err().problem.contains("not 1 to 9"));
        assert!(parse_term("subject").unwrap_err().problem.contains("kind=value"));
        assert_eq!(parse_terms(&[]).unwrap(), Filter::All(vec![]));
    }

    #[test]
    fn a_story_renders_with_headline_time_topics_and_entities() {
        let article = Article {
            uri: "urn:x:1".into(),
            version: 2,
            urgency: Some(3),
            headlines: vec![Text::plain("main", "Harbour reopens")],
            subjects: vec![Concept { name: Some("transport".into()), ..Default::default() }],
            people: vec![Concept { name: Some("Jane Doe".into()), ..Default::default() }],
            places: vec![Concept { literal: Some("GB".into()), ..Default::default() }],
            ..Default::default()
        };
        let text = render(&article);
        assert!(text.starts_with("━━ Harbour reopens\n"), "{text}");
        assert!(text.contains("v2 · usable · urgency 3"), "{text}");
        assert!(text.contains("topics: transport"), "{text}");
        assert!(text.contains("people: Jane Doe"), "{text}");
        assert!(text.contains("places: GB"), "{text}");
        assert!(!text.contains("organisations"), "{text}");
    }
}
