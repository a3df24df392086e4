//! Feature hashing: features are named by 64-bit hashes, never by strings, so
//! extraction allocates nothing per feature and the model stores 8 bytes a key.

use std::hash::{BuildHasher, Hasher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Builds the hash of one feature from its template number and its parts.
#[derive(Debug, Clone, Copy)]
pub struct FeatureHash(u64);

impl FeatureHash {
    /// Starts the hash of a feature of template `template`.
    pub fn template(template: u8) -> Self {
        FeatureHash(FNV_OFFSET).byte(template)
    }

    /// Adds one byte.
    pub fn byte(self, b: u8) -> Self {
        FeatureHash((self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME))
    }

    /// Adds an already-hashed part (a word's [`FeatureHash::finish`]ed hash).
    pub fn hashed(self, h: u64) -> Self {
        FeatureHash((self.0 ^ h).wrapping_mul(FNV_PRIME).rotate_left(23))
    }

    /// The finished hash, well mixed and never zero (zero marks an empty slot).
    pub fn finish(self) -> u64 {
        mix(self.0) | 1
    }
}

/// splitmix64's finaliser: spreads FNV's output over all 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A `HashMap` hasher for keys that are already good hashes (feature hashes).
#[derive(Debug, Default, Clone, Copy)]
pub struct PreHashed;

impl BuildHasher for PreHashed {
    type Hasher = PreHasher;
    fn build_hasher(&self) -> PreHasher {
        PreHasher(0)
    }
}

/// The hasher [`PreHashed`] builds: passes a `u64` key through.
#[derive(Debug, Default, Clone, Copy)]
pub struct PreHasher(u64);

impl Hasher for PreHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_hashes_differ_by_template_and_by_the_order_of_parts() {
        let a = FeatureHash::template(1).hashed(10).hashed(20).finish();
        let b = FeatureHash::template(1).hashed(20).hashed(10).finish();
        let c = FeatureHash::template(2).hashed(10).hashed(20).finish();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, FeatureHash::template(1).hashed(10).hashed(20).finish());
    }

    #[test]
    fn feature_hashes_are_never_zero() {
        assert_ne!(FeatureHash::template(0).finish(), 0);
    }
}
