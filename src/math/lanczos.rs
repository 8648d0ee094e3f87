//! Top eigenpairs of a symmetric operator by Lanczos with full reorthogonalization.
//!
//! The operator is any closure v ↦ Av (here: exact Hessian-vector products), so the Hessian is
//! never formed. Full reorthogonalization (two Gram–Schmidt passes against every earlier basis
//! vector) keeps the basis orthonormal to working precision, so no spurious copies of converged
//! eigenvalues appear. The workspace is allocated once and reused across calls.

use nalgebra::DMatrix;

use super::dense::SymmetricEigen;
use super::network::dot;

/// A relative size of the new direction below which the Krylov space is taken to be invariant
/// (exhausted): the Ritz values are then exact eigenvalues of A.
const BREAKDOWN: f64 = 1e-13;

/// Reusable Lanczos workspace for operators of one dimension.
#[derive(Clone, Debug)]
pub struct Lanczos {
    dim: usize,
    max_iter: usize,
    /// Orthonormal basis vectors q₀, q₁, …, stored row after row.
    basis: Vec<f64>,
    w: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
}

/// Ritz pairs, largest value first, with their residual norms ‖Ay − θy‖.
#[derive(Clone, Debug, PartialEq)]
pub struct Ritz {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
    pub residuals: Vec<f64>,
    /// Lanczos iterations (operator applications) performed.
    pub iterations: usize,
}

impl Lanczos {
    /// A workspace for `dim`-dimensional operators and at most `max_iter` iterations
    /// (capped at `dim`: beyond it the Krylov space cannot grow).
    pub fn new(dim: usize, max_iter: usize) -> Self {
        let max_iter = max_iter.clamp(1, dim.max(1));
        Self {
            dim,
            max_iter,
            basis: vec![0.0; max_iter * dim],
            w: vec![0.0; dim],
            alpha: Vec::with_capacity(max_iter),
            beta: Vec::with_capacity(max_iter),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The `k` largest Ritz pairs after at most `max_iter` iterations from `start`.
    /// None when `start` is zero or not finite, or the operator returns non-finite values.
    pub fn top(&mut self, k: usize, start: &[f64], mut apply: impl FnMut(&[f64], &mut [f64])) -> Option<Ritz> {
        let dim = self.dim;
        assert_eq!(start.len(), dim, "start vector has the wrong dimension");
        let norm = dot(start, start).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return None;
        }
        for (q, s) in self.basis[..dim].iter_mut().zip(start) {
            *q = s / norm;
        }
        self.alpha.clear();
        self.beta.clear();
        let mut m = 0;
        while m < self.max_iter {
            let (done, rest) = self.basis.split_at_mut((m + 1) * dim);
            let q = &done[m * dim..];
            apply(q, &mut self.w);
            let a = dot(q, &self.w);
            if !a.is_finite() {
                return None;
            }
            self.alpha.push(a);
            m += 1;
            // Two passes of classical Gram–Schmidt against the whole basis, which also removes
            // the three-term recurrence's α q_m and β q_{m−1}.
            for _ in 0..2 {
                for i in 0..m {
                    let qi = &done[i * dim..(i + 1) * dim];
                    let c = dot(qi, &self.w);
                    for (wj, qj) in self.w.iter_mut().zip(qi) {
                        *wj -= c * qj;
                    }
                }
            }
            let b = dot(&self.w, &self.w).sqrt();
            let scale = self.alpha.iter().map(|v| v.abs()).fold(b, f64::max);
            self.beta.push(b);
            if m == self.max_iter || b <= BREAKDOWN * scale {
                break;
            }
            for (qn, wj) in rest[..dim].iter_mut().zip(&self.w) {
                *qn = wj / b;
            }
        }
        self.ritz(k.min(m), m)
    }

    /// Ritz pairs from the m × m tridiagonal matrix T built so far.
    fn ritz(&self, k: usize, m: usize) -> Option<Ritz> {
        let mut t = DMatrix::zeros(m, m);
        for i in 0..m {
            t[(i, i)] = self.alpha[i];
            if i + 1 < m {
                t[(i, i + 1)] = self.beta[i];
                t[(i + 1, i)] = self.beta[i];
            }
        }
        let eig = SymmetricEigen::new(&t)?;
        let last_beta = self.beta[m - 1];
        let mut ritz = Ritz {
            values: Vec::with_capacity(k),
            vectors: Vec::with_capacity(k),
            residuals: Vec::with_capacity(k),
            iterations: m,
        };
        for c in 0..k {
            let y = eig.vectors.column(c);
            let mut v = vec![0.0; self.dim];
            for (i, &yi) in y.iter().enumerate() {
                for (vj, qj) in v.iter_mut().zip(&self.basis[i * self.dim..(i + 1) * self.dim]) {
                    *vj += yi * qj;
                }
            }
            ritz.values.push(eig.values[c]);
            ritz.residuals.push((last_beta * y[m - 1]).abs());
            ritz.vectors.push(v);
        }
        Some(ritz)
    }
}
