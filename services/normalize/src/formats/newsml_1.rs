//! IPTC NewsML 1.x news items into canonical articles.
//!
//! Ingest sends one `NewsItem` per record (a `NewsML` envelope is split), but a
//! whole envelope is read too. Per item (its uri and version are the item's
//! identity, decided once: [`newswire_shared::story::identity`]):
//! `NewsManagement` the times (`FirstCreated`, `ThisRevisionCreated`; `DateId`
//! when there is no `FirstCreated`), `Status` and `Urgency`, and the embargo
//! (`StatusWillChange` lifting an `Embargoed` or `Withheld` status at its time). Each
//! `NewsComponent` adds what it says: `NewsLines` (`HeadLine`, `SubHeadLine`,
//! `ByLine`, `DateLine`, `CreditLine`, `CopyrightLine`, `KeywordLine`),
//! `AdministrativeMetadata` (`Provider`, `Creator`, `Source`) and
//! `DescriptiveMetadata` (`Language`, `SubjectCode`, `Location`); a component
//! inherits what its ancestors said.
//!
//! Stories: a component with a headline of its own starts a story (the item's
//! top component always does), and every text `ContentItem` below it that is
//! not inside a nearer story belongs to it. A component whose `Role` is
//! `Title`/`HeadLine` gives the headline, `Lead`/`Abstract`/`Summary` the
//! description, anything else body text. A story with no text of its own that
//! holds other stories is only their container (Belga's per-language
//! versions) and is not itself a story, and when some component has text,
//! components without (a video, an audio clip) are no text story; an item with
//! no text at all is one headline-only story. So an item gives one story per text
//! component: the first keeps the item's uri (a one-story item, the usual case,
//! is exactly its item), every other one is `{item uri}#{its Duid}`, or
//! `#component-{n}` (n counting the item's stories from 1) without a `Duid`.
//!
//! Pictures (see [`newsml_1_content::is_picture_component`]) become associations
//! of the story they sit in; a picture outside every story belongs to the
//! whole item, so to each of its stories. Metadata that cannot be read (a date,
//! a status, an urgency) is recorded as a problem on the article rather than
//! losing the story.

use chrono_tz::Tz;
use newswire_shared::article::{Article, Association, Concept, InfoSource, PubStatus, Text};
use newswire_shared::stage::StageError;

use crate::formats::newsml_1_content::{self as content, formal_name, party, role};
use crate::formats::xml::{self, Element, Mode};
use crate::formats::{body, embargo, nitf, pubstatus_with_embargo, says_embargoed, time, urgency, Story};
use crate::problems::Field;
use crate::text::clean;

/// The URI of IPTC's subject codes, for NewsML 1's 8-digit `Subject FormalName`s.
const SUBJECT_CODES: &str = "http://cv.iptc.org/newscodes/subjectcode/";

/// Parses a `NewsItem`, or every `NewsItem` of a `NewsML` envelope, into its stories.
pub fn parse(text: &str, zone: Tz) -> Result<Vec<Story>, StageError> {
    let root = xml::parse(text, Mode::Xml)?;
    let items: Vec<&Element> = match root.name.as_str() {
        "NewsItem" => vec![&root],
        "NewsML" => root.children_named("NewsItem").collect(),
        other => return Err(StageError::new("malformed_newsml", format!("the root element is <{other}>, not <NewsML> or <NewsItem>"))),
    };
    if items.is_empty() {
        return Err(StageError::new("malformed_newsml", "the <NewsML> holds no <NewsItem>"));
    }
    let mut stories = Vec::new();
    for item in items {
        stories.extend(parse_item(item, zone)?);
    }
    Ok(stories)
}

/// A story being gathered while the component tree is walked.
struct Gathering {
    article: Article,
    html: String,
    duid: Option<String>,
    holds_stories: bool,
}

