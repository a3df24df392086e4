//! The pure enrich core on real stories: the PA seed, IPTC's ninjs examples in
//! `../shared`, and the stories in `tests/fixtures/enrich/`.
//!
//! The seed is enriched twice: once with the resources the service loads (the
//! NER model if it has been trained, else rules and the gazetteer), asserting
//! only what rules and the gazetteer guarantee; and once with a hand-made
//! mention list standing in for the model, to check merging, roles and quote
//! attribution over everything a model would tag.

use std::path::{Path, PathBuf};

use newswire_enrich::ner::{EntityKind, Mention};
use newswire_enrich::resources::{MentionSource, NoModel};
use newswire_enrich::{enrich, Resources};
use newswire_shared::article::{Article, Extension, Text};
use newswire_shared::enrichment::{Enrichment, Ner};
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The PA seed story parsed crudely: line 2 is the headline, the byline and
/// date lines are skipped, the rest is the body.
fn seed_article() -> Article {
    let raw = std::fs::read_to_string(repo_root().join("tests/fixtures/pa-truss-lavrov-2022-02-14.txt")).unwrap();
    let lines: Vec<&str> = raw.lines().collect();
    Article {
        uri: "urn:newswire:pa:seed".into(),
        version: 1,
        headlines: vec![Text::plain("main", lines[1])],
        bodies: vec![Text::plain("main", lines[5..].join("\n"))],
        newswire: Extension { story_id: "story-seed".into(), ..Default::default() },
        ..Default::default()
    }
}

/// Stands in for the NER model: tags every whole-word occurrence of the given
/// names, longest first, never overlapping.
struct Scripted(Vec<(EntityKind, &'static str)>);

impl MentionSource for Scripted {
    fn mentions(&self, text: &str) -> Vec<Mention> {
        let mut names = self.0.clone();
        names.sort_by_key(|(_, n)| std::cmp::Reverse(n.len()));
        let mut out: Vec<Mention> = Vec::new();
        for (kind, name) in names {
            for (start, _) in text.match_indices(name) {
                let end = start + name.len();
                let before = text[..start].chars().last().is_some_and(char::is_alphanumeric);
                let after = text[end..].chars().next().is_some_and(char::is_alphanumeric);
                if before || after || out.iter().any(|m| m.start < end && start < m.end) {
                    continue;
                }
                out.push(Mention { kind, text: name.to_owned(), start, end });
            }
        }
        out.sort_by_key(|m| m.start);
        out
    }
}

fn seed_model() -> Scripted {
    use EntityKind::*;
    Scripted(vec![
        (Person, "Liz Truss"),
        (Person, "Truss"),
        (Person, "Sergei Lavrov"),
        (Person, "Lavrov"),
        (Person, "Vladimir Putin"),
        (Organisation, "Foreign Office"),
        (Organisation, "Nato"),
        (Organisation, "Press Association"),
        (Organisation, "Russian Foreign Ministry Press Service"),
        (Organisation, "AP"),
        (Location, "Downing Street"),
        (Location, "Moscow"),
        (Location, "Russia"),
        (Location, "Ukraine"),
        (Location, "UK"),
        (Misc, "Russian"),
        (Misc, "Russians"),
        (Misc, "Ukrainian"),
    ])
}

fn names(concepts: &[newswire_shared::article::Concept]) -> Vec<&str> {
    concepts.iter().filter_map(|c| c.name.as_deref()).collect()
}

fn enrichment(article: &Article) -> &Enrichment {
    article.newswire.enrichment.as_ref().expect("enrichment written")
}

fn quote_speaker<'a>(article: &'a Article, starts: &str) -> Option<&'a str> {
    let quote = enrichment(article).quotes.iter().find(|q| q.text.starts_with(starts))?;
    quote.speaker.as_deref().or(quote.speaker_text.as_deref())
}

fn subject_codes(article: &Article) -> Vec<String> {
    article.subjects.iter().filter_map(|s| s.uri.as_deref()).filter_map(|u| u.rsplit('/').next()).map(str::to_owned).collect()
}

