//! Embargoes end to end: the real broker and the four service binaries. Stories
//! are pushed through ingest in every format that carries an embargo, with an
//! embargo a few seconds ahead (publish runs on the system's clock; the unit
//! tests of `services/publish/src/embargo` drive a manual one).
//!
//! Each subscriber topic record's timestamp is the moment publish produced it,
//! which is what "released at its time" is checked against. Two subscribers
//! take every story: `desk` waits for the embargo (the default), `partner`
//! takes embargoed stories at once (`embargo = "deliver"`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use newswire_e2e::{read_topic_on, Pipeline, Record, AP_TOKEN};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

/// How late a release may be, measured from its time to the record's timestamp.
const RELEASE_WITHIN_MS: i64 = 1_000;

const SUBSCRIPTIONS: &str = r#"
[[subscriptions]]
name = "desk"
topic = true

[[subscriptions]]
name = "partner"
topic = true
embargo = "deliver"
"#;

/// A pipeline whose publish has the `desk` and `partner` subscriptions on a topic prefix of its own.
struct Setup {
    pipeline: Pipeline,
    prefix: String,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn start() -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let file: PathBuf = dir.path().join("subscriptions.toml");
        std::fs::write(&file, SUBSCRIPTIONS).expect("write subscriptions");
        let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let file = file.display().to_string();
        let pipeline =
            Pipeline::start_with(&[("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()), ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str())]);
        Setup { pipeline, prefix, _dir: dir }
    }

    fn read_sub(&self, subscriber: &str, expected: usize) -> Vec<Record> {
        read_topic_on(&self.pipeline.brokers, &format!("{}{subscriber}", self.prefix), expected, WAIT, SETTLE)
    }

    /// Pushes one ninjs 2 story embargoed until `until` and waits until publish
    /// holds it (the partner has it); returns its tag and headline.
    fn hold_one_ninjs_story(&self, until: DateTime<Utc>) -> (String, String) {
        let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let (_, content_type, body, title) = embargoed_stories(until, &tag).swap_remove(0);
        self.pipeline.push_ok(AP_TOKEN, content_type, body.into_bytes());
        assert_eq!(self.read_sub("partner", 1).len(), 1);
        self.wait_held(1, until);
        (tag, title)
    }

    /// Waits until publish's `newswire_embargoed_held` gauge shows `held`.
    fn wait_held(&self, held: usize, before: DateTime<Utc>) {
        self.wait_held_by("publish", held, before);
    }

    /// What the publish instance `name` holds, by its `newswire_embargoed_held` gauge.
    fn held_by(&self, name: &str) -> Option<usize> {
        let text = self.pipeline.metrics(name);
        let line = text.lines().find(|l| l.starts_with("newswire_embargoed_held"))?;
        line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()).map(|v| v as usize)
    }

    /// Waits until the publish instance `name` holds `held` stories.
    fn wait_held_by(&self, name: &str, held: usize, before: DateTime<Utc>) {
        loop {
            let value = self.held_by(name);
            if value == Some(held) {
                return;
            }
            assert!(Utc::now() < before, "{name} held {value:?} stories, not {held}, before the embargo ended; log:\n{}", self.pipeline.log(name));
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A time `seconds` from now, to the second.
fn ahead(seconds: i64) -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp(now + seconds, 0).expect("a time")
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The main headline of a published ninjs record.
fn headline(record: &Record) -> String {
    record.json()["headlines"][0]["value"].as_str().unwrap_or_default().to_owned()
}

/// One embargoed story per format that carries an embargo, all embargoed until
/// `until`: (format, content type, body, headline).
fn embargoed_stories(until: DateTime<Utc>, tag: &str) -> Vec<(&'static str, &'static str, String, String)> {
    let now = rfc3339(Utc::now());
    let basic = until.format("%Y%m%dT%H%M%SZ").to_string();
    let issued = (Utc::now() - chrono::Duration::hours(1)).format("%Y%m%dT%H%M%SZ").to_string();
    let headline = |format: &str| format!("{format} embargo check {tag}");
    let body = |format: &str| format!("The {format} story must wait for its embargo. Check {tag} was sent in {format}.");
    let ninjs2 = serde_json::json!({
        "uri": format!("urn:test:embargo:ninjs2:{tag}"), "type": "text", "version": "1", "versioncreated": now,
        "embargoed": rfc3339(until), "pubstatus": "usable",
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": headline("ninjs 2")}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": body("ninjs 2")}],
    });
    let ninjs3 = serde_json::json!({
        "uri": format!("urn:test:embargo:ninjs3:{tag}"), "type": "text", "version": "1", "versionCreated": now,
        "embargoedUntil": rfc3339(until), "pubStatus": "usable",
        "headlines": [{"role": "main", "contentType": "text/plain", "value": headline("ninjs 3")}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": body("ninjs 3")}],
    });
    let g2 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:embargo:g2:{tag}" version="1" standard="NewsML-G2" standardversion="2.33" conformance="power">
  <itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:TEST"/><versionCreated>{now}</versionCreated><embargoed>{until}</embargoed><pubStatus qcode="stat:usable"/></itemMeta>
  <contentMeta><headline>{headline}</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>{body}</p></body></html></inlineXML></contentSet>
</newsItem>"#,
        until = rfc3339(until),
        headline = headline("NewsML-G2"),
        body = body("NewsML-G2"),
    );
    let nitf = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<nitf version="-//IPTC//DTD NITF 3.6//EN">
  <head><title>Embargo check</title><docdata><doc-id id-string="urn:test:embargo:nitf:{tag}"/><date.issue norm="{issued}"/><date.release norm="{basic}"/><du-key version="1" key="embargo"/></docdata></head>
  <body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head><body.content><p>{body}</p></body.content></body>
</nitf>"#,
        headline = headline("NITF"),
        body = body("NITF"),
    );
    let newsml1 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<NewsItem>
  <Identification><NewsIdentifier><ProviderId>newswire.test</ProviderId><DateId>{issued}</DateId><NewsItemId>EMB-{tag}</NewsItemId><RevisionId PreviousRevision="0" Update="N">1</RevisionId><PublicIdentifier>urn:newsml:newswire.test:{issued}:EMB-{tag}:1</PublicIdentifier></NewsIdentifier></Identification>
  <NewsManagement><NewsItemType FormalName="News"/><FirstCreated>{issued}</FirstCreated><ThisRevisionCreated>{issued}</ThisRevisionCreated><Status FormalName="Embargoed"/><StatusWillChange><FutureStatus FormalName="Usable"/><DateAndTime>{basic}</DateAndTime></StatusWillChange></NewsManagement>
  <NewsComponent><NewsLines><HeadLine>{headline}</HeadLine></NewsLines>
    <ContentItem><MediaType FormalName="Text"/><Format FormalName="Text"/><MimeType FormalName="text/plain"/><DataContent>{body}</DataContent></ContentItem>
  </NewsComponent>
</NewsItem>"#,
        headline = headline("NewsML 1.2"),
        body = body("NewsML 1.2"),
    );
    // IPTC 7901: the embargo line names only the time; the day is the one it arrived on.
    let anpa = format!(
        "\u{1}a0001 r a BC-Embargo-{tag} 0040\u{2}EMBARGOED UNTIL {clock} GMT\r\n   ^{headline}<\r\n   LONDON (PA) — {body}\r\n   (END)\r\n\u{3}\u{4}",
        clock = until.format("%H:%M:%S"),
        headline = headline("IPTC 7901"),
        body = body("IPTC 7901"),
    );
    vec![
        ("ninjs 2", "application/json", ninjs2.to_string(), headline("ninjs 2")),
        ("ninjs 3", "application/json", ninjs3.to_string(), headline("ninjs 3")),
        ("NewsML-G2", "application/vnd.iptc.g2.newsitem+xml", g2, headline("NewsML-G2")),
        ("NITF", "application/nitf+xml", nitf, headline("NITF")),
        ("NewsML 1.2", "application/xml", newsml1, headline("NewsML 1.2")),
        ("IPTC 7901", "text/plain", anpa, headline("IPTC 7901")),
    ]
}

