//! The central flow of Cohen, Damian, Talwalkar, Kolter and Lee ("Understanding Optimization in
//! Deep Learning with Central Flows", ICLR 2025): a differential equation for the time average
//! of gradient descent at the edge of stability.
//!
//! Let S(w) = λ_max(∇²L(w)) be the sharpness and u its unit eigenvector, so that (for a simple
//! top eigenvalue) ∇S(w) = ∇³L(w)[u, u, ·]. Below 2/η, GD follows gradient flow. Once S reaches
//! 2/η, GD oscillates along u with some variance σ², and the oscillation, through the cubic term
//! of the loss, pushes the mean iterate along −½σ²∇S. The central flow is the mean iterate:
//! dw/dt = −η[∇L(w) + ½σ²∇S(w)], with σ² ≥ 0 the one value that keeps S at 2/η, namely
//! σ² = max(0, −2⟨∇L, ∇S⟩/‖∇S‖²) (when gradient flow would lower S by itself, σ² = 0 and the
//! flow leaves the edge). Time t counts GD steps. The oscillation also raises the average loss:
//! GD's time-averaged loss is predicted to be L(w) + ½σ²S(w) = L(w) + σ²/η.
//!
//! In discrete time, with a flow step dt (a fraction of a GD step), σ² is chosen so that the
//! next flow step lands on S = 2/η to first order: S changes by −η·dt(⟨∇S, ∇L⟩ + ½σ²‖∇S‖²),
//! which gives σ² = max(0, 2[(S − 2/η)/(η·dt) − ⟨∇S, ∇L⟩]/‖∇S‖²). The one formula is gradient
//! flow while the flow would stay below 2/η, lands on 2/η when gradient flow would overshoot it,
//! and pulls S back when rounding or the second-order terms have moved it off.
//!
//! When k top eigenvalues (up to [`MAX_EDGE`]) are at 2/η, the oscillation lives in their
//! eigenspace U = [u₁ … u_k] with a k × k covariance Σ ⪰ 0, and the flow is
//! dw/dt = −η[∇L + ½ Σ_ab Σ_ab ∇³L[u_a, u_b, ·]]. Σ must keep UᵀHU ⪯ (2/η)I, and may be
//! nonzero only where the constraint is tight: ⟨Σ, (2/η)I − UᵀHU⟩ = 0. In discrete time the
//! first-order change of (UᵀHU)_ab over dt is −η·dt(⟨T_ab, ∇L⟩ + ½ Σ_cd Σ_cd ⟨T_ab, T_cd⟩)
//! with T_ab = ∇³L[u_a, u_b, ·], so Σ solves a small semidefinite complementarity problem:
//! Σ ⪰ 0, Y = 𝒢(Σ) + B ⪰ 0, ⟨Σ, Y⟩ = 0 with 𝒢 the Gram operator of the T_ab, which is the
//! optimality condition of a convex quadratic program over the positive semidefinite cone
//! ([`solve_edge`]). The mixed T_ab come from the curvature gradient by polarization:
//! ∇³L[u_a + u_b, u_a + u_b, ·] = T_aa + 2T_ab + T_bb, one more curvature gradient per pair.
//! The predicted average loss is then L + tr(Σ)/η, with Σ the variance that holds the edge
//! eigenvalues where they are: the part of the discrete Σ that pulls an eigenvalue from above
//! 2/η back onto it is a projection (a start above 2/η, a step's truncation error) and is left
//! out of the prediction.
//!
//! Which eigenvalues take part: the top ones (at most [`MAX_EDGE`]) within [`EDGE_BAND`] of
//! 2/η or above it. An eigenvalue just below the band can rise past 2/η within one flow step;
//! it joins at the next and is pulled back. When no eigenvalue is in the band the flow is
//! gradient flow and skips the third derivatives.
//!
//! Symmetric k × k matrices are handled as vectors of their k(k + 1)/2 free entries, the
//! diagonal first and the off-diagonal entries weighted by √2 ("svec"), so that ⟨Σ, Y⟩ is the
//! dot product of the vectors and 𝒢 is the Gram matrix of the correspondingly weighted T_ab.

use super::datasets::Dataset;
use super::kernels::{Baseline, Isa};
use super::lanczos::{Restart, StopRule, TopEigenpairs};
use super::mlp::Mlp;
use super::numbers::{Numbers, Reader};
use super::trainer::{descend, Schedule};

