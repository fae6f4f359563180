//! Top lists in bounded memory: Space-Saving (Metwally, Agrawal, El Abbadi 2005) with the
//! eviction done in batches, and mergeable, so each block's list folds into the run's.
//!
//! Each tracked key has a `count` that is never below its true count and an `error`, the
//! most it can be above: `count - error <= true <= count`. `floor` bounds every key that is
//! not tracked: it occurred at most `floor` times. So any key seen more than `floor` times is
//! in the list whatever the order of the input, and the top N are right whenever the N-th
//! count is above `floor` (about requests / [`KEEP`] at worst). Keys that were never evicted
//! have `error` 0: their counts are exact.
//!
//! Eviction: when [`CAPACITY`] keys are tracked and a new one comes, the list is cut to the
//! [`KEEP`] largest (ties by key, so the output does not depend on hash order) and `floor`
//! rises to the largest count cut. That is Space-Saving's "replace the minimum" done once per
//! `CAPACITY - KEEP` new keys: O(1) amortised instead of a heap.

use std::collections::HashMap;

/// Keys tracked at most.
pub const CAPACITY: usize = 1000;
/// Keys kept when the list is full.
pub const KEEP: usize = 500;

/// What a list keeps beside each key's count (a group's status mix and latency).
pub trait Tally: Default {
    fn merge(&mut self, other: Self);
}

impl Tally for () {
    fn merge(&mut self, _: ()) {}
}

/// One tracked key.
#[derive(Clone, Debug, Default)]
pub struct Entry<V> {
    /// An upper bound of the key's true count.
    pub count: u64,
    /// How far `count` may be above the true count (0: exact).
    pub error: u64,
    /// What was seen of the key while it was tracked (all of it when `error` is 0).
    pub value: V,
}

/// The heavy hitters of a stream of keys.
#[derive(Clone, Debug, Default)]
pub struct TopList<V> {
    entries: HashMap<Vec<u8>, Entry<V>>,
    floor: u64,
}

impl<V: Tally> TopList<V> {
    /// Counts one occurrence of `key` and returns what it keeps beside (allocating only for a
    /// key not tracked yet).
    pub fn add(&mut self, key: &[u8]) -> &mut V {
        if !self.entries.contains_key(key) {
            if self.entries.len() >= CAPACITY {
                self.cut(KEEP);
            }
            let floor = self.floor;
            self.entries.insert(
                key.to_vec(),
                Entry {
                    count: floor,
                    error: floor,
                    value: V::default(),
                },
            );
        }
        let entry = self
            .entries
            .get_mut(key)
            .unwrap_or_else(|| unreachable!("inserted above"));
        entry.count += 1;
        &mut entry.value
    }

    /// Folds in the list of another part of the input. A key the other part does not track
    /// occurred there at most its floor times, and the reverse.
    pub fn merge(&mut self, other: TopList<V>) {
        let (mine, theirs) = (self.floor, other.floor);
        for (key, entry) in self.entries.iter_mut() {
            if !other.entries.contains_key(key) {
                entry.count += theirs;
                entry.error += theirs;
            }
        }
        for (key, e) in other.entries {
            match self.entries.get_mut(&key) {
                Some(entry) => {
                    entry.count += e.count;
                    entry.error += e.error;
                    entry.value.merge(e.value);
                }
                None => {
                    self.entries.insert(
                        key,
                        Entry {
                            count: e.count + mine,
                            error: e.error + mine,
                            value: e.value,
                        },
                    );
                }
            }
        }
        self.floor = mine + theirs;
        if self.entries.len() > CAPACITY {
            self.cut(KEEP);
        }
    }

    /// The `n` largest, largest first, ties by key.
    pub fn top(&self, n: usize) -> Vec<(&[u8], &Entry<V>)> {
        let mut all = self.sorted();
        all.truncate(n);
        all
    }