/// Checks that every record in `records` went out at `until` or within a second after.
fn assert_released_on_time(records: &[Record], until: DateTime<Utc>) {
    let due = until.timestamp_millis();
    for record in records {
        let at = record.timestamp_ms.expect("publish's records carry their time");
        assert!(at >= due, "{:?} went out {} ms before its embargo", headline(record), due - at);
        assert!(at - due <= RELEASE_WITHIN_MS, "{:?} went out {} ms after its embargo", headline(record), at - due);
    }
}

/// Counts records per headline.
fn by_headline(records: &[Record]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in records {
        *counts.entry(headline(record)).or_default() += 1;
    }
    counts
}

#[test]
fn an_embargoed_story_in_every_format_is_released_once_at_its_time_and_the_partner_gets_it_at_once() {
    let setup = Setup::start();
    let until = ahead(20);
    let stories = embargoed_stories(until, &uuid::Uuid::new_v4().simple().to_string()[..8]);
    for (format, content_type, body, _) in &stories {
        let (status, answer) = setup.pipeline.push(AP_TOKEN, content_type, body.clone().into_bytes());
        assert_eq!(status, 202, "{format}: {answer}");
    }
    let expected: BTreeMap<String, usize> = stories.iter().map(|(_, _, _, h)| (h.clone(), 1)).collect();

    // Before the time: the partner has every story with its embargo set; publish holds them all.
    let early = setup.read_sub("partner", stories.len());
    assert!(Utc::now() < until, "the pipeline took longer than the embargo's lead; the test proves nothing");
    assert_eq!(by_headline(&early), expected, "the partner gets each story at once, once");
    for record in &early {
        assert_eq!(record.json()["embargoed"], rfc3339(until), "{}: the embargo travels with the story", headline(record));
        assert!(record.timestamp_ms.is_some_and(|at| at < until.timestamp_millis()));
    }
    setup.wait_held(stories.len(), until);

    // After it: the desk and newswire.published each get every story exactly once, on time.
    let desk = setup.read_sub("desk", stories.len());
    assert_eq!(by_headline(&desk), expected, "every format's story reaches the desk once");
    assert_released_on_time(&desk, until);
    let published = setup.pipeline.read("published", stories.len(), WAIT, SETTLE);
    assert_eq!(by_headline(&published), expected);
    assert_released_on_time(&published, until);
    assert_eq!(setup.read_sub("partner", stories.len()).len(), stories.len(), "the release sends the partner nothing more");
    setup.wait_held(0, until + chrono::Duration::seconds(30));
}