/// The most eigenvalues the flow holds at 2/η at once.
pub const MAX_EDGE: usize = 3;
/// Free entries of a symmetric MAX_EDGE × MAX_EDGE matrix.
pub const MAX_ENTRIES: usize = MAX_EDGE * (MAX_EDGE + 1) / 2;
/// An eigenvalue takes part in the flow's constraint from (1 − EDGE_BAND)·2/η on: wide enough
/// that one flow step of gradient flow rarely carries an eigenvalue from below the band past 2/η.
pub const EDGE_BAND: f64 = 1e-2;
/// The relative accuracy of the Lanczos eigenvalues, well below the flow's own truncation error.
const LANCZOS_TOLERANCE: f64 = 1e-10;
const LANCZOS_MAX_ITER: usize = 150;

/// The free entries of a symmetric k × k matrix: the diagonal, then (0, 1), (0, 2), (1, 2).
pub fn entries(k: usize) -> usize {
    k * (k + 1) / 2
}

/// Row and column of free entry `p` of a symmetric k × k matrix (k ≤ [`MAX_EDGE`]).
pub fn entry_position(k: usize, p: usize) -> (usize, usize) {
    const OFF_DIAGONAL: [(usize, usize); 3] = [(0, 1), (0, 2), (1, 2)];
    if p < k {
        (p, p)
    } else {
        // Only the pairs within k: for k = 2 that is (0, 1) alone.
        OFF_DIAGONAL.iter().copied().filter(|&(_, b)| b < k).nth(p - k).expect("entry within the matrix")
    }
}

/// The weight of entry `p` in svec: 1 on the diagonal, √2 off it.
fn entry_weight(k: usize, p: usize) -> f64 {
    if p < k {
        1.0
    } else {
        std::f64::consts::SQRT_2
    }
}

/// A symmetric k × k matrix from its svec (row-major, k ≤ 3).
pub fn unpack(k: usize, v: &[f64]) -> [f64; 9] {
    let mut m = [0.0; 9];
    for (p, &value) in v.iter().enumerate().take(entries(k)) {
        let (a, b) = entry_position(k, p);
        let entry = value / entry_weight(k, p);
        m[a * k + b] = entry;
        m[b * k + a] = entry;
    }
    m
}

/// The svec of a symmetric k × k matrix (row-major).
fn pack(k: usize, m: &[f64; 9], out: &mut [f64]) {
    for (p, value) in out.iter_mut().enumerate().take(entries(k)) {
        let (a, b) = entry_position(k, p);
        *value = entry_weight(k, p) * 0.5 * (m[a * k + b] + m[b * k + a]);
    }
}

/// The product of two k × k matrices.
fn multiply(k: usize, a: &[f64; 9], b: &[f64; 9]) -> [f64; 9] {
    let mut c = [0.0; 9];
    for i in 0..k {
        for j in 0..k {
            c[i * k + j] = (0..k).map(|l| a[i * k + l] * b[l * k + j]).sum();
        }
    }
    c
}

/// Whether a symmetric k × k matrix is positive definite: its Cholesky factorization succeeds.
fn is_positive_definite(k: usize, m: &[f64; 9]) -> bool {
    let mut l = [0.0; 9];
    for j in 0..k {
        let pivot = m[j * k + j] - (0..j).map(|c| l[j * k + c] * l[j * k + c]).sum::<f64>();
        if pivot.is_nan() || pivot <= 0.0 {
            return false;
        }
        l[j * k + j] = pivot.sqrt();
        for i in j + 1..k {
            l[i * k + j] = (m[i * k + j] - (0..j).map(|c| l[i * k + c] * l[j * k + c]).sum::<f64>()) / l[j * k + j];
        }
    }
    true
}

/// x with A x = rhs, A n × n row-major (n ≤ [`MAX_ENTRIES`]), by Gaussian elimination with
/// partial pivoting; None when A is singular.
fn solve_linear(n: usize, a: &[f64; MAX_ENTRIES * MAX_ENTRIES], rhs: &[f64]) -> Option<[f64; MAX_ENTRIES]> {
    let mut m = *a;
    let mut x = [0.0; MAX_ENTRIES];
    x[..n].copy_from_slice(&rhs[..n]);
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))?;
        let size = m[pivot * n + col].abs();
        if size.is_nan() || size == 0.0 {
            return None;
        }
        for c in 0..n {
            m.swap(col * n + c, pivot * n + c);
        }
        x.swap(col, pivot);
        for row in col + 1..n {
            let factor = m[row * n + col] / m[col * n + col];
            for c in col..n {
                m[row * n + c] -= factor * m[col * n + c];
            }
            x[row] -= factor * x[col];
        }
    }
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|c| m[row * n + c] * x[c]).sum();
        x[row] = (x[row] - tail) / m[row * n + row];
    }
    x[..n].iter().all(|v| v.is_finite()).then_some(x)
}

