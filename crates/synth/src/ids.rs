//! Identifiers and deterministic hashing: sub-seeds for areas and employers (so that the
//! output does not depend on which thread did what), plausible area codes, and National
//! Insurance numbers that are format-valid, unique and stable for each synthetic person.

/// SplitMix64 finaliser: a cheap, well-mixed hash of two 64-bit values.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of several values in order.
pub(crate) fn mix3(a: u64, b: u64, c: u64) -> u64 {
    mix(mix(a, b), c)
}

/// A hash turned into a uniform number in [0, 1).
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// FNV-1a of a string, for seeding from area codes.
pub(crate) fn str_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Plausible GSS codes of upper-tier local authorities: London boroughs (E09), metropolitan
/// districts (E08), unitary authorities (E06) and then county councils (E10), in that order,
/// numbered as the real series are. Deterministic, so the same `n` always gives the same list.
pub fn national_area_codes(n: usize) -> Vec<String> {
    let series: [(&str, u32, u32); 4] = [
        ("E09", 1, 33),
        ("E08", 1, 37),
        ("E06", 1, 66),
        ("E10", 2, 34),
    ];
    let mut out = Vec::with_capacity(n);
    for (prefix, first, last) in series {
        for k in first..=last {
            if out.len() == n {
                return out;
            }
            out.push(format!("{prefix}{k:06}"));
        }
    }
    // Beyond the real count: carry on numbering unitary authorities.
    let mut k = 67;
    while out.len() < n {
        out.push(format!("E06{k:06}"));
        k += 1;
    }
    out
}

/// The space of National Insurance numbers the generator hands out: a prefix of two
/// allowed letters, six digits and a suffix A-D. Each area owns a block of the space, and an
/// affine bijection scrambles positions so numbers look random yet never collide.
#[derive(Debug, Clone)]
pub(crate) struct NinoSpace {
    prefixes: Vec<[u8; 2]>,
    size: u64,
    mult: u64,
    offset: u64,
    block: u64,
}

/// First letters allowed: not D, F, I, Q, U or V.
const FIRST: &[u8] = b"ABCEGHJKLMNOPRSTWXYZ";
/// Prefixes never allocated.
const BARRED: [&[u8; 2]; 7] = [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"];

impl NinoSpace {
    pub(crate) fn new(seed: u64, areas: usize) -> NinoSpace {
        let mut prefixes = Vec::new();
        for &a in FIRST {
            for &b in FIRST {
                if b == b'O' || BARRED.iter().any(|p| p[0] == a && p[1] == b) {
                    continue;
                }
                prefixes.push([a, b]);
            }
        }
        let size = prefixes.len() as u64 * 1_000_000 * 4;
        // 982451653 is prime and does not divide the size, so multiplying is a bijection.
        let mult = 982_451_653;
        debug_assert_eq!(gcd(mult, size), 1);
        NinoSpace {
            prefixes,
            size,
            mult,
            offset: mix(seed, 0x4E49_4E4F) % size,
            block: size / areas.max(1) as u64,
        }
    }

    /// How many people one area can number.
    pub(crate) fn block(&self) -> u64 {
        self.block
    }

    /// The number of the `k`-th person of area `area`.
    pub(crate) fn make(&self, area: usize, k: u64) -> [u8; 9] {
        debug_assert!(k < self.block);
        let g = area as u64 * self.block + k;
        let x = ((g as u128 * self.mult as u128 + self.offset as u128) % self.size as u128) as u64;
        let prefix = self.prefixes[(x / 4_000_000) as usize];
        let rest = x % 4_000_000;
        let mut digits = rest / 4;
        let suffix = b"ABCD"[(rest % 4) as usize];
        let mut out = [0u8; 9];
        out[0] = prefix[0];
        out[1] = prefix[1];
        for i in (2..8).rev() {
            out[i] = b'0' + (digits % 10) as u8;
            digits /= 10;
        }
        out[8] = suffix;
        out
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_are_plausible_and_distinct() {
        let codes = national_area_codes(150);
        assert_eq!(codes.len(), 150);
        assert_eq!(codes[0], "E09000001");
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), 150);
        for c in &codes {
            assert_eq!(c.len(), 9);
            assert!(["E06", "E08", "E09", "E10"].contains(&&c[..3]));
        }
        assert_eq!(national_area_codes(200).len(), 200);
    }

    #[test]
    fn national_insurance_numbers_are_valid_and_unique() {
        let space = NinoSpace::new(7, 3);
        assert_eq!(gcd(space.mult, space.size), 1);
        let mut seen = std::collections::HashSet::new();
        for area in 0..3 {
            for k in 0..20_000 {
                let n = space.make(area, k);
                let s = std::str::from_utf8(&n).unwrap();
                assert!(seen.insert(s.to_string()), "duplicate {s}");
                let b = s.as_bytes();
                for &l in &b[..2] {
                    assert!(!b"DFIQUV".contains(&l), "{s}");
                }
                assert_ne!(b[1], b'O');
                assert!(b[2..8].iter().all(u8::is_ascii_digit));
                assert!(b"ABCD".contains(&b[8]));
                assert!(!s.starts_with("QQ"));
            }
        }
    }
}
