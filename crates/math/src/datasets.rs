//! The training sets of the edge-of-stability experiments: generated ones in one or two input
//! dimensions with one target each, and the handwritten digits (64 pixels, ten classes).
//!
//! A [`Dataset`] stores its n inputs row after row (n × input_dim) and its targets the same way
//! (n × output_dim): a class is a one-hot target, so the square loss
//! (1/2n) Σⱼ ‖f(xⱼ) − yⱼ‖² covers regression and classification alike. Every constructor checks its arguments and explains a bad one in an `Err`, so a figure
//! can pass the message on instead of panicking; random sets are reproducible from their seed.

use super::network::Data;
use super::rng::{normal, seeded, uniform};

/// The smallest and largest number of points a generated set may have.
pub const POINTS: std::ops::RangeInclusive<usize> = 2..=500;
/// The largest Chebyshev degree: T₂₀ already oscillates 20 times across [−1, 1].
pub const MAX_CHEBYSHEV_DEGREE: usize = 20;

/// The widest input: an 8 × 8 image.
pub const MAX_INPUT_DIM: usize = 64;
/// The most outputs: one per digit class.
pub const MAX_OUTPUT_DIM: usize = 10;

/// Points xⱼ ∈ R^input_dim with targets yⱼ ∈ R^output_dim.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub input_dim: usize,
    pub output_dim: usize,
    /// n × input_dim, row-major: point j is `x[j * input_dim..(j + 1) * input_dim]`.
    pub x: Vec<f64>,
    /// n × output_dim, row-major: target j is `y[j * output_dim..(j + 1) * output_dim]`.
    pub y: Vec<f64>,
}

impl Dataset {
    /// A data set from its parts, e.g. a saved one read back. Err when a dimension is out of
    /// range, the set is empty, x and y hold different numbers of points, or a value is not
    /// finite.
    pub fn new(input_dim: usize, output_dim: usize, x: Vec<f64>, y: Vec<f64>) -> Result<Self, String> {
        check_input_dim(input_dim)?;
        check_output_dim(output_dim)?;
        if y.is_empty() {
            return Err("the data set has no points".into());
        }
        if !y.len().is_multiple_of(output_dim) {
            return Err(format!("{} target values do not split into targets of dimension {output_dim}", y.len()));
        }
        let n = y.len() / output_dim;
        if x.len() != n * input_dim {
            return Err(format!(
                "{n} targets need {} input coordinates in dimension {input_dim}, got {}",
                n * input_dim,
                x.len()
            ));
        }
        if let Some(j) = x.iter().position(|v| !v.is_finite()) {
            return Err(format!("input coordinate {j} is not a finite number ({})", x[j]));
        }
        if let Some(j) = y.iter().position(|v| !v.is_finite()) {
            return Err(format!("target value {j} is not a finite number ({})", y[j]));
        }
        Ok(Self { input_dim, output_dim, x, y })
    }

    /// y = T_m(x), the Chebyshev polynomial of degree m, on n evenly spaced points of [−1, 1]
    /// (both ends included). T_m oscillates between −1 and 1 with m − 1 interior extrema, so m
    /// sets how hard the target is to fit.
    pub fn chebyshev(m: usize, n: usize) -> Result<Self, String> {
        if m > MAX_CHEBYSHEV_DEGREE {
            return Err(format!("the Chebyshev degree must be 0 to {MAX_CHEBYSHEV_DEGREE}, got {m}"));
        }
        check_points(n)?;
        let x = evenly_spaced(n);
        let y = x.iter().map(|&xj| chebyshev_t(m, xj)).collect();
        Ok(Self { input_dim: 1, output_dim: 1, x, y })
    }

