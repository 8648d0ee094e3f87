//! Top eigenpairs of a symmetric operator by Lanczos with full reorthogonalization.
//!
//! The operator is any closure v ↦ Av (here: exact Hessian-vector products), so the Hessian is
//! never formed. Full reorthogonalization (after the three-term recurrence, a Gram–Schmidt pass
//! against every earlier basis vector, four basis vectors per sweep over memory) keeps the basis
//! orthonormal to working precision, so no spurious copies of converged eigenvalues appear. The
//! workspace is allocated once and reused: a run allocates nothing.
//!
//! Two ways to stop ([`StopRule`]): after a fixed number of iterations, or adaptively once the
//! requested top Ritz values are accurate to a relative tolerance. The adaptive test uses for
//! each Ritz pair (θ, y) its residual r = β_m|y_m|, which equals ‖Ay − θy‖, and the gap g to
//! the nearest other Ritz value: the eigenvalue error is at most min(r, r²/g). Unlike a test on
//! r alone, it stops as soon as θ is accurate, even while the Ritz vector still moves. When the
//! Krylov space closes early (a start vector that is already an eigenvector), the iteration
//! goes on in a fresh orthogonal direction if more pairs are asked for.

use super::kernels::{axpy, dot, dot4, subtract4};
use super::tridiagonal::{Tridiagonal, TridiagonalWork};

/// A relative size of the new direction below which the Krylov space is taken to be invariant
/// (exhausted): the Ritz values are then exact eigenvalues of A.
const BREAKDOWN: f64 = 1e-13;

/// When a Lanczos run stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StopRule {
    /// Exactly this many iterations (fewer only when the Krylov space is exhausted).
    Iterations(usize),
    /// As soon as the top Ritz value is accurate to `tolerance` relative (see the module
    /// documentation), but after at most `max_iter` iterations.
    Converged { tolerance: f64, max_iter: usize },
}

impl StopRule {
    fn max_iter(&self) -> usize {
        match *self {
            StopRule::Iterations(m) => m,
            StopRule::Converged { max_iter, .. } => max_iter,
        }
    }
}

/// Reusable Lanczos workspace for operators of one dimension.
#[derive(Clone, Debug)]
pub struct Lanczos {
    dim: usize,
    capacity: usize,
    /// Orthonormal basis vectors q₀, q₁, …, stored row after row.
    basis: Vec<f64>,
    w: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    tri_values: Vec<f64>,
    tri_vectors: Vec<f64>,
    tri_work: TridiagonalWork,
}

/// Ritz pairs, largest value first, with their residual norms ‖Ay − θy‖.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ritz {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
    pub residuals: Vec<f64>,
    /// Bounds on |λ − θ| for each Ritz value θ: min(r, r²/g) with r its residual and g the
    /// distance to the nearest other Ritz value (r alone when there is none).
    pub error_bounds: Vec<f64>,
    /// Lanczos iterations (operator applications) performed.
    pub iterations: usize,
}