fn parse_item(item: &Element, zone: Tz) -> Result<Vec<Story>, StageError> {
    let mut template = Article { language: item.attr_nonblank("lang").map(str::to_owned), ..Default::default() };
    read_identification(item, &mut template);
    if let Some(management) = item.child("NewsManagement") {
        read_management(management, zone, &mut template);
    }
    let mut gathered: Vec<Gathering> = Vec::new();
    let mut item_pictures = Vec::new();
    for component in item.children_named("NewsComponent") {
        visit(component, &template, None, &mut gathered, &mut item_pictures)?;
    }
    let mut stories: Vec<Gathering> = gathered.into_iter().filter(|g| !g.html.is_empty() || !g.holds_stories).collect();
    if stories.iter().any(|g| !g.html.is_empty()) {
        // Components without text (a video, an audio clip) are not text stories.
        stories.retain(|g| !g.html.is_empty());
    } else {
        // No text anywhere: the item is one headline-only story (a flash), if that.
        stories.truncate(1);
    }
    if stories.is_empty() {
        // No component at all: the item's metadata alone (normalize then says whether it has content).
        stories.push(Gathering { article: template, html: String::new(), duid: None, holds_stories: false });
    }
    let mut out = Vec::with_capacity(stories.len());
    for (index, mut story) in stories.into_iter().enumerate() {
        if !story.html.is_empty() {
            story.article.bodies = body::from_html(&story.html)?;
        }
        story.article.associations.extend(item_pictures.iter().cloned());
        for (i, picture) in story.article.associations.iter_mut().enumerate() {
            if picture.name.is_empty() {
                picture.name = format!("picture-{}", i + 1);
            }
        }
        let part = (index > 0).then(|| story.duid.clone().unwrap_or_else(|| format!("component-{}", index + 1)));
        out.push(Story { article: story.article, part });
    }
    Ok(out)
}

/// Walks one component: pictures, the story it starts or adds to, its children.
fn visit(
    component: &Element,
    inherited: &Article,
    current: Option<usize>,
    gathered: &mut Vec<Gathering>,
    item_pictures: &mut Vec<Association>,
) -> Result<(), StageError> {
    if content::is_picture_component(component) {
        let picture = content::picture(component);
        match current {
            Some(story) => gathered[story].article.associations.push(picture),
            None => item_pictures.push(picture),
        }
        return Ok(());
    }
    let role = role(component).unwrap_or_default();
    if role == "caption" {
        return Ok(());
    }
    let mut meta = inherited.clone();
    read_component_meta(component, &mut meta);
    let own_headline = component.child("NewsLines").and_then(|l| l.child_text("HeadLine")).is_some();
    let here = if own_headline || current.is_none() {
        if let Some(parent) = current {
            gathered[parent].holds_stories = true;
        }
        gathered.push(Gathering { article: meta.clone(), html: String::new(), duid: component.attr_nonblank("Duid").map(str::to_owned), holds_stories: false });
        gathered.len() - 1
    } else {
        current.unwrap_or_default()
    };
    for item in component.children_named("ContentItem").filter(|i| content::is_text(i)) {
        let story = &mut gathered[here];
        match role.as_str() {
            "title" | "headline" => {
                if let (true, Some(title)) = (story.article.headlines.is_empty(), content::plain_text(item)) {
                    story.article.headlines.push(Text::plain("main", title));
                }
            }
            "lead" | "abstract" | "summary" | "intro" => {
                if let Some(lead) = content::plain_text(item) {
                    story.article.descriptions.push(Text::plain("summary", lead));
                }
            }
            _ => content::read_text(item, &mut story.article, &mut story.html)?,
        }
    }
    for child in component.children_named("NewsComponent") {
        visit(child, &meta, Some(here), gathered, item_pictures)?;
    }
    Ok(())
}

fn read_identification(item: &Element, article: &mut Article) {
    let Some(id) = item.child("Identification").and_then(|i| i.child("NewsIdentifier")) else { return };
    if let Some(date) = id.child_text("DateId") {
        // DateId is only a fallback for FirstCreated; a bare day is still a day.
        article.firstcreated = crate::dates::parse_in_zone(&date, chrono_tz::UTC).ok();
    }
}