#[test]
fn an_embargoed_story_held_across_a_sigkill_of_publish_is_released_once_on_time() {
    let mut setup = Setup::start();
    let until = ahead(20);
    let (_, title) = setup.hold_one_ninjs_story(until);

    setup.pipeline.kill("publish");
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", Duration::from_secs(60));
    assert!(Utc::now() < until, "publish took longer to restart than the embargo's lead");
    setup.wait_held(1, until);

    let desk = setup.read_sub("desk", 1);
    assert_eq!(by_headline(&desk), BTreeMap::from([(title.clone(), 1)]), "released once after the restart");
    assert_released_on_time(&desk, until);
    let published = setup.pipeline.read("published", 1, WAIT, SETTLE);
    assert_eq!(by_headline(&published), BTreeMap::from([(title, 1)]));
    assert_released_on_time(&published, until);
}

#[test]
fn a_kill_during_the_embargo_cancels_it_and_reaches_only_the_partner_that_had_it() {
    let setup = Setup::start();
    let until = ahead(15);
    let (tag, _) = setup.hold_one_ninjs_story(until);

    let kill = serde_json::json!({
        "uri": format!("urn:test:embargo:ninjs2:{tag}"), "type": "text", "version": "1", "pubstatus": "canceled",
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": "KILL: do not use"}],
    });
    setup.pipeline.push_ok(AP_TOKEN, "application/json", kill.to_string().into_bytes());
    let partner = setup.read_sub("partner", 2);
    let statuses: Vec<Value> = partner.iter().map(|r| r.json()["pubstatus"].clone()).collect();
    assert_eq!(statuses, ["usable", "canceled"], "the partner had the story: it gets the kill");
    setup.wait_held(0, until);

    // Past its time: had it still been held, it would have gone out by now.
    let wait = (until + chrono::Duration::seconds(2) - Utc::now()).to_std().unwrap_or_default();
    std::thread::sleep(wait);
    let desk = read_topic_on(&setup.pipeline.brokers, &format!("{}desk", setup.prefix), 1, Duration::from_secs(3), Duration::ZERO);
    assert!(desk.is_empty(), "the killed story is never released: {:?}", desk.iter().map(headline).collect::<Vec<_>>());
    let published = setup.pipeline.read("published", 1, WAIT, SETTLE);
    let statuses: Vec<Value> = published.iter().map(|r| r.json()["pubstatus"].clone()).collect();
    assert_eq!(statuses, ["canceled"], "newswire.published has the kill, never the story");
}

