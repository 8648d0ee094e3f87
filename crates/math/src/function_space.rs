//! Function space: what the parameters of the lecture's ReLU network say about the function it
//! computes, and Lemma 4, which bounds the sharpness of a minimum from below by how much that
//! function bends.
//!
//! **Knots and f''.** Neuron i of f(x) = Σᵢ w2ᵢ σ(w1ᵢx + b1ᵢ) + b2 bends f at its knot
//! τᵢ = −b1ᵢ/w1ᵢ. Since relu(w1x + b1) = |w1| relu(±(x − τ)), the slope of f jumps there by
//! |w1ᵢ|w2ᵢ, so f'' = Σᵢ |w1ᵢ| w2ᵢ δ(x − τᵢ): the sign of w1ᵢ only says which side is active.
//! Coinciding knots add their jumps before the absolute value is taken (|x| = relu(x) +
//! relu(−x) bends by 2, the line x = relu(x) − relu(−x) not at all). A neuron with w1ᵢ = 0 is a
//! constant and has no knot.
//!
//! **The weight g.** For a law of X (here the empirical law of the training inputs),
//! g⁻(x) = P(X < x)² (x − E[X | X < x]) √(1 + E[X | X < x]²), g⁺ mirrors it with X > x, and
//! g = min(g⁻, g⁺) on [x_min, x_max], 0 outside. For the empirical law g jumps at every
//! interior data point, so ∫|f''| g jumps when a knot crosses a data point.
//!
//! **Lemma 4** bounds λ_max(∇²L) below by 1 + 2∫|f''| g through a chain of ten lines
//! ([`Lemma4Chain`]). From line 2 on every line is a statement about the Gauss–Newton matrix
//! ΦΦᵀ/n and holds at any θ; the Hessian equals ΦΦᵀ/n only when every residual is zero, so the
//! first step needs interpolation.
//!
//! **Floating point.** Which side of a knot a data point lies on is decided, as in the Hessian,
//! by the sign of its pre-activation w1ᵢxⱼ + b1ᵢ with σ'(0) = 0 (a point exactly on a knot is
//! inactive and lies on neither side), never by comparing xⱼ with the rounded τᵢ. So each line
//! of the chain is computed from the same activation pattern as the Hessian it bounds.

use nalgebra::DMatrix;

use super::activation::Activation;
use super::dense::SymmetricEigen;
use super::distribution::{Distribution, Empirical, Tail, Tails};
use super::lanczos::{Lanczos, Ritz, StopRule};
use super::network::{Data, Regression, ShallowNet};
use super::rng::{normal, Rng};

/// Knots closer than this (relative to max(1, |τ|)) are one knot: they differ only by the
/// rounding of −b1/w1, and treating them apart would count their opposite jumps twice.
pub const KNOT_MERGE_TOLERANCE: f64 = 1e-12;

/// The number of lines of Lemma 4's chain ([`Lemma4Chain::lines`]).
pub const CHAIN_LINES: usize = 10;

/// The lines of the chain that are sums over neurons, 3 to 9 ([`Lemma4Chain::neuron_terms`]).
pub const NEURON_LINES: usize = 7;

/// P² · |x − E[X | tail]| · √(1 + E[X | tail]²): g⁻ for a lower tail, g⁺ for an upper one.
pub fn one_sided_weight(tail: Tail) -> f64 {
    tail.probability * tail.probability * tail.distance * (1.0 + tail.mean * tail.mean).sqrt()
}

/// g⁻(x) = P(X < x)² (x − E[X | X < x]) √(1 + E[X | X < x]²).
pub fn g_minus<L: Tails>(law: &L, x: f64) -> f64 {
    one_sided_weight(law.lower_tail(x))
}

/// g⁺(x) = P(X > x)² (E[X | X > x] − x) √(1 + E[X | X > x]²).
pub fn g_plus<L: Tails>(law: &L, x: f64) -> f64 {
    one_sided_weight(law.upper_tail(x))
}

/// g(x) = min(g⁻(x), g⁺(x)) on the support [x_min, x_max] of the law, 0 outside.
pub fn g<L: Tails>(law: &L, x: f64) -> f64 {
    let (lo, hi) = law.support();
    if x < lo || x > hi {
        0.0
    } else {
        g_minus(law, x).min(g_plus(law, x))
    }
}

