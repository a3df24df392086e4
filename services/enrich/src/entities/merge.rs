//! Merging mentions into entities: "Ms Truss", "Truss" and "Liz Truss" are one
//! person named "Liz Truss"; "Nato" and "North Atlantic Treaty Organization" one
//! organisation; "UK" and "United Kingdom" one place.

use std::borrow::Cow;
use std::fmt::Write;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::gazetteer::{Gazetteer, Place};
use crate::ner::{EntityKind, Mention};
use crate::text::tokens::{strip_possessive, Token};

use super::honorifics;
use super::roles::{self, role_after, role_before, split_leading_role};
use super::{Entities, Entity, Kind, Located};

/// One mention after cleaning: its kind, its name without honorific or
/// possessive, and its span.
struct Clean<'a> {
    kind: Kind,
    name: Cow<'a, str>,
    start: usize,
    end: usize,
    /// A title that was part of the tagged text ("Foreign Secretary").
    role: Option<&'a str>,
}

/// Merges `mentions` (in any order, possibly overlapping: the earliest-starting,
/// then longest, wins) of `text` into entities, resolving places in `gazetteer`
/// and collecting the roles written next to people.
pub fn merge(text: &str, tokens: &[Token], mentions: &[Mention], gazetteer: &Gazetteer) -> Entities {
    let cleaned = clean_all(mentions);
    let mut out = Entities::default();
    let mut keys: HashMap<(Kind, String), usize> = HashMap::default();
    // Every person mention's name words, all in one list.
    let mut person_words: Vec<&str> = Vec::new();
    let mut person_at: Vec<std::ops::Range<usize>> = Vec::new();
    for c in cleaned.iter().filter(|c| c.kind == Kind::Person) {
        let from = person_words.len();
        person_words.extend(c.name.split_whitespace());
        person_at.push(from..person_words.len());
    }
    let persons: Vec<Person> = person_at.into_iter().map(|at| Person { words: &person_words[at] }).collect();
    let organisations: Vec<&Clean> = cleaned.iter().filter(|c| c.kind == Kind::Organisation).collect();
    let organisations = long_organisations(&organisations);
    // The key of the entity a mention belongs to, rebuilt in place for each mention.
    let mut key = (Kind::Person, String::new());
    let mut next_person = 0;
    for mention in &cleaned {
        // The canonical name: a person's full name as words (joined only for a
        // new entity), or a text.
        let (words, text_name, place): (&[&str], &str, Option<&Place>) = match mention.kind {
            Kind::Person => {
                let own = next_person;
                next_person += 1;
                (full_person_name(own, &persons).map_or(persons[own].words, |p| persons[p].words), "", None)
            }
            Kind::Organisation => (&[], full_organisation_name(&mention.name, &organisations), None),
            Kind::Place => match gazetteer.lookup(&mention.name) {
                Some(place) => (&[], place.name.as_str(), Some(place)),
                None => (&[], mention.name.as_ref(), None),
            },
        };
        key.0 = mention.kind;
        key.1.clear();
        match place {
            Some(place) => {
                let _ = write!(key.1, "geonames:{}", place.geonames_id);
            }
            None if mention.kind == Kind::Person => {
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        key.1.push(' ');
                    }
                    lowercase_into(word, &mut key.1);
                }
            }
            None => lowercase_into(text_name, &mut key.1),
        }
        let index = match keys.get(&key) {
            Some(&index) => index,
            None => {
                let name = if mention.kind == Kind::Person { words.join(" ") } else { text_name.to_owned() };
                out.entities.push(Entity { kind: mention.kind, name, variants: Vec::new(), mentions: 0, roles: Vec::new(), place: place.cloned(), first_at: mention.start });
                keys.insert(key.clone(), out.entities.len() - 1);
                out.entities.len() - 1
            }
        };
        let entity = &mut out.entities[index];
        entity.mentions += 1;
        if *mention.name != *entity.name && !entity.variants.iter().any(|v| *v == *mention.name) {
            entity.variants.push(mention.name.to_string());
        }
        if mention.kind == Kind::Person {
            let first = tokens.partition_point(|t| t.start < mention.start);
            let roles = [mention.role.map(str::to_owned), role_before(text, tokens, first), role_after(text, mention.end)];
            for role in roles.into_iter().flatten() {
                if !entity.roles.iter().any(|r| r.eq_ignore_ascii_case(&role)) {
                    entity.roles.push(role);
                }
            }
        }
        out.mentions.push(Located { start: mention.start, end: mention.end, entity: index });
    }
    out
}

