//! Approximate distinct counting past a cap: a HyperLogLog sketch of 256
//! one-byte registers (standard error about 6.5%). A capped set counts exactly
//! up to its cap; only a key that goes past it (a real scan, a popular service)
//! gets a sketch, so memory stays bounded by the keys however many distinct
//! values a key sees, and the evidence still says roughly how many.

use std::hash::{Hash, Hasher};

const REGISTERS: usize = 256;

/// A HyperLogLog sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch(Box<[u8; REGISTERS]>);

impl Default for Sketch {
    fn default() -> Self {
        Sketch(Box::new([0; REGISTERS]))
    }
}

/// A well-mixed 64-bit hash (FxHash, then the murmur3 finaliser: HyperLogLog
/// reads the top bits, which FxHash alone leaves poorly mixed for small values).
fn hash64<T: Hash>(v: &T) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    v.hash(&mut h);
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

impl Sketch {
    pub fn add<T: Hash>(&mut self, v: &T) {
        let h = hash64(v);
        let index = (h >> 56) as usize;
        // The rank of the first 1 bit in the remaining 56 bits (1-based).
        let rest = (h << 8) | (1 << 7);
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.0[index] {
            self.0[index] = rank;
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct values added.
    pub fn estimate(&self) -> u64 {
        let m = REGISTERS as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.0.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.0.iter().filter(|&&r| r == 0).count();
        let estimate = if raw <= 2.5 * m && zeros > 0 {
            // Small range: linear counting.
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        estimate.round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_within_a_few_standard_errors_and_merges() {
        for n in [100u32, 1_000, 10_000, 200_000] {
            let mut s = Sketch::default();
            for v in 0..n {
                s.add(&v);
                s.add(&v); // duplicates do not count
            }
            let e = s.estimate() as f64;
            let error = (e - f64::from(n)).abs() / f64::from(n);
            assert!(error < 0.2, "{n}: estimated {e}");
        }
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        for v in 0..5_000u32 {
            a.add(&v);
            b.add(&(v + 2_500));
        }
        a.merge(&b);
        let e = a.estimate() as f64;
        assert!((e - 7_500.0).abs() / 7_500.0 < 0.2, "union estimated {e}");
    }
}
