use super::*;

const HOUR: i64 = HOUR_MS;

fn story<'a>(key: &'a str, headline: &'a str, at_ms: i64) -> StoryText<'a> {
    StoryText { key, headline, url: None, at_ms }
}

/// Assigns a story whose key is its headline.
fn assign(c: &mut EventClusterer, headline: &str, at_ms: i64) -> Assignment {
    c.assign(story(headline, headline, at_ms)).assignment
}

/// A background of unrelated stories, so that IDF tells common words from rare ones.
fn warmed_up() -> EventClusterer {
    let mut c = EventClusterer::new(ClusterSettings::default());
    for i in 0..200 {
        assign(&mut c, &format!("Background item {i} about topic{i} and subject{i}"), 0);
    }
    c
}

#[test]
fn differently_worded_stories_of_one_event_share_a_cluster_and_another_event_does_not() {
    let mut c = warmed_up();
    let a = assign(&mut c, "Supreme Court strikes down Ohio voting law", HOUR);
    let b = assign(&mut c, "Ohio voting law struck down by Supreme Court justices", HOUR + 60_000);
    let other = assign(&mut c, "Heavy snow closes Alpine passes in Switzerland", HOUR + 120_000);
    let d = assign(&mut c, "What the Supreme Court ruling on Ohio's voting law means", HOUR + 180_000);
    assert_eq!(a.kind, AssignmentKind::New);
    assert_eq!(a.cluster, event_id("Supreme Court strikes down Ohio voting law"), "a cluster is named after its first story");
    assert_eq!((b.cluster, b.kind, b.size), (a.cluster, AssignmentKind::Joined, 2));
    assert_eq!(d.cluster, a.cluster);
    assert_eq!(d.size, 3);
    assert_eq!(d.first_seen_ms, HOUR);
    assert_ne!(other.cluster, a.cluster);
    assert_eq!(other.kind, AssignmentKind::New);
}

#[test]
fn a_cluster_idle_for_longer_than_the_window_takes_no_more_stories_and_is_forgotten() {
    let mut c = warmed_up();
    let first = assign(&mut c, "Supreme Court strikes down Ohio voting law", HOUR);
    let open = c.open_clusters();
    let late = c.assign(story("late", "Supreme Court strikes down Ohio voting law", HOUR + 7 * HOUR)).assignment;
    assert_ne!(late.cluster, first.cluster, "the window is 6 h of inactivity");
    assert_eq!(late.kind, AssignmentKind::New);
    assert_eq!(c.open_clusters(), open + 1, "kept for late stories for a day past the window");
    c.assign(story("much later", "Heavy snow closes Alpine passes", 40 * HOUR));
    assert!(c.open_clusters() < open, "then forgotten");
}

#[test]
fn a_story_read_late_still_joins_the_cluster_of_its_own_time() {
    let mut c = warmed_up();
    let first = assign(&mut c, "Supreme Court strikes down Ohio voting law", HOUR);
    // Another partition ran ahead: the clock is now ten hours later.
    assign(&mut c, "Heavy snow closes Alpine passes in Switzerland", 11 * HOUR);
    let late = c.assign(story("late", "Ohio voting law struck down by Supreme Court justices", 2 * HOUR)).assignment;
    assert_eq!((late.cluster, late.kind), (first.cluster, AssignmentKind::Joined), "its own time is an hour after the cluster's story");
    let stale = c.assign(story("stale", "Supreme Court Ohio voting ruling: what happens next", 7 * HOUR)).assignment;
    assert_eq!(stale.cluster, first.cluster, "the cluster's last story is at 2 h: 7 h is within its window");
    let too_late = c.assign(story("too late", "Ohio voting law: Supreme Court ruling reactions", 14 * HOUR)).assignment;
    assert_ne!(too_late.cluster, first.cluster, "14 h is more than 6 h after the cluster's last story (7 h)");
}

#[test]
fn updates_keep_a_cluster_open_past_the_window_from_its_first_story() {
    let mut c = warmed_up();
    let first = assign(&mut c, "Supreme Court strikes down Ohio voting law", HOUR);
    for step in 1..=4 {
        let update = c.assign(story(&format!("update {step}"), "Ohio voting law: Supreme Court ruling reactions", HOUR + step * 4 * HOUR));
        assert_eq!(update.assignment.cluster, first.cluster, "update {step}");
    }
}