/// Mentions sorted, de-overlapped, with names cleaned; misc mentions dropped.
/// A name also mentioned as a person is a person everywhere (the model may tag
/// one of its mentions as an organisation).
fn clean_all(mentions: &[Mention]) -> Vec<Clean<'_>> {
    let mut out = clean_each(mentions);
    let people: HashSet<String> = out.iter().filter(|c| c.kind == Kind::Person && c.name.contains(' ')).map(|c| c.name.to_lowercase()).collect();
    if people.is_empty() {
        return out;
    }
    let mut lower = String::new();
    for clean in out.iter_mut().filter(|c| c.kind != Kind::Person) {
        lower.clear();
        lowercase_into(&clean.name, &mut lower);
        if people.contains(&lower) {
            clean.kind = Kind::Person;
        }
    }
    out
}

/// Appends `text` in lower case (as `str::to_lowercase` writes it) to `out`.
fn lowercase_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let from = out.len();
        out.push_str(text);
        out[from..].make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
    }
}

fn clean_each(mentions: &[Mention]) -> Vec<Clean<'_>> {
    let mut sorted: Vec<&Mention> = mentions.iter().collect();
    sorted.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut out: Vec<Clean> = Vec::with_capacity(sorted.len());
    let mut covered_to = 0;
    for m in sorted {
        if m.start < covered_to {
            continue;
        }
        let (without_honorific, had_honorific) = honorifics::strip(m.text.strip_prefix("By ").unwrap_or(&m.text));
        let trimmed = without_honorific.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ')');
        let name: Cow<str> = match trimmed.rsplit_once(' ') {
            Some((head, last)) if strip_possessive(last) != last => format!("{head} {}", strip_possessive(last)).into(),
            Some(_) => trimmed.into(),
            None => strip_possessive(trimmed).into(),
        };
        if name.is_empty() || roles::is_role_title(&name) {
            continue;
        }
        let kind = match (had_honorific, m.kind) {
            (true, _) | (false, EntityKind::Person) => Kind::Person,
            (false, EntityKind::Organisation) => Kind::Organisation,
            (false, EntityKind::Location) => Kind::Place,
            (false, EntityKind::Misc) => continue,
        };
        covered_to = m.end;
        let (role, name) = match (kind, name) {
            (Kind::Person, Cow::Borrowed(name)) => match split_leading_role(name) {
                (Some(role), rest) => (Some(role), Cow::Borrowed(rest)),
                (None, _) => (None, Cow::Borrowed(name)),
            },
            (Kind::Person, Cow::Owned(name)) => match split_leading_role(&name) {
                // The role is the mention's own text, up to its last word.
                // Only the last word differs from the tagged text, and the role ends before it.
                (Some(role), rest) => (trimmed.get(..role.len()), Cow::Owned(rest.to_owned())),
                (None, _) => (None, Cow::Owned(name)),
            },
            (_, name) => (None, name),
        };
        out.push(Clean { kind, name, start: m.start, end: m.end, role });
    }
    out
}

/// A person mention's name words (person mentions are in order of their starts).
struct Person<'a> {
    words: &'a [&'a str],
}

