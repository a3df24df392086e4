use super::*;

fn record(version: u64, seen_ms: i64) -> VersionRecord {
    VersionRecord { version, versioncreated_ms: None, story_id: "s".into(), killed: false, withheld: false, near_duplicate_of: None, duplicate_of: None, seen_ms, origin: None, simhash: None, content: None }
}

fn exact(uri: &str, seen_ms: i64) -> ExactRecord {
    ExactRecord { uri: uri.into(), story_id: uri.into(), seen_ms }
}

#[test]
fn staged_writes_are_visible_at_once_and_gone_after_discard() {
    let mut store = DedupeStore::temporary(7).unwrap();
    store.stage_version("u", record(1, 0));
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1));
    store.discard();
    assert_eq!(store.version("u").unwrap(), None);
}

#[test]
fn rolling_back_to_a_savepoint_takes_back_only_what_was_staged_after_it() {
    let mut store = DedupeStore::temporary(7).unwrap();
    store.stage_version("kept", record(1, 0));
    store.stage_version("u", record(1, 0));
    let savepoint = store.savepoint();
    store.stage_version("u", record(2, 0));
    store.stage_version("new", record(1, 0));
    store.stage_exact("h", exact("new", 0)).unwrap();
    store.stage_near(NearRecord { uri: "new".into(), simhash: 0b1011, story_id: "s".into(), seen_ms: 0 });
    store.roll_back_to(savepoint);
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1), "the earlier staged version is back");
    assert_eq!(store.version("kept").unwrap().map(|r| r.version), Some(1));
    assert_eq!((store.version("new").unwrap(), store.exact("h").unwrap()), (None, None));
    assert_eq!(store.nearest(0b1011, "other", 0), None);
    store.commit().unwrap();
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(1), "and is what commits");
}

#[test]
fn committed_state_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = DedupeStore::open(dir.path(), "newswire", 7).unwrap();
        store.assume_current(&[0]);
        store.stage_version("u", record(2, 0));
        store.stage_exact("h", exact("u", 0)).unwrap();
        store.stage_near(NearRecord { uri: "u".into(), simhash: 0b1011, story_id: "s".into(), seen_ms: 0 });
        store.commit().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(2));
    assert_eq!(store.exact("h").unwrap().map(|r| r.uri), Some("u".into()));
    assert_eq!(store.nearest(0b1111, "other", 1).map(|r| r.uri), Some("u".into()));
    assert_eq!(store.nearest(0b1011, "u", 3), None, "a uri is never its own near-duplicate");
}

/// Opens the store in `dir` again, waiting for sled's background flusher to let go of its lock.
fn reopen(dir: &std::path::Path) -> DedupeStore {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match DedupeStore::open(dir, "newswire", 7) {
            Ok(mut store) => {
                store.assume_current(&[0]);
                return store;
            }
            Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => panic!("reopen failed: {e}"),
        }
    }
}

#[test]
fn records_older_than_the_window_expire() {
    let day = 24 * 3600 * 1000;
    let mut store = DedupeStore::temporary(7).unwrap();
    store.stage_version("old", record(1, 0));
    store.stage_version("new", record(1, 6 * day));
    store.stage_near(NearRecord { uri: "old".into(), simhash: 1, story_id: "s".into(), seen_ms: 0 });
    store.commit().unwrap();
    assert_eq!(store.expire(8 * day).unwrap(), 2);
    assert_eq!(store.version("old").unwrap(), None);
    assert!(store.version("new").unwrap().is_some());
    assert_eq!(store.sizes(), (1, 0, 0));
    assert_eq!(store.nearest(1, "other", 0), None, "the index forgets it too");
}

#[test]
fn writes_go_to_the_record_s_slice_and_lookups_read_every_slice() {
    let mut store = DedupeStore::temporary(7).unwrap();
    store.assume_current(&[0, 1, 2]);
    store.set_slice(2);
    store.stage_version("u", record(3, 5));
    store.stage_exact("h", exact("u", 5)).unwrap();
    store.commit().unwrap();
    let in_slice: Vec<i32> = store.stores_mut()[0].get_all(b"u").unwrap().into_iter().map(|(p, _)| p).collect();
    assert_eq!(in_slice, [2]);
    store.set_slice(0);
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(3), "a record of partition 0 sees partition 2's state");
    assert_eq!(store.exact("h").unwrap().map(|r| r.uri), Some("u".into()));
}

