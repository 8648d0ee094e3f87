//! The laws the inputs of the function-space figures are drawn from (uniform, Gaussian, Laplace)
//! and the empirical law of a sample, through the one quantity Lemma 4 needs of a law: its
//! tails P(X < x), E[X | X < x] and P(X > x), E[X | X > x].
//!
//! The population tails are closed forms:
//! - uniform on [a, b]: P(X < x) = (x − a)/(b − a) and E[X | X < x] = (a + x)/2 on [a, b];
//! - Gaussian N(μ, σ²), with z = (x − μ)/σ: P(X < x) = Φ(z) and
//!   E[X | X < x] = μ − σφ(z)/Φ(z) (the inverse Mills ratio);
//! - Laplace(μ, b): left of μ the tail is memoryless, P(X < x) = ½e^{(x−μ)/b} and
//!   E[X | X < x] = x − b; right of μ, with p = ½e^{−(x−μ)/b} = P(X > x),
//!   x − E[X | X < x] = (x − μ + pb)/(1 − p);
//!
//! and the upper tails follow by reflection. Each tail also carries |x − E[X | tail]| computed
//! without cancellation, since g⁻ and g⁺ are proportional to it and it vanishes at the ends.

use super::rng::{normal, uniform, Rng};

/// One tail of a law at a point x: P(X in the tail), E[X | X in the tail], and the distance
/// |x − E[X | X in the tail]|. An empty tail has probability 0 (and mean and distance 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tail {
    pub probability: f64,
    pub mean: f64,
    pub distance: f64,
}

impl Tail {
    pub const EMPTY: Tail = Tail { probability: 0.0, mean: 0.0, distance: 0.0 };
}

/// A law on the real line through its strict tails at x (X < x and X > x).
pub trait Tails {
    /// P(X < x), E[X | X < x] and x − E[X | X < x].
    fn lower_tail(&self, x: f64) -> Tail;
    /// P(X > x), E[X | X > x] and E[X | X > x] − x.
    fn upper_tail(&self, x: f64) -> Tail;
    /// The smallest interval holding all the mass (infinite ends for unbounded laws).
    fn support(&self) -> (f64, f64);
}

/// The population laws the figures offer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    Uniform { lo: f64, hi: f64 },
    Gaussian { mean: f64, sd: f64 },
    Laplace { location: f64, scale: f64 },
}

impl Distribution {
    /// One draw.
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Distribution::Uniform { lo, hi } => uniform(rng, lo, hi),
            Distribution::Gaussian { mean, sd } => mean + sd * normal(rng),
            Distribution::Laplace { location, scale } => {
                // Inverse CDF: an exponential of either sign.
                let u = uniform(rng, -0.5, 0.5);
                let magnitude = -(1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln();
                location + scale * magnitude.copysign(u)
            }
        }
    }

    /// The density at x.
    pub fn density(&self, x: f64) -> f64 {
        match *self {
            Distribution::Uniform { lo, hi } => {
                if (lo..=hi).contains(&x) {
                    1.0 / (hi - lo)
                } else {
                    0.0
                }
            }
            Distribution::Gaussian { mean, sd } => standard_normal_density((x - mean) / sd) / sd,
            Distribution::Laplace { location, scale } => (-(x - location).abs() / scale).exp() / (2.0 * scale),
        }
    }

    /// The centre of symmetry: every law here is symmetric about it, so the upper tail at x
    /// is the mirror image of the lower tail at 2c − x.
    fn centre(&self) -> f64 {
        match *self {
            Distribution::Uniform { lo, hi } => 0.5 * (lo + hi),
            Distribution::Gaussian { mean, .. } => mean,
            Distribution::Laplace { location, .. } => location,
        }
    }
}

impl Tails for Distribution {
    fn lower_tail(&self, x: f64) -> Tail {
        match *self {
            Distribution::Uniform { lo, hi } => {
                if x <= lo {
                    Tail::EMPTY
                } else if x <= hi {
                    Tail { probability: (x - lo) / (hi - lo), mean: 0.5 * (lo + x), distance: 0.5 * (x - lo) }
                } else {
                    let mean = 0.5 * (lo + hi);
                    Tail { probability: 1.0, mean, distance: x - mean }
                }
            }
            Distribution::Gaussian { mean, sd } => {
                let (p, mean_z, distance_z) = standard_normal_lower_tail((x - mean) / sd);
                Tail { probability: p, mean: mean + sd * mean_z, distance: sd * distance_z }
            }
            Distribution::Laplace { location, scale } => {
                let u = (x - location) / scale;
                if u <= 0.0 {
                    let p = 0.5 * u.exp();
                    if p == 0.0 {
                        return Tail::EMPTY;
                    }
                    Tail { probability: p, mean: x - scale, distance: scale }
                } else {
                    let upper = 0.5 * (-u).exp();
                    let distance = scale * (u + upper) / (1.0 - upper);
                    Tail { probability: 1.0 - upper, mean: x - distance, distance }
                }
            }
        }
    }

