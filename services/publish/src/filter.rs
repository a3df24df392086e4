//! Subscription filters: a small boolean language over an [`Article`].
//!
//! In TOML a filter is a one-key table: `{ subject = "medtop:15000000" }`,
//! `{ urgency_at_most = 3 }`, `{ any = [ {...}, {...} ] }`, `{ not = {...} }`.
//! An empty `all` matches every story (the default); an empty `any` matches none.

use newswire_shared::article::{Article, Concept};
use newswire_shared::enrichment::EVENT_ALTID_ROLE;
use serde::{Deserialize, Serialize};

use crate::story_view::StoryView;

/// The IPTC Media Topic vocabulary: `medtop:<code>` is short for this URI prefix.
const MEDTOP_URI: &str = "http://cv.iptc.org/newscodes/mediatopic/";
/// The IPTC Subject Code vocabulary: `subj:<code>` is short for this URI prefix.
const SUBJ_URI: &str = "http://cv.iptc.org/newscodes/subjectcode/";

/// One filter expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// Every inner filter matches (an empty list matches everything).
    All(Vec<Filter>),
    /// At least one inner filter matches.
    Any(Vec<Filter>),
    /// The inner filter does not match.
    Not(Box<Filter>),
    /// An IPTC subject: a URI prefix (`http://cv.iptc.org/newscodes/mediatopic/15`),
    /// a qcode (`medtop:15000000`, `subj:15000000`, prefix of the code), or a bare
    /// code prefix (`150`), or the subject's exact name (case-insensitive).
    Subject(String),
    /// A person mentioned, by name (case-insensitive).
    Person(String),
    /// An organisation mentioned, by name (case-insensitive).
    Organisation(String),
    /// A place mentioned, by name (case-insensitive) or by country code.
    Place(String),
    /// An ISO 3166 country code (`GB`), from the places' literals and the enrichment.
    Country(String),
    /// A BCP 47 language; `en` matches `en-GB`.
    Language(String),
    /// Urgency 1 (highest) to this number; stories without urgency never match.
    UrgencyAtMost(u8),
    /// The feed that pushed the story (`article.newswire.feed`).
    Feed(String),
    /// An info source (provider, source) by name (case-insensitive).
    Provider(String),
    /// A keyword: a subject named so, or the word or phrase in the headline,
    /// descriptions or body (case-insensitive, on word boundaries).
    Keyword(String),
    /// A news event: the story's event cluster id (its `altids` entry with
    /// role `newswire:event`, as enrich's event clustering assigns it).
    Event(String),
}

impl Default for Filter {
    fn default() -> Self {
        Filter::All(Vec::new())
    }
}

impl Filter {
    /// Whether `article` matches this filter.
    pub fn matches(&self, article: &Article) -> bool {
        self.matches_view(&StoryView::new(article))
    }