#[test]
fn two_instances_first_copies_of_one_content_resolve_to_the_same_first_and_the_race_is_reported_once() {
    // Instance A owns partition 0, instance B partition 1; each passed a copy
    // of content "h" before it saw the other's.
    let (mut a, mut b) = (DedupeStore::temporary(7).unwrap(), DedupeStore::temporary(7).unwrap());
    for store in [&mut a, &mut b] {
        store.assume_current(&[0, 1]);
    }
    a.set_slice(0);
    a.stage_exact("h", exact("urn:pa:1", 100)).unwrap();
    a.commit().unwrap();
    b.set_slice(1);
    b.stage_exact("h", exact("urn:ap:9", 101)).unwrap();
    b.commit().unwrap();
    // Each then follows the other's changelog.
    let theirs = |store: &mut DedupeStore, partition: i32, record: &ExactRecord| {
        store.stores_mut()[1].apply_replicated(partition, b"h", Some(&encode(record))).unwrap();
    };
    theirs(&mut a, 1, &exact("urn:ap:9", 101));
    theirs(&mut b, 0, &exact("urn:pa:1", 100));
    let races_a = a.absorb_remote().unwrap();
    let races_b = b.absorb_remote().unwrap();
    assert_eq!(races_a, vec![Race { first_uri: "urn:pa:1".into(), second_uri: "urn:ap:9".into(), kind: "content" }]);
    assert!(races_b.is_empty(), "counted by one instance only: {races_b:?}");
    assert_eq!(a.exact("h").unwrap().map(|r| r.uri), Some("urn:pa:1".into()));
    assert_eq!(b.exact("h").unwrap().map(|r| r.uri), Some("urn:pa:1".into()), "both agree which copy is first");
}

#[test]
fn two_instances_passing_one_page_url_from_two_feeds_is_a_race_counted_once_and_not_by_a_bystander() {
    // Instances A (partition 0) and B (partition 1) each passed version 1 of
    // the same page URL, from two feeds, before seeing the other's record;
    // C (partition 2) follows both.
    let stores = || {
        let mut store = DedupeStore::temporary(7).unwrap();
        store.assume_current(&[0, 1, 2]);
        store
    };
    let (mut a, mut b, mut c) = (stores(), stores(), stores());
    a.set_slice(0);
    a.stage_version("https://example.com/a", record(1, 100));
    a.commit().unwrap();
    b.set_slice(1);
    b.stage_version("https://example.com/a", record(1, 103));
    b.commit().unwrap();
    c.set_slice(2);
    let theirs = |store: &mut DedupeStore, partition: i32, record: &VersionRecord| {
        store.stores_mut()[0].apply_replicated(partition, b"https://example.com/a", Some(&encode(record))).unwrap();
    };
    theirs(&mut a, 1, &record(1, 103));
    theirs(&mut b, 0, &record(1, 100));
    theirs(&mut c, 0, &record(1, 100));
    theirs(&mut c, 1, &record(1, 103));
    let uri = "https://example.com/a".to_owned();
    assert_eq!(a.absorb_remote().unwrap(), vec![Race { first_uri: uri.clone(), second_uri: uri, kind: "version" }], "counted by the instance that saw it first");
    assert!(b.absorb_remote().unwrap().is_empty(), "not again by the other");
    assert!(c.absorb_remote().unwrap().is_empty(), "nor by an instance that passed neither");
    // A later version from one feed is an update, not a race.
    theirs(&mut a, 1, &record(2, 200));
    assert!(a.absorb_remote().unwrap().is_empty());
}

