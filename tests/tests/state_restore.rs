//! Stage state kept in Kafka, end to end: publish's receipts (who received
//! which story) live in a changelog-backed store, so they survive a lost data
//! directory and follow their partition to another instance.
//!
//! Stories are produced straight onto publish's input topic (see
//! `publish_delivery.rs`), keyed by uri; subscribers read their own topics.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use newswire_e2e::{canonical_article as article, read_topic_on, send_article, Pipeline, Record};
use rdkafka::producer::BaseProducer;
use rdkafka::ClientConfig;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(2);

/// Two topic subscribers: `sport` (medtop 15000000) and `politics` (medtop 11000000).
struct Setup {
    pipeline: Pipeline,
    prefix: String,
    producer: BaseProducer,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn start() -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let file: PathBuf = dir.path().join("subscriptions.toml");
        let subs = "[[subscriptions]]\nname = \"sport\"\nfilter = { subject = \"medtop:15000000\" }\ntopic = true\n\n\
                    [[subscriptions]]\nname = \"politics\"\nfilter = { subject = \"medtop:11000000\" }\ntopic = true\n";
        std::fs::write(&file, subs).expect("write subscriptions");
        let prefix = format!("test-{}.news.", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let file = file.display().to_string();
        let pipeline = Pipeline::start_with(&[("NEWSWIRE_PUBLISH_SUBSCRIPTIONS_FILE", file.as_str()), ("NEWSWIRE_PUBLISH_TOPIC_PREFIX", prefix.as_str())]);
        let producer: BaseProducer =
            ClientConfig::new().set("bootstrap.servers", &pipeline.brokers).set("enable.idempotence", "true").create().expect("producer");
        Setup { pipeline, prefix, producer, _dir: dir }
    }

    /// Version `version` of story `uri` under the media topic `medtop`.
    fn send(&self, uri: &str, version: u64, medtop: &str) {
        let subjects = json!({"subjects": [{"uri": format!("http://cv.iptc.org/newscodes/mediatopic/{medtop}"), "name": medtop}]});
        send_article(&self.producer, self.pipeline.topic("enriched"), &article(uri, version, &format!("{uri} v{version}"), subjects));
    }

    fn read_sub(&self, subscriber: &str, expected: usize) -> Vec<Record> {
        read_topic_on(&self.pipeline.brokers, &format!("{}{subscriber}", self.prefix), expected, WAIT, SETTLE)
    }

    /// Deletes an instance's data directory, as a pod rescheduled without its volume.
    fn lose_data_dir(&self, instance_id: &str) {
        let dir = self.pipeline.dir().join("data").join(instance_id);
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot delete {}: {e}", dir.display()));
    }
}

/// `(uri, version, route)` of each record, grouped by uri, in arrival order.
fn routes(records: &[Record]) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in records {
        let v = r.json();
        let uri = v["uri"].as_str().unwrap_or_default().to_owned();
        out.entry(uri).or_default().push((v["version"].as_str().unwrap_or_default().to_owned(), r.headers["newswire-route"].clone()));
    }
    out
}

/// The value of a metric series in Prometheus text, 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok())).unwrap_or(0.0)
}

/// Waits until `name`'s metrics show `series` (a store's gauges appear once
/// its partitions were assigned and restored).
fn wait_for_metric(pipeline: &Pipeline, name: &str, series: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while !pipeline.metrics(name).lines().any(|l| l.starts_with(series)) {
        assert!(std::time::Instant::now() < deadline, "{name} never showed {series}; log:\n{}", pipeline.log(name));
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_publish_that_lost_its_data_directory_restores_its_receipts_before_it_routes_a_waiting_correction() {
    let mut setup = Setup::start();
    setup.send("urn:t:lost-disk", 1, "15000000");
    assert_eq!(setup.read_sub("sport", 1).len(), 1, "sport receives version 1");

    setup.pipeline.kill("publish");
    setup.lose_data_dir("publish-1");
    // The correction waits in publish's input while publish is down: the new
    // process meets it in its first batch, and must have restored first.
    setup.send("urn:t:lost-disk", 2, "11000000");
    setup.send("urn:t:lost-disk", 3, "11000000");
    setup.pipeline.spawn("publish");
    setup.pipeline.wait_ready("publish", WAIT);

    let sport = routes(&setup.read_sub("sport", 3));
    assert_eq!(
        sport["urn:t:lost-disk"],
        [("1".into(), "match".into()), ("2".into(), "correction".into()), ("3".into(), "correction".into())],
        "sport received version 1 before the disk was lost, so it gets the corrections; publish log:\n{}",
        setup.pipeline.log("publish")
    );
    let politics = routes(&setup.read_sub("politics", 2));
    assert_eq!(politics["urn:t:lost-disk"], [("2".into(), "match".into()), ("3".into(), "correction".into())]);
    let metrics = setup.pipeline.metrics("publish");
    assert!(
        metric(&metrics, "newswire_state_restored_records_total{store=\"receipts\",stage=\"publish\"}") >= 1.0,
        "the receipts came back from the changelog:\n{metrics}"
    );
    assert!(metrics.lines().any(|l| l == "newswire_state_restoring{store=\"receipts\",stage=\"publish\"} 0"), "and the restore is over:\n{metrics}");
}

#[test]
fn receipts_follow_their_partition_to_the_instance_that_takes_it_over() {
    let mut setup = Setup::start();
    let second = setup.pipeline.add_instance("publish");
    wait_for_metric(&setup.pipeline, &second, "newswire_state_restoring{store=\"receipts\",stage=\"publish\"}");
    let stories: Vec<String> = (0..24).map(|n| format!("urn:t:moved-{n}")).collect();
    for uri in &stories {
        setup.send(uri, 1, "15000000");
    }
    assert_eq!(setup.read_sub("sport", stories.len()).len(), stories.len(), "sport receives every version 1");
    let by_second = metric(&setup.pipeline.metrics(&second), "newswire_state_changes_total{store=\"receipts\",stage=\"publish\"}");
    assert!(by_second >= 1.0, "the second instance delivered some of the stories (it has partitions)");

    // The second instance goes for good: its partitions, and their receipts, move to the first.
    setup.pipeline.stop(&second);
    for uri in &stories {
        setup.send(uri, 2, "11000000");
    }
    let sport = routes(&setup.read_sub("sport", 2 * stories.len()));
    for uri in &stories {
        assert_eq!(
            sport.get(uri).map(Vec::as_slice),
            Some([("1".to_owned(), "match".to_owned()), ("2".to_owned(), "correction".to_owned())].as_slice()),
            "{uri}: the correction reaches sport whichever instance delivered version 1"
        );
    }
    let metrics = setup.pipeline.metrics("publish");
    assert!(
        metric(&metrics, "newswire_state_restored_records_total{store=\"receipts\",stage=\"publish\"}") >= 1.0,
        "the first instance restored the moved partitions' receipts:\n{metrics}"
    );
}