fn read_management(management: &Element, zone: Tz, article: &mut Article) {
    let read_time = |field: Field, name: &str, article: &mut Article| -> Option<newswire_shared::article::Timestamp> {
        let value = management.child_text(name)?;
        time(article, field, &format!("NewsManagement/{name}"), &value, zone)
    };
    if let Some(first) = read_time(Field::FirstCreated, "FirstCreated", article) {
        article.firstcreated = Some(first);
    }
    article.versioncreated = read_time(Field::VersionCreated, "ThisRevisionCreated", article).or(article.firstcreated);
    if let Some(status) = formal_name(management, "Status") {
        if let Some(s) = pubstatus_with_embargo(article, "NewsManagement/Status@FormalName", &status) {
            article.pubstatus = s;
        }
        read_embargo(management, &status, zone, article);
    }
    if let Some(value) = management.child("Urgency").and_then(|u| u.attr_nonblank("FormalName")) {
        if let Some(u) = urgency(article, "NewsManagement/Urgency@FormalName", value) {
            article.urgency = Some(u);
        }
    }
}

/// The embargo: a `Status` of `Embargoed` or `Withheld` that `StatusWillChange`
/// says becomes `Usable` at its `DateAndTime` is usable, embargoed until then;
/// `Embargoed` with no such time is an embargo without one ([`embargo`]).
fn read_embargo(management: &Element, status: &str, zone: Tz, article: &mut Article) {
    let embargoed = says_embargoed(status);
    let change = management.child("StatusWillChange");
    let lifted_at = change
        .filter(|c| formal_name(c, "FutureStatus").is_some_and(|s| s == "usable"))
        .and_then(|c| c.child_text("DateAndTime"));
    match lifted_at {
        Some(at) if embargoed || status == "withheld" => {
            embargo::read(article, "NewsManagement/StatusWillChange/DateAndTime", &at, zone);
            article.pubstatus = PubStatus::Usable;
        }
        _ if embargoed => embargo::without_time(article, "NewsManagement/Status@FormalName"),
        _ => {}
    }
}

/// What one component says of its stories, over what its ancestors said.
fn read_component_meta(component: &Element, article: &mut Article) {
    if let Some(lang) = component.attr_nonblank("lang") {
        article.language = Some(lang.to_owned());
    }
    if let Some(lines) = component.child("NewsLines") {
        read_news_lines(lines, article);
    }
    if let Some(admin) = component.child("AdministrativeMetadata") {
        for (role, element) in [("provider", "Provider"), ("source", "Source")] {
            if let Some(name) = party(admin, element) {
                if !article.infosources.iter().any(|s| s.name.as_deref() == Some(&name) && s.role.as_deref() == Some(role)) {
                    article.infosources.push(InfoSource { name: Some(name), role: Some(role.into()), uri: None });
                }
            }
        }
        if article.by.is_none() {
            article.by = party(admin, "Creator");
        }
    }
    if let Some(descriptive) = component.child("DescriptiveMetadata") {
        read_descriptive(descriptive, article);
    }
}

fn read_news_lines(lines: &Element, article: &mut Article) {
    if let Some(headline) = lines.child_text("HeadLine") {
        article.headlines = vec![Text::plain("main", headline)];
        article.headlines.extend(lines.children_named("SubHeadLine").filter_map(Element::text_nonblank).map(|s| Text::plain("sub", s)));
    }
    if let Some(by) = lines.child_text("ByLine") {
        let by = by.strip_prefix("By ").or_else(|| by.strip_prefix("BY ")).unwrap_or(&by).trim().to_owned();
        article.by = Some(by).filter(|b| !b.is_empty());
    }
    if let Some(place) = lines.child_text("DateLine").and_then(|d| nitf::place_of_dateline(&d)) {
        article.located = Some(place);
    }
    if let Some(holder) = lines.child_text("CopyrightLine").or_else(|| lines.child_text("CreditLine")) {
        article.copyrightholder = Some(holder);
    }
    for keyword in lines.children_named("KeywordLine").filter_map(Element::text_nonblank) {
        push_subject(article, Concept { name: Some(clean(&keyword)), rel: Some("keyword".into()), ..Default::default() });
    }
}