#[test]
fn the_same_stories_in_the_same_order_give_the_same_clusters() {
    let headlines: Vec<String> = (0..300).map(|i| format!("Story {} about matter{} and matter{}", i, i % 17, i % 5)).collect();
    let run = || {
        let mut c = EventClusterer::new(ClusterSettings::default());
        headlines.iter().enumerate().map(|(i, h)| assign(&mut c, h, i as i64 * 60_000).cluster).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn candidates_come_from_bounded_postings() {
    let mut c = EventClusterer::new(ClusterSettings { postings_per_term: 3, join_threshold: 2.0, ..ClusterSettings::default() });
    for i in 0..20 {
        assign(&mut c, &format!("Election unique{i} words{i} here{i}"), i);
    }
    assert_eq!(c.open_clusters(), 20, "a threshold above any cosine opens a cluster per story");
    let election = c.vocabulary.id("election").unwrap();
    assert_eq!(c.postings[&election].len(), 20, "the postings know every open cluster with the term");
    let offered: Vec<u64> = c.postings[&election].iter().rev().take(3).map(|&(_, id)| id).collect();
    let newest: Vec<u64> = (17..20).rev().map(|i| event_id(&format!("Election unique{i} words{i} here{i}"))).collect();
    assert_eq!(offered, newest, "a lookup is offered the three most recently updated");
}

#[test]
fn a_story_without_words_opens_its_own_cluster() {
    let mut c = warmed_up();
    let a = assign(&mut c, "...", HOUR);
    let b = assign(&mut c, "", HOUR);
    assert_eq!(a.kind, AssignmentKind::New);
    assert_eq!(b.kind, AssignmentKind::New);
    assert_ne!(a.cluster, b.cluster);
}

#[test]
fn a_story_key_that_opens_a_second_cluster_gets_another_id() {
    let mut c = warmed_up();
    let a = c.assign(story("k", "Supreme Court strikes down Ohio voting law", HOUR)).assignment;
    let b = c.assign(story("k", "Heavy snow closes Alpine passes in Switzerland", HOUR)).assignment;
    assert_eq!(b.kind, AssignmentKind::New);
    assert_ne!(a.cluster, b.cluster);
}

/// Stories of a few recurring events among unrelated ones, over three days.
fn stream() -> Vec<(String, String, i64)> {
    let events = ["Ohio voting law Supreme Court", "Alpine snow passes closed", "Tesla battery factory Nevada", "Ebola outbreak Guinea"];
    (0..900)
        .map(|i| {
            let headline = if i % 3 == 0 {
                format!("{} update{} story", events[i % 4], i % 7)
            } else {
                format!("Unrelated item{i} about thing{} and place{}", i % 11, i % 13)
            };
            (format!("story-{i}"), headline, i as i64 * 5 * 60_000)
        })
        .collect()
}

/// What a clusterer reported: the stories still counted, and every cluster record.
#[derive(Default, Clone)]
struct Records {
    stories: BTreeMap<u64, StoryRecord>,
    clusters: Vec<ClusterRecord>,
    forgotten: usize,
}

/// Assigns `stream` in order, keeping `records` as the stage's store does.
fn run(c: &mut EventClusterer, stream: &[(String, String, i64)], records: &mut Records) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (key, headline, at_ms) in stream {
        let placed = c.assign(story(key, headline, *at_ms));
        if let Some((from, to)) = placed.forget {
            let leaving: Vec<u64> = records.stories.values().filter(|s| s.at_ms >= from && s.at_ms < to).map(|s| s.seq).collect();
            for seq in leaving {
                if let Some(s) = records.stories.remove(&seq) {
                    c.forget_story(&s);
                    records.forgotten += 1;
                }
            }
        }
        records.stories.insert(placed.story.seq, placed.story);
        records.clusters.push(placed.cluster);
        out.push(placed.assignment);
    }
    out
}

#[test]
fn a_clusterer_restored_from_its_records_decides_every_later_story_as_the_original_does() {
    let settings = ClusterSettings { story_window_ms: 24 * HOUR, ..ClusterSettings::default() };
    let stream = stream();
    let mut records = Records::default();
    let truth = run(&mut EventClusterer::new(settings.clone()), &stream, &mut records);
    assert!(records.forgotten > 0, "the story window moved on during the stream");
    assert!(truth.iter().any(|a| a.kind == AssignmentKind::Joined && a.size > 5), "the events grow");
    for restart in [1, 150, 400, 777] {
        let mut records = Records::default();
        let mut before = EventClusterer::new(settings.clone());
        run(&mut before, &stream[..restart], &mut records);
        let stories: Vec<StoryRecord> = records.stories.values().cloned().collect();
        let mut restored = EventClusterer::restore(settings.clone(), stories, records.clusters.clone());
        assert_eq!(restored.open_clusters(), before.open_clusters(), "after {restart} stories");
        assert_eq!(restored.vocabulary.documents(), before.vocabulary.documents(), "after {restart} stories");
        assert_eq!(restored.vocabulary_len(), before.vocabulary_len(), "after {restart} stories");
        let after = run(&mut restored, &stream[restart..], &mut records);
        assert_eq!(after, truth[restart..], "the stories after a restart at {restart}");
    }
}

#[test]
fn the_vocabulary_keeps_only_what_the_story_window_and_the_open_clusters_hold() {
    let settings = ClusterSettings { story_window_ms: 2 * HOUR, window_ms: HOUR, late_ms: HOUR, ..ClusterSettings::default() };
    let mut c = EventClusterer::new(settings);
    let mut records = Records::default();
    let stream: Vec<(String, String, i64)> =
        (0..2_000).map(|i| (format!("s{i}"), format!("Unique{i} words{i} only{i}"), i as i64 * 60_000)).collect();
    run(&mut c, &stream, &mut records);
    assert!(c.vocabulary_len() < 3 * 4 * 60, "about three hours of stories' words, not all 6,000: {}", c.vocabulary_len());
}