/// The inverse of a positive definite k × k matrix.
fn inverse(k: usize, m: &[f64; 9]) -> Option<[f64; 9]> {
    let mut a = [0.0; MAX_ENTRIES * MAX_ENTRIES];
    for i in 0..k {
        a[i * k..i * k + k].copy_from_slice(&m[i * k..i * k + k]);
    }
    let mut inv = [0.0; 9];
    for j in 0..k {
        let mut e = [0.0; MAX_EDGE];
        e[j] = 1.0;
        let column = solve_linear(k, &a, &e)?;
        for i in 0..k {
            inv[i * k + j] = column[i];
        }
    }
    Some(inv)
}

/// Interior-point iterations: each gains digits superlinearly, so far fewer always suffice for a
/// solvable problem.
const SOLVER_MAX_ITER: usize = 200;
/// The relative accuracy the solver stops at: complementarity and feasibility to rounding.
const SOLVER_TOLERANCE: f64 = 1e-13;
/// The relative accuracy at which an iteration that stalls (rounding, in nearly singular
/// problems) still counts as solved.
const SOLVER_ACCEPTANCE: f64 = 1e-10;

/// The semidefinite complementarity problem of the flow: for k ≤ [`MAX_EDGE`], the symmetric
/// k × k matrix Σ ⪰ 0 with Y = 𝒢(Σ) + B ⪰ 0 and ⟨Σ, Y⟩ = 0, in svec coordinates: `gram` is 𝒢
/// (entries(k) × entries(k), row-major, symmetric positive semidefinite) and `linear` is B. It
/// is the optimality condition of min over Σ ⪰ 0 of ½⟨Σ, 𝒢Σ⟩ + ⟨B, Σ⟩, solved by a
/// primal-dual interior-point method (Helmberg–Kojima–Monteiro direction, Mehrotra's centering)
/// to a relative 1e-13 (1e-10 for nearly singular 𝒢, where rounding stalls it). Returns svec(Σ);
/// None when no such Σ exists (B not ⪰ 0 where 𝒢 vanishes) or the input is not finite.
pub fn solve_edge(k: usize, gram: &[f64], linear: &[f64]) -> Option<[f64; MAX_ENTRIES]> {
    let n = entries(k);
    assert!((1..=MAX_EDGE).contains(&k), "the edge problem has 1 to {MAX_EDGE} eigenvalues, got {k}");
    assert!(gram.len() >= n * n && linear.len() >= n, "the edge problem's 𝒢 or B is too short");
    if !gram[..n * n].iter().chain(&linear[..n]).all(|v| v.is_finite()) {
        return None;
    }
    // Scaled so that 𝒢's largest diagonal entry is 1: Σ is unchanged, Y scales.
    let scale = (0..n).map(|p| gram[p * n + p]).fold(0.0f64, f64::max);
    if scale == 0.0 {
        // 𝒢 = 0: Y = B whatever Σ is, so Σ = 0 if B ⪰ 0 and nothing otherwise.
        let b = unpack(k, linear);
        let shifted = shift(k, &b, 1e-300);
        return is_positive_definite(k, &shifted).then_some([0.0; MAX_ENTRIES]);
    }
    let mut g = [0.0; MAX_ENTRIES * MAX_ENTRIES];
    let mut b = [0.0; MAX_ENTRIES];
    for p in 0..n * n {
        g[p] = gram[p] / scale;
    }
    for p in 0..n {
        b[p] = linear[p] / scale;
    }
    let b_norm = norm(&b[..n]);
    let start = b_norm.max(1.0);
    let mut sigma = [0.0; 9];
    let mut y = [0.0; 9];
    for i in 0..k {
        sigma[i * k + i] = start;
        y[i * k + i] = start;
    }
    let mut sigma_vec = [0.0; MAX_ENTRIES];
    let mut y_vec = [0.0; MAX_ENTRIES];
    // The most accurate iterate so far, by the larger of its relative complementarity and
    // relative residual: near-singular problems stall at a rounding floor above
    // SOLVER_TOLERANCE, and their best iterate is then the answer.
    let mut best = (f64::INFINITY, [0.0; MAX_ENTRIES]);
    for _ in 0..SOLVER_MAX_ITER {
        pack(k, &sigma, &mut sigma_vec);
        pack(k, &y, &mut y_vec);
        let g_sigma = apply(n, &g, &sigma_vec);
        let mut residual = [0.0; MAX_ENTRIES];
        for p in 0..n {
            residual[p] = g_sigma[p] + b[p] - y_vec[p];
        }
        let gap = Baseline::dot(&sigma_vec[..n], &y_vec[..n]);
        let sigma_norm = norm(&sigma_vec[..n]);
        let y_scale = b_norm.max(norm(&g_sigma[..n])).max(f64::MIN_POSITIVE);
        let sigma_scale = y_scale.max(sigma_norm);
        // 𝒢Σ is formed from terms up to ‖Σ‖ in size (𝒢's entries are at most 1), which may
        // cancel: its rounding error is relative to ‖B‖ + ‖Σ‖, not to ‖𝒢Σ + B‖.
        let residual_scale = b_norm + sigma_norm;
        let error = (gap / (y_scale * sigma_scale)).max(norm(&residual[..n]) / residual_scale);
        if error < best.0 {
            best = (error, sigma_vec);
        }
        if error <= SOLVER_TOLERANCE {
            return Some(sigma_vec);
        }
        if sigma_scale.is_nan() || sigma_scale >= 1e15 * start {
            return None; // Σ grows without bound: no solution.
        }
        let Some(y_inverse) = inverse(k, &y) else { break };
        // The Newton system (I + 𝒦𝒢)ΔΣ = μY⁻¹ − Σ − 𝒦(R), 𝒦(X) = sym(Σ X Y⁻¹).
        let hkm = |x: &[f64]| {
            let product = multiply(k, &multiply(k, &sigma, &unpack(k, x)), &y_inverse);
            let mut out = [0.0; MAX_ENTRIES];
            pack(k, &product, &mut out);
            out
        };
        let mut system = [0.0; MAX_ENTRIES * MAX_ENTRIES];
        for j in 0..n {
            let column = hkm(&g[j * n..j * n + n]); // 𝒢 is symmetric: its row j is its column j.
            for i in 0..n {
                system[i * n + j] = column[i] + if i == j { 1.0 } else { 0.0 };
            }
        }
        let k_residual = hkm(&residual);
        let direction = |mu: f64| {
            let mut target = [0.0; 9];
            for (t, (&yi, &s)) in target.iter_mut().zip(y_inverse.iter().zip(&sigma)) {
                *t = mu * yi - s;
            }
            let mut rhs = [0.0; MAX_ENTRIES];
            pack(k, &target, &mut rhs);
            for p in 0..n {
                rhs[p] -= k_residual[p];
            }
            let d_sigma = solve_linear(n, &system, &rhs)?;
            let mut d_y = apply(n, &g, &d_sigma);
            for p in 0..n {
                d_y[p] += residual[p];
            }
            Some((unpack(k, &d_sigma), unpack(k, &d_y)))
        };
        let mu = gap / k as f64;
        let Some((affine_sigma, affine_y)) = direction(0.0) else { break };
        let affine_step = step_length(k, &sigma, &affine_sigma, &y, &affine_y);
        let affine_gap = gap_after(k, &sigma, &affine_sigma, &y, &affine_y, affine_step);
        let centering = (affine_gap / gap).clamp(0.0, 1.0).powi(3);
        let Some((d_sigma, d_y)) = direction(centering * mu) else { break };
        let step = step_length(k, &sigma, &d_sigma, &y, &d_y);
        for i in 0..k * k {
            sigma[i] += step * d_sigma[i];
            y[i] += step * d_y[i];
        }
    }
    (best.0 <= SOLVER_ACCEPTANCE).then_some(best.1)
}