/// g⁻, g⁺ and g of an empirical law as polylines over [x_min, x_max], exact: between two
/// neighbouring data points both g⁻ and g⁺ are linear in x, and at every data point they jump
/// (drawn as a vertical segment).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeightCurves {
    pub g_minus: Vec<(f64, f64)>,
    pub g_plus: Vec<(f64, f64)>,
    pub g: Vec<(f64, f64)>,
}

impl WeightCurves {
    pub fn of(law: &Empirical) -> Self {
        let mut distinct = law.sorted().to_vec();
        distinct.dedup();
        let mut out = Self::default();
        if distinct.len() == 1 {
            // All mass on one point: both tails are empty there, and g is 0.
            let x = distinct[0];
            for curve in [&mut out.g_minus, &mut out.g_plus, &mut out.g] {
                curve.push((x, 0.0));
            }
            return out;
        }
        for pair in distinct.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // On (a, b): X < x means X ≤ a, and X > x means X ≥ b.
            let lower = law.lower_tail(b);
            let upper = law.upper_tail(a);
            let minus = |x: f64| one_sided_weight(Tail { distance: x - lower.mean, ..lower });
            let plus = |x: f64| one_sided_weight(Tail { distance: upper.mean - x, ..upper });
            out.g_minus.extend([(a, minus(a)), (b, minus(b))]);
            out.g_plus.extend([(a, plus(a)), (b, plus(b))]);
            out.g.push((a, minus(a).min(plus(a))));
            // Both are linear on (a, b): they cross at most once.
            let (da, db) = (minus(a) - plus(a), minus(b) - plus(b));
            if da * db < 0.0 {
                let c = a + (b - a) * da / (da - db);
                out.g.push((c, minus(c).min(plus(c))));
            }
            out.g.push((b, minus(b).min(plus(b))));
        }
        out
    }
}

/// One knot of f, after merging coinciding ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Knot {
    /// τ = −b1ᵢ/w1ᵢ (of the first merged neuron).
    pub position: f64,
    /// The jump of f' at τ: Σ |w1ᵢ|w2ᵢ over the merged neurons, so f'' = jump · δ(x − τ).
    pub jump: f64,
    /// g at the knot (0 outside [x_min, x_max]); for merged neurons the smallest of their
    /// values, which differ only when a data point sits within rounding of the knot.
    pub weight: f64,
    /// The neurons whose knots are here.
    pub neurons: Vec<usize>,
}

/// The two sides of neuron (w1, b1)'s knot among the data: the points below it and the points
/// above it, each as a tail seen from τ. Decided by the sign of the pre-activation.
fn knot_sides(xs: &[f64], w1: f64, b1: f64) -> (Tail, Tail) {
    let tau = -b1 / w1;
    let n = xs.len() as f64;
    let (mut below, mut above) = ((0usize, 0.0), (0usize, 0.0));
    for &x in xs {
        let z = w1 * x + b1;
        // x is above the knot when it is on the side where w1 x + b1 grows.
        let side = if z == 0.0 {
            continue;
        } else if (z > 0.0) == (w1 > 0.0) {
            &mut above
        } else {
            &mut below
        };
        side.0 += 1;
        side.1 += x;
    }
    let tail = |(count, sum): (usize, f64)| {
        if count == 0 {
            return Tail::EMPTY;
        }
        let mean = sum / count as f64;
        Tail { probability: count as f64 / n, mean, distance: (mean - tau).abs() }
    };
    (tail(below), tail(above))
}

/// min(g⁻(τ), g⁺(τ)) at the knot of neuron (w1, b1), w1 ≠ 0, with no restriction to the data's
/// range (line 9 of the chain).
fn knot_min_sides(xs: &[f64], w1: f64, b1: f64) -> f64 {
    let (below, above) = knot_sides(xs, w1, b1);
    one_sided_weight(below).min(one_sided_weight(above))
}

/// The knots of a ReLU network, sorted by position, coinciding ones merged, each with g at it
/// for the empirical law of `xs`. Neurons with w1ᵢ = 0 have none.
pub fn knots(net: &ShallowNet, theta: &[f64], xs: &[f64]) -> Vec<Knot> {
    let p = net.layout(theta);
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let with_knot: Vec<usize> = (0..net.width).filter(|&i| p.w1[i] != 0.0).collect();
    let taus: Vec<f64> = with_knot.iter().map(|&i| -p.b1[i] / p.w1[i]).collect();
    let single = crate::order::ascending(&taus).into_iter().map(|j| (taus[j], with_knot[j]));
    let mut out: Vec<Knot> = Vec::new();
    let mut previous = f64::NAN;
    for (tau, i) in single {
        let jump = p.w1[i].abs() * p.w2[i];
        let weight = if tau < lo || tau > hi { 0.0 } else { knot_min_sides(xs, p.w1[i], p.b1[i]) };
        match out.last_mut() {
            Some(knot) if tau - previous <= KNOT_MERGE_TOLERANCE * previous.abs().max(1.0) => {
                knot.jump += jump;
                knot.weight = knot.weight.min(weight);
                knot.neurons.push(i);
            }
            _ => out.push(Knot { position: tau, jump, weight, neurons: vec![i] }),
        }
        previous = tau;
    }
    out
}