fn assert_seed_places_topics_and_summary(article: &Article) {
    for (place, code) in [("Moscow", "RU"), ("Russia", "RU"), ("Ukraine", "UA")] {
        let found = article.places.iter().find(|p| p.name.as_deref() == Some(place));
        assert_eq!(found.and_then(|p| p.literal.as_deref()), Some(code), "{place} in {:?}", article.places);
    }
    let titles_as_places: Vec<_> = article.places.iter().filter(|p| p.name.as_deref() == Some("Foreign Secretary")).collect();
    assert!(titles_as_places.is_empty(), "a title is not a place: {:?}", article.places);
    let moscow = enrichment(article).places.iter().find(|p| p.name == "Moscow").unwrap();
    assert!((moscow.lat.unwrap() - 55.75).abs() < 0.1, "{moscow:?}");
    let codes = subject_codes(article);
    assert!(codes.contains(&"11000000".to_owned()), "politics in {codes:?}");
    assert!(codes.contains(&"20000638".to_owned()) && codes.contains(&"20000639".to_owned()), "international relations and diplomacy in {codes:?}");
    let summary = article.descriptions.iter().find(|d| d.role.as_deref() == Some("summary")).unwrap();
    assert!(summary.value.starts_with("Liz Truss defended her decision"), "{}", summary.value);
    assert!(summary.value.chars().count() <= 300 && summary.value.ends_with('.'));
    assert!(article.altids.iter().any(|a| a.role == "newswire:story-id" && a.value == "story-seed"));
    assert_eq!(article.language.as_deref(), Some("en"));
}

#[test]
fn the_seed_gets_places_topics_summary_and_rule_found_people_with_the_shipped_resources() {
    let (resources, _) = Resources::load(false).unwrap();
    let article = enrich(seed_article(), &resources);
    assert_seed_places_topics_and_summary(&article);
    let people = names(&article.people);
    assert!(people.contains(&"Liz Truss") && people.contains(&"Sergei Lavrov"), "{people:?}");
    assert_eq!(quote_speaker(&article, "I went to Russia"), Some("Liz Truss"));
    assert_eq!(quote_speaker(&article, "conversation between deaf and dumb"), Some("Sergei Lavrov"));
}

#[test]
fn the_seed_without_its_picture_captions_still_gets_full_names_and_attributed_quotes() {
    let (shipped, _) = Resources::load(false).unwrap();
    let rules_only = Resources::with_recognizer(Box::new(NoModel), false).unwrap();
    for resources in [&shipped, &rules_only] {
        let mut article = seed_article();
        let body: Vec<&str> = article.bodies[0].value.lines().filter(|l| !l.trim_end().ends_with("via AP)")).collect();
        article.bodies[0].value = body.join("\n");
        let article = enrich(article, resources);
        let people = names(&article.people);
        assert!(people.contains(&"Liz Truss") && people.contains(&"Sergei Lavrov"), "model {}: {people:?}", resources.has_model);
        assert_eq!(quote_speaker(&article, "I went to Russia"), Some("Liz Truss"));
        assert_eq!(quote_speaker(&article, "conversation between deaf and dumb"), Some("Sergei Lavrov"));
    }
}

#[test]
fn the_seed_with_model_mentions_gets_canonical_people_roles_organisations_and_attributed_quotes() {
    let resources = Resources::with_recognizer(Box::new(seed_model()), true).unwrap();
    let article = enrich(seed_article(), &resources);
    assert_seed_places_topics_and_summary(&article);
    let people = names(&article.people);
    assert_eq!(people, ["Liz Truss", "Sergei Lavrov", "Vladimir Putin"]);
    assert!(article.people.iter().all(|p| p.rel.as_deref() == Some("mentioned")));
    let orgs = names(&article.organisations);
    assert!(orgs.contains(&"Foreign Office") && orgs.contains(&"Nato"), "{orgs:?}");
    let detail = enrichment(&article);
    let person = |name: &str| detail.people.iter().find(|p| p.name == name).unwrap().clone();
    let truss = person("Liz Truss");
    assert!(truss.roles.iter().any(|r| r == "Foreign Secretary"), "{truss:?}");
    assert!(truss.mentions >= 5, "{truss:?}");
    let lavrov = person("Sergei Lavrov");
    assert!(lavrov.roles.iter().any(|r| r == "Russian Foreign Minister"), "{lavrov:?}");
    assert_eq!(quote_speaker(&article, "of course, the Russians didn’t like"), Some("Liz Truss"));
    assert_eq!(quote_speaker(&article, "I went to Russia to deliver a very clear message"), Some("Liz Truss"));
    assert_eq!(quote_speaker(&article, "conversation between deaf and dumb"), Some("Sergei Lavrov"));
    assert_eq!(quote_speaker(&article, "It’s an important opportunity"), Some("The Prime Minister’s official spokesman"));
    let truss_quote = detail.quotes.iter().find(|q| q.text.starts_with("I went to Russia")).unwrap();
    assert!(truss_quote.text.ends_with("severe costs of an invasion."), "continued over three paragraphs: {truss_quote:?}");
}