/// m + εI.
fn shift(k: usize, m: &[f64; 9], epsilon: f64) -> [f64; 9] {
    let mut out = *m;
    for i in 0..k {
        out[i * k + i] += epsilon;
    }
    out
}

fn norm(v: &[f64]) -> f64 {
    Baseline::dot(v, v).sqrt()
}

/// 𝒢x for 𝒢 n × n row-major.
fn apply(n: usize, g: &[f64; MAX_ENTRIES * MAX_ENTRIES], x: &[f64]) -> [f64; MAX_ENTRIES] {
    let mut out = [0.0; MAX_ENTRIES];
    for (i, o) in out.iter_mut().enumerate().take(n) {
        *o = Baseline::dot(&g[i * n..i * n + n], &x[..n]);
    }
    out
}

/// ⟨Σ + αΔΣ, Y + αΔY⟩.
fn gap_after(k: usize, sigma: &[f64; 9], d_sigma: &[f64; 9], y: &[f64; 9], d_y: &[f64; 9], alpha: f64) -> f64 {
    (0..k * k).map(|i| (sigma[i] + alpha * d_sigma[i]) * (y[i] + alpha * d_y[i])).sum()
}

/// The step along (ΔΣ, ΔY) that keeps both matrices positive definite: at most the full step
/// and at most [`STEP_FRACTION`] of the distance to the boundary (found by bisection; the cone
/// is convex, so the feasible steps form an interval).
fn step_length(k: usize, sigma: &[f64; 9], d_sigma: &[f64; 9], y: &[f64; 9], d_y: &[f64; 9]) -> f64 {
    let inside = |alpha: f64| {
        let moved = |m: &[f64; 9], d: &[f64; 9]| std::array::from_fn::<f64, 9, _>(|i| m[i] + alpha * d[i]);
        is_positive_definite(k, &moved(sigma, d_sigma)) && is_positive_definite(k, &moved(y, d_y))
    };
    let reach = 1.0 / STEP_FRACTION;
    if inside(reach) {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0, reach);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if inside(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    STEP_FRACTION * lo
}

/// The share of the way to the boundary of the cone an interior-point step goes at most.
const STEP_FRACTION: f64 = 0.98;

/// Why a central flow stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FlowStop {
    /// The loss or its gradient stopped being finite at this GD step.
    NotFinite { step: usize },
    /// Lanczos failed on the Hessian at this step.
    NoEigenvalues { step: usize },
    /// The sharpness had to be held at 2/η but its gradient vanishes (k = 1), or no oscillation
    /// covariance holds the edge eigenvalues there (k > 1).
    EdgeUnreachable { step: usize, edge_count: usize },
}

