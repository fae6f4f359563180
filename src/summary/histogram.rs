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
