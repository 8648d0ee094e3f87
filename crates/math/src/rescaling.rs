//! Rescaling ReLU neurons (Dinh et al.): the same function, a different sharpness.
//!
//! ReLU is positively homogeneous, σ(αz) = ασ(z) for α > 0, so the map
//!   (w1ᵢ, b1ᵢ, w2ᵢ) ↦ (α w1ᵢ, α b1ᵢ, w2ᵢ/α)
//! leaves neuron i's output w2ᵢσ(w1ᵢx + b1ᵢ), and so f, unchanged for every x. With D the
//! diagonal matrix of the map, L(Dθ) = L(θ) for all θ, and differentiating twice gives
//! ∇²L(Dθ) = D⁻¹ ∇²L(θ) D⁻¹: the Hessian at the rescaled point is the old one with the rows and
//! columns of the neuron's input weights divided by α and its output weight's multiplied by α.
//! Which ends blow up depends on the neuron (see [`Sharp::of`]): as α → ∞ when it is active on
//! some data point, as α → 0 when besides its output weight is not zero; a neuron active on no
//! data point leaves the Hessian unchanged. Where both ends blow up there is a minimum in
//! between: the sharpness of a minimum is a property of its parameterization, not of the
//! function it computes. Minimizing over this family bounds the lecture's min over Ω(f) of
//! λ_max from above (rescalings are only part of Ω(f)).

use super::lanczos::{Restart, StopRule, TopEigenpairs};
use super::network::{Regression, ShallowNet};

/// Relative accuracy of each λ_max on a profile.
const SHARPNESS_TOLERANCE: f64 = 1e-10;

/// Which neurons a rescaling acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Neuron i (counting from 0).
    Neuron(usize),
    /// Every neuron by the same α.
    All,
}

/// θ with the neurons of `scope` rescaled by α > 0: (w1ᵢ, b1ᵢ, w2ᵢ) ↦ (αw1ᵢ, αb1ᵢ, w2ᵢ/α).
pub fn rescale(net: &ShallowNet, theta: &[f64], scope: Scope, alpha: f64) -> Vec<f64> {
    let k = net.width;
    let mut out = theta.to_vec();
    let neurons = match scope {
        Scope::Neuron(i) => i..i + 1,
        Scope::All => 0..k,
    };
    for i in neurons {
        out[i] *= alpha;
        out[k + i] *= alpha;
        out[2 * k + i] /= alpha;
    }
    out
}

/// Which ends of a rescaling family have an unbounded sharpness.
///
/// For neuron i with pre-activations zⱼ = w1ᵢxⱼ + b1ᵢ, the Hessian's diagonal entry of w2ᵢ is
/// (1/n)Σⱼ σ(zⱼ)² (σ'' = 0 leaves no residual term there) and its block of (w1ᵢ, b1ᵢ) is
/// (w2ᵢ²/n)Σⱼ \[zⱼ > 0\] (xⱼ, 1)(xⱼ, 1)ᵀ. Rescaled, the first is multiplied by α² and the second
/// divided by α², and λ_max is at least every diagonal entry: so λ_max → ∞ as α → ∞ when the
/// neuron is active on some data point, and as α → 0 when it is and w2ᵢ ≠ 0. Otherwise the
/// rows that rescaling scales up are zero (every term of the w2ᵢ row carries σ(zⱼ) or \[zⱼ > 0\];
/// every term of the w1ᵢ, b1ᵢ rows carries w2ᵢ\[zⱼ > 0\], but for the residual coupling to w2ᵢ,
/// which rescaling leaves as it is), every entry stays bounded, and so does λ_max. Rescaling
/// several neurons by one α blows up an end when one of them does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sharp {
    /// λ_max → ∞ as α → 0.
    pub small_alpha: bool,
    /// λ_max → ∞ as α → ∞.
    pub large_alpha: bool,
}

impl Sharp {
    /// The ends that blow up when the neurons of `scope` are rescaled, at parameters `theta`
    /// and inputs `xs` (a point exactly on a knot counts as inactive, σ'(0) = 0).
    pub fn of(net: &ShallowNet, theta: &[f64], scope: Scope, xs: &[f64]) -> Self {
        let neurons = match scope {
            Scope::Neuron(i) => i..i + 1,
            Scope::All => 0..net.width,
        };
        let w2 = net.layout(theta).w2;
        let mut sharp = Sharp { small_alpha: false, large_alpha: false };
        for i in neurons {
            let active = active_count(net, theta, i, xs) > 0;
            sharp.large_alpha |= active;
            sharp.small_alpha |= active && w2[i] != 0.0;
        }
        sharp
    }
}