/// ∫|f''(x)| g(x) dx for a ReLU network and the empirical law of the inputs `xs`: the sum over
/// the (merged) knots of |jump| · g(τ). This is the function-space quantity of Lemma 4 and of
/// the corollary ∫|f''| g ≤ 1/η − 1/2. Returns 0 for an empty `xs` (g is then 0) and NaN for a
/// network whose activation is not ReLU (its f'' is not a sum of point masses).
pub fn weighted_curvature(net: &ShallowNet, theta: &[f64], xs: &[f64]) -> f64 {
    if net.activation != Activation::Relu {
        return f64::NAN;
    }
    knots(net, theta, xs).iter().map(|k| k.jump.abs() * k.weight).sum()
}

/// Lemma 4's lower bound 1 + 2∫|f''| g on λ_max(ΦΦᵀ/n) at any θ, and on the sharpness
/// λ_max(∇²L(θ)) of an interpolating θ (where the Hessian is ΦΦᵀ/n). Compare it with 2/η: a
/// minimum GD with step size η can stay in has sharpness at most 2/η. NaN when the network is
/// not ReLU.
pub fn lemma4_lower_bound(net: &ShallowNet, theta: &[f64], xs: &[f64]) -> f64 {
    1.0 + 2.0 * weighted_curvature(net, theta, xs)
}

/// Every line of Lemma 4's proof evaluated at one θ. Line ℓ (counting from 1) is `lines[ℓ − 1]`;
/// each line is at least the next, and the equalities hold to rounding:
///
/// 1. λ_max(∇²L(θ)), the sharpness;
/// 2. = max over unit u of (1/n)‖Φu‖² = λ_max(ΦΦᵀ/n) (equal to line 1 at interpolation only);
/// 3. ≥ (1/n²)‖Φ𝟏‖² (u = 𝟏/√n);
/// 4. = 1 + (1/n²)Σᵢ[(Σⱼ xⱼIⱼᵢw2ᵢ)² + (Σⱼ Iⱼᵢw2ᵢ)² + (Σⱼ σ(w1ᵢxⱼ + b1ᵢ))²];
/// 5. = 1 + (1/n²)Σᵢ[w2ᵢ²((Σⱼ xⱼIⱼᵢ)² + (Σⱼ Iⱼᵢ)²) + (Σⱼ σ(·))²];
/// 6. ≥ 1 + (2/n²)Σᵢ|w2ᵢ| √((Σⱼ xⱼIⱼᵢ)² + (Σⱼ Iⱼᵢ)²) |Σⱼ σ(·)| (a² + b² ≥ 2ab);
/// 7. = 1 + 2Σᵢ|w2ᵢ| P(X∈Cᵢ)² √(E[X | X∈Cᵢ]² + 1) |E[w1ᵢX + b1ᵢ | X∈Cᵢ]| (Cᵢ the active set);
/// 8. ≥ 1 + 2Σᵢ|w1ᵢw2ᵢ| P(X∈Cᵢ)² √(E[X | X∈Cᵢ]² + 1) |E[X − τᵢ | X∈Cᵢ]| (equal when w1ᵢ ≠ 0);
/// 9. ≥ 1 + 2Σᵢ|w1ᵢw2ᵢ| min(g⁺(τᵢ), g⁻(τᵢ));
/// 10. ≥ 1 + 2∫|f''| g.
#[derive(Clone, Debug, PartialEq)]
pub struct Lemma4Chain {
    pub lines: [f64; CHAIN_LINES],
    /// Per neuron, its term in lines 3 to 9 (line ℓ = 1 + Σᵢ `neuron_terms[i][ℓ − 3]`). Line 3's
    /// term is read off Φ𝟏 itself, (1/n²) times the squares of the neuron's three entries of
    /// Φ𝟏, so that the identity 3 → 4 can be seen neuron by neuron.
    pub neuron_terms: Vec<[f64; NEURON_LINES]>,
    /// The knots behind line 10 (line 10 = 1 + 2Σ |jump| · weight).
    pub knots: Vec<Knot>,
}