#[test]
fn enriching_twice_gives_the_same_article() {
    let resources = Resources::with_recognizer(Box::new(seed_model()), true).unwrap();
    let once = enrich(seed_article(), &resources);
    assert_eq!(enrich(once.clone(), &resources), once);
}

/// Headline and plain body of a ninjs document of any version (1.x, 2.x or 3.x field names).
fn ninjs_text(doc: &Value) -> (String, String) {
    let first_value = |key: &str| doc[key].as_array().and_then(|a| a.first()).and_then(|h| h["value"].as_str()).map(str::to_owned);
    let headline = doc["headline"].as_str().or(doc["headline_main"].as_str()).map(str::to_owned).or_else(|| first_value("headlines"));
    let body = doc["body_text"].as_str().or(doc["body_main"].as_str()).map(str::to_owned).or_else(|| first_value("bodies"));
    (headline.unwrap_or_default(), body.unwrap_or_default())
}

#[test]
fn every_iptc_ninjs_example_is_enriched_with_topics_and_places() {
    let dir = repo_root().join("../shared/iptc/examples/ninjs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        newswire_shared::dev_data::missing("../shared/iptc/examples/ninjs");
        return;
    };
    let (resources, _) = Resources::load(false).unwrap();
    let mut seen = 0;
    for path in entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (headline, body) = ninjs_text(&doc);
        assert!(!body.is_empty(), "{} has a body", path.display());
        let article = Article { uri: path.display().to_string(), headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() };
        let article = enrich(article, &resources);
        let codes = subject_codes(&article);
        assert!(codes.contains(&"02000000".to_owned()), "{}: crime, law and justice in {codes:?}", path.display());
        assert!(names(&article.places).contains(&"Italy"), "{}: {:?}", path.display(), article.places);
        assert!(article.descriptions.iter().any(|d| d.role.as_deref() == Some("summary")));
        seen += 1;
    }
    assert!(seen >= 6, "read {seen} examples");
}

#[test]
fn the_written_fixture_stories_get_their_expected_topics_places_quotes_and_summary() {
    let dir = repo_root().join("tests/fixtures/enrich");
    let resources = Resources::with_recognizer(Box::new(NoModel), false).unwrap();
    let mut seen = 0;
    for path in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let story: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let article = Article {
            uri: path.display().to_string(),
            headlines: vec![Text::plain("main", story["headline"].as_str().unwrap())],
            bodies: vec![Text::plain("main", story["body"].as_str().unwrap())],
            ..Default::default()
        };
        let article = enrich(article, &resources);
        let expect = &story["expect"];
        let codes = subject_codes(&article);
        for topic in expect["topics"].as_array().unwrap() {
            assert!(codes.iter().any(|c| c == topic.as_str().unwrap()), "{}: {topic} in {codes:?}", path.display());
        }
        for place in expect["places"].as_array().unwrap() {
            let (name, code) = (place[0].as_str().unwrap(), place[1].as_str().unwrap());
            let found = article.places.iter().find(|p| p.name.as_deref() == Some(name));
            assert_eq!(found.and_then(|p| p.literal.as_deref()), Some(code), "{}: {name} in {:?}", path.display(), article.places);
        }
        for quote in expect["quotes"].as_array().unwrap() {
            let (starts, speaker) = (quote[0].as_str().unwrap(), quote[1].as_str().unwrap());
            assert_eq!(quote_speaker(&article, starts), Some(speaker), "{}", path.display());
        }
        let summary = article.descriptions.iter().find(|d| d.role.as_deref() == Some("summary")).unwrap();
        assert!(summary.value.starts_with(expect["summary_starts"].as_str().unwrap()), "{}: {}", path.display(), summary.value);
        seen += 1;
    }
    assert!(seen >= 3, "read {seen} fixture stories");
}