#[test]
fn two_publish_instances_hold_each_story_once_and_the_survivor_of_a_sigkill_releases_the_other_ones_on_time() {
    let mut setup = Setup::start();
    let second = setup.pipeline.add_instance("publish");
    let until = ahead(40);
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let stories = 12;
    let mut expected = BTreeMap::new();
    for n in 0..stories {
        let title = format!("Held across instances {tag} number {n}");
        let story = serde_json::json!({
            "uri": format!("urn:test:embargo:scale:{tag}:{n}"), "type": "text", "version": "1",
            "versioncreated": rfc3339(Utc::now()), "embargoed": rfc3339(until), "pubstatus": "usable",
            "headlines": [{"role": "main", "contenttype": "text/plain", "value": title}],
            "bodies": [{"role": "main", "contenttype": "text/plain", "value": format!("Story {n} of {tag} waits for its embargo on whichever instance owns it.")}],
        });
        setup.pipeline.push_ok(AP_TOKEN, "application/json", story.to_string().into_bytes());
        expected.insert(title, 1);
    }
    assert_eq!(setup.read_sub("partner", stories).len(), stories, "the partner gets every story at once");

    // Each story is held by exactly one instance: the one owning its input partition.
    let instances = ["publish".to_owned(), second.clone()];
    loop {
        let held: Vec<Option<usize>> = instances.iter().map(|name| setup.held_by(name)).collect();
        if held.iter().flatten().sum::<usize>() == stories {
            break;
        }
        assert!(Utc::now() < until - chrono::Duration::seconds(25), "the two instances hold {held:?}, not {stories} in all");
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL the instance holding the most: the survivor takes its partitions and their held stories.
    let victim = instances.iter().max_by_key(|name| setup.held_by(name).unwrap_or(0)).cloned().expect("an instance");
    let survivor = instances.iter().find(|name| **name != victim).cloned().expect("the other instance");
    assert!(setup.held_by(&victim).unwrap_or(0) > 0);
    setup.pipeline.kill(&victim);
    setup.wait_held_by(&survivor, stories, until);

    let desk = setup.read_sub("desk", stories);
    assert_eq!(by_headline(&desk), expected, "every story reaches the desk once, from whichever instance holds it");
    assert_released_on_time(&desk, until);
    let published = setup.pipeline.read("published", stories, WAIT, SETTLE);
    assert_eq!(by_headline(&published), expected);
    assert_released_on_time(&published, until);

    // The killed instance comes back after the release: nothing is held, nothing goes out again.
    setup.pipeline.spawn(&victim);
    setup.pipeline.wait_ready(&victim, Duration::from_secs(60));
    setup.wait_held_by(&victim, 0, Utc::now() + chrono::Duration::seconds(30));
    let desk = read_topic_on(&setup.pipeline.brokers, &format!("{}desk", setup.prefix), stories + 1, Duration::from_secs(5), Duration::ZERO);
    assert_eq!(by_headline(&desk), expected, "a restart releases nothing twice");
}