impl Lemma4Chain {
    /// The chain at θ for a ReLU network; `hessian_top` = λ_max(∇²L(θ)) and
    /// `gauss_newton_top` = λ_max(ΦΦᵀ/n) come from the caller (dense or Lanczos, see
    /// [`hessian_top_dense`] and [`gauss_newton_top`]). Err for another activation or no data.
    pub fn evaluate(
        problem: &Regression,
        theta: &[f64],
        hessian_top: f64,
        gauss_newton_top: f64,
    ) -> Result<Self, String> {
        let net = &problem.net;
        if net.activation != Activation::Relu {
            return Err("Lemma 4 is about ReLU networks".into());
        }
        let xs = &problem.data.x;
        let n = xs.len();
        if n == 0 {
            return Err("Lemma 4 needs at least one data point".into());
        }
        let nf = n as f64;
        let inv_n2 = 1.0 / (nf * nf);
        // Line 3 straight from Φ𝟏 = Σⱼ ∇θ f(xⱼ), as a check on the expansion of lines 4 and 5.
        let dim = net.num_params();
        let (mut phi_one, mut grad) = (vec![0.0; dim], vec![0.0; dim]);
        for &x in xs {
            net.param_gradient(theta, x, &mut grad);
            for (s, g) in phi_one.iter_mut().zip(&grad) {
                *s += g;
            }
        }
        let line3 = phi_one.iter().map(|v| v * v).sum::<f64>() * inv_n2;
        let p = net.layout(theta);
        let k = net.width;
        let mut neuron_terms = Vec::with_capacity(k);
        for i in 0..k {
            let (w1, b1, w2) = (p.w1[i], p.b1[i], p.w2[i]);
            // The active set Cᵢ = {xⱼ : w1xⱼ + b1 > 0}: its size, Σx and Σ(w1x + b1) = Σσ.
            let (mut count, mut sum_x, mut sum_z) = (0usize, 0.0, 0.0);
            for &x in xs {
                let z = w1 * x + b1;
                if z > 0.0 {
                    count += 1;
                    sum_x += x;
                    sum_z += z;
                }
            }
            let m = count as f64;
            let t3 = (phi_one[i].powi(2) + phi_one[k + i].powi(2) + phi_one[2 * k + i].powi(2)) * inv_n2;
            let t4 = ((sum_x * w2).powi(2) + (m * w2).powi(2) + sum_z * sum_z) * inv_n2;
            let t5 = (w2 * w2 * (sum_x * sum_x + m * m) + sum_z * sum_z) * inv_n2;
            let t6 = 2.0 * w2.abs() * sum_x.hypot(m) * sum_z.abs() * inv_n2;
            let (t7, t8, t9) = if count == 0 {
                (0.0, 0.0, 0.0)
            } else {
                let (mean_x, mean_z) = (sum_x / m, sum_z / m);
                let probability = m / nf;
                let t7 = 2.0 * w2.abs() * probability * probability * (mean_x * mean_x + 1.0).sqrt() * mean_z.abs();
                if w1 == 0.0 {
                    // τ = 0 by convention; the factor |w1| makes both terms 0.
                    (t7, 0.0, 0.0)
                } else {
                    // The active set is the side of the knot where w1x + b1 grows: the same
                    // tail as in knot_sides, so line 9 ≤ line 8 holds exactly, term by term.
                    let (below, above) = knot_sides(xs, w1, b1);
                    let active = if w1 > 0.0 { above } else { below };
                    let scale = 2.0 * (w1 * w2).abs();
                    (t7, scale * one_sided_weight(active), scale * one_sided_weight(below).min(one_sided_weight(above)))
                }
            };
            neuron_terms.push([t3, t4, t5, t6, t7, t8, t9]);
        }
        let knots = knots(net, theta, xs);
        let mut lines = [0.0; CHAIN_LINES];
        lines[0] = hessian_top;
        lines[1] = gauss_newton_top;
        lines[2] = line3;
        // Line 3 keeps its value from all of Φ𝟏 (the b2 entry gives the 1); its neuron terms
        // are only for the picture.
        for (l, line) in lines[3..9].iter_mut().enumerate() {
            *line = 1.0 + neuron_terms.iter().map(|t| t[l + 1]).sum::<f64>();
        }
        lines[9] = 1.0 + 2.0 * knots.iter().map(|k| k.jump.abs() * k.weight).sum::<f64>();
        Ok(Self { lines, neuron_terms, knots })
    }
}

