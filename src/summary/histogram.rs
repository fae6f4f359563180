//! A log-linear histogram of microseconds: memory is bounded whatever the input size, and a
//! reported percentile is the upper edge of its bucket, never below the true value and at
//! most 1/128 (0.78 %) above it (exact below 128 µs).

/// Sub-buckets per power of two: 2^7 = 128, so a bucket is at most 1/128 of its values wide.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;

/// Counts of values (microseconds) in log-linear buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    pub(super) max: u64,
}

impl Histogram {
    pub(super) fn index(v: u64) -> usize {
        if v < SUB {
            return v as usize;
        }
        let e = 63 - v.leading_zeros(); // >= SUB_BITS
        let m = (v >> (e - SUB_BITS)) & (SUB - 1);
        (SUB + u64::from(e - SUB_BITS) * SUB + m) as usize
    }

    /// The largest value that falls in bucket `i`.
    pub(super) fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < SUB {
            return i;
        }
        let k = i - SUB;
        let e = k / SUB + u64::from(SUB_BITS);
        let m = k % SUB;
        let width = 1u64 << (e - u64::from(SUB_BITS));
        (1u64 << e) + m * width + (width - 1)
    }

    pub fn record(&mut self, v: u64) {
        let i = Self::index(v);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The counts re-binned for a chart: `per_octave` bins per power of two (below 128 µs, one
    /// bin per power of two), from the first non-empty bin to the last, empty ones included.
    /// Each is (lowest µs, highest µs, count); the edges are the histogram's, so a bin holds
    /// whole buckets and the counts add up to [`Histogram::count`].
    pub fn bins(&self, per_octave: u32) -> Vec<(u64, u64, u64)> {
        let per_octave = per_octave.clamp(1, SUB as u32) as u64;
        let sub_per_bin = SUB / per_octave;
        // bin id of bucket i: linear buckets by their power of two, then groups of sub-buckets
        let bin_of = |i: usize| -> u64 {
            let i = i as u64;
            if i < SUB {
                u64::from(64 - i.leading_zeros())
            } else {
                u64::from(SUB_BITS) + 1 + (i - SUB) / sub_per_bin
            }
        };
        let first = self.counts.iter().position(|&c| c > 0);
        let last = self.counts.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            return Vec::new();
        };
        let mut bins: Vec<(u64, u64, u64)> = Vec::new();
        let mut current = None;
        for i in first..=last {
            let id = bin_of(i);
            let lower = if i == 0 { 0 } else { Self::upper(i - 1) + 1 };
            if current != Some(id) {
                bins.push((lower, Self::upper(i), 0));
                current = Some(id);
            }
            if let Some(bin) = bins.last_mut() {
                bin.1 = Self::upper(i);
                bin.2 += self.counts[i];
            }
        }
        bins
    }

    /// The `q`-quantile (0 < q <= 1) in microseconds: the upper edge of the bucket holding the
    /// value of rank ceil(q * n), capped at the exact maximum. `None` without values.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_contiguous_and_bounded() {
        let mut prev_upper = None;
        for i in 0..4000 {
            let up = Histogram::upper(i);
            if let Some(p) = prev_upper {
                assert_eq!(Histogram::index(p + 1), i, "bucket {i} starts after {p}");
            }
            assert_eq!(Histogram::index(up), i);
            prev_upper = Some(up);
        }
        for v in [
            0,
            1,
            127,
            128,
            129,
            255,
            256,
            1_000,
            123_456,
            60_000_000,
            u64::MAX / 2,
        ] {
            let up = Histogram::upper(Histogram::index(v));
            assert!(up >= v);
            assert!((up - v) as f64 <= v as f64 / 128.0 + 1.0, "{v} -> {up}");
        }
    }

    #[test]
    fn bins_hold_whole_buckets_and_every_count() {
        let mut h = Histogram::default();
        for v in [3, 100, 1_000, 1_001, 50_000, 2_000_000] {
            h.record(v);
        }
        let bins = h.bins(4);
        assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), 6);
        for pair in bins.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0, "contiguous: {bins:?}");
        }
        assert!(bins[0].0 <= 3 && bins.last().unwrap().1 >= 2_000_000);
        // 4 a power of two from 128 µs to 2 s: about 4 × 14 bins, not 1,800 buckets
        assert!((40..=70).contains(&bins.len()), "{}", bins.len());
        assert_eq!(Histogram::default().bins(4), vec![]);
    }

    #[test]
    fn quantiles_match_exact_values_within_the_bound() {
        let mut h = Histogram::default();
        let mut values: Vec<u64> = (1..=10_000).map(|i| i * 37 % 100_003 + i).collect();
        for &v in &values {
            h.record(v);
        }
        values.sort_unstable();
        for q in [0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let rank = ((q * values.len() as f64).ceil() as usize).max(1);
            let exact = values[rank - 1];
            let got = h.quantile(q).unwrap();
            assert!(
                got >= exact && (got - exact) as f64 <= exact as f64 / 128.0 + 1.0,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.quantile(1.0), Some(*values.last().unwrap()));
    }
}
