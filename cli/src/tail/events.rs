//! `newswire tail --events`: the event clusters of a topic as they grow, one
//! line per story (the story's cluster, how many of its stories this tail has
//! seen, since when), instead of the stories themselves.

use std::collections::HashMap;

use newswire_shared::article::Article;
use newswire_shared::enrichment::EVENT_ALTID_ROLE;

/// What the tail has seen of one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    stories: usize,
    first_headline: String,
}

/// The clusters seen so far, by event id.
#[derive(Debug, Default)]
pub struct EventBoard {
    clusters: HashMap<String, Seen>,
}

impl EventBoard {
    /// The line for one more story: `new` when it opens a cluster for this
    /// tail, `+N` with the cluster's count and first headline when it grows
    /// one; a story without an event id says so.
    pub fn line(&mut self, article: &Article) -> String {
        let headline = article.headline().unwrap_or("(no headline)");
        let Some(event) = article.altids.iter().find(|a| a.role == EVENT_ALTID_ROLE).map(|a| a.value.as_str()) else {
            return format!("(no event)        {headline}");
        };
        let seen = self.clusters.entry(event.to_owned()).or_insert_with(|| Seen { stories: 0, first_headline: headline.to_owned() });
        seen.stories += 1;
        if seen.stories == 1 {
            format!("{event}  new   {headline}")
        } else {
            format!("{event}  {:<5} {headline}\n{:<18}      ↳ event of “{}”", format!("+{}", seen.stories), "", seen.first_headline)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::{AltId, Text};

    fn story(headline: &str, event: Option<&str>) -> Article {
        Article {
            headlines: vec![Text::plain("main", headline)],
            altids: event.map(|e| AltId { role: EVENT_ALTID_ROLE.into(), value: e.into() }).into_iter().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_cluster_is_announced_when_new_and_counted_as_it_grows() {
        let mut board = EventBoard::default();
        assert_eq!(board.line(&story("Court strikes down Ohio law", Some("aa"))), "aa  new   Court strikes down Ohio law");
        assert_eq!(board.line(&story("Snow closes passes", Some("bb"))), "bb  new   Snow closes passes");
        let grown = board.line(&story("Ohio reacts to ruling", Some("aa")));
        assert!(grown.starts_with("aa  +2    Ohio reacts to ruling\n"), "{grown}");
        assert!(grown.ends_with("↳ event of “Court strikes down Ohio law”"), "{grown}");
        assert!(board.line(&story("Orphan", None)).starts_with("(no event)"));
        assert_eq!(board.clusters.len(), 2);
    }
}