/// Data sets up to this size get the dense (Jacobi) decomposition of the Gram matrix; larger
/// ones Lanczos on it, since Jacobi costs O(n³) per sweep.
pub const DENSE_GRAM_MAX: usize = 64;

/// λ_max(ΦΦᵀ/n), from the n × n Gram matrix ΦᵀΦ/n, which has the same nonzero eigenvalues and is
/// the smaller of the two when the network has more parameters than data points: dense
/// (Jacobi) up to [`DENSE_GRAM_MAX`] points, Lanczos to 1e-12 relative beyond. None when θ is
/// not finite.
pub fn gauss_newton_top(problem: &Regression, theta: &[f64]) -> Option<f64> {
    let phi = problem.phi(theta);
    let n = problem.data.len();
    let gram: DMatrix<f64> = phi.transpose() * &phi / n as f64;
    if n <= DENSE_GRAM_MAX {
        return SymmetricEigen::new(&gram).map(|e| e.values[0]);
    }
    let start: Vec<f64> = (0..n).map(|j| 1.0 + (j % 7) as f64 * 0.1).collect();
    let mut ritz = Ritz::default();
    let rule = StopRule::Converged { tolerance: 1e-12, max_iter: n };
    let apply = |v: &[f64], out: &mut [f64]| {
        for (j, o) in out.iter_mut().enumerate() {
            *o = gram.row(j).iter().zip(v).map(|(a, b)| a * b).sum();
        }
    };
    Lanczos::new(n, n).run(1, &start, rule, apply, &mut ritz).then(|| ritz.values[0])
}

/// λ_max(∇²L(θ)) of the dense exact Hessian (Jacobi): the reference for Lanczos. None when θ
/// is not finite.
pub fn hessian_top_dense(problem: &Regression, theta: &[f64]) -> Option<f64> {
    SymmetricEigen::new(&problem.hessian_parts(theta).full()).map(|e| e.values[0])
}

/// The spectral norm of the residual part (1/n)Σⱼ rⱼ∇²f(xⱼ) of the Hessian of a ReLU network,
/// in closed form. With σ'' = 0 the part couples only (w1ᵢ, b1ᵢ) with w2ᵢ, in 3 × 3 blocks
/// [[0, 0, aᵢ], [0, 0, bᵢ], [aᵢ, bᵢ, 0]] with aᵢ = (1/n)Σⱼ rⱼIⱼᵢxⱼ and bᵢ = (1/n)Σⱼ rⱼIⱼᵢ, whose
/// eigenvalues are ±√(aᵢ² + bᵢ²) and 0. By Weyl's inequality the sharpness and λ_max(ΦΦᵀ/n)
/// differ by at most this much. NaN for another activation.
pub fn residual_part_norm(problem: &Regression, theta: &[f64]) -> f64 {
    let net = &problem.net;
    if net.activation != Activation::Relu {
        return f64::NAN;
    }
    let p = net.layout(theta);
    let residuals = problem.residuals(theta);
    let inv_n = 1.0 / problem.data.len() as f64;
    (0..net.width)
        .map(|i| {
            let (mut a, mut b) = (0.0, 0.0);
            for (&x, &r) in problem.data.x.iter().zip(&residuals) {
                if p.w1[i] * x + p.b1[i] > 0.0 {
                    a += r * x;
                    b += r;
                }
            }
            (a * inv_n).hypot(b * inv_n)
        })
        .fold(0.0, f64::max)
}

/// Whether a ReLU-network data set can be interpolated at all: None when it can, else the
/// first x that carries two different targets.
pub fn conflicting_duplicate(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let order = crate::order::ascending(xs);
    order.windows(2).find(|w| xs[w[0]] == xs[w[1]] && ys[w[0]] != ys[w[1]]).map(|w| xs[w[0]])
}

/// The targets the function-space figures fit, as functions of x (or no function at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// |x|: one kink, the least curved interpolant of its samples is close to it.
    Abs,
    /// sin(πx).
    Sine,
    /// x².
    Square,
    /// Independent standard normal labels: nothing to learn, everything to memorize.
    RandomLabels,
}