impl std::fmt::Display for FlowStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            FlowStop::NotFinite { step } => {
                write!(f, "the loss or its gradient is not finite at step {step}: the flow diverged")
            }
            FlowStop::NoEigenvalues { step } => write!(f, "the top eigenvalues of the Hessian failed at step {step}"),
            FlowStop::EdgeUnreachable { step, edge_count: 1 } => write!(
                f,
                "at step {step} the sharpness must be held at 2/η but its gradient vanishes, so no oscillation can hold it"
            ),
            FlowStop::EdgeUnreachable { step, edge_count } => write!(
                f,
                "at step {step} no oscillation covariance holds the {edge_count} eigenvalues at 2/η (their curvature gradients are degenerate)"
            ),
        }
    }
}

impl FlowStop {
    /// Writes the reason as three numbers: its kind (1 not finite, 2 no eigenvalues, 3 edge
    /// unreachable), its step and its edge count (0 where it has none).
    pub fn write(&self, out: &mut Numbers) {
        let (kind, step, edge_count) = match *self {
            FlowStop::NotFinite { step } => (1, step, 0),
            FlowStop::NoEigenvalues { step } => (2, step, 0),
            FlowStop::EdgeUnreachable { step, edge_count } => (3, step, edge_count),
        };
        for count in [kind, step, edge_count] {
            out.count(count);
        }
    }

    /// The reason [`FlowStop::write`] wrote; None for numbers it cannot have written.
    pub fn read(numbers: &mut Reader<'_>) -> Option<Self> {
        let (kind, step, edge_count) = (numbers.count()?, numbers.count()?, numbers.count()?);
        match kind {
            1 => Some(FlowStop::NotFinite { step }),
            2 => Some(FlowStop::NoEigenvalues { step }),
            3 => Some(FlowStop::EdgeUnreachable { step, edge_count }),
            _ => None,
        }
    }
}

/// The flow over one GD step: its state at the start, and the oscillation over the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowRecord {
    /// GD steps from the start (flow time).
    pub step: usize,
    /// L(w) of the flow's iterate.
    pub loss: f64,
    /// S(w), the top Hessian eigenvalue.
    pub sharpness: f64,
    /// tr(Σ), the total variance of GD's oscillation (σ² when k = 1; 0 below the edge),
    /// averaged over the step's flow steps. It leaves out the part of the flow's Σ that pulls
    /// an eigenvalue above 2/η back onto it: at a start above 2/η that part is a projection
    /// onto the edge, not an oscillation (at the edge it is at rounding level).
    pub variance: f64,
    /// k, the most eigenvalues within the edge band at any of the step's flow steps (0 below
    /// it).
    pub edge_count: usize,
    /// L(w) + tr(Σ)/η: GD's time-averaged loss as the flow predicts it.
    pub predicted_loss: f64,
}

impl FlowRecord {
    /// How many numbers [`FlowRecord::write`] writes.
    pub const NUMBERS: usize = 6;

    pub fn write(&self, out: &mut Numbers) {
        out.count(self.step);
        out.values(&[self.loss, self.sharpness, self.variance]);
        out.count(self.edge_count);
        out.value(self.predicted_loss);
    }

    /// The record [`FlowRecord::write`] wrote; None for numbers it cannot have written.
    pub fn read(numbers: &mut Reader<'_>) -> Option<Self> {
        let step = numbers.count()?;
        let &[loss, sharpness, variance] = numbers.values(3)? else { return None };
        let (edge_count, predicted_loss) = (numbers.count()?, numbers.value()?);
        Some(Self { step, loss, sharpness, variance, edge_count, predicted_loss })
    }
}

