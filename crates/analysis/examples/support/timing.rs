//! What the timing examples share: a small deterministic random generator (so runs are
//! comparable) and a millisecond clock.

use std::time::Instant;

use observatory_domain::{PersonKey, Setting, codes};

/// xorshift64*: a tiny deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A random person key, as an HMAC would give.
    pub fn key(&mut self) -> PersonKey {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&self.next().to_le_bytes());
        key[8..].copy_from_slice(&self.next().to_le_bytes());
        key
    }
}

/// Milliseconds since `t`.
pub fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The size given as the first command-line argument, else `default`.
pub fn size_arg(default: usize) -> usize {
    std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Setting `S{index}` of a random type, in one of `areas` areas (E06000000 onwards).
pub fn random_setting(rng: &mut Rng, index: usize, areas: usize) -> Setting {
    Setting {
        setting_id: format!("S{index}"),
        name: String::new(),
        setting_type: rng.below(codes().setting_types.len()) as u8,
        area_code: format!("E{:08}", 6_000_000 + rng.below(areas)),
        employing_sector: rng.below(3) as u8,
        provision: rng.below(3) as u8,
        multi_agency: [Some(true), Some(false), None][rng.below(3)],
        places: None,
    }
}

/// CPU time this process has used, in milliseconds (Linux, from /proc/self/stat at the
/// usual 100 ticks a second; `None` elsewhere). On a busy machine wall-clock times
/// mostly measure the other processes; CPU time measures this one.
pub fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &stat[stat.rfind(") ")? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let user: f64 = f.get(11)?.parse().ok()?;
    let system: f64 = f.get(12)?.parse().ok()?;
    Some((user + system) * 10.0)
}
