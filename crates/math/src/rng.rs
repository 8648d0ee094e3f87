//! The one random number generator of the project.
//!
//! ChaCha8 with a 64-bit seed: its stream is fixed by its specification, so a seed in a shared
//! link or a saved run replays the same numbers in every build, natively and in the browser.

use rand::SeedableRng;

/// The seeded generator every stochastic computation takes.
pub type Rng = rand_chacha::ChaCha8Rng;

/// A generator started from `seed`.
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// The generator of draw number `index` among many from one `seed`: ChaCha8's stream `index`,
/// so that any draw can be made without making the ones before it (a resumed run draws what
/// the uninterrupted run would have).
pub fn stream(seed: u64, index: u64) -> Rng {
    let mut rng = seeded(seed);
    rng.set_stream(index);
    rng
}

/// A standard normal sample (Box–Muller; two uniforms per call keeps the stream simple).
pub fn normal(rng: &mut Rng) -> f64 {
    use rand::Rng as _;
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1], so ln is finite
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform sample in [lo, hi).
pub fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    use rand::Rng as _;
    lo + (hi - lo) * rng.random::<f64>()
}

/// Fills `out` with `out.len()` distinct indices drawn uniformly from 0..n, using `pool`
/// (length n, any permutation of 0..n) as scratch: a partial Fisher–Yates shuffle, so no
/// allocation per draw.
pub fn sample_without_replacement(rng: &mut Rng, pool: &mut [usize], out: &mut [usize]) {
    use rand::Rng as _;
    let n = pool.len();
    assert!(out.len() <= n, "batch larger than the data set");
    for (i, slot) in out.iter_mut().enumerate() {
        let j = rng.random_range(i..n);
        pool.swap(i, j);
        *slot = pool[i];
    }
}