    /// Every key not tracked occurred at most this many times.
    pub fn floor(&self) -> u64 {
        self.floor
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn sorted(&self) -> Vec<(&[u8], &Entry<V>)> {
        let mut all: Vec<(&[u8], &Entry<V>)> = self
            .entries
            .iter()
            .map(|(k, e)| (k.as_slice(), e))
            .collect();
        all.sort_unstable_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        all
    }

    /// Keeps the `keep` largest; the floor becomes the largest count let go.
    fn cut(&mut self, keep: usize) {
        let gone: Vec<Vec<u8>> = self
            .sorted()
            .into_iter()
            .skip(keep)
            .map(|(k, _)| k.to_vec())
            .collect();
        for key in gone {
            if let Some(e) = self.entries.remove(&key) {
                self.floor = self.floor.max(e.count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(keys: impl IntoIterator<Item = Vec<u8>>) -> TopList<()> {
        let mut list = TopList::default();
        for k in keys {
            list.add(&k);
        }
        list
    }

    #[test]
    fn a_heavy_key_after_many_one_off_keys_is_found_with_its_exact_count() {
        let mut keys: Vec<Vec<u8>> = (0..1001).map(|i| format!("/u{i}").into_bytes()).collect();
        keys.extend(std::iter::repeat_n(b"/checkout".to_vec(), 5000));
        let list = counted(keys);
        let top = list.top(3);
        assert_eq!(top[0].0, b"/checkout");
        let e = top[0].1;
        assert!(e.count - e.error <= 5000 && 5000 <= e.count, "{e:?}");
        assert!(e.error <= 1, "{e:?}");
    }

    #[test]
    fn tracked_counts_bound_the_truth_and_the_floor_bounds_the_rest() {
        // a skewed stream in an adversarial order: rare keys first, then interleaved
        let mut keys = Vec::new();
        for i in 0..3000u32 {
            keys.push(format!("rare{i}").into_bytes());
        }
        for round in 0..200u32 {
            for heavy in 0..20u32 {
                for _ in 0..=heavy % 5 {
                    keys.push(format!("heavy{heavy}").into_bytes());
                }
            }
            keys.push(format!("late{round}").into_bytes());
        }
        let mut exact: HashMap<Vec<u8>, u64> = HashMap::new();
        for k in &keys {
            *exact.entry(k.clone()).or_default() += 1;
        }
        let list = counted(keys);
        for (k, e) in list.top(usize::MAX) {
            let truth = exact[k];
            assert!(
                e.count - e.error <= truth && truth <= e.count,
                "{k:?} {e:?} {truth}"
            );
        }
        for (k, truth) in &exact {
            if !list.entries.contains_key(k) {
                assert!(*truth <= list.floor(), "{k:?} {truth} > {}", list.floor());
            }
        }
        let top: Vec<&[u8]> = list.top(4).into_iter().map(|(k, _)| k).collect();
        let mut want: Vec<(&Vec<u8>, &u64)> = exact.iter().collect();
        want.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let want: Vec<&[u8]> = want[..4].iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(top, want);
    }

    #[test]
    fn merged_parts_bound_the_truth_like_one_pass() {
        let part = |from: u32| {
            let mut keys = Vec::new();
            for i in from..from + 1500 {
                keys.push(format!("one{i}").into_bytes());
                if i % 3 == 0 {
                    keys.push(b"hot".to_vec());
                }
            }
            counted(keys)
        };
        let mut whole = part(0);
        whole.merge(part(1500));
        whole.merge(TopList::default());
        let (k, e) = whole.top(1)[0];
        assert_eq!(k, b"hot");
        assert!(e.count - e.error <= 1000 && 1000 <= e.count, "{e:?}");
        assert!(whole.entries.len() <= CAPACITY);
        assert!(whole.floor() >= 1);
    }

    #[test]
    fn few_keys_are_exact() {
        let list = counted([b"a".to_vec(), b"b".to_vec(), b"a".to_vec()]);
        let top = list.top(5);
        assert_eq!(top.len(), 2);
        assert_eq!(
            (top[0].0, top[0].1.count, top[0].1.error),
            (&b"a"[..], 2, 0)
        );
        assert_eq!(list.floor(), 0);
    }
}
