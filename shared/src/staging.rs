//! A batch's staged writes, with savepoints.
//!
//! Stages stage their state changes while a batch is processed and make them
//! final only when Kafka commits the batch (see [`crate::stage::Stage`]). One
//! input of the batch may still be dead-lettered while the rest commits; what
//! that input staged must then be taken back alone, or its redrive would meet
//! its own state. [`StagedMap`] is a map that remembers what each write
//! replaced, so that it can return to a [`Savepoint`] taken before the input.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// A point in a batch's staged writes to return to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Savepoint(usize);

/// A map of staged writes that can be rolled back to a [`Savepoint`].
#[derive(Debug, Clone)]
pub struct StagedMap<K, V> {
    map: HashMap<K, V>,
    /// Each write's key and what it replaced, oldest first.
    undo: Vec<(K, Option<V>)>,
}

impl<K, V> Default for StagedMap<K, V> {
    fn default() -> Self {
        StagedMap { map: HashMap::new(), undo: Vec::new() }
    }
}

impl<K: Eq + Hash + Clone, V> StagedMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The staged value of `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.get(key)
    }

    /// Whether `key` has a staged value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map.contains_key(key)
    }

    /// Stages `value` for `key`, remembering what it replaces.
    pub fn insert(&mut self, key: K, value: V) {
        let before = self.map.insert(key.clone(), value);
        self.undo.push((key, before));
    }

    /// The staged writes, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// How many keys have a staged value.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Marks the writes so far.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint(self.undo.len())
    }

    /// Takes back every write made since `savepoint`, newest first.
    pub fn roll_back_to(&mut self, savepoint: Savepoint) {
        while self.undo.len() > savepoint.0 {
            let Some((key, before)) = self.undo.pop() else { break };
            match before {
                Some(value) => self.map.insert(key, value),
                None => self.map.remove(&key),
            };
        }
    }

    /// Every staged write, leaving the map empty (the batch committed or aborted).
    pub fn take(&mut self) -> HashMap<K, V> {
        self.undo.clear();
        std::mem::take(&mut self.map)
    }

    /// Forgets every staged write.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_back_restores_what_each_later_write_replaced_and_keeps_earlier_ones() {
        let mut staged = StagedMap::new();
        staged.insert("a", 1);
        staged.insert("b", 1);
        let savepoint = staged.savepoint();
        staged.insert("b", 2);
        staged.insert("c", 1);
        staged.insert("b", 3);
        staged.roll_back_to(savepoint);
        assert_eq!((staged.get("a"), staged.get("b"), staged.get("c")), (Some(&1), Some(&1), None));
        staged.insert("c", 4);
        let taken = staged.take();
        assert_eq!(taken.len(), 3);
        assert!(staged.is_empty());
        staged.roll_back_to(Savepoint::default());
        assert!(staged.is_empty(), "a savepoint older than the last take is harmless");
    }
}