impl Lanczos {
    /// A workspace for `dim`-dimensional operators and at most `capacity` iterations (capped at
    /// `dim`: beyond it the Krylov space cannot grow).
    pub fn new(dim: usize, capacity: usize) -> Self {
        let capacity = capacity.clamp(1, dim.max(1));
        Self {
            dim,
            capacity,
            basis: vec![0.0; capacity * dim],
            w: vec![0.0; dim],
            alpha: Vec::with_capacity(capacity),
            beta: Vec::with_capacity(capacity),
            tri_values: Vec::with_capacity(capacity),
            tri_vectors: Vec::with_capacity(capacity * capacity),
            tri_work: TridiagonalWork::default(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The `k` largest Ritz pairs after the workspace's full number of iterations from `start`.
    /// None when `start` is zero or not finite, or the operator returns non-finite values.
    pub fn top(&mut self, k: usize, start: &[f64], apply: impl FnMut(&[f64], &mut [f64])) -> Option<Ritz> {
        let mut ritz = Ritz::default();
        self.run(k, start, StopRule::Iterations(self.capacity), apply, &mut ritz).then_some(ritz)
    }

    /// Runs Lanczos from `start` until `rule` says stop, and writes the `k` largest Ritz pairs
    /// into `out` (reusing its buffers). Returns false, leaving `out` empty, when `start` is
    /// zero or not finite or the operator returns non-finite values.
    pub fn run(
        &mut self,
        k: usize,
        start: &[f64],
        rule: StopRule,
        mut apply: impl FnMut(&[f64], &mut [f64]),
        out: &mut Ritz,
    ) -> bool {
        let dim = self.dim;
        assert_eq!(start.len(), dim, "start vector has the wrong dimension");
        out.values.clear();
        out.residuals.clear();
        out.error_bounds.clear();
        out.iterations = 0;
        let norm = dot(start, start).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            out.vectors.clear();
            return false;
        }
        for (q, s) in self.basis[..dim].iter_mut().zip(start) {
            *q = s / norm;
        }
        self.alpha.clear();
        self.beta.clear();
        let max_iter = rule.max_iter().clamp(1, self.capacity);
        let mut m = 0;
        while m < max_iter {
            let (done, rest) = self.basis.split_at_mut((m + 1) * dim);
            apply(&done[m * dim..], &mut self.w);
            let a = dot(&done[m * dim..], &self.w);
            if !a.is_finite() {
                out.vectors.clear();
                return false;
            }
            self.alpha.push(a);
            m += 1;
            // The three-term recurrence, then one pass of classical Gram–Schmidt against the
            // whole basis: what the recurrence leaves of earlier directions is already at
            // rounding level, so a single pass brings it to working precision.
            axpy(-a, &done[(m - 1) * dim..], &mut self.w);
            if m >= 2 {
                axpy(-self.beta[m - 2], &done[(m - 2) * dim..(m - 1) * dim], &mut self.w);
            }
            orthogonalize(&done[..m * dim], dim, &mut self.w);
            let mut b = dot(&self.w, &self.w).sqrt();
            let scale = self.alpha.iter().fold(b, |s, v| s.max(v.abs()));
            if b <= BREAKDOWN * scale && m < k.min(max_iter) {
                // The Krylov space is invariant but fewer than k pairs are known: go on in a
                // fresh direction orthogonal to it (T then decouples exactly, β = 0).
                fresh_direction(&done[..m * dim], dim, m, &mut self.w);
                self.beta.push(0.0);
                b = dot(&self.w, &self.w).sqrt();
            } else {
                self.beta.push(b);
                if m == max_iter
                    || b <= BREAKDOWN * scale
                    || converged(
                        rule,
                        k,
                        &self.alpha,
                        &self.beta,
                        &mut self.tri_values,
                        &mut self.tri_vectors,
                        &mut self.tri_work,
                    )
                {
                    break;
                }
            }
            for (qn, wj) in rest[..dim].iter_mut().zip(&self.w) {
                *qn = wj / b;
            }
        }
        self.write_ritz(k.min(m), m, out)
    }

    /// Ritz pairs from the m × m tridiagonal matrix T built so far.
    fn write_ritz(&mut self, k: usize, m: usize, out: &mut Ritz) -> bool {
        let t = Tridiagonal { diagonal: &self.alpha[..m], off: &self.beta[..m - 1] };
        if t.top((k + 1).min(m), &mut self.tri_values, &mut self.tri_vectors, &mut self.tri_work).is_none() {
            out.vectors.clear();
            return false;
        }
        out.iterations = m;
        out.error_bounds.clear();
        out.vectors.resize_with(k, Vec::new);
        let last_beta = self.beta[m - 1];
        for c in 0..k {
            let y = &self.tri_vectors[c * m..(c + 1) * m];
            let v = &mut out.vectors[c];
            v.clear();
            v.resize(self.dim, 0.0);
            for (i, &yi) in y.iter().enumerate() {
                axpy(yi, &self.basis[i * self.dim..(i + 1) * self.dim], v);
            }
            out.values.push(self.tri_values[c]);
            out.residuals.push((last_beta * y[m - 1]).abs());
            out.error_bounds.push(error_bound(&self.tri_values, &self.tri_vectors, last_beta, m, c));
        }
        true
    }
}

/// The adaptive stopping test on the tridiagonal matrix (α, β) built so far: every one of the
/// top `k` Ritz values within `tolerance` of the largest in magnitude.
fn converged(
    rule: StopRule,
    k: usize,
    alpha: &[f64],
    beta: &[f64],
    values: &mut Vec<f64>,
    vectors: &mut Vec<f64>,
    work: &mut TridiagonalWork,
) -> bool {
    let StopRule::Converged { tolerance, .. } = rule else { return false };
    let m = alpha.len();
    if m < k {
        return false;
    }
    let t = Tridiagonal { diagonal: alpha, off: &beta[..m - 1] };
    if t.top((k + 1).min(m), values, vectors, work).is_none() {
        return false;
    }
    let scale = values.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    (0..k).all(|i| error_bound(values, vectors, beta[m - 1], m, i) <= tolerance * scale)
}

/// min(r, r²/g) for Ritz pair `i` of the tridiagonal matrix's `values` and `vectors` (m each).
fn error_bound(values: &[f64], vectors: &[f64], last_beta: f64, m: usize, i: usize) -> f64 {
    let residual = (last_beta * vectors[i * m + m - 1]).abs();
    let gap = values
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .map(|(_, v)| (v - values[i]).abs())
        .fold(f64::INFINITY, f64::min);
    if gap.is_finite() && gap > 0.0 {
        residual.min(residual * residual / gap)
    } else {
        residual
    }
}

/// A deterministic direction orthogonal to the `m` basis vectors, for going on after the Krylov
/// space closed.
fn fresh_direction(basis: &[f64], dim: usize, m: usize, w: &mut [f64]) {
    for (i, wi) in w.iter_mut().enumerate() {
        *wi = (((i + 1) * (m + 3) * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0 - 0.5;
    }
    for _ in 0..2 {
        orthogonalize(basis, dim, w);
    }
}

/// w ← w − Σᵢ ⟨qᵢ, w⟩ qᵢ over the basis vectors stored row after row in `basis`, four at a
/// time.
fn orthogonalize(basis: &[f64], dim: usize, w: &mut [f64]) {
    let mut rows = basis.chunks_exact(dim);
    let groups = rows.len() / 4;
    for _ in 0..groups {
        let q = [
            rows.next().unwrap_or(&[]),
            rows.next().unwrap_or(&[]),
            rows.next().unwrap_or(&[]),
            rows.next().unwrap_or(&[]),
        ];
        let c = dot4(q, w);
        subtract4(q, c, w);
    }
    for q in rows {
        let c = dot(q, w);
        axpy(-c, q, w);
    }
}