#[test]
fn another_instance_s_first_copy_joins_the_near_duplicate_index_when_followed() {
    let mut store = DedupeStore::temporary(7).unwrap();
    store.assume_current(&[0, 1]);
    let theirs = NearRecord { uri: "urn:ap:9".into(), simhash: 0b1111, story_id: "s9".into(), seen_ms: 1 };
    store.stores_mut()[2].apply_replicated(1, b"urn:ap:9", Some(&encode(&theirs))).unwrap();
    assert_eq!(store.nearest(0b1110, "urn:pa:1", 2), None, "not before the stage takes it in");
    assert!(store.absorb_remote().unwrap().is_empty());
    assert_eq!(store.nearest(0b1110, "urn:pa:1", 2), Some(theirs));
}

#[test]
fn state_an_older_version_wrote_in_its_own_trees_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = newswire_shared::state::open_sled(dir.path()).unwrap();
        db.open_tree("versions").unwrap().insert("u", encode(&record(4, i64::MAX / 2))).unwrap();
        db.open_tree("exact").unwrap().insert("h", encode(&exact("u", i64::MAX / 2))).unwrap();
        let near = NearRecord { uri: "u".into(), simhash: 7, story_id: "s".into(), seen_ms: i64::MAX / 2 };
        db.open_tree("near").unwrap().insert("u", encode(&near)).unwrap();
        db.flush().unwrap();
    }
    let store = reopen(dir.path());
    assert_eq!(store.version("u").unwrap().map(|r| r.version), Some(4));
    assert_eq!(store.exact("h").unwrap().map(|r| r.uri), Some("u".into()));
    assert_eq!(store.nearest(7, "other", 0).map(|r| r.uri), Some("u".into()));
}

#[test]
fn two_instances_first_copies_of_near_duplicate_content_are_a_race_reported_once_by_the_earlier_one() {
    // A (partition 0) and B (partition 1) each passed a first copy, 2 bits apart,
    // before either saw the other's: both were published, neither linked.
    let stores = || {
        let mut store = DedupeStore::temporary(7).unwrap();
        store.assume_current(&[0, 1, 2]);
        store
    };
    let (mut a, mut b, mut c) = (stores(), stores(), stores());
    let ours = NearRecord { uri: "urn:pa:1".into(), simhash: 0b1111, story_id: "urn:pa:1".into(), seen_ms: 100 };
    let theirs = NearRecord { uri: "urn:ap:9".into(), simhash: 0b0011, story_id: "urn:ap:9".into(), seen_ms: 104 };
    a.set_slice(0);
    a.stage_near(ours.clone());
    a.commit().unwrap();
    b.set_slice(1);
    b.stage_near(theirs.clone());
    b.commit().unwrap();
    let follow = |store: &mut DedupeStore, partition: i32, record: &NearRecord| {
        store.stores_mut()[2].apply_replicated(partition, record.uri.as_bytes(), Some(&encode(record))).unwrap();
    };
    follow(&mut a, 1, &theirs);
    follow(&mut b, 0, &ours);
    follow(&mut c, 0, &ours);
    assert!(c.absorb_remote().unwrap().is_empty(), "a bystander passed neither");
    follow(&mut c, 1, &theirs);
    assert!(c.absorb_remote().unwrap().is_empty(), "nor reports it later");
    assert_eq!(a.absorb_remote().unwrap(), vec![Race { first_uri: "urn:pa:1".into(), second_uri: "urn:ap:9".into(), kind: "near" }]);
    assert!(b.absorb_remote().unwrap().is_empty(), "counted once, by the instance whose copy came first");
    // A near-duplicate linked into the same story is no race; one far from every first copy neither.
    let linked = NearRecord { uri: "urn:ap:11".into(), simhash: 0b0111, story_id: "urn:pa:1".into(), seen_ms: 300 };
    follow(&mut a, 1, &linked);
    assert!(a.absorb_remote().unwrap().is_empty());
    let far = NearRecord { uri: "urn:ap:10".into(), simhash: u64::MAX << 20, story_id: "urn:ap:10".into(), seen_ms: 200 };
    follow(&mut a, 1, &far);
    assert!(a.absorb_remote().unwrap().is_empty());
}