/// The full name person mention `k` stands for (as the index of the person
/// mention that names it in full): the longest name among all person mentions
/// that ends with its words (a surname) or starts with them (a first name),
/// preferring the nearest one written before it; `None` when that is its own.
/// Mentions are in order of their (distinct) starts, so the nearest one before
/// is the first found looking back, and the earliest after the first found
/// looking on.
fn full_person_name(k: usize, persons: &[Person]) -> Option<usize> {
    let words = persons[k].words;
    let extends = |c: &Person| c.words.len() > words.len() && (c.words.ends_with(words) || (words.len() == 1 && c.words[0] == words[0]));
    let chosen = (0..k).rev().find(|&j| extends(&persons[j])).or_else(|| (k + 1..persons.len()).find(|&j| extends(&persons[j])));
    chosen.map(|j| full_person_name(j, persons).unwrap_or(j))
}

/// The long form of an organisation name: an acronym ("Nato", "UN") whose
/// letters are the initials of a longer organisation's name stands for it;
/// otherwise the name itself.
fn full_organisation_name<'a>(name: &'a str, organisations: &[(&'a str, String)]) -> &'a str {
    if name.contains(' ') || name.chars().count() > 6 {
        return name;
    }
    let acronym = name.to_uppercase();
    organisations.iter().find(|(_, initials)| *initials == acronym).map_or(name, |(long, _)| long)
}

/// The organisations named in more than one word, with their [`initials`], in order.
fn long_organisations<'a>(organisations: &[&'a Clean<'a>]) -> Vec<(&'a str, String)> {
    organisations.iter().map(|o| o.name.as_ref()).filter(|long| long.contains(' ')).map(|long| (long, initials(long))).collect()
}

fn initials(name: &str) -> String {
    // Only ASCII words lower-case to these (and then as ASCII does).
    let minor = |w: &str| w.is_ascii() && ["of", "the", "and", "for", "&"].iter().any(|m| m.eq_ignore_ascii_case(w));
    name.split_whitespace().filter(|w| !minor(w)).filter_map(|w| w.chars().next()).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::tokenize;

    fn mention(text: &str, kind: EntityKind, needle: &str, nth: usize) -> Mention {
        let start = text.match_indices(needle).nth(nth).unwrap().0;
        Mention { kind, text: needle.to_owned(), start, end: start + needle.len() }
    }

    fn gazetteer() -> Gazetteer {
        Gazetteer::parse("country\t2017370\tRussia\tRU\t\t\t140702000\t\ncountry\t2635167\tUnited Kingdom\tGB\t\t\t66488991\tUK|Britain\ncity\t524901\tMoscow\tRU\t55.75\t37.61\t10381222\t\n").unwrap()
    }

    #[test]
    fn surnames_and_honorifics_merge_into_the_full_name() {
        let text = "Foreign Secretary Liz Truss met Sergei Lavrov. Ms Truss said Mr Lavrov was wrong, and Truss left.";
        let mentions = vec![
            mention(text, EntityKind::Person, "Liz Truss", 0),
            mention(text, EntityKind::Person, "Sergei Lavrov", 0),
            mention(text, EntityKind::Person, "Ms Truss", 0),
            mention(text, EntityKind::Person, "Mr Lavrov", 0),
            mention(text, EntityKind::Person, "Truss", 2),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        let people: Vec<(&str, usize)> = entities.of_kind(Kind::Person).map(|e| (e.name.as_str(), e.mentions)).collect();
        assert_eq!(people, [("Liz Truss", 3), ("Sergei Lavrov", 2)]);
        assert_eq!(entities.entities[0].roles, ["Foreign Secretary"]);
        assert_eq!(entities.entities[0].variants, ["Truss"]);
        assert_eq!(entities.mentions.len(), 5);
        assert_eq!(entities.mentions[2].entity, 0);
    }

    #[test]
    fn a_title_tagged_as_part_of_a_name_becomes_a_role() {
        let text = "Foreign Secretary Liz Truss spoke. Ms Truss left.";
        let mentions = vec![mention(text, EntityKind::Person, "Foreign Secretary Liz Truss", 0), mention(text, EntityKind::Person, "Ms Truss", 0)];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        assert_eq!(entities.entities.len(), 1);
        assert_eq!((entities.entities[0].name.as_str(), entities.entities[0].roles.as_slice()), ("Liz Truss", ["Foreign Secretary".to_owned()].as_slice()));
    }

    #[test]
    fn a_surname_goes_to_the_nearest_full_name_before_it() {
        let text = "John Smith met Jane Smith. Later Smith spoke.";
        let mentions = vec![
            mention(text, EntityKind::Person, "John Smith", 0),
            mention(text, EntityKind::Person, "Jane Smith", 0),
            mention(text, EntityKind::Person, "Smith", 2),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        assert_eq!(entities.mentions[2].entity, 1);
    }

    #[test]
    fn a_full_name_tagged_once_as_an_organisation_is_still_the_person() {
        let text = "Liz Truss spoke. Liz Truss and Sergei Lavrov met. By Press Association";
        let mentions = vec![
            mention(text, EntityKind::Person, "Liz Truss", 0),
            mention(text, EntityKind::Organisation, "Liz Truss", 1),
            mention(text, EntityKind::Organisation, "By Press Association", 0),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        let got: Vec<(Kind, &str, usize)> = entities.entities.iter().map(|e| (e.kind, e.name.as_str(), e.mentions)).collect();
        assert_eq!(got, [(Kind::Person, "Liz Truss", 2), (Kind::Organisation, "Press Association", 1)]);
    }

    #[test]
    fn an_honorific_makes_a_person_whatever_the_model_said() {
        let text = "Mr Lavrov spoke.";
        let entities = merge(text, &tokenize(text), &[mention(text, EntityKind::Organisation, "Mr Lavrov", 0)], &gazetteer());
        assert_eq!((entities.entities[0].kind, entities.entities[0].name.as_str()), (Kind::Person, "Lavrov"));
    }

    #[test]
    fn a_bare_title_tagged_as_a_place_or_person_is_no_entity() {
        let text = "The talks between the Foreign Secretary and the Prime Minister in Moscow ended.";
        let mentions = vec![
            mention(text, EntityKind::Location, "Foreign Secretary", 0),
            mention(text, EntityKind::Person, "Prime Minister", 0),
            mention(text, EntityKind::Location, "Moscow", 0),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        let names: Vec<&str> = entities.entities.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Moscow"]);
    }

    #[test]
    fn places_resolve_in_the_gazetteer_and_merge_by_place() {
        let text = "In Moscow, the UK and Britain warned Russia’s leaders.";
        let mentions = vec![
            mention(text, EntityKind::Location, "Moscow", 0),
            mention(text, EntityKind::Location, "UK", 0),
            mention(text, EntityKind::Location, "Britain", 0),
            mention(text, EntityKind::Location, "Russia’s", 0),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        let places: Vec<(&str, &str, usize)> =
            entities.of_kind(Kind::Place).map(|e| (e.name.as_str(), e.place.as_ref().unwrap().country_code.as_str(), e.mentions)).collect();
        assert_eq!(places, [("Moscow", "RU", 1), ("United Kingdom", "GB", 2), ("Russia", "RU", 1)]);
    }

    #[test]
    fn acronyms_merge_into_the_organisation_they_abbreviate_and_misc_is_dropped() {
        let text = "The North Atlantic Treaty Organisation met. Nato allies and Russians agreed.";
        let mentions = vec![
            mention(text, EntityKind::Organisation, "North Atlantic Treaty Organisation", 0),
            mention(text, EntityKind::Organisation, "Nato", 0),
            mention(text, EntityKind::Misc, "Russians", 0),
        ];
        let entities = merge(text, &tokenize(text), &mentions, &gazetteer());
        assert_eq!(entities.entities.len(), 1);
        assert_eq!((entities.entities[0].name.as_str(), entities.entities[0].mentions), ("North Atlantic Treaty Organisation", 2));
    }
}