fn read_descriptive(descriptive: &Element, article: &mut Article) {
    if let Some(language) = descriptive.child("Language").and_then(|l| l.attr_nonblank("FormalName")) {
        article.language = Some(language.to_owned());
    }
    for code in descriptive.children_named("SubjectCode").flat_map(Element::elements) {
        if let Some(name) = code.attr_nonblank("FormalName") {
            let is_iptc = name.len() == 8 && name.bytes().all(|b| b.is_ascii_digit());
            let concept = Concept {
                uri: is_iptc.then(|| format!("{SUBJECT_CODES}{name}")),
                literal: (!is_iptc).then(|| name.to_owned()),
                ..Default::default()
            };
            push_subject(article, concept);
        }
    }
    if article.located.is_none() {
        let city = descriptive
            .children_named("Location")
            .flat_map(|l| l.children_named("Property"))
            .find(|p| p.attr("FormalName").is_some_and(|n| n.eq_ignore_ascii_case("City")))
            .and_then(|p| p.attr_nonblank("Value"));
        article.located = city.map(str::to_owned);
    }
}

fn push_subject(article: &mut Article, concept: Concept) {
    if !article.subjects.contains(&concept) {
        article.subjects.push(concept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newswire_shared::article::PubStatus;

    const NITF: &str = include_str!("../../../../tests/fixtures/normalize/newsml-1-nitf.xml");
    const XHTML: &str = include_str!("../../../../tests/fixtures/normalize/newsml-1-xhtml.xml");
    const PLAIN: &str = include_str!("../../../../tests/fixtures/normalize/newsml-1-plain.xml");
    const CANCELED: &str = include_str!("../../../../tests/fixtures/normalize/newsml-1-canceled.xml");
    const MULTI: &str = include_str!("../../../../tests/fixtures/normalize/newsml-1-multi-component.xml");

    /// The stories of an item as normalize reads a record: its identity (uri, version) included.
    fn via_record(text: &str, zone: Tz) -> Vec<Story> {
        crate::formats::parse_stories(newswire_shared::story::SourceFormat::Newsml1, text.as_bytes(), None, zone, None).unwrap()
    }

    fn one(text: &str) -> Article {
        let mut stories = via_record(text, "Europe/Paris".parse().unwrap());
        assert_eq!(stories.len(), 1);
        stories.remove(0).article
    }

    #[test]
    fn a_news_item_with_nitf_maps_identity_times_lines_parties_subjects_and_body() {
        let a = one(NITF);
        assert_eq!(a.uri, "urn:newsml:newswire.test:20240507:TX-HARBOUR-1", "the PublicIdentifier without its revision");
        assert_eq!(a.version, 2);
        assert_eq!(a.pubstatus, PubStatus::Usable);
        assert_eq!(a.urgency, Some(3));
        assert_eq!(a.firstcreated.unwrap().to_rfc3339(), "2024-05-07T08:30:00+00:00");
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2024-05-07T10:30:00+01:00", "compact form with its offset");
        assert_eq!(a.headline(), Some("Harbour reopens after storm repairs"));
        assert_eq!(a.headlines[1].value, "Ferries run again from Monday");
        assert_eq!(a.by.as_deref(), Some("Jane Doe"));
        assert_eq!(a.located.as_deref(), Some("DOVER"));
        assert_eq!(a.language.as_deref(), Some("en-GB"));
        assert_eq!(a.copyrightholder.as_deref(), Some("© 2024 Newswire Test"));
        let roles: Vec<_> = a.infosources.iter().map(|s| (s.role.as_deref(), s.name.as_deref())).collect();
        assert_eq!(roles, vec![(Some("provider"), Some("newswire.test")), (Some("source"), Some("Newswire Test"))]);
        let subjects: Vec<_> = a.subjects.iter().filter_map(|s| s.uri.as_deref()).collect();
        assert_eq!(subjects, vec!["http://cv.iptc.org/newscodes/subjectcode/04000000", "http://cv.iptc.org/newscodes/subjectcode/04015000"]);
        assert_eq!(a.descriptions[0].value, "The port is open again.");
        assert_eq!(
            a.body_text(),
            Some("The port of Dover reopened on Tuesday after three weeks of repairs.\n\nFerries & freight will run on the normal timetable from Monday.")
        );
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
    }

    #[test]
    fn an_xhtml_item_is_sanitized_and_its_zoneless_times_are_in_the_feed_zone() {
        let a = one(XHTML);
        assert_eq!(a.uri, "urn:newsml:newswire.test:20240508:TX-BRIDGE-7", "built from its parts without a PublicIdentifier");
        assert_eq!(a.pubstatus, PubStatus::Usable, "embargoed is an embargo, not a withhold");
        let problems: Vec<(&str, &str)> = a.newswire.problems.iter().map(|p| (p.field.as_str(), p.kind.as_str())).collect();
        assert_eq!(problems, [("embargoed", "unreadable")], "it says no time: held a day");
        assert_eq!(a.embargoed, a.versioncreated.map(|t| t + chrono::Duration::hours(24)), "a day after the story's time in a bare parse");
        assert_eq!(a.language.as_deref(), Some("fr"));
        assert_eq!(a.located.as_deref(), Some("LYON"));
        assert_eq!(a.versioncreated.unwrap().to_rfc3339(), "2024-05-08T09:15:00+02:00", "Paris summer time");
        assert_eq!(a.body_text(), Some("Le pont Lafayette a rouvert mardi matin.\n\nLes travaux ont duré six mois."));
        let html = &a.bodies[1].value;
        assert!(html.contains("<b>mardi</b>") && !html.contains("script") && !html.contains("ignored title"), "{html}");
    }

    #[test]
    fn status_will_change_to_usable_is_the_embargo_of_an_embargoed_or_withheld_item() {
        let change = r#"<Status FormalName="Embargoed"/><StatusWillChange><FutureStatus FormalName="Usable"/><DateAndTime>20240510T000100</DateAndTime></StatusWillChange>"#;
        let embargoed = PLAIN.replace(r#"<Status FormalName="Usable"/>"#, change);
        assert_ne!(embargoed, PLAIN, "the fixture has a usable status");
        let a = &via_record(&embargoed, chrono_tz::Europe::Paris)[0].article;
        assert_eq!(a.pubstatus, PubStatus::Usable);
        assert_eq!(a.embargoed.map(|t| t.to_rfc3339()).as_deref(), Some("2024-05-10T00:01:00+02:00"), "zoneless: the feed's zone");
        assert!(a.newswire.problems.is_empty(), "{:?}", a.newswire.problems);
        let withheld = embargoed.replace(r#"<Status FormalName="Embargoed"/>"#, r#"<Status FormalName="Withheld"/>"#);
        let a = &via_record(&withheld, Tz::UTC)[0].article;
        assert_eq!((a.pubstatus, a.embargoed.map(|t| t.to_rfc3339())), (PubStatus::Usable, Some("2024-05-10T00:01:00+00:00".into())));
        let killed_later = embargoed.replace(r#"<FutureStatus FormalName="Usable"/>"#, r#"<FutureStatus FormalName="Canceled"/>"#);
        let a = &via_record(&killed_later, Tz::UTC)[0].article;
        assert_eq!(a.embargoed, a.versioncreated.map(|t| t + chrono::Duration::hours(24)), "no time it becomes usable: an embargo without a time");
        let usable = PLAIN.replace("<Urgency", r#"<StatusWillChange><FutureStatus FormalName="Usable"/><DateAndTime>20240510T000100</DateAndTime></StatusWillChange><Urgency"#);
        assert_eq!(via_record(&usable, Tz::UTC)[0].article.embargoed, None, "a usable item is not embargoed by it");
    }

    #[test]
    fn a_plain_text_item_keeps_its_paragraphs_and_escaped_brackets_as_text() {
        let a = one(PLAIN);
        assert_eq!(a.uri, "urn:newsml:newswire.test:20240509T120000Z:TX-RATES-3");
        assert_eq!(a.urgency, Some(1));
        assert_eq!(a.body_text(), Some("The central bank kept its main rate at 4% on Thursday.\n\nMarkets had expected the decision <and priced it in>."));
        assert!(a.bodies[1].value.contains("&lt;and priced it in&gt;"), "{}", a.bodies[1].value);
    }

    #[test]
    fn a_canceled_item_is_a_kill_of_the_same_story() {
        let a = one(CANCELED);
        assert_eq!(a.pubstatus, PubStatus::Canceled);
        assert_eq!((a.uri.as_str(), a.version), ("urn:newsml:newswire.test:20240507:TX-HARBOUR-1", 3), "same uri as revision 2");
    }

    #[test]
    fn a_multi_component_item_gives_one_story_per_text_component_with_its_own_picture() {
        let stories = via_record(MULTI, Tz::UTC);
        let ids: Vec<_> = stories.iter().map(|s| (s.article.uri.as_str(), s.part.as_deref(), s.article.headline())).collect();
        assert_eq!(
            ids,
            vec![
                ("urn:newsml:newswire.test:20240510:PKG-ELECTION-9", None, Some("Council election results declared")),
                ("urn:newsml:newswire.test:20240510:PKG-ELECTION-9", Some("sidebar"), Some("Leaders react to a historic night")),
            ],
            "the container and the video component are no text story"
        );
        let (main, sidebar) = (&stories[0].article, &stories[1].article);
        assert_eq!(main.body_text(), Some("All 40 seats have been declared.\n\nTurnout was 38 per cent."));
        assert_eq!(main.by.as_deref(), Some("Sam Reporter"));
        assert_eq!(main.associations.len(), 1);
        let picture = &main.associations[0];
        assert_eq!((picture.name.as_str(), picture.uri.as_str()), ("picture-1", "https://pictures.newswire.test/count.jpg"));
        assert_eq!(picture.descriptions[0].value, "Ballots are counted in the town hall on Friday night.");
        assert_eq!(picture.copyrightholder.as_deref(), Some("Ann Lens/Newswire Test"));
        assert!(!main.body_text().unwrap().contains("Ballots"), "a caption is not body text");
        assert_eq!(sidebar.body_text(), Some("Party leaders welcomed the result."));
        assert!(sidebar.associations.is_empty());
        // Both inherit the container's metadata.
        for a in [main, sidebar] {
            assert_eq!(a.language.as_deref(), Some("en"));
            assert_eq!(a.subjects[0].uri.as_deref(), Some("http://cv.iptc.org/newscodes/subjectcode/11000000"));
        }
    }

    #[test]
    fn an_envelope_gives_the_stories_of_every_item_and_unreadable_metadata_is_a_problem_not_a_loss() {
        let item = |status: &str| NITF.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "").replace("FormalName=\"Usable\"", status);
        let envelope = format!("<NewsML><NewsEnvelope/>{}{}</NewsML>", item("FormalName=\"Usable\""), item("FormalName=\"OPEN\""));
        let stories = parse(&envelope, Tz::UTC).unwrap();
        assert_eq!(stories.len(), 2);
        let odd = &stories[1].article;
        assert_eq!(odd.pubstatus, PubStatus::Usable);
        assert_eq!(odd.newswire.problems[0].field, "pubstatus");
        let bad_date = parse(&NITF.replace("20240507T103000+0100", "20240532T103000+0100"), Tz::UTC).unwrap();
        assert_eq!(bad_date[0].article.newswire.problems[0].field, "versioncreated");
        assert_eq!(parse("<newsItem/>", Tz::UTC).unwrap_err().reason, "malformed_newsml");
    }
}