impl Target {
    /// The target at x; None for random labels.
    pub fn value(self, x: f64) -> Option<f64> {
        match self {
            Target::Abs => Some(x.abs()),
            Target::Sine => Some((std::f64::consts::PI * x).sin()),
            Target::Square => Some(x * x),
            Target::RandomLabels => None,
        }
    }
}

/// n inputs drawn from `law` and their targets, all from `rng` (inputs first).
pub fn sample_data(law: &Distribution, target: Target, n: usize, rng: &mut Rng) -> Data {
    let x: Vec<f64> = (0..n).map(|_| law.sample(rng)).collect();
    let y = x.iter().map(|&x| target.value(x).unwrap_or_else(|| normal(rng))).collect();
    Data { x, y }
}

/// A random θ with balanced neurons: w1ᵢ, b1ᵢ ~ N(0, scale²), w2ᵢ = ±√(w1ᵢ² + b1ᵢ²) with a
/// random sign, b2 = 0. Gradient flow conserves w2ᵢ² − w1ᵢ² − b1ᵢ² for every ReLU neuron (the
/// layers can trade scale only together), so a balanced start keeps the weights balanced,
/// which is where the Hessian's sharpness tracks the function rather than the
/// parameterization (rescaling a neuron changes the sharpness, not f).
pub fn balanced_init(width: usize, scale: f64, rng: &mut Rng) -> Vec<f64> {
    let mut theta = vec![0.0; 3 * width + 1];
    for i in 0..width {
        let (w1, b1) = (scale * normal(rng), scale * normal(rng));
        let sign = if normal(rng) < 0.0 { -1.0 } else { 1.0 };
        theta[i] = w1;
        theta[width + i] = b1;
        theta[2 * width + i] = sign * w1.hypot(b1);
    }
    theta
}

/// Like [`balanced_init`], but with the knots among the data: neuron i gets a knot drawn
/// uniformly inside gap i mod (m + 1) of the m + 1 gaps around the m distinct sorted inputs
/// (the first gap lies left of all of them, where the feature is linear on the data), so that
/// from k ≥ m neurons on every gap has a knot. Then the hidden features and the constant span
/// every function on the data and the output layer can interpolate (see
/// [`fit_output_layer`]); random knots, mostly far from the data, rarely allow it. Panics on
/// an empty `xs`.
pub fn knots_among(width: usize, scale: f64, xs: &[f64], rng: &mut Rng) -> Vec<f64> {
    let mut sorted = xs.to_vec();
    crate::order::sort_values(&mut sorted);
    sorted.dedup();
    let spread = (sorted[sorted.len() - 1] - sorted[0]).max(1.0);
    let mut gaps = vec![(sorted[0] - 0.25 * spread, sorted[0])];
    gaps.extend(sorted.windows(2).map(|w| (w[0], w[1])));
    let mut theta = vec![0.0; 3 * width + 1];
    for i in 0..width {
        let (a, b) = gaps[i % gaps.len()];
        let w1 = scale * normal(rng);
        let b1 = -w1 * super::rng::uniform(rng, a + 0.05 * (b - a), b - 0.05 * (b - a));
        let sign = if normal(rng) < 0.0 { -1.0 } else { 1.0 };
        theta[i] = w1;
        theta[width + i] = b1;
        theta[2 * width + i] = sign * w1.hypot(b1);
    }
    theta
}

/// θ with its output layer (w2, b2) replaced by the minimum-norm least-squares fit to the data
/// for the hidden layer of θ: the loss is linear least squares in (w2, b2), so when the hidden
/// features σ(w1ᵢxⱼ + b1ᵢ) and the constant span Rⁿ this interpolates exactly. None when the
/// decomposition fails (non-finite θ).
pub fn fit_output_layer(net: &ShallowNet, theta: &[f64], data: &Data) -> Option<Vec<f64>> {
    let k = net.width;
    let p = net.layout(theta);
    let features = DMatrix::from_fn(data.len(), k + 1, |j, i| {
        if i == k {
            1.0
        } else {
            net.activation.eval(p.w1[i] * data.x[j] + p.b1[i]).0
        }
    });
    let y = DMatrix::from_column_slice(data.len(), 1, &data.y);
    let scale = features.amax().max(1.0);
    let solution = features.svd(true, true).solve(&y, 1e-12 * scale).ok()?;
    let mut out = theta.to_vec();
    out[2 * k..].copy_from_slice(solution.as_slice());
    out.iter().all(|v| v.is_finite()).then_some(out)
}