/// The central flow of an [`Mlp`] on a [`Dataset`] under a step-size schedule, integrated with
/// `substeps` explicit Euler steps per GD step. Every buffer is sized at construction.
#[derive(Clone, Debug)]
pub struct CentralFlow {
    mlp: Mlp,
    data: Dataset,
    theta: Vec<f64>,
    gradient: Vec<f64>,
    /// The flow's direction ∇L + ½ Σ_p σ_p t_p.
    direction: Vec<f64>,
    /// t_p, the svec-weighted ∇³L[u_a, u_b, ·] of the edge eigenvectors.
    third: Vec<Vec<f64>>,
    /// u_a + u_b, for polarization.
    probe: Vec<f64>,
    eigen: TopEigenpairs,
    schedule: Schedule,
    substeps: usize,
    step: usize,
    records: Vec<FlowRecord>,
}

/// One flow step's measurements at its starting point.
struct Measured {
    loss: f64,
    sharpness: f64,
    variance: f64,
    edge_count: usize,
}

impl CentralFlow {
    /// The flow from `theta` with `substeps` flow steps per GD step and `start` the first
    /// Lanczos start vector. Err, saying what is wrong, when θ or the start vector has the
    /// wrong length or is not finite, the start vector is zero, the data do not fit the
    /// network, a step size is not positive and finite, or substeps is 0.
    pub fn new(
        mlp: Mlp,
        data: Dataset,
        theta: Vec<f64>,
        schedule: Schedule,
        substeps: usize,
        start: Vec<f64>,
    ) -> Result<Self, String> {
        let p = mlp.num_params();
        let arch = mlp.architecture();
        if data.input_dim != arch.input_dim || data.output_dim != arch.output_dim {
            return Err(format!(
                "the data have {} inputs and {} outputs, the network {} and {}",
                data.input_dim, data.output_dim, arch.input_dim, arch.output_dim
            ));
        }
        if theta.len() != p || start.len() != p {
            return Err(format!(
                "the network has {p} parameters; θ has {} and the start vector {}",
                theta.len(),
                start.len()
            ));
        }
        if !theta.iter().all(|v| v.is_finite()) {
            return Err("θ has a value that is not a finite number".into());
        }
        if !start.iter().all(|v| v.is_finite()) || start.iter().all(|&v| v == 0.0) {
            return Err("the Lanczos start vector must be finite and nonzero".into());
        }
        for eta in [schedule.eta, schedule.eta_after] {
            if !(eta.is_finite() && eta > 0.0) {
                return Err(format!("step sizes must be positive and finite, got {eta}"));
            }
        }
        if substeps == 0 {
            return Err("the flow needs at least one flow step per GD step".into());
        }
        let rule = StopRule::Converged { tolerance: LANCZOS_TOLERANCE, max_iter: LANCZOS_MAX_ITER };
        Ok(Self {
            eigen: TopEigenpairs::new(start, rule, Restart::Warm, MAX_EDGE),
            gradient: vec![0.0; p],
            direction: vec![0.0; p],
            third: vec![vec![0.0; p]; MAX_ENTRIES],
            probe: vec![0.0; p],
            mlp,
            data,
            theta,
            schedule,
            substeps,
            step: 0,
            records: Vec::new(),
        })
    }

    /// The flow's iterate w.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// GD steps integrated so far.
    pub fn step(&self) -> usize {
        self.step
    }

    /// One record per GD step integrated, at the start of that step.
    pub fn records(&self) -> &[FlowRecord] {
        &self.records
    }

    /// Takes the records of a copy of this flow integrated elsewhere (in a worker), after
    /// those this flow holds. A flow that follows another is not advanced itself.
    pub fn follow(&mut self, records: Vec<FlowRecord>) {
        self.records.extend(records);
        self.step = self.records.len();
    }

    /// Integrates `steps` more GD steps of flow time, recording each. Stops early, with the
    /// reason, when the flow cannot go on; the records up to then stay.
    pub fn advance(&mut self, steps: usize) -> Result<(), FlowStop> {
        self.records.reserve(steps);
        let dt = 1.0 / self.substeps as f64;
        for _ in 0..steps {
            let eta = self.schedule.at(self.step);
            let start = self.flow_step(eta, dt)?;
            let mut variance = start.variance;
            let mut edge_count = start.edge_count;
            for _ in 1..self.substeps {
                let measured = self.flow_step(eta, dt)?;
                variance += measured.variance;
                edge_count = edge_count.max(measured.edge_count);
            }
            let variance = variance / self.substeps as f64;
            self.records.push(FlowRecord {
                step: self.step,
                loss: start.loss,
                sharpness: start.sharpness,
                variance,
                edge_count,
                predicted_loss: start.loss + variance / eta,
            });
            self.step += 1;
        }
        Ok(())
    }