    fn upper_tail(&self, x: f64) -> Tail {
        let c = self.centre();
        let mirrored = self.lower_tail(2.0 * c - x);
        Tail { mean: 2.0 * c - mirrored.mean, ..mirrored }
    }

    fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { lo, hi } => (lo, hi),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

/// φ(z), the standard normal density.
pub fn standard_normal_density(z: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Φ(z), the standard normal distribution function, to a few ulps relative in both tails.
pub fn standard_normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// (Φ(z), E[Z | Z < z], z − E[Z | Z < z]) for a standard normal Z. Far in the left tail the
/// distance z + φ(z)/Φ(z) is a small difference of large numbers; there it comes from the
/// continued fraction of the Mills ratio instead, which has no cancellation.
fn standard_normal_lower_tail(z: f64) -> (f64, f64, f64) {
    let p = standard_normal_cdf(z);
    if p == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    if z < -3.0 {
        // With t = −z: φ(t)/Q(t) − t = 1/(t + 2/(t + 3/(t + …))), evaluated from the tail up.
        let t = -z;
        let mut tail = t;
        for k in (2..=60).rev() {
            tail = t + k as f64 / tail;
        }
        let distance = 1.0 / tail;
        return (p, z - distance, distance);
    }
    let ratio = standard_normal_density(z) / p;
    (p, -ratio, z + ratio)
}

/// The complementary error function erfc(x) = (2/√π)∫ₓ^∞ e^{−t²} dt, to about 1e-15 relative:
/// 1 − erf(x) by its Taylor series below x = 0.75 (where erfc > 0.28, so the subtraction loses
/// nothing), and the continued fraction of erfc beyond, which needs more terms the closer x is
/// to 0.
pub fn erfc(x: f64) -> f64 {
    use std::f64::consts::FRAC_2_SQRT_PI as TWO_OVER_SQRT_PI;
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 0.75 {
        // erf(x) = (2/√π) Σ (−1)ⁿ x^{2n+1} / (n! (2n+1)), whose terms shrink fast here.
        let x2 = x * x;
        let (mut term, mut sum) = (x, x);
        for n in 1..40 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return 1.0 - TWO_OVER_SQRT_PI * sum;
    }
    if x > 27.3 {
        return 0.0; // below the smallest subnormal
    }
    // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), from the tail up.
    let terms = if x < 1.25 { 400 } else { 120 };
    let mut tail = x;
    for k in (1..=terms).rev() {
        tail = x + 0.5 * k as f64 / tail;
    }
    0.5 * TWO_OVER_SQRT_PI * (-x * x).exp() / tail
}

/// The empirical law of a sample: each point has mass 1/n. Sorted once, with prefix sums, so a
/// tail costs one binary search.
#[derive(Clone, Debug, PartialEq)]
pub struct Empirical {
    sorted: Vec<f64>,
    /// prefix\[i\] = sorted\[0\] + … + sorted\[i − 1\].
    prefix: Vec<f64>,
}

impl Empirical {
    /// The law of `xs`. Err for an empty sample or one with a value that is not finite.
    pub fn new(xs: &[f64]) -> Result<Self, String> {
        if xs.is_empty() {
            return Err("the sample is empty".into());
        }
        if let Some(x) = xs.iter().find(|x| !x.is_finite()) {
            return Err(format!("the sample holds a value that is not a finite number ({x})"));
        }
        let mut sorted = xs.to_vec();
        crate::order::sort_values(&mut sorted);
        let mut prefix = Vec::with_capacity(sorted.len() + 1);
        let mut sum = 0.0;
        prefix.push(0.0);
        for &x in &sorted {
            sum += x;
            prefix.push(sum);
        }
        Ok(Self { sorted, prefix })
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The sample in increasing order.
    pub fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    /// The tail made of the `count` smallest points, seen from x.
    pub fn lowest(&self, count: usize, x: f64) -> Tail {
        self.tail(count, self.prefix[count], x)
    }

    /// The tail made of the `count` largest points, seen from x.
    pub fn highest(&self, count: usize, x: f64) -> Tail {
        let n = self.len();
        self.tail(count, self.prefix[n] - self.prefix[n - count], x)
    }

    /// The tail made of `count` points summing to `sum`, seen from x.
    fn tail(&self, count: usize, sum: f64, x: f64) -> Tail {
        if count == 0 {
            return Tail::EMPTY;
        }
        let mean = sum / count as f64;
        Tail { probability: count as f64 / self.len() as f64, mean, distance: (x - mean).abs() }
    }
}

impl Tails for Empirical {
    fn lower_tail(&self, x: f64) -> Tail {
        self.lowest(self.sorted.partition_point(|&v| v < x), x)
    }

    fn upper_tail(&self, x: f64) -> Tail {
        self.highest(self.len() - self.sorted.partition_point(|&v| v <= x), x)
    }

    fn support(&self) -> (f64, f64) {
        (self.sorted[0], self.sorted[self.len() - 1])
    }
}