    /// Whether the story of `view` matches this filter (one view serves every
    /// subscription's filter, so its derived parts are worked out once).
    pub fn matches_view(&self, view: &StoryView<'_>) -> bool {
        let article = view.article;
        match self {
            Filter::All(inner) => inner.iter().all(|f| f.matches_view(view)),
            Filter::Any(inner) => inner.iter().any(|f| f.matches_view(view)),
            Filter::Not(inner) => !inner.matches_view(view),
            Filter::Subject(wanted) => article.subjects.iter().any(|c| subject_matches(c, wanted)),
            Filter::Person(name) => article.people.iter().any(|c| name_is(c, name)),
            Filter::Organisation(name) => article.organisations.iter().any(|c| name_is(c, name)),
            Filter::Place(name) => article.places.iter().any(|c| name_is(c, name) || literal_is(c, name)),
            Filter::Country(code) => view.country_codes().iter().any(|c| c.eq_ignore_ascii_case(code)),
            Filter::Language(wanted) => article.language.as_deref().is_some_and(|l| language_matches(l, wanted)),
            Filter::UrgencyAtMost(max) => article.urgency.is_some_and(|u| u <= *max),
            Filter::Feed(feed) => article.newswire.feed.eq_ignore_ascii_case(feed),
            Filter::Provider(name) => {
                article.infosources.iter().any(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            }
            Filter::Keyword(word) => keyword_matches(view, word),
            Filter::Event(id) => article.altids.iter().any(|a| a.role == EVENT_ALTID_ROLE && a.value.eq_ignore_ascii_case(id.trim())),
        }
    }

    /// Records every problem with this filter, naming it by `path`.
    pub fn validate(&self, path: &str, errors: &mut Vec<String>) {
        match self {
            Filter::All(inner) => inner.iter().enumerate().for_each(|(i, f)| f.validate(&format!("{path}.all[{i}]"), errors)),
            Filter::Any(inner) => {
                if inner.is_empty() {
                    errors.push(format!("{path}.any: an empty `any` never matches; list at least one filter"));
                }
                inner.iter().enumerate().for_each(|(i, f)| f.validate(&format!("{path}.any[{i}]"), errors))
            }
            Filter::Not(inner) => inner.validate(&format!("{path}.not"), errors),
            Filter::UrgencyAtMost(n) if !(1..=9).contains(n) => {
                errors.push(format!("{path}.urgency_at_most: {n} is outside the ninjs range 1 to 9"));
            }
            Filter::UrgencyAtMost(_) => {}
            Filter::Country(code) if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) => {
                errors.push(format!("{path}.country: {code:?} is not a two-letter ISO 3166 code"));
            }
            other => {
                if let Some((kind, value)) = other.text_term() {
                    if value.trim().is_empty() {
                        errors.push(format!("{path}.{kind}: must not be empty"));
                    }
                }
            }
        }
    }

    fn text_term(&self) -> Option<(&'static str, &str)> {
        Some(match self {
            Filter::Subject(v) => ("subject", v),
            Filter::Person(v) => ("person", v),
            Filter::Organisation(v) => ("organisation", v),
            Filter::Place(v) => ("place", v),
            Filter::Country(v) => ("country", v),
            Filter::Language(v) => ("language", v),
            Filter::Feed(v) => ("feed", v),
            Filter::Provider(v) => ("provider", v),
            Filter::Keyword(v) => ("keyword", v),
            Filter::Event(v) => ("event", v),
            _ => return None,
        })
    }
}

fn name_is(concept: &Concept, wanted: &str) -> bool {
    concept.name.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
}

fn literal_is(concept: &Concept, wanted: &str) -> bool {
    concept.literal.as_deref().is_some_and(|l| l.trim().eq_ignore_ascii_case(wanted.trim()))
}

/// The code at the end of a concept's URI (`.../mediatopic/15000000` → `15000000`), or its literal.
fn concept_code(concept: &Concept) -> Option<&str> {
    concept
        .uri
        .as_deref()
        .and_then(|u| u.rsplit(['/', ':']).next())
        .filter(|c| !c.is_empty())
        .or(concept.literal.as_deref())
}

fn subject_matches(concept: &Concept, wanted: &str) -> bool {
    let wanted = wanted.trim();
    if name_is(concept, wanted) {
        return true;
    }
    let expanded = if let Some(code) = wanted.strip_prefix("medtop:") {
        format!("{MEDTOP_URI}{code}")
    } else if let Some(code) = wanted.strip_prefix("subj:") {
        format!("{SUBJ_URI}{code}")
    } else {
        wanted.to_owned()
    };
    if expanded.contains("://") || expanded.starts_with("urn:") {
        return concept.uri.as_deref().is_some_and(|u| u.starts_with(&expanded))
            || concept.literal.as_deref().is_some_and(|l| l.starts_with(wanted));
    }
    concept_code(concept).is_some_and(|code| code.starts_with(wanted))
}

fn language_matches(language: &str, wanted: &str) -> bool {
    let language = language.trim().to_ascii_lowercase();
    let wanted = wanted.trim().to_ascii_lowercase();
    language == wanted || language.strip_prefix(&wanted).is_some_and(|rest| rest.starts_with('-'))
}

