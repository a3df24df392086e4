//! The clustering's vocabulary: each term's id, how many of the counted
//! stories have it (its document frequency), and how many open clusters'
//! centroids hold it. A term neither counted nor held is forgotten and its id
//! reused, so the vocabulary is bounded by what the story window and the open
//! clusters hold, not by everything ever seen.
//!
//! Ids are an in-memory convenience: nothing that decides an assignment
//! depends on their order (ties are broken by the term itself), so a
//! vocabulary rebuilt from the state store in another order clusters alike.

use rustc_hash::FxHashMap;

/// Terms, their document frequencies and their use by centroids.
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: FxHashMap<String, u32>,
    terms: Vec<String>,
    document_frequency: Vec<u32>,
    held: Vec<u32>,
    free: Vec<u32>,
    documents: u64,
}

impl Vocabulary {
    /// The term's id, given it on first sight; `None` once 2^32 terms have ids
    /// (the term is then left out of the story).
    pub fn id(&mut self, term: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(term) {
            return Some(id);
        }
        let id = match self.free.pop() {
            Some(id) => {
                let slot = id as usize;
                self.terms[slot] = term.to_owned();
                id
            }
            None => {
                let id = u32::try_from(self.terms.len()).ok()?;
                self.terms.push(term.to_owned());
                self.document_frequency.push(0);
                self.held.push(0);
                id
            }
        };
        self.ids.insert(term.to_owned(), id);
        Some(id)
    }

    /// The term of `id` (empty for an id not in use).
    pub fn term(&self, id: u32) -> &str {
        self.terms.get(id as usize).map_or("", String::as_str)
    }

    /// Counts one more story with these terms.
    pub fn count_story(&mut self, ids: &[u32]) {
        self.documents += 1;
        for &id in ids {
            if let Some(df) = self.document_frequency.get_mut(id as usize) {
                *df += 1;
            }
        }
    }

    /// Stops counting a story with these terms (it left the story window).
    pub fn uncount_story(&mut self, terms: &[String]) {
        self.documents = self.documents.saturating_sub(1);
        for term in terms {
            let Some(&id) = self.ids.get(term.as_str()) else { continue };
            if let Some(df) = self.document_frequency.get_mut(id as usize) {
                *df = df.saturating_sub(1);
            }
            self.release_if_unused(id);
        }
    }

    /// A centroid now holds `id`.
    pub fn hold(&mut self, id: u32) {
        if let Some(held) = self.held.get_mut(id as usize) {
            *held += 1;
        }
    }

    /// A centroid no longer holds `id`.
    pub fn let_go(&mut self, id: u32) {
        if let Some(held) = self.held.get_mut(id as usize) {
            *held = held.saturating_sub(1);
        }
        self.release_if_unused(id);
    }

    /// The inverse document frequency of `id` over the counted stories.
    pub fn idf(&self, id: u32) -> f32 {
        let df = self.document_frequency.get(id as usize).copied().unwrap_or(0) as f32;
        ((self.documents as f32 + 1.0) / (df + 0.5)).ln()
    }

    /// How many stories are counted.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// How many terms have ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no term has an id.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn release_if_unused(&mut self, id: u32) {
        let slot = id as usize;
        let unused = self.document_frequency.get(slot) == Some(&0) && self.held.get(slot) == Some(&0);
        if unused {
            if let Some(term) = self.terms.get_mut(slot) {
                self.ids.remove(term.as_str());
                term.clear();
                self.free.push(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_no_story_counts_and_no_centroid_holds_is_forgotten_and_its_id_reused() {
        let mut v = Vocabulary::default();
        let court = v.id("court").unwrap();
        let ruling = v.id("ruling").unwrap();
        v.count_story(&[court, ruling]);
        v.hold(court);
        assert_eq!(v.documents(), 1);
        v.uncount_story(&["court".into(), "ruling".into()]);
        assert_eq!((v.documents(), v.len()), (0, 1), "ruling is gone, court is still held");
        assert_eq!(v.term(court), "court");
        let snow = v.id("snow").unwrap();
        assert_eq!(snow, ruling, "the freed id is reused");
        v.let_go(court);
        assert_eq!(v.len(), 1);
        assert_eq!(v.id("court"), Some(court), "court's id was freed and is given back");
    }

    #[test]
    fn rarer_terms_weigh_more() {
        let mut v = Vocabulary::default();
        let common = v.id("common").unwrap();
        let rare = v.id("rare").unwrap();
        for _ in 0..10 {
            v.count_story(&[common]);
        }
        v.count_story(&[common, rare]);
        assert!(v.idf(rare) > v.idf(common));
    }
}
