//! Which slices of a changelog-backed store to restore, and which to drop,
//! when the stage's partitions change: a pure decision over what the store
//! holds and what the consumer group assigned.

use std::collections::{BTreeMap, BTreeSet};

/// A checkpoint older than this is not trusted: the slice is read again from
/// the changelog's beginning. Kafka removes a compacted topic's tombstones
/// after `delete.retention.ms` (one day by default); a slice last read before
/// that could keep a key whose removal it can no longer see.
pub const MAX_CHECKPOINT_AGE_SECS: i64 = 12 * 3600;

/// Where a slice's changelog was read up to, and when that was written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The next changelog offset to read: everything before it is in the store.
    pub offset: i64,
    /// When it was written, in Unix seconds.
    pub saved_at: i64,
}

/// Where one slice is restored from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreFrom {
    /// The slice is cleared and read from the changelog's beginning.
    Beginning,
    /// The slice is kept and read on from this offset.
    Offset(i64),
}

/// What to do with a store's slices after an assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestorePlan {
    /// Slices no longer this instance's: removed with their checkpoints.
    pub drop: Vec<i32>,
    /// Slices to bring up to date before their partition's records are processed.
    pub restore: Vec<(i32, RestoreFrom)>,
}

impl RestorePlan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.drop.is_empty() && self.restore.is_empty()
    }
}

/// The plan for `assigned` partitions, given the slices kept `current` since
/// this process restored them (kept up to date by its own commits ever since),
/// and the `checkpoints` on disk (from this or an earlier run) at `now_secs`.
///
/// A current slice that stays assigned needs nothing. Any other assigned
/// slice is read on from a fresh checkpoint, or from the beginning; another
/// instance may have written it meanwhile, and reading from a checkpoint
/// replays what this instance itself wrote after it, which is harmless
/// (the same values in the same order). A slice not assigned is dropped.
pub fn plan(assigned: &[i32], current: &BTreeSet<i32>, checkpoints: &BTreeMap<i32, Checkpoint>, now_secs: i64) -> RestorePlan {
    let assigned: BTreeSet<i32> = assigned.iter().copied().collect();
    let drop = current.iter().chain(checkpoints.keys()).copied().filter(|p| !assigned.contains(p)).collect::<BTreeSet<i32>>().into_iter().collect();
    let restore = assigned
        .iter()
        .filter(|p| !current.contains(p))
        .map(|p| match checkpoints.get(p) {
            Some(c) if now_secs - c.saved_at <= MAX_CHECKPOINT_AGE_SECS => (*p, RestoreFrom::Offset(c.offset)),
            _ => (*p, RestoreFrom::Beginning),
        })
        .collect();
    RestorePlan { drop, restore }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoints(entries: &[(i32, i64, i64)]) -> BTreeMap<i32, Checkpoint> {
        entries.iter().map(|(p, offset, saved_at)| (*p, Checkpoint { offset: *offset, saved_at: *saved_at })).collect()
    }

    #[test]
    fn on_start_up_every_assigned_slice_is_read_on_from_its_checkpoint_or_from_the_beginning() {
        let now = 100_000;
        let plan = plan(&[0, 1, 2], &BTreeSet::new(), &checkpoints(&[(0, 40, now - 60), (1, 7, now - MAX_CHECKPOINT_AGE_SECS - 1)]), now);
        assert_eq!(plan.restore, vec![(0, RestoreFrom::Offset(40)), (1, RestoreFrom::Beginning), (2, RestoreFrom::Beginning)]);
        assert!(plan.drop.is_empty());
    }

    #[test]
    fn a_lost_data_directory_means_no_checkpoint_so_everything_is_read_from_the_beginning() {
        let plan = plan(&[3], &BTreeSet::new(), &BTreeMap::new(), 0);
        assert_eq!(plan, RestorePlan { drop: vec![], restore: vec![(3, RestoreFrom::Beginning)] });
    }

    #[test]
    fn after_a_rebalance_kept_slices_need_nothing_moved_ones_go_and_new_ones_are_read() {
        let now = 5_000;
        let current = BTreeSet::from([0, 1]);
        let plan = plan(&[1, 2], &current, &checkpoints(&[(0, 9, now), (1, 9, now), (4, 3, now)]), now);
        assert_eq!(plan.drop, vec![0, 4], "a slice with a checkpoint from an earlier run is dropped too");
        assert_eq!(plan.restore, vec![(2, RestoreFrom::Beginning)]);
        assert!(super::plan(&[0, 1], &current, &BTreeMap::new(), now).is_empty(), "the same assignment again changes nothing");
    }
}
