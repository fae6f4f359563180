//! Requests and errors over time, for the HTML report's timeline: counts per bucket of
//! `width` minutes, at most [`MAX_BUCKETS`] of them. When a run spans more, the width doubles
//! (a day is per minute, a month per half hour), so memory stays bounded whatever the input.

use std::collections::BTreeMap;

/// Buckets kept at most.
pub const MAX_BUCKETS: usize = 1440;

/// One bucket's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    pub requests: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// Minutes per bucket: 1, 2, 4, …
    width: i64,
    /// By the first minute (since the epoch) of each bucket, a multiple of `width`.
    slots: BTreeMap<i64, Slot>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            width: 1,
            slots: BTreeMap::new(),
        }
    }
}

impl Timeline {
    /// Counts a request at `micros` since the epoch with status class `class` (4 for 4xx, …).
    pub fn add(&mut self, micros: i64, class: usize) {
        let minute = micros.div_euclid(60_000_000);
        let slot = self
            .slots
            .entry(minute.div_euclid(self.width) * self.width)
            .or_default();
        slot.requests += 1;
        slot.status_4xx += u64::from(class == 4);
        slot.status_5xx += u64::from(class == 5);
        if self.slots.len() > MAX_BUCKETS {
            self.widen(self.width * 2);
        }
    }

    pub fn merge(&mut self, mut other: Timeline) {
        let width = self.width.max(other.width);
        self.widen(width);
        other.widen(width);
        for (start, s) in other.slots {
            let mine = self.slots.entry(start).or_default();
            mine.requests += s.requests;
            mine.status_4xx += s.status_4xx;
            mine.status_5xx += s.status_5xx;
        }
        while self.slots.len() > MAX_BUCKETS {
            self.widen(self.width * 2);
        }
    }

    /// Minutes per bucket.
    pub fn width_minutes(&self) -> i64 {
        self.width
    }

    /// Every bucket from the first to the last, empty ones included, by first minute.
    pub fn buckets(&self) -> Vec<(i64, Slot)> {
        let (Some((&first, _)), Some((&last, _))) =
            (self.slots.first_key_value(), self.slots.last_key_value())
        else {
            return Vec::new();
        };
        (0..=(last - first) / self.width)
            .map(|k| {
                let start = first + k * self.width;
                (start, self.slots.get(&start).copied().unwrap_or_default())
            })
            .collect()
    }

    fn widen(&mut self, width: i64) {
        if width <= self.width {
            return;
        }
        let old = std::mem::take(&mut self.slots);
        self.width = width;
        for (start, s) in old {
            let slot = self
                .slots
                .entry(start.div_euclid(width) * width)
                .or_default();
            slot.requests += s.requests;
            slot.status_4xx += s.status_4xx;
            slot.status_5xx += s.status_5xx;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    #[test]
    fn a_bucket_per_minute_with_the_gaps_filled() {
        let mut t = Timeline::default();
        t.add(10 * MINUTE + 5, 2);
        t.add(10 * MINUTE + 59_000_000, 5);
        t.add(13 * MINUTE, 4);
        let b = t.buckets();
        assert_eq!(b.len(), 4);
        assert_eq!(
            b[0],
            (
                10,
                Slot {
                    requests: 2,
                    status_4xx: 0,
                    status_5xx: 1
                }
            )
        );
        assert_eq!(b[1].1, Slot::default());
        assert_eq!(b[3].1.status_4xx, 1);
    }

    #[test]
    fn a_long_span_widens_the_buckets_and_keeps_every_count() {
        let mut t = Timeline::default();
        for m in 0..10_000 {
            t.add(m * MINUTE, 2);
        }
        assert!(t.buckets().len() <= MAX_BUCKETS);
        assert_eq!(t.width_minutes(), 8);
        let total: u64 = t.buckets().iter().map(|(_, s)| s.requests).sum();
        assert_eq!(total, 10_000);
    }

    #[test]
    fn merging_parts_of_different_widths_equals_one_pass() {
        let (mut a, mut b, mut whole) = (
            Timeline::default(),
            Timeline::default(),
            Timeline::default(),
        );
        for m in 0..3000 {
            a.add(m * MINUTE, 5);
            whole.add(m * MINUTE, 5);
        }
        for m in 3000..3100 {
            b.add(m * MINUTE, 2);
            whole.add(m * MINUTE, 2);
        }
        a.merge(b);
        assert_eq!(a, whole);
    }
}