    /// One Euler step of length dt (in GD steps) at step size η.
    fn flow_step(&mut self, eta: f64, dt: f64) -> Result<Measured, FlowStop> {
        let step = self.step;
        let Self { mlp, data, theta, gradient, direction, third, probe, eigen, .. } = self;
        let loss = mlp.loss_and_gradient(theta, data, None, gradient);
        if !(loss.is_finite() && gradient.iter().all(|g| g.is_finite())) {
            return Err(FlowStop::NotFinite { step });
        }
        let ritz = eigen
            .measure(|v, out| mlp.hessian_vec(theta, data, None, v, out))
            .ok_or(FlowStop::NoEigenvalues { step })?;
        let edge = 2.0 / eta;
        let sharpness = ritz.values[0];
        let k = ritz.values.iter().take(MAX_EDGE).take_while(|&&value| value >= (1.0 - EDGE_BAND) * edge).count();
        direction.copy_from_slice(gradient);
        if k == 0 {
            descend(theta, eta * dt, direction);
            return Ok(Measured { loss, sharpness, variance: 0.0, edge_count: 0 });
        }
        let n = entries(k);
        for (u, out) in ritz.vectors.iter().zip(third.iter_mut()).take(k) {
            mlp.curvature_gradient(theta, data, u, out);
        }
        for p in k..n {
            let (a, b) = entry_position(k, p);
            for ((s, &ua), &ub) in probe.iter_mut().zip(&ritz.vectors[a]).zip(&ritz.vectors[b]) {
                *s = ua + ub;
            }
            let (diagonal, rest) = third.split_at_mut(k);
            let mixed = &mut rest[p - k];
            mlp.curvature_gradient(theta, data, probe, mixed);
            for ((t, &ta), &tb) in mixed.iter_mut().zip(&diagonal[a]).zip(&diagonal[b]) {
                *t = (*t - ta - tb) / std::f64::consts::SQRT_2;
            }
        }
        // 𝒢 and B in svec coordinates; UᵀHU is diagonal (the Ritz values). `held` is B without
        // the part that pulls an eigenvalue above 2/η back down (negative slack): its Σ is the
        // oscillation that holds the eigenvalues where they are, which is what GD's loss
        // carries; the pull-back is a projection onto the edge (at a start above 2/η, or
        // against the truncation error of a step), not an oscillation.
        let mut gram = [0.0; MAX_ENTRIES * MAX_ENTRIES];
        let mut linear = [0.0; MAX_ENTRIES];
        let mut held = [0.0; MAX_ENTRIES];
        for p in 0..n {
            for q in 0..=p {
                let value = Baseline::dot(&third[p], &third[q]);
                gram[p * n + q] = value;
                gram[q * n + p] = value;
            }
            let slack = if p < k { edge - ritz.values[p] } else { 0.0 };
            let drift = Baseline::dot(&third[p], gradient);
            linear[p] = 2.0 * (slack / (eta * dt) + drift);
            held[p] = 2.0 * (slack.max(0.0) / (eta * dt) + drift);
        }
        let unreachable = FlowStop::EdgeUnreachable { step, edge_count: k };
        let solve = |linear: &[f64; MAX_ENTRIES]| {
            if k > 1 {
                return solve_edge(k, &gram, linear);
            }
            let mut sigma = [0.0; MAX_ENTRIES];
            if linear[0] < 0.0 {
                // σ² = −B/‖∇S‖², the closed form.
                sigma[0] = -linear[0] / gram[0];
                if !(gram[0] > f64::MIN_POSITIVE && sigma[0].is_finite()) {
                    return None;
                }
            }
            Some(sigma)
        };
        let sigma = solve(&linear).ok_or(unreachable)?;
        // B_held ⪰ B, so Σ above is feasible for it and it has a solution too.
        let variance = solve(&held).ok_or(unreachable)?[..k].iter().sum();
        for (p, &s) in sigma.iter().enumerate().take(n) {
            for (d, &t) in direction.iter_mut().zip(&third[p]) {
                *d += 0.5 * s * t;
            }
        }
        if !direction.iter().all(|d| d.is_finite()) {
            return Err(FlowStop::NotFinite { step });
        }
        descend(theta, eta * dt, direction);
        Ok(Measured { loss, sharpness, variance, edge_count: k })
    }
}