#[test]
fn odd_text_never_breaks_enrichment() {
    let (resources, _) = Resources::load(false).unwrap();
    let odd = [
        ("", ""),
        ("“", "”"),
        ("Mr", "Mr\n\nMs. \n“Unclosed quote that runs on and on\n\n“and on"),
        ("Ünïcödé – ©", "Ms Ωmega said: “Ça va très bien, merci beaucoup.” 🙂 İstanbul’s İ. Dr. \u{202e}reversed"),
        ("x", &"Foreign Secretary ".repeat(200)),
        ("Numbers", "34\" screen, 27\" screen, \"quoted\" 5'11\" tall. ... !!! ??? .\n\n\n"),
        ("Long", &"word".repeat(5000)),
        ("Caps", "THE PRIME MINISTER SAID: “WE WILL WIN THIS.” MOSCOW. RUSSIA’S."),
    ];
    for (headline, body) in odd {
        let article = Article { uri: "urn:odd".into(), headlines: vec![Text::plain("main", headline)], bodies: vec![Text::plain("main", body)], ..Default::default() };
        let enriched = enrich(article, &resources);
        assert!(enriched.newswire.enrichment.is_some(), "{headline:?}");
    }
}

#[test]
fn a_story_not_in_english_gets_its_summary_and_counts_but_no_english_analysis() {
    let (resources, _) = Resources::load(false).unwrap();
    let body = "Die Koalition hat sich in der Nacht auf einen Haushalt geeinigt. Finanzminister Lindner sprach in Berlin von einem guten Kompromiss für Deutschland. \
                Die Opposition kritisierte die Einigung scharf und kündigte Widerstand im Bundestag an.";
    let german = |language: Option<&str>| Article {
        uri: "urn:test:de".into(),
        language: language.map(str::to_owned),
        headlines: vec![Text::plain("main", "Haushalt: Einigung in letzter Minute")],
        bodies: vec![Text::plain("main", body)],
        ..Default::default()
    };
    // Tagged by the source, and detected when it is not.
    for (given, expected) in [(Some("de"), "de"), (None, "de")] {
        let article = enrich(german(given), &resources);
        assert_eq!(article.language.as_deref(), Some(expected));
        assert!(article.people.is_empty() && article.organisations.is_empty() && article.places.is_empty(), "{article:?}");
        assert!(article.subjects.is_empty(), "{:?}", article.subjects);
        let e = enrichment(&article);
        assert_eq!(e.ner, Ner::NotEnglish);
        assert!(e.keywords.is_empty());
        assert!(e.word_count > 20);
        assert!(article.descriptions.iter().any(|d| d.role.as_deref() == Some("summary")));
    }
    // The same story tagged English is analysed (the tag is trusted).
    let as_english = enrich(german(Some("en-GB")), &resources);
    assert_ne!(enrichment(&as_english).ner, Ner::NotEnglish);
    assert!(names(&as_english.places).contains(&"Berlin"), "{:?}", as_english.places);
}

#[test]
fn the_agency_of_an_opening_dateline_is_not_a_mentioned_place_or_organisation() {
    let (resources, _) = Resources::load(false).unwrap();
    let article = Article {
        uri: "urn:test:dateline".into(),
        headlines: vec![Text::plain("main", "Flood warnings in place as river rises")],
        bodies: vec![Text::plain(
            "main",
            "LONDON (Newswire) - Environment officials issued flood warnings on Friday as the river rose after days of heavy rain.\n\
             Residents near the Thames were told to move valuables upstairs, the Environment Agency said.",
        )],
        ..Default::default()
    };
    let article = enrich(article, &resources);
    let everything: Vec<&str> = names(&article.places).into_iter().chain(names(&article.organisations)).chain(names(&article.people)).collect();
    assert!(names(&article.places).contains(&"London"), "{:?}", article.places);
    assert!(!everything.contains(&"Newswire"), "{everything:?}");
}
