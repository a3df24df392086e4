use super::*;

const HOUR: i64 = 3600 * 1000;

fn story<'a>(key: &'a str, headline: &'a str, at_ms: i64) -> StoryText<'a> {
    StoryText { key, headline, url: None, at_ms }
}

fn background(store: &mut EventStore) {
    for i in 0..100 {
        store.assign(story(&format!("bg{i}"), &format!("Background item{i} about topic{i} and subject{i}"), 0)).unwrap();
    }
    store.commit().unwrap();
}

#[test]
fn a_story_id_seen_before_takes_its_cluster_again_and_changes_nothing() {
    let mut store = EventStore::temporary(ClusterSettings::default()).unwrap();
    background(&mut store);
    let first = store.assign(story("story-1", "Supreme Court strikes down Ohio voting law", HOUR)).unwrap();
    let joined = store.assign(story("story-2", "Ohio voting law struck down by Supreme Court", HOUR)).unwrap();
    store.commit().unwrap();
    let again = store.assign(story("story-1", "Supreme Court strikes down Ohio voting law (corrected)", 2 * HOUR)).unwrap();
    assert_eq!((joined.cluster, joined.size), (first.cluster, 2));
    assert_eq!(again.kind, AssignmentKind::Repeat);
    assert_eq!((again.cluster, again.size, again.first_seen_ms), (first.cluster, 2, HOUR));
    assert_eq!(store.store.staged_len(), 0, "a repeat stages nothing");
}

#[test]
fn an_aborted_batch_leaves_no_trace_and_the_same_stories_go_to_the_same_clusters_again() {
    let mut store = EventStore::temporary(ClusterSettings::default()).unwrap();
    background(&mut store);
    let batch = [("a", "Supreme Court strikes down Ohio voting law"), ("b", "Heavy snow closes Alpine passes"), ("c", "Ohio voting law struck down")];
    let open = store.open_clusters();
    let first: Vec<Assignment> = batch.iter().map(|(k, h)| store.assign(story(k, h, HOUR)).unwrap()).collect();
    assert!(store.open_clusters() > open);
    store.store.discard_staged();
    store.after_abort().unwrap();
    assert_eq!(store.open_clusters(), open, "the aborted batch's clusters are gone");
    let again: Vec<Assignment> = batch.iter().map(|(k, h)| store.assign(story(k, h, HOUR)).unwrap()).collect();
    assert_eq!(first, again);
}

#[test]
fn a_store_opened_again_from_disk_assigns_the_next_stories_as_the_first_one_would_have() {
    let dir = tempfile::tempdir().unwrap();
    let headlines: Vec<String> = (0..120).map(|i| format!("Event{} news about place{} and person{}", i % 9, i % 4, i % 6)).collect();
    let run = |store: &mut EventStore, range: std::ops::Range<usize>| -> Vec<Assignment> {
        let out = range.map(|i| store.assign(story(&format!("k{i}"), &headlines[i], i as i64 * 10 * 60_000)).unwrap()).collect();
        store.commit().unwrap();
        out
    };
    let truth = run(&mut EventStore::temporary(ClusterSettings::default()).unwrap(), 0..120);
    let mut first = EventStore::open(dir.path(), "t", ClusterSettings::default()).unwrap();
    first.store.checkpoint(0, 0, 0).unwrap();
    let before = run(&mut first, 0..70);
    drop(first);
    let mut reopened = EventStore::open(dir.path(), "t", ClusterSettings::default()).unwrap();
    reopened.store.checkpoint(0, 0, 0).unwrap();
    reopened.rebuild().unwrap();
    let after = run(&mut reopened, 70..120);
    assert_eq!([before, after].concat(), truth);
}