/// GD and the central flow run side by side from the same start, compared over the flow's
/// edge-of-stability phase: from the first step at which the flow's oscillation variance is
/// positive to the end. The flow predicts GD's average, not its every step, so the means are
/// what is compared.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowComparison {
    /// GD's L(θ_t), t = 0 .. steps − 1.
    pub gd_losses: Vec<f64>,
    /// The flow's record at every step t.
    pub flow: Vec<FlowRecord>,
    /// The first step with tr(Σ) > 0.
    pub edge_start: usize,
    /// Over the edge phase: GD's mean loss, spikes included.
    pub mean_gd_loss: f64,
    /// Over the edge phase: the mean of L(w) + tr(Σ)/η.
    pub mean_predicted: f64,
    /// Over the edge phase: the mean of the flow's own L(w).
    pub mean_flow_loss: f64,
    /// |mean_predicted − mean_gd_loss| / mean_gd_loss.
    pub relative_error: f64,
}

/// One window of consecutive steps of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowComparison {
    pub start: usize,
    pub mean_gd_loss: f64,
    /// GD's largest loss in the window over its mean: large when the window holds a spike.
    pub peak_ratio: f64,
    pub mean_predicted: f64,
    pub mean_flow_loss: f64,
}

impl WindowComparison {
    /// |mean predicted − mean GD loss| / mean GD loss.
    pub fn relative_error(&self) -> f64 {
        (self.mean_predicted - self.mean_gd_loss).abs() / self.mean_gd_loss
    }

    /// |mean flow loss − mean GD loss| / mean GD loss.
    pub fn flow_loss_error(&self) -> f64 {
        (self.mean_flow_loss - self.mean_gd_loss).abs() / self.mean_gd_loss
    }
}

impl FlowComparison {
    /// The edge phase cut into consecutive windows of `width` steps (a shorter tail dropped).
    pub fn windows(&self, width: usize) -> Vec<WindowComparison> {
        let width = width.max(1);
        let steps = self.gd_losses.len();
        (self.edge_start..steps)
            .step_by(width)
            .filter(|start| start + width <= steps)
            .map(|start| {
                let gd = &self.gd_losses[start..start + width];
                let flow = &self.flow[start..start + width];
                let mean_gd_loss = mean(gd.iter().copied());
                WindowComparison {
                    start,
                    mean_gd_loss,
                    peak_ratio: gd.iter().copied().fold(0.0, f64::max) / mean_gd_loss,
                    mean_predicted: mean(flow.iter().map(|r| r.predicted_loss)),
                    mean_flow_loss: mean(flow.iter().map(|r| r.loss)),
                }
            })
            .collect()
    }
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let count = values.len() as f64;
    values.sum::<f64>() / count
}

/// Runs full-batch GD on `schedule` and the central flow (`substeps` per GD step, Lanczos from
/// `start`) for `steps` steps from `theta0`, and compares them over the flow's edge phase. Err
/// with a message when the flow stops, GD diverges, or the flow never reaches the edge.
pub fn compare_with_gd(
    mlp: Mlp,
    data: Dataset,
    theta0: Vec<f64>,
    schedule: Schedule,
    substeps: usize,
    start: Vec<f64>,
    steps: usize,
) -> Result<FlowComparison, String> {
    let mut gd = mlp.clone();
    let mut theta = theta0.clone();
    let mut gradient = vec![0.0; theta.len()];
    let mut gd_losses = Vec::with_capacity(steps);
    let mut flow = CentralFlow::new(mlp, data, theta0, schedule, substeps, start)?;
    for t in 0..steps {
        let loss = gd.loss_and_gradient(&theta, &flow.data, None, &mut gradient);
        if !loss.is_finite() {
            return Err(format!("GD diverged at step {t}"));
        }
        gd_losses.push(loss);
        descend(&mut theta, schedule.at(t), &gradient);
    }
    flow.advance(steps).map_err(|stop| stop.to_string())?;
    let records = flow.records;
    let edge_start = records
        .iter()
        .position(|r| r.variance > 0.0)
        .ok_or_else(|| format!("the flow never reached the edge of stability in {steps} steps"))?;
    let mean_gd_loss = mean(gd_losses[edge_start..].iter().copied());
    let mean_predicted = mean(records[edge_start..].iter().map(|r| r.predicted_loss));
    let mean_flow_loss = mean(records[edge_start..].iter().map(|r| r.loss));
    Ok(FlowComparison {
        gd_losses,
        flow: records,
        edge_start,
        mean_gd_loss,
        mean_predicted,
        mean_flow_loss,
        relative_error: (mean_predicted - mean_gd_loss).abs() / mean_gd_loss,
    })
}