/// The number of `xs` on which neuron i is active (w1ᵢx + b1ᵢ > 0).
pub fn active_count(net: &ShallowNet, theta: &[f64], neuron: usize, xs: &[f64]) -> usize {
    let p = net.layout(theta);
    xs.iter().filter(|&&x| p.w1[neuron] * x + p.b1[neuron] > 0.0).count()
}

/// max over `xs` of |f_a(x) − f_b(x)|.
pub fn max_output_change(net: &ShallowNet, theta_a: &[f64], theta_b: &[f64], xs: &[f64]) -> f64 {
    xs.iter().map(|&x| (net.eval(theta_a, x) - net.eval(theta_b, x)).abs()).fold(0.0, f64::max)
}

/// λ_max(∇²L) at the rescalings θ(α) of one trained θ, over a log-spaced grid of α, computed a
/// few α at a time by [`hessian_top`], each started from the previous α's top eigenvector.
#[derive(Clone, Debug)]
pub struct SharpnessProfile {
    pub scope: Scope,
    pub alphas: Vec<f64>,
    /// λ_max per α; NaN until computed (or when Lanczos failed).
    pub values: Vec<f64>,
    done: usize,
    meter: TopEigenpairs,
    scratch: Vec<f64>,
}

impl SharpnessProfile {
    /// A profile over `points` values of α spanning `range` (log-spaced).
    pub fn new(problem: &Regression, scope: Scope, range: (f64, f64), points: usize) -> Self {
        let p = problem.num_params();
        let points = points.max(2);
        let (lo, hi) = (range.0.ln(), range.1.ln());
        let alphas = (0..points).map(|i| (lo + (hi - lo) * i as f64 / (points - 1) as f64).exp()).collect();
        Self {
            scope,
            alphas,
            values: vec![f64::NAN; points],
            done: 0,
            // Small networks: Lanczos may run to the full dimension, where it is exact.
            meter: hessian_top(p, p, SHARPNESS_TOLERANCE),
            scratch: vec![0.0; p],
        }
    }

    pub fn is_complete(&self) -> bool {
        self.done == self.alphas.len()
    }

    /// The number of α computed so far (from the smallest).
    pub fn computed(&self) -> usize {
        self.done
    }

    /// Computes up to `count` more points for the trained `theta`. Returns whether any remain.
    pub fn advance(&mut self, problem: &Regression, theta: &[f64], count: usize) -> bool {
        for _ in 0..count {
            if self.is_complete() {
                break;
            }
            let rescaled = rescale(&problem.net, theta, self.scope, self.alphas[self.done]);
            self.values[self.done] = sharpness_by(&mut self.meter, problem, &rescaled, &mut self.scratch);
            self.done += 1;
        }
        !self.is_complete()
    }

    /// The computed point with the smallest λ_max, as (α, λ_max).
    pub fn minimum(&self) -> Option<(f64, f64)> {
        self.alphas
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(&a, &v)| (a, v))
    }
}

/// Lanczos for λ_max(∇²L(θ)) on θ of `dim` entries, run until accurate to a relative
/// `tolerance` (at most `max_iter` iterations), each run started from the previous run's top
/// eigenvector plus a little of every direction, since nearby θ have nearly the same one.
pub fn hessian_top(dim: usize, max_iter: usize, tolerance: f64) -> TopEigenpairs {
    let start = (0..dim).map(|i| 1.0 + 0.1 * (i as f64 * 0.7).sin()).collect();
    TopEigenpairs::new(start, StopRule::Converged { tolerance, max_iter }, Restart::WarmBlended, 1)
}

/// λ_max(∇²L(θ)) of `problem` by `meter`, with `scratch` of θ's length; NaN when Lanczos fails
/// (θ or the products not finite).
pub fn sharpness_by(meter: &mut TopEigenpairs, problem: &Regression, theta: &[f64], scratch: &mut [f64]) -> f64 {
    meter.largest(|v, hv| problem.hessian_vec(theta, v, hv, scratch))
}
