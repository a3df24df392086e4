//! The stable id of an IPTC NewsML 1.x `NewsItem`, one rule for ingest (the
//! record key) and normalize (the article's uri).
//!
//! NewsML 1.2 defines the `PublicIdentifier` as
//! `urn:newsml:{ProviderId}:{DateId}:{NewsItemId}:{RevisionId}{Update}`: it
//! names one *revision*. Keyed on it, a correction would be a second story, not
//! version 2 of the first. So the story's id is the identifier without its
//! revision: the `PublicIdentifier` with a trailing `:{RevisionId}[{Update}]`
//! removed, or, when the `PublicIdentifier` is missing or does not name the
//! item (some feeds send a constant such as `urn:newsml:www.belga.be`),
//! `urn:newsml:{ProviderId}:{DateId}:{NewsItemId}` built from its parts.

/// The parts of a `NewsIdentifier`, each trimmed text when present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsIdentifier<'a> {
    /// `ProviderId`, e.g. `afp.com`.
    pub provider_id: Option<&'a str>,
    /// `DateId`, e.g. `20231125T162741Z` or `20231126`.
    pub date_id: Option<&'a str>,
    /// `NewsItemId`, unique for the provider on that date.
    pub news_item_id: Option<&'a str>,
    /// `RevisionId`, a whole number.
    pub revision_id: Option<&'a str>,
    /// `RevisionId@Update` (`N`, `A`, `U`), as the identifier's suffix may carry it.
    pub update: Option<&'a str>,
    /// `PublicIdentifier`.
    pub public_identifier: Option<&'a str>,
}

/// The item's id without its revision (see the module documentation), or
/// `None` when the identifier holds neither a `PublicIdentifier` nor all three parts.
pub fn stable_id(id: &NewsIdentifier<'_>) -> Option<String> {
    let item = nonblank(id.news_item_id);
    let names_item = |p: &str| item.is_none_or(|item| p.split(':').any(|segment| segment == item));
    // `urn:newsml:{provider}` alone names no item (and is the same for every one).
    let public = nonblank(id.public_identifier).filter(|p| p.split(':').count() >= 4);
    if let Some(public) = public.filter(|p| names_item(p)) {
        let stable = without_revision(public, nonblank(id.revision_id), nonblank(id.update));
        return Some(if names_item(stable) { stable } else { public }.to_owned());
    }
    match (nonblank(id.provider_id), nonblank(id.date_id), item) {
        (Some(provider), Some(date), Some(item)) => Some(format!("urn:newsml:{provider}:{date}:{item}")),
        _ => public.map(str::to_owned),
    }
}

fn nonblank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `public` without a last segment that is the revision (`…:3`, `…:3N`).
fn without_revision<'a>(public: &'a str, revision: Option<&str>, update: Option<&str>) -> &'a str {
    let Some((rest, last)) = public.rsplit_once(':') else { return public };
    let is_revision = match revision {
        Some(revision) => last == revision || update.is_some_and(|u| last == format!("{revision}{u}")),
        None => false,
    };
    if is_revision && rest.split(':').count() >= 3 {
        rest
    } else {
        public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn afp(revision: &'static str, public: &'static str) -> NewsIdentifier<'static> {
        NewsIdentifier {
            provider_id: Some("afp.com"),
            date_id: Some("20231126"),
            news_item_id: Some("doc-344w9k4"),
            revision_id: Some(revision),
            update: Some("N"),
            public_identifier: Some(public),
        }
    }

    #[test]
    fn every_revision_of_an_item_has_the_same_id() {
        let first = stable_id(&afp("1", "urn:newsml:afp.com:20231126:doc-344w9k4:1"));
        let second = stable_id(&afp("2", "urn:newsml:afp.com:20231126:doc-344w9k4:2N"));
        assert_eq!(first.as_deref(), Some("urn:newsml:afp.com:20231126:doc-344w9k4"));
        assert_eq!(first, second);
    }

    #[test]
    fn a_public_identifier_that_does_not_name_the_item_gives_way_to_the_parts() {
        let id = NewsIdentifier { public_identifier: Some("urn:newsml:www.belga.be"), ..afp("4", "") };
        assert_eq!(stable_id(&id).as_deref(), Some("urn:newsml:afp.com:20231126:doc-344w9k4"));
    }

    #[test]
    fn a_short_public_identifier_loses_its_revision_but_one_naming_no_item_is_never_an_id() {
        let short = NewsIdentifier {
            public_identifier: Some("urn:newsml:www.belga.be:46250506:1N"),
            news_item_id: Some("46250506"),
            revision_id: Some("1"),
            update: Some("N"),
            ..Default::default()
        };
        assert_eq!(stable_id(&short).as_deref(), Some("urn:newsml:www.belga.be:46250506"));
        let constant = NewsIdentifier { public_identifier: Some("urn:newsml:www.belga.be"), provider_id: Some("belga.be"), ..Default::default() };
        assert_eq!(stable_id(&constant), None, "the same for every item: keying on it would merge stories");
    }

    #[test]
    fn a_public_identifier_without_a_revision_segment_is_kept_whole() {
        let id = NewsIdentifier { public_identifier: Some("urn:newsml:x.org:2024:story-7"), news_item_id: Some("story-7"), ..Default::default() };
        assert_eq!(stable_id(&id).as_deref(), Some("urn:newsml:x.org:2024:story-7"));
        assert_eq!(stable_id(&NewsIdentifier { news_item_id: Some("7"), ..Default::default() }), None);
    }
}