    /// Labels with no structure to learn: yⱼ standard normal. In one dimension the inputs are
    /// n evenly spaced points of [−1, 1]; in two they are drawn uniformly from [−1, 1]². Inputs
    /// (if random) are drawn before the labels, all from one generator seeded with `seed`.
    pub fn random_labels(n: usize, input_dim: usize, seed: u64) -> Result<Self, String> {
        check_input_dim(input_dim)?;
        check_points(n)?;
        let mut rng = seeded(seed);
        let x = if input_dim == 1 {
            evenly_spaced(n)
        } else {
            (0..n * input_dim).map(|_| uniform(&mut rng, -1.0, 1.0)).collect()
        };
        let y = (0..n).map(|_| normal(&mut rng)).collect();
        Ok(Self { input_dim, output_dim: 1, x, y })
    }

    /// A smooth two-dimensional regression target, y = sin(πx₁)·cos(πx₂/2) + x₁x₂/2, on n
    /// inputs drawn uniformly from [−1, 1]² (seeded). It mixes an oscillation along x₁, a bump
    /// along x₂ and a saddle, so no single hidden unit fits it.
    pub fn regression_2d(n: usize, seed: u64) -> Result<Self, String> {
        check_points(n)?;
        let mut rng = seeded(seed);
        let x: Vec<f64> = (0..2 * n).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
        let y = x.chunks_exact(2).map(|p| regression_2d_target(p[0], p[1])).collect();
        Ok(Self { input_dim: 2, output_dim: 1, x, y })
    }

    /// The number of points n.
    pub fn len(&self) -> usize {
        self.y.len() / self.output_dim
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The input xⱼ, `input_dim` coordinates.
    pub fn point(&self, j: usize) -> &[f64] {
        &self.x[j * self.input_dim..(j + 1) * self.input_dim]
    }

    /// The target yⱼ, `output_dim` values.
    pub fn target(&self, j: usize) -> &[f64] {
        &self.y[j * self.output_dim..(j + 1) * self.output_dim]
    }

    /// The same set in the form the lecture's network takes (one input, one target); None
    /// otherwise.
    pub fn to_shallow_data(&self) -> Option<Data> {
        (self.input_dim == 1 && self.output_dim == 1).then(|| Data { x: self.x.clone(), y: self.y.clone() })
    }
}

/// T_m(x) by the three-term recurrence T₀ = 1, T₁ = x, T_{k+1} = 2x·T_k − T_{k−1}, which is
/// stable on [−1, 1].
pub fn chebyshev_t(m: usize, x: f64) -> f64 {
    let (mut previous, mut current) = (1.0, x);
    if m == 0 {
        return previous;
    }
    for _ in 1..m {
        (previous, current) = (current, 2.0 * x * current - previous);
    }
    current
}

/// The target of [`Dataset::regression_2d`].
pub fn regression_2d_target(x1: f64, x2: f64) -> f64 {
    use std::f64::consts::PI;
    (PI * x1).sin() * (PI * x2 / 2.0).cos() + x1 * x2 / 2.0
}

/// n evenly spaced points from −1 to 1: xⱼ = −1 + j·2/(n − 1), the last set to 1 exactly
/// (the same numbers as NumPy's `linspace(-1, 1, n)`).
fn evenly_spaced(n: usize) -> Vec<f64> {
    let spacing = 2.0 / (n - 1) as f64;
    let mut x: Vec<f64> = (0..n).map(|j| -1.0 + j as f64 * spacing).collect();
    x[n - 1] = 1.0;
    x
}

fn check_points(n: usize) -> Result<(), String> {
    if POINTS.contains(&n) {
        Ok(())
    } else {
        Err(format!("the number of points must be {} to {}, got {n}", POINTS.start(), POINTS.end()))
    }
}

pub(crate) fn check_input_dim(input_dim: usize) -> Result<(), String> {
    if (1..=MAX_INPUT_DIM).contains(&input_dim) {
        Ok(())
    } else {
        Err(format!("the input dimension must be 1 to {MAX_INPUT_DIM}, got {input_dim}"))
    }
}

pub(crate) fn check_output_dim(output_dim: usize) -> Result<(), String> {
    if (1..=MAX_OUTPUT_DIM).contains(&output_dim) {
        Ok(())
    } else {
        Err(format!("the output dimension must be 1 to {MAX_OUTPUT_DIM}, got {output_dim}"))
    }
}