/// Every country code known for the story: two-letter place literals, place URIs
/// ending in a two-letter code, and the enrichment's places' codes.
pub fn country_codes(article: &Article) -> Vec<String> {
    let mut codes = Vec::new();
    for place in &article.places {
        if let Some(l) = place.literal.as_deref().filter(|l| is_country_code(l)) {
            codes.push(l.to_ascii_uppercase());
        }
        if let Some(code) = place.uri.as_deref().and_then(|u| u.rsplit(['/', ':']).next()).filter(|c| is_country_code(c)) {
            codes.push(code.to_ascii_uppercase());
        }
    }
    if let Some(enrichment) = &article.newswire.enrichment {
        codes.extend(enrichment.country_codes());
    }
    codes
}

fn is_country_code(text: &str) -> bool {
    text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic())
}

fn keyword_matches(view: &StoryView<'_>, word: &str) -> bool {
    let word = word.trim();
    if word.is_empty() {
        return false;
    }
    if view.article.subjects.iter().any(|c| name_is(c, word)) {
        return true;
    }
    let phrase = word.to_lowercase();
    view.lowered_texts().iter().any(|text| contains_phrase(text, &phrase))
}

/// Whether lower-case `phrase` is in lower-case `text`, bounded by non-alphanumerics.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(found) = text[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        let before_ok = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::{InfoSource, Text};

    fn concept(name: &str, uri: Option<&str>, literal: Option<&str>) -> Concept {
        Concept { name: Some(name.into()), uri: uri.map(Into::into), literal: literal.map(Into::into), rel: None }
    }

    fn story() -> Article {
        let mut a = Article {
            uri: "urn:test:1".into(),
            version: 1,
            urgency: Some(3),
            language: Some("en-GB".into()),
            headlines: vec![Text::plain("main", "Storm closes the harbour in Dover")],
            bodies: vec![Text::plain("main", "Ferries were cancelled. The Met Office issued a warning.")],
            subjects: vec![concept("weather", Some("http://cv.iptc.org/newscodes/mediatopic/17000000"), None)],
            people: vec![concept("Liz Truss", None, None)],
            organisations: vec![concept("Met Office", None, None)],
            places: vec![concept("Dover", None, None), concept("United Kingdom", None, Some("GB"))],
            infosources: vec![InfoSource { name: Some("Press Association".into()), role: Some("source".into()), uri: None }],
            ..Default::default()
        };
        a.newswire.feed = "pa".into();
        a
    }

    #[test]
    fn subject_matches_by_qcode_uri_prefix_code_prefix_and_name() {
        let a = story();
        assert!(Filter::Subject("medtop:17000000".into()).matches(&a));
        assert!(Filter::Subject("http://cv.iptc.org/newscodes/mediatopic/17".into()).matches(&a));
        assert!(Filter::Subject("17".into()).matches(&a));
        assert!(Filter::Subject("Weather".into()).matches(&a));
        assert!(!Filter::Subject("medtop:15000000".into()).matches(&a));
        assert!(!Filter::Subject("15".into()).matches(&a));
    }

    #[test]
    fn people_and_organisations_match_by_name_ignoring_case() {
        let a = story();
        assert!(Filter::Person("liz truss".into()).matches(&a));
        assert!(!Filter::Person("Met Office".into()).matches(&a));
        assert!(Filter::Organisation("met office".into()).matches(&a));
        assert!(!Filter::Organisation("Liz Truss".into()).matches(&a));
    }

    #[test]
    fn places_match_by_name_or_code_and_countries_by_code() {
        let a = story();
        assert!(Filter::Place("dover".into()).matches(&a));
        assert!(Filter::Place("GB".into()).matches(&a));
        assert!(Filter::Country("gb".into()).matches(&a));
        assert!(!Filter::Country("FR".into()).matches(&a));
    }

    #[test]
    fn an_event_filter_matches_the_stories_of_that_event_cluster_only() {
        use newswire_shared::article::AltId;
        let mut a = story();
        assert!(!Filter::Event("3fa9c0e1d2b4a6f7".into()).matches(&a), "no event assigned");
        a.altids.push(AltId { role: "newswire:event".into(), value: "3fa9c0e1d2b4a6f7".into() });
        a.altids.push(AltId { role: "other".into(), value: "0000000000000001".into() });
        assert!(Filter::Event("3fa9c0e1d2b4a6f7".into()).matches(&a));
        assert!(Filter::Event(" 3FA9C0E1D2B4A6F7 ".into()).matches(&a));
        assert!(!Filter::Event("0000000000000001".into()).matches(&a), "another role's value is not an event");
        let toml: Filter = serde_json::from_str(r#"{"event": "3fa9c0e1d2b4a6f7"}"#).unwrap();
        assert_eq!(toml, Filter::Event("3fa9c0e1d2b4a6f7".into()));
    }

    #[test]
    fn country_codes_come_from_the_enrichments_places() {
        use newswire_shared::enrichment::{Enrichment, PlaceEntity};
        let mut a = story();
        a.places.clear();
        let place = |name: &str, code: Option<&str>| PlaceEntity { name: name.into(), country_code: code.map(Into::into), ..Default::default() };
        a.newswire.enrichment = Some(Enrichment { places: vec![place("Paris", Some("fr")), place("Atlantis", None)], ..Default::default() });
        assert!(Filter::Country("FR".into()).matches(&a));
        assert!(!Filter::Country("DE".into()).matches(&a));
        a.newswire.enrichment = None;
        assert!(!Filter::Country("FR".into()).matches(&a));
    }

    #[test]
    fn language_matches_the_primary_subtag() {
        let a = story();
        assert!(Filter::Language("en".into()).matches(&a));
        assert!(Filter::Language("en-gb".into()).matches(&a));
        assert!(!Filter::Language("e".into()).matches(&a));
        assert!(!Filter::Language("de".into()).matches(&a));
    }

    #[test]
    fn urgency_at_most_includes_the_bound_and_needs_an_urgency() {
        let mut a = story();
        assert!(Filter::UrgencyAtMost(3).matches(&a));
        assert!(!Filter::UrgencyAtMost(2).matches(&a));
        a.urgency = None;
        assert!(!Filter::UrgencyAtMost(9).matches(&a));
    }

    #[test]
    fn feed_and_provider_match_their_fields() {
        let a = story();
        assert!(Filter::Feed("PA".into()).matches(&a));
        assert!(!Filter::Feed("ap".into()).matches(&a));
        assert!(Filter::Provider("press association".into()).matches(&a));
        assert!(!Filter::Provider("Reuters".into()).matches(&a));
    }

    #[test]
    fn keywords_match_whole_words_in_the_text() {
        let a = story();
        assert!(Filter::Keyword("harbour".into()).matches(&a));
        assert!(Filter::Keyword("met office".into()).matches(&a));
        assert!(!Filter::Keyword("harb".into()).matches(&a), "a word fragment is not a keyword");
        assert!(!Filter::Keyword("football".into()).matches(&a));
    }

    #[test]
    fn all_any_and_not_combine() {
        let a = story();
        let yes = Filter::Feed("pa".into());
        let no = Filter::Feed("ap".into());
        assert!(Filter::All(vec![]).matches(&a));
        assert!(Filter::All(vec![yes.clone(), yes.clone()]).matches(&a));
        assert!(!Filter::All(vec![yes.clone(), no.clone()]).matches(&a));
        assert!(Filter::Any(vec![no.clone(), yes.clone()]).matches(&a));
        assert!(!Filter::Any(vec![no.clone()]).matches(&a));
        assert!(Filter::Not(Box::new(no)).matches(&a));
        assert!(!Filter::Not(Box::new(yes)).matches(&a));
    }

    #[test]
    fn filter_problems_are_reported_with_their_path() {
        let f = Filter::All(vec![Filter::UrgencyAtMost(0), Filter::Not(Box::new(Filter::Any(vec![]))), Filter::Keyword(" ".into())]);
        let mut errors = Vec::new();
        f.validate("publish.subscriptions[0].filter", &mut errors);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("filter.all[0].urgency_at_most"), "{errors:?}");
        assert!(errors[1].contains("filter.all[1].not.any"), "{errors:?}");
        assert!(errors[2].contains("filter.all[2].keyword"), "{errors:?}");
    }

    #[test]
    fn filters_read_from_toml_tables() {
        let f: Filter = serde_json::from_value(serde_json::json!({"any": [{"subject": "medtop:17000000"}, {"urgency_at_most": 2}]})).unwrap();
        assert_eq!(f, Filter::Any(vec![Filter::Subject("medtop:17000000".into()), Filter::UrgencyAtMost(2)]));
    }
}
